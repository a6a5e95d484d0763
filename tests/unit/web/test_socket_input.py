"""Hostile or late input on the session socket (issue 11): decompression bombs, JSON nested
thousands deep, a flood of presses, and a stop or symptom pressed after the end."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from backbuddy.domain.events import Pose
from backbuddy.domain.techniques import Limits, Technique
from backbuddy.web.frames import MAX_FRAME_SIDE, FrameRejected, check_frame
from backbuddy.web.frames import FrameResult as Result
from backbuddy.web.throttle import EVENTS_BURST

from .conftest import ORIGIN, WS, make_client, start_session
from .jpegs import claims_size, tiny_jpeg
from .test_socket import opening, status_of, until

FLOOD = 200


class CountingWatch:
    """Test double for the camera watch: counts the frames that reached it."""

    def __init__(self) -> None:
        self.frames = 0

    def analyze(self, jpeg: bytes, t: float, checks: tuple[str, ...]) -> Result:
        self.frames += 1
        points: Sequence[Sequence[float]] = [[0.5, 0.5, 0.9]] * 33
        return Result(Pose(t), points, dict.fromkeys(checks, True))

    def close(self) -> None:
        pass


def press(kind: str, ref: str, **fields: Any) -> dict[str, Any]:
    return {"v": 1, "type": "event", "event": {"event": kind, **fields}, "ref": ref}


# ── decompression bombs (item 8) ─────────────────────────────────────────────


@pytest.mark.parametrize(("width", "height"), [(17000, 10000), (1921, 1080), (640, 1921)])
def test_a_frame_larger_than_allowed_is_refused_from_its_header(width: int, height: int) -> None:
    bomb = claims_size(width, height)
    assert len(bomb) < 2048  # a tiny file claiming a huge image
    with pytest.raises(FrameRejected) as refused:
        check_frame(bomb)
    assert refused.value.code == "too_big"
    assert f"{width}×{height}" in str(refused.value)


def test_frames_up_to_the_limit_pass_with_their_size() -> None:
    assert check_frame(tiny_jpeg(32, 24)) == (32, 24)
    assert check_frame(claims_size(MAX_FRAME_SIDE, MAX_FRAME_SIDE)) == (1920, 1920)


def test_a_bomb_never_reaches_the_camera_watch_and_the_socket_goes_on(tmp_path: Path) -> None:
    watch = CountingWatch()

    def factory(technique: Technique, limits: Limits) -> CountingWatch:
        return watch

    with make_client(tmp_path, analyzers=factory) as client:
        sid = start_session(client, camera=True)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            ws.send_bytes(claims_size(17000, 10000))
            error = until(ws, lambda m: m["type"] == "error")
            assert error["code"] == "too_big"
            assert not error["fatal"]
            assert "17000×10000" in error["message"]
            ws.send_bytes(tiny_jpeg())
            assert len(until(ws, lambda m: m["type"] == "frame")["landmarks"]) == 33
            assert watch.frames == 1  # only the real frame was analysed
        assert status_of(client, sid) == "running"


# ── JSON nested thousands deep (RecursionError) ──────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "[" * 8000 + "]" * 8000,
        '{"v": 1, "type": "event", "event": {"event": "stop", "x": '
        + "[" * 8000
        + "]" * 8000
        + "}}",
        '{"v": 1, "type": "event", "event": {"event": "stop", "x": ' + "[" * 50 + "]" * 50 + "}}",
    ],
    ids=["bare-8000", "inside-an-event-8000", "inside-an-event-50"],
)
def test_deeply_nested_json_is_a_bad_message_and_the_session_is_recorded(
    client: TestClient, text: str
) -> None:
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        opening(ws)
        ws.send_text(text)
        error = until(ws, lambda m: m["type"] == "error")
        assert error["code"] == "bad_message"
        assert "nests deeper" in error["message"]
        assert error["fatal"]
        with pytest.raises(WebSocketDisconnect):
            until(ws, lambda m: False)
    assert status_of(client, sid) == "interrupted"
    assert client.get("/healthz").status_code == 200


# ── a flood of presses on one socket (item 7) ────────────────────────────────


def test_a_flood_of_presses_is_refused_and_the_session_halts_and_is_recorded(
    client: TestClient,
) -> None:
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        opening(ws)
        for n in range(FLOOD):
            ws.send_text(json.dumps(press("stop", f"s{n}")))
        error = until(ws, lambda m: m["type"] == "error", limit=1000)
        assert error["code"] == "too_many_messages"
        assert error["fatal"]
    events = client.app.state.registry.store.events(sid)  # type: ignore[attr-defined]
    assert status_of(client, sid) == "interrupted"
    assert events[-1].kind == "stop"
    assert EVENTS_BURST <= len([e for e in events if e.kind == "stop"]) < FLOOD  # cut off


def test_presses_at_a_persons_pace_are_never_cut_off(client: TestClient) -> None:
    """Every press a person could make in a burst (a panicked double-handful) is taken."""
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        opening(ws)
        for n in range(EVENTS_BURST):
            ws.send_text(json.dumps(press("stop", f"s{n}")))
        seen: list[dict[str, Any]] = []
        until(ws, lambda m: seen.append(m) or m.get("ref") == f"s{EVENTS_BURST - 1}", limit=1000)
        answered = [m for m in seen if m["type"] == "cues" and m.get("ref")]
        assert len(answered) == EVENTS_BURST
        assert all(m["cues"][0]["kind"] == "halt" for m in answered)
        assert not [m for m in seen if m["type"] == "error"]
    assert status_of(client, sid) == "running"  # halted, waiting for its page to come back


# ── after the end: a stop or a symptom still counts (I2, I8) ─────────────────


def test_a_symptom_after_the_end_is_stored_and_counts_as_a_symptom_halt(
    client: TestClient,
) -> None:
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        opening(ws)
        ws.send_json(press("end", "end"))
        until(ws, lambda m: m.get("ref") == "end")
        assert until(ws, lambda m: m["type"] == "state")["ended"]
        assert status_of(client, sid) == "ended_by_pair"
        ws.send_json(press("sensation", "late", sensation="chest_pain"))
        kinds = [c["kind"] for c in until(ws, lambda m: m.get("ref") == "late")["cues"]]
        assert kinds[0] == "halt"
        assert "refer" in kinds
        ws.send_json(press("stop", "late-stop"))
        assert until(ws, lambda m: m.get("ref") == "late-stop")["cues"][0]["kind"] == "halt"
    events = client.app.state.registry.store.events(sid)  # type: ignore[attr-defined]
    assert [e.kind for e in events][-2:] == ["sensation", "stop"]
    assert status_of(client, sid) == "halted"  # a symptom halt, for history and I8


def test_a_page_that_comes_back_after_the_end_can_still_report_a_symptom(
    client: TestClient,
) -> None:
    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        opening(ws)
        ws.send_json(press("end", "end"))
        until(ws, lambda m: m.get("ref") == "end")
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        hello, replay, state = opening(ws)
        assert replay["replay"] is True
        assert state["ended"]
        ws.send_json(press("sensation", "late", sensation="numbness"))
        assert until(ws, lambda m: m.get("ref") == "late")["cues"][0]["kind"] == "halt"
    assert status_of(client, sid) == "halted"


# ── the ticks must not die silently (I4) ─────────────────────────────────────


def test_a_failing_tick_stops_the_page_instead_of_dying_silently(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ticks no tracking-lost pause would come: the page is told and halts."""
    from backbuddy.domain import events as ev
    from backbuddy.domain import session

    real_step = session.step

    def broken_on_ticks(state: Any, event: Any) -> Any:
        if isinstance(event, ev.Tick):
            raise RuntimeError("a bug in the engine")
        return real_step(state, event)

    sid = start_session(client)
    with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
        opening(ws)
        monkeypatch.setattr(session, "step", broken_on_ticks)
        error = until(ws, lambda m: m["type"] == "error")
        assert error["code"] == "server_failed"
        assert error["fatal"]
        assert "release gently" in error["message"]
        with pytest.raises(WebSocketDisconnect):
            until(ws, lambda m: False)
        monkeypatch.undo()
