"""One worker of several (`web.workers`), in process: its door for siblings, the addresses it
sends a browser to, and a sibling that is gone (a start then happens here).

Two real workers together: tests/integration/test_workers.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from tests.support.servers import free_port
from tests.unit.web.conftest import BASE, ORIGIN, TECHNIQUE, clean_answers

from backbuddy.config import Settings
from backbuddy.web.app import create_app
from backbuddy.web.workers import SECRET_HEADER, Workers, address

SECRET = "unit-worker-secret-0123456789"


def worker_client(tmp_path: Path, sibling: int) -> TestClient:
    """Worker 0 of two; the sibling's port has nothing listening (it is gone)."""
    workers = Workers((8000, sibling), 0, SECRET)
    app = create_app(Settings(db=str(tmp_path / "w.sqlite3")), speaking=False, workers=workers)
    return TestClient(app, base_url=BASE)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8001"),
        ("localhost:8000", "http://localhost:8001"),
        ("[::1]:8000", "http://[::1]:8001"),
        ("192.168.1.20:8000", "http://192.168.1.20:8001"),
    ],
)
def test_the_browser_is_sent_to_the_same_host_on_the_workers_port(host: str, expected: str):
    scope = {"type": "http", "scheme": "http", "headers": [(b"host", host.encode())], "path": "/"}
    assert address(Request(scope), 8001) == expected


def test_the_siblings_door_needs_the_shared_secret(tmp_path: Path) -> None:
    with worker_client(tmp_path, free_port()) as client:
        assert client.get("/workers/sessions").status_code == 403
        wrong = client.get("/workers/sessions", headers={SECRET_HEADER: "guess" * 6})
        assert wrong.status_code == 403
        right = client.get("/workers/sessions", headers={SECRET_HEADER: SECRET})
        assert right.json() == {"sessions": []}
        refused = client.post("/workers/start", json={"technique": TECHNIQUE, "camera": False})
        assert refused.status_code == 403


def test_without_workers_there_is_no_siblings_door(tmp_path: Path) -> None:
    app = create_app(Settings(db=str(tmp_path / "w.sqlite3")), speaking=False)
    with TestClient(app, base_url=BASE) as client:
        answer = client.get("/workers/sessions", headers={SECRET_HEADER: SECRET})
        assert answer.status_code == 403


def test_a_start_happens_here_when_the_sibling_is_gone(tmp_path: Path) -> None:
    """The sibling does not answer: the session starts on this worker, as with one worker."""
    with worker_client(tmp_path, free_port()) as client:
        assert client.post(f"/screening/{TECHNIQUE}", data=clean_answers()).status_code == 200
        started = client.post(
            "/sessions", data={"technique": TECHNIQUE}, headers=ORIGIN, follow_redirects=False
        )
        assert (started.status_code, started.headers["location"]) == (303, "/session/1")
        mine = client.get("/workers/sessions", headers={SECRET_HEADER: SECRET}).json()
        assert mine == {"sessions": [{"id": 1, "technique": TECHNIQUE}]}
