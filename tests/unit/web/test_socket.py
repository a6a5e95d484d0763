"""The session socket: cues and state out, presses in, and every kind of bad input refused."""

from __future__ import annotations

import itertools
import json
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from backbuddy.bootstrap import open_store
from backbuddy.config import Settings
from backbuddy.domain.errors import StoreError
from backbuddy.domain.events import Pose
from backbuddy.domain.techniques import Limits, Technique
from backbuddy.web.app import create_app
from backbuddy.web.frames import FrameResult

from .conftest import BASE, ORIGIN, WS, make_client, start_session
from .jpegs import tiny_jpeg

JPEG = tiny_jpeg()
#: A grace period short enough to wait out in a test (the fixtures' is 30 s, like the server's).
SHORT_GRACE_S = 0.3


class StillReceiver:
    """Test double for the camera watch: every frame shows the receiver in position."""

    def analyze(self, jpeg: bytes, t: float, checks: tuple[str, ...]) -> FrameResult:
        points: Sequence[Sequence[float]] = [[0.5, 0.5, 0.9]] * 33
        return FrameResult(Pose(t), points, dict.fromkeys(checks, True))

    def close(self) -> None:
        pass


def still(technique: Technique, limits: Limits) -> StillReceiver:
    return StillReceiver()


class SocketClosed(WebSocketDisconnect):
    """The server closed the socket: its code and reason, and what the page read last."""

    def __init__(self, err: WebSocketDisconnect, seen: Sequence[dict[str, Any]]) -> None:
        super().__init__(err.code, err.reason)
        self.seen = list(seen)

    def __str__(self) -> str:
        last = "\n".join(f"  {json.dumps(m)[:400]}" for m in self.seen)
        return f"the server closed the socket ({self.code} {self.reason!r}); read last:\n{last}"


def until(ws: WebSocketTestSession, pred: Any, limit: int = 200) -> dict[str, Any]:
    """The first message `pred` takes; a socket the server closes says why (its code, and
    the last messages the page read: a fatal error, the session's end)."""
    seen: deque[dict[str, Any]] = ws.__dict__.setdefault("seen", deque(maxlen=8))
    for _ in range(limit):
        try:
            msg: dict[str, Any] = ws.receive_json()
        except SocketClosed:
            raise
        except WebSocketDisconnect as err:
            raise SocketClosed(err, seen) from None
        seen.append(msg)
        if pred(msg):
            return msg
    raise AssertionError(f"message never came; read last: {list(seen)}")


def opening(ws: WebSocketTestSession) -> list[dict[str, Any]]:
    return [ws.receive_json() for _ in range(3)]


def status_of(client: TestClient, sid: int) -> str:
    store = client.app.state.registry.store  # type: ignore[attr-defined]
    return next(s.status for s in store.sessions() if s.id == sid)


def test_hello_replay_state_then_stop_halts(client: TestClient) -> None:
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        hello, replay, state = opening(ws)
        assert hello["type"] == "hello"
        assert hello["camera"] is False
        assert hello["min_fps"] == 15  # the hug's `video.min_fps`: the page keeps that rate
        assert replay["replay"] is False  # first page: the opening cues are spoken
        assert any(c["kind"] == "step" for c in replay["cues"])
        assert state["mode"] == "setup"
        ws.send_json({"v": 1, "type": "event", "event": {"event": "stop"}, "ref": "p1"})
        cues = until(ws, lambda m: m["type"] == "cues" and m.get("ref") == "p1")
        assert cues["cues"][0]["kind"] == "halt"
        assert until(ws, lambda m: m["type"] == "state")["mode"] == "halted"


