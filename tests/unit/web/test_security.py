"""Off loopback the token is the only lock (issue 11): it must be hard to guess, guessing it
must be slow, and a Host with user info is no loopback name."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from backbuddy.config import Settings
from backbuddy.web.app import create_app
from backbuddy.web.security import token_problem
from backbuddy.web.throttle import MAX_FAILURES, TokenFailures

from .conftest import BASE, ORIGIN, WS, make_client, start_session

TOKEN = "Xq7-vR2mK9pLw4tZ"


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("a", "1 character"),
        ("s3cret", "6 character"),
        ("aaaaaaaaaaaaaaaaaaaa", "repeats itself"),
        ("abababababababababab", "repeats itself"),
        ("passwordpassword", "repeats itself"),
        ("my secret token!!", "letters, digits"),
        ("abcdefghijklmn&o=p", "letters, digits"),
    ],
)
def test_an_easy_or_mangled_token_is_refused_with_the_reason(token: str, why: str) -> None:
    problem = token_problem(token)
    assert problem is not None
    assert why in problem


def test_random_tokens_are_accepted() -> None:
    """Ours, one like `serve` makes up, and a hex one: each 20 times over."""
    assert token_problem(TOKEN) is None
    for _ in range(20):
        assert token_problem(secrets.token_urlsafe(18)) is None
        assert token_problem(secrets.token_hex(16)) is None


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "backbuddy.cli.main", "serve", "--no-browser", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_serve_refuses_a_weak_token_off_loopback(tmp_path: Path) -> None:
    done = serve("--host", "0.0.0.0", "--token", "a", "--db", str(tmp_path / "s.db"))
    assert done.returncode == 2
    assert "--token refused" in done.stderr
    assert "at least 16" in done.stderr
    assert "Traceback" not in done.stderr


# ── failed tokens lock other machines out for a while ────────────────────────


def off_loopback(tmp_path: Path, client: tuple[str, int]) -> TestClient:
    app = create_app(
        Settings(db=str(tmp_path / "web.sqlite3"), host="0.0.0.0", token=TOKEN),  # type: ignore[arg-type]
        grace_s=30.0,
        speaking=False,
    )
    return TestClient(app, base_url=BASE, client=client)


def test_after_too_many_wrong_tokens_other_machines_get_429(tmp_path: Path) -> None:
    with off_loopback(tmp_path, ("192.0.2.7", 50000)) as c:
        for n in range(MAX_FAILURES - 1):
            assert c.get(f"/?token=guess{n:012d}").status_code == 401
        assert c.get(f"/?token={TOKEN}").status_code == 200  # not locked yet
        c.cookies.clear()
        assert c.get("/?token=one-guess-too-many").status_code == 401
        locked = c.get(f"/?token={TOKEN}")  # even the right token: guessing must not go on
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 0
        with c.websocket_connect(f"{WS}/ws/session/1?token={TOKEN}", headers=ORIGIN) as ws:
            refused = ws.receive_json()
            assert refused["code"] == "forbidden"
            assert "too many wrong tokens" in refused["message"]


def test_a_missing_token_is_not_a_guess(tmp_path: Path) -> None:
    with off_loopback(tmp_path, ("192.0.2.7", 50000)) as c:
        for _ in range(MAX_FAILURES * 2):
            assert c.get("/healthz").status_code == 401
        assert c.get(f"/healthz?token={TOKEN}").status_code == 200


def test_this_machine_is_never_locked_out_and_its_stop_gets_through(tmp_path: Path) -> None:
    """Guesses from elsewhere lock the door, but the pair at this machine can still stop."""
    with off_loopback(tmp_path, ("127.0.0.1", 50000)) as c:
        assert c.get(f"/?token={TOKEN}").status_code == 200
        sid = start_session(c)
        for _ in range(MAX_FAILURES):  # guesses from another machine lock the door
            c.app.state.token_failures.failed()  # type: ignore[attr-defined]
        assert c.app.state.token_failures.locked("192.0.2.7") > 0  # type: ignore[attr-defined]
        assert c.get("/history").status_code == 200
        with c.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            assert [ws.receive_json()["type"] for _ in range(3)] == ["hello", "cues", "state"]
            ws.send_json({"v": 1, "type": "event", "event": {"event": "stop"}, "ref": "s"})
            while (m := ws.receive_json()).get("ref") != "s":
                pass
            assert m["cues"][0]["kind"] == "halt"


def test_the_lock_opens_again_after_its_time() -> None:
    failures = TokenFailures(limit=3, window_s=60, lockout_s=30)
    for t in (0.0, 1.0, 2.0):
        failures.failed(now=t)
    assert failures.locked("192.0.2.7", now=10.0) == pytest.approx(22.0)
    assert failures.locked("192.0.2.7", now=33.0) == 0.0
    assert failures.locked("::1", now=10.0) == 0.0


def test_failures_spread_over_more_than_the_window_do_not_lock() -> None:
    failures = TokenFailures(limit=3, window_s=60, lockout_s=30)
    for t in (0.0, 61.0, 122.0, 183.0):
        failures.failed(now=t)
    assert failures.locked("192.0.2.7", now=184.0) == 0.0


# ── Host with user info ──────────────────────────────────────────────────────


@pytest.mark.parametrize("host", ["evil.com@localhost", "evil.com@127.0.0.1:8000", "a:b@localhost"])
def test_a_host_with_user_info_is_refused(client: TestClient, host: str) -> None:
    assert client.get("/", headers={"host": host}).status_code == 421
    sid = start_session(client)
    headers = {"host": host, "origin": f"http://{host}"}
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=headers) as ws:
        assert ws.receive_json()["code"] == "forbidden"
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()


def test_a_host_with_user_info_is_refused_off_loopback_too(tmp_path: Path) -> None:
    with make_client(tmp_path, host="0.0.0.0", token=TOKEN) as c:
        assert c.get(f"/?token={TOKEN}", headers={"host": "evil.com@localhost"}).status_code == 421
        assert c.get(f"/?token={TOKEN}").status_code == 200
