"""Red team (session 14): page landmarks that arrive late are not a sight of the receiver now.

The page's pose model backs up (a throttled phone, a Wi-Fi stall that delivers a queue at
once): frames captured well over the I4 bound ago still arrive, each stamped with the
server's time when applied. Taken as fresh, they kept tracking "live" on a view seconds old,
so a movement could go on unseen (I4). A frame later than `page_pose.LATE_S` beyond the
best delay the page showed is now dropped with a named, non-fatal `camera_late`; the
engine then pauses for a lagging camera as it does when frames stop.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from backbuddy.domain.events import Pose
from backbuddy.web import session_socket
from backbuddy.web.frames import FrameResult
from backbuddy.web.page_pose import LATE_S, WARMUP_S, PageClock

from .conftest import ORIGIN, WS, make_client, start_session
from .jpegs import moving_jpegs
from .test_landmarks_and_camera_loss import landmarks_message, points, watch
from .test_phone_socket import paired_laptop, phone_socket
from .test_socket import StillReceiver, opening, until


def test_the_clock_says_how_late_a_frame_is_beyond_the_best_delay() -> None:
    clock = PageClock()
    for k in range(12):  # 1.1 s of frames 0.1 s apart, each arriving 0.1 s after capture
        clock.place(1000.0 + 100.0 * k, 1.1 + 0.1 * k)
    assert clock.late_s == 0.0
    clock.place(2200.0, 2.3 + 0.05)  # 50 ms slower than the best: model jitter
    assert clock.late_s == pytest.approx(0.05)
    clock.place(2300.0, 2.4 + 1.2)  # captured 1.3 s before it arrived: a backlog
    assert clock.late_s == pytest.approx(1.2)
    assert clock.late_s > LATE_S


class Capture:
    """The page's capture clock (its `performance.now()`): ms that run with the session's
    clock, `live.t0` shifts included, from 1000 ms at the first frame. Fixed numbers instead
    read as late once a loaded box took longer between two sends than `LATE_S`: the frame
    was dropped unanswered (as it must be; its `camera_late` said once a second) and the test
    waited 90 s (2 of 3 runs of tests/unit/web beside busy loops, session 24)."""

    def __init__(self, live: Any) -> None:
        self.live = live
        self.start = live.clock()
        self.last = 1000.0

    def now(self) -> float:
        """Captured now (never closer than 40 ms to the last: `page_pose.MIN_GAP_MS`)."""
        self.last = max(1000.0 + 1000.0 * (self.live.clock() - self.start), self.last + 40.0)
        return self.last


def _placed(ws: Any, live: Any) -> Capture:
    """Three frames, the page's first second over, then one more: its capture clock placed
    against arrival (the delay learnt). Returns that clock."""
    page = Capture(live)
    for k in range(3):
        ws.send_json(landmarks_message(ms=page.now() if k else page.last))
        until(ws, lambda m: m["type"] == "frame")
    live.t0 -= WARMUP_S + 0.1  # the page's first second is over
    ws.send_json(landmarks_message(ms=page.now()))  # placed: arrival time, delay learnt
    until(ws, lambda m: m["type"] == "frame")
    return page


@contextmanager
def _placed_page(tmp_path: Path) -> Iterator[tuple[Any, Any, Capture]]:
    """A camera session's socket whose page clock is placed (`_placed`): (ws, live, clock)."""
    with make_client(tmp_path, analyzers=watch) as client:
        sid = start_session(client, camera=True)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            yield ws, live, _placed(ws, live)