def held_in_view(ws: WebSocketTestSession, frames: Any, seconds: float = 1.2) -> None:
    """Set-up in front of the camera: frames 20 a second for `seconds` (the position held
    for the technique's `checks_hold_s`: the camera confirms the receiver's step), then the
    pair's `ready` for the assistant's, again after more frames while it is refused as not
    yet held (a loaded machine answers frames late: a gap restarts the hold)."""
    deadline = time.monotonic() + 15
    end = time.monotonic() + seconds
    for n in itertools.count():
        while time.monotonic() < end:
            ws.send_bytes(next(frames))
            until(ws, lambda m: m["type"] == "frame")
            time.sleep(0.05)
        ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": f"h{n}"})
        answer = until(ws, lambda m, n=n: m.get("ref") == f"h{n}")
        refused = [c for c in answer["cues"] if (c.get("reason") or "").startswith("not_ready")]
        if not refused:
            return
        assert time.monotonic() < deadline, refused
        end = time.monotonic() + 0.4


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("not json", "bad_message"),
        ('{"v": 2, "type": "event", "event": {"event": "stop"}}', "bad_version"),
        ('{"v": 1, "type": "event", "event": {"event": "explode"}}', "unknown_event"),
        ('{"v": 1, "type": "event", "event": {"event": "tick"}}', "unknown_event"),
        ('{"v": 1, "type": "event", "event": {"event": "stop", "t": 5}}', "bad_message"),
        # Only the server ends a session for a screening (history would say "ended by
        # backbuddy" for a page's own end).
        ('{"v": 1, "type": "event", "event": {"event": "end", "why": "screening"}}', "bad_message"),
        # Only the server steps a symptom felt in another session (the history says where).
        (
            '{"v": 1, "type": "event", "event": {"event": "sensation", "sensation": "numbness",'
            ' "elsewhere": "in session 1"}}',
            "bad_message",
        ),
        (
            '{"v": 1, "type": "event", "event": {"event": "sensation", "sensation": "x"}}',
            "bad_message",
        ),
        # Only the server's microphone hears a pop (red team, session 13): a page's own pop
        # told as heard would make the history say the microphone heard a pressed one.
        (
            '{"v": 1, "type": "event", "event": {"event": "pop", "source": "audio",'
            ' "confidence": 0.9, "during_speech": true}}',
            "bad_message",
        ),
        ('{"v": 1, "type": "event", "event": {"event": "pop", "confidence": 0.9}}', "bad_message"),
        # A page's stop comes from its button or key, never the system, camera or a voice.
        (
            '{"v": 1, "type": "event", "event": {"event": "stop", "source": "system"}}',
            "bad_message",
        ),
        ('{"v": 1, "type": "event", "event": {"event": "stop", "source": "voice"}}', "bad_message"),
        # Unhashable values where a name belongs reached the last-resort handler (TypeError).
        ('{"v": 1, "type": "event", "event": {"event": ["stop"]}}', "unknown_event"),
        ('{"v": 1, "type": "event", "event": {"event": "stop", "source": ["key"]}}', "bad_message"),
        (
            '{"v": 1, "type": "event", "event": {"event": "sensation", "sensation": {}}}',
            "bad_message",
        ),
        ('{"v": 1, "type": "dance"}', "bad_message"),
        ("x" * 20000, "too_big"),
    ],
)
def test_protocol_violation_errors_stops_and_interrupts(
    client: TestClient, message: str, code: str
) -> None:
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        opening(ws)
        ws.send_text(message)
        error = until(ws, lambda m: m["type"] == "error")
        assert error["code"] == code
        assert error["fatal"]
        assert error["message"]
        assert "could not read" not in error["message"]  # foreseen, not the last resort
        with pytest.raises(WebSocketDisconnect):
            until(ws, lambda m: False)
    assert status_of(client, sid) == "interrupted"
    events = client.app.state.registry.store.events(sid)  # type: ignore[attr-defined]
    assert events[-1].kind == "stop"
    assert events[-1].source == "system"
    assert client.get("/healthz").status_code == 200  # still serving


def test_second_socket_is_refused_first_keeps_going(client: TestClient) -> None:
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as first:
        opening(first)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as second:
            assert second.receive_json()["code"] == "already_connected"
        first.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": "r"})
        assert until(first, lambda m: m.get("ref") == "r")["type"] == "cues"


