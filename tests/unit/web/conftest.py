"""Fixtures for the web app: a real app over a temporary SQLite store, driven in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backbuddy.config import Settings
from backbuddy.domain.screening import load_questions
from backbuddy.web.app import create_app
from backbuddy.web.frames import AnalyzerFactory

TECHNIQUE = "seated_hug_extension"
BASE = "http://127.0.0.1:8000"
WS = "ws://127.0.0.1:8000"
ORIGIN = {"origin": BASE}


def clean_answers() -> dict[str, str]:
    """Every screening question answered 'no': outcome clear."""
    return {q.id: "no" for q in load_questions().questions}


def make_client(
    tmp_path: Path,
    analyzers: AnalyzerFactory | None = None,
    grace_s: float = 30.0,
    speaking: bool = False,
    **settings: object,
) -> TestClient:
    """The app; `speaking`: the server's voice renders cues (Piper loads: slow, so off here)."""
    app = create_app(
        Settings(db=str(tmp_path / "web.sqlite3"), **settings),  # type: ignore[arg-type]
        analyzers=analyzers,
        grace_s=grace_s,
        speaking=speaking,
    )
    return TestClient(app, base_url=BASE)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path) as c:
        yield c


def start_session(client: TestClient, camera: bool = False) -> int:
    """Clean screening, then start a session; returns its id."""
    r = client.post(f"/screening/{TECHNIQUE}", data=clean_answers())
    assert r.status_code == 200, r.text
    data = {"technique": TECHNIQUE, **({"camera": "on"} if camera else {})}
    r = client.post("/sessions", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


@pytest.fixture
def page_people_allowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's techniques as written but for `video.page_two_people` (True): for tests of
    the page's own pose with the two-person step (role keeping, the people's outlines), which
    the Seated Hug refuses (its page path stopped a jerk too late: tools/calibrate/page_halts.py).
    The techniques are read from a copy, as `tests/e2e/app_server.py --techniques` does."""
    from tests.support.paced import quick_techniques

    from backbuddy.domain import techniques

    folder = quick_techniques(tmp_path / "techniques", {}, page_two_people=True)
    monkeypatch.setattr(techniques, "default_dir", lambda: folder)
    return folder


@pytest.fixture
def box_frame_rate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's techniques as written but for `video.min_fps` (`BOX_MIN_FPS`, as the browser
    tests walk to the movement): for a test whose own thread is the camera, one frame per
    answer, and whose subject is not the rate watch. Beside busy loops (load 12) that thread
    sent 3-8 frames a second, and the hug's 15 held every movement back as "too few
    pictures a second" (`rules.too_slow`, as it must): no move in 40 s, 1 run in 4 (session
    24). The rate watch itself: tests/unit/domain/test_session_gates.py."""
    from tests.support.paced import BOX_MIN_FPS, quick_techniques

    from backbuddy.domain import techniques

    folder = quick_techniques(tmp_path / "techniques", {}, min_fps=BOX_MIN_FPS)
    monkeypatch.setattr(techniques, "default_dir", lambda: folder)
    return folder