def test_a_frame_from_a_backed_up_page_is_dropped_and_named(tmp_path: Path) -> None:
    with _placed_page(tmp_path) as (ws, live, page):
        seen = live.runner.state.last_pose
        live.t0 -= 2.0  # two seconds pass; the next frame was captured 40 ms later
        ws.send_json(landmarks_message(ms=page.last + 40.0))
        told = until(ws, lambda m: m["type"] in ("frame", "error"))
        assert told["type"] == "error", told
        assert told["code"] == "camera_late"
        assert not told["fatal"]
        assert live.runner.state.last_pose == seen  # not taken as a sight now
        # On time again (captured just now): taken, and answered with its number among
        # every camera message this socket sent, the refused one included: the page acks
        # its frames by that count (link.js). Numbered only when taken, the answers ran
        # one behind, no frame the page sent was ever acknowledged, and a page that fell
        # back to server pose under load sent one frame a second (its checklist blank for
        # a minute: a CI run, session 15).
        ws.send_json(landmarks_message(ms=page.now()))
        answer = until(ws, lambda m: m["type"] in ("frame", "error"))
        assert answer["type"] == "frame"
        assert answer["seq"] == 6


def _answered(ws: Any, ms: float, seq: int) -> list[str]:
    """Send landmarks captured at `ms` (the socket's `seq`th camera message); the types of
    what came until its answer (answers coalesce: one may stand for several messages). The
    receiver moves a little each time (the same landmarks for long read as a frozen camera)."""
    ws.send_json(landmarks_message(ms=ms, image=points(seq)))
    said = []
    while not ((message := ws.receive_json())["type"] == "frame" and message["seq"] >= seq):
        said.append(message["type"])
    return said


def test_the_page_is_told_when_its_view_is_live_again(tmp_path: Path) -> None:
    """CI, stop 31: the phone put up "arriving late" and kept it a minute after its frames
    came in time again (nothing ever took it down). After a second of frames in time since
    the last late one the page is told `camera_live`: not at the first frame in time (a page
    at the limit would flash its alert), and only once."""
    with _placed_page(tmp_path) as (ws, live, page):
        live.t0 -= 2.0  # two seconds pass; the next frame was captured 40 ms later: late
        ws.send_json(landmarks_message(ms=page.last + 40.0))
        assert until(ws, lambda m: m["type"] in ("frame", "error"))["code"] == "camera_late"
        # in time again (captured just now), for half a second: no word yet
        assert "camera_live" not in _answered(ws, page.now(), 6)
        live.t0 -= 0.5
        assert "camera_live" not in _answered(ws, page.now(), 7)
        live.t0 -= 0.6  # a second in time since the late frame: the alert can go
        assert "camera_live" in _answered(ws, page.now(), 8)
        live.t0 -= 0.1
        assert "camera_live" not in _answered(ws, page.now(), 9)  # once, not every frame