def test_two_tabs_opening_at_once_one_is_refused_and_closing_it_leaves_the_other_going(
    client: TestClient,
) -> None:
    """Both sockets are let in while the session's lock is held (an event in flight as two
    tabs open it): each passed the gate's "nobody attached" before either attached. Before,
    both attached; the first to close then took the page from the session (its cues went
    nowhere, a system stop, and the session was interrupted after the grace period while the
    other tab was still open and pressing)."""
    sid = start_session(client)
    live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
    portal = client.portal  # type: ignore[attr-defined]
    portal.call(live.lock.acquire)
    url = f"{WS}/ws/session/{sid}"
    with client.websocket_connect(url, headers=ORIGIN) as one:
        with client.websocket_connect(url, headers=ORIGIN) as two:
            portal.call(live.lock.release)
            assert one.receive_json()["type"] == "hello"  # first in line for the lock
            refused = two.receive_json()
            assert refused["code"] == "already_connected", refused
        # The refused tab is closed, as a user closes a duplicate; the first goes on.
        one.send_json({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": "r"})
        assert until(one, lambda m: m.get("ref") == "r")["type"] == "cues"
        assert live.send is not None
        assert live.runner.state.mode not in ("halted", "ended")


def test_foreign_origin_is_refused(client: TestClient) -> None:
    sid = start_session(client)
    headers = {"origin": "http://evil.example"}
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=headers) as ws:
        assert ws.receive_json()["code"] == "forbidden"


def test_unknown_session_is_refused(client: TestClient) -> None:
    with client.websocket_connect(f"{WS}/ws/session/4242", headers=ORIGIN) as ws:
        assert ws.receive_json()["code"] == "unknown_session"


def interrupted_in_time(client: TestClient, sid: int, within_s: float = 10.0) -> bool:
    """The session is recorded as interrupted once its (short) grace period is over."""
    deadline = time.monotonic() + within_s
    while status_of(client, sid) != "interrupted":
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_closed_tab_halts_then_interrupts_after_grace(tmp_path: Path) -> None:
    """The grace is short once the page is there: short from the start, a loaded box took
    longer than it between the start and the socket, and the session was over before its
    page came (4404, 1 run in 3 of tests/unit/web beside two busy loops, session 24)."""
    with make_client(tmp_path) as client:
        sid = start_session(client)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            client.app.state.registry.get(sid).grace_s = SHORT_GRACE_S  # type: ignore[attr-defined]
        assert interrupted_in_time(client, sid)
        events = client.app.state.registry.store.events(sid)  # type: ignore[attr-defined]
        assert [e.kind for e in events][-1] == "stop"


def test_symptom_ends_with_referral_and_aftercare(client: TestClient) -> None:
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        opening(ws)
        event = {"event": "sensation", "sensation": "numbness"}
        ws.send_json({"v": 1, "type": "event", "event": event, "ref": "s"})
        kinds = [c["kind"] for c in until(ws, lambda m: m.get("ref") == "s")["cues"]]
        assert kinds[0] == "halt"
        assert "refer" in kinds
        assert kinds[-1] == "done"
    assert status_of(client, sid) == "halted"
    page = client.get(f"/session/{sid}/aftercare").text
    assert "checked today" in page
    answers = {"feel": "worse", "new_symptoms": ["numbness"]}
    result = client.post(f"/session/{sid}/aftercare", data=answers).text
    assert "Get checked today" in result


def test_frames_give_overlay_and_checks(tmp_path: Path) -> None:
    with make_client(tmp_path, analyzers=still) as client:
        sid = start_session(client, camera=True)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            hello = opening(ws)[0]
            assert hello["camera"] is True
            ws.send_bytes(JPEG)
            frame = until(ws, lambda m: m["type"] == "frame")
            assert len(frame["landmarks"]) == 33
            assert all(frame["checks"].values())
            state = until(ws, lambda m: m["type"] == "state")  # the checklist turned green
            assert all(c["ok"] for c in state["checks"])
            ws.send_bytes(b"GIF89a not a jpeg")
            assert until(ws, lambda m: m["type"] == "error")["code"] == "not_an_image"
            ws.send_bytes(b"\xff\xd8\xff" + b"\x00" * (300 * 1024))
            assert until(ws, lambda m: m["type"] == "error")["code"] == "too_big"


def test_page_back_within_grace_finds_the_session_halted(client: TestClient) -> None:
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        opening(ws)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        hello, replay, state = opening(ws)
        assert replay["replay"] is True
        assert state["mode"] == "halted"
        ws.send_json({"v": 1, "type": "event", "event": {"event": "resume"}, "ref": "go"})
        assert until(ws, lambda m: m.get("ref") == "go")["cues"]
        assert until(ws, lambda m: m["type"] == "state")["mode"] == "setup"
    assert status_of(client, sid) == "running"


def test_a_page_that_never_opens_leaves_the_session_interrupted(tmp_path: Path) -> None:
    with make_client(tmp_path, grace_s=SHORT_GRACE_S) as client:
        sid = start_session(client)
        assert interrupted_in_time(client, sid)


def test_off_loopback_the_socket_needs_the_token(tmp_path: Path) -> None:
    with make_client(tmp_path, host="0.0.0.0", token="s3cret") as client:
        client.get("/?token=s3cret")
        sid = start_session(client)
        client.cookies.clear()
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            assert ws.receive_json()["code"] == "forbidden"
        url = f"{WS}/ws/session/{sid}?token=s3cret"
        with client.websocket_connect(url, headers=ORIGIN) as ws:
            assert ws.receive_json()["type"] == "hello"


class BrokenDisk:
    """The real store, until `broken` is set: then every append fails as a full disk would."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.broken = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def append_steps(self, *args: Any) -> None:
        if self.broken:
            raise StoreError("database or disk is full")
        self.store.append_steps(*args)


def test_a_store_that_cannot_record_stops_the_page(tmp_path: Path) -> None:
    """I7: nothing goes on unrecorded; the page gets a fatal error and halts itself."""
    opened = open_store(Settings(db=str(tmp_path / "disk.sqlite3")))
    disk = BrokenDisk(opened.store)
    app = create_app(
        Settings(db=str(tmp_path / "unused.sqlite3")), store=disk, grace_s=30.0, speaking=False
    )
    with TestClient(app, base_url=BASE) as client:
        sid = start_session(client)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            disk.broken = True
            ws.send_json({"v": 1, "type": "event", "event": {"event": "ready"}})
            error = until(ws, lambda m: m["type"] == "error")
            assert error["code"] == "store_failed"
            assert error["fatal"]
            assert "disk is full" in error["message"]
            # Hands are on and nobody looks at the screen: the page is given the stop to say.
            assert [p["text"] for p in error["speech"]] == ["Stop and release gently."]
            with pytest.raises(WebSocketDisconnect):  # fatal: the socket closes next
                until(ws, lambda m: False)
    opened.store.close()


class ToldReceiver(StillReceiver):
    """`StillReceiver` that notes, at each frame, what the session last told it: whether a
    movement runs (`CameraWatch.moving`, which passes it to the server's two-person step)."""

    def __init__(self) -> None:
        self.moving_now: bool | None = None
        self.told: list[bool | None] = []

    def moving(self, on: bool) -> None:
        self.moving_now = on

    def analyze(self, jpeg: bytes, t: float, checks: tuple[str, ...]) -> FrameResult:
        self.told.append(self.moving_now)
        return super().analyze(jpeg, t, checks)


def test_the_camera_watch_is_told_when_a_movement_runs(tmp_path: Path) -> None:
    """The server's two-person step looks every 0.13 s only in a movement (its set-up checklist
    needs the calmer cadence, session 22): each frame's analysis knows whether one runs, false
    while the receiver's set-up step is checked, true once the pair's `ready` began the attempt
    (from the assistant's hold on: `rules.movement_watched`)."""
    from .jpegs import moving_jpegs

    told = ToldReceiver()
    with make_client(tmp_path, analyzers=lambda technique, limits: told) as client:
        sid = start_session(client, camera=True)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            frames = moving_jpegs()
            held_in_view(ws, frames)
            assert told.told[0] is False  # the receiver's set-up step
            assert live.runner.state.mode == "attempt"
            ws.send_bytes(next(frames))
            until(ws, lambda m: m["type"] == "frame")
            assert told.told[-1] is True