def test_a_backed_up_page_is_told_once_not_for_every_late_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page whose model backed up sends 30 late frames a second: each is dropped, and it is
    told once (`throttle.OncePer`, once a second; here never again, so the test does not
    depend on how fast the box runs), not with 30 errors a second. A press after them marks
    the end of what they caused: the socket handles its messages in order."""
    monkeypatch.setattr(session_socket, "LATE_NOTICE_S", 1e9)
    with _placed_page(tmp_path) as (ws, live, page):
        seen = live.runner.state.last_pose
        # Two seconds pass: what comes now was captured long ago (later still on a slow box).
        live.t0 -= 2.0
        for k in range(1, 6):
            ws.send_json(landmarks_message(ms=page.last + 40.0 * k))
        ws.send_json({"v": 1, "type": "event", "event": {"event": "stop"}, "ref": "after"})
        said = []
        while (message := ws.receive_json()).get("ref") != "after":
            said.append(message)
        late = [m for m in said if m["type"] == "error" and m["code"] == "camera_late"]
        assert len(late) == 1, said
        assert not [m for m in said if m["type"] == "frame"]  # none of them analysed
        assert live.runner.state.last_pose == seen


def test_a_wi_fi_stalls_backlog_arriving_at_once_is_not_a_flood(tmp_path: Path) -> None:
    """Session 20: a Wi-Fi stall (or this server busy for a moment) delivers what queued
    meanwhile in one go. Counted over one second, 3 s of a 30 frames/s page arriving at once
    (90 messages) closed the socket as a flood (`too_many_frames`, fatal): the session was
    lost to a network hiccup. Now the backlog is dropped as late, and the page goes on."""
    with _placed_page(tmp_path) as (ws, live, page):
        live.t0 -= 3.0  # three seconds of nothing arriving
        for k in range(1, 91):  # then the 90 frames captured meanwhile, all at once
            ws.send_json(landmarks_message(ms=page.last + 1000.0 * k / 30))
        # A press after them marks the end of what they caused (messages in order).
        ws.send_json({"v": 1, "type": "event", "event": {"event": "stop"}, "ref": "after"})
        said = []
        while (message := ws.receive_json()).get("ref") != "after":
            said.append(message)
        assert not [m for m in said if m["type"] == "error" and m["fatal"]], said
        # the frames captured too long ago: dropped and named (those of the last half
        # second, captured within the stale bound of their arrival, are taken)
        assert {m["code"] for m in said if m["type"] == "error"} == {"camera_late"}
        assert message["type"] == "cues"  # and the socket still serves the pair


class StillEitherWay(StillReceiver):
    """Takes JPEG frames and page landmarks alike: the receiver in position either way."""

    def analyze_landmarks(
        self, image: Any, world: Any, size: Any, t: float, checks: tuple[str, ...], **_: Any
    ) -> FrameResult:
        return FrameResult(Pose(t), None, dict.fromkeys(checks, True))


def test_the_late_alert_comes_down_when_the_page_falls_back_to_frames(tmp_path: Path) -> None:
    """Red team, session 24: a page whose landmarks came late, then fell back to sending
    JPEG frames (its model too slow: `pose_page.js` `slow`, the phone's `serverPose`), was
    never told `camera_live` (only landmarks in time said it): the phone kept "arriving late;
    movement waits" up for good while its frames were analysed live on the server."""
    jpegs = moving_jpegs()
    with make_client(tmp_path, analyzers=lambda _t, _l: StillEitherWay()) as client:
        sid = start_session(client, camera=True)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            page = _placed(ws, live)
            live.t0 -= 2.0  # two seconds pass; the next landmarks were captured 40 ms later
            ws.send_json(landmarks_message(ms=page.last + 40.0))
            assert until(ws, lambda m: m["type"] in ("frame", "error"))["code"] == "camera_late"
            said: list[str] = []
            for _ in range(3):  # frames now, in time, for more than a second
                live.t0 -= 0.6
                ws.send_bytes(next(jpegs))
                while (message := ws.receive_json())["type"] != "frame":
                    said.append(message["type"])
            assert "camera_live" in said, said


def test_the_late_alert_comes_down_on_a_phone_whose_link_came_back(tmp_path: Path) -> None:
    """Red team, session 25: the phone was told `camera_late` (its Wi-Fi backing up), then its
    socket dropped and `link.js` reconnected, as a struggling network does. The alert stays
    up on the page across sockets; the new socket knew nothing of it (`late_at` was the old
    socket's), so its frames in time never said `camera_live`: "arriving late; movement
    waits" stayed up for good while the view was live. A frozen camera's state already
    outlived the socket (`LiveSession.repeats`); the late alert now does too."""
    with make_client(tmp_path, analyzers=watch) as client:
        sid = start_session(client, camera=True)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        with paired_laptop(client, sid) as (_laptop, key):
            with phone_socket(client, sid, key) as phone:
                until(phone, lambda m: m["type"] == "hello")
                page = _placed(phone, live)
                live.t0 -= 2.0  # two seconds pass; the next frame was captured 40 ms later
                phone.send_json(landmarks_message(ms=page.last + 40.0))
                told = until(phone, lambda m: m["type"] in ("frame", "error"))
                assert told["code"] == "camera_late"
            with phone_socket(client, sid, key) as phone:  # the link is back
                until(phone, lambda m: m["type"] == "hello")
                said: list[str] = []
                for seq in range(1, 5):  # in time, for more than a second
                    said += _answered(phone, page.now(), seq)
                    live.t0 -= 0.4
                assert "camera_live" in said, said
