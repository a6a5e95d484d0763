"""Red team (session 24): a camera message that waited behind the session lock is no sight
of the receiver now (I4).

The session lock is held while a write is stored (I7): a slow commit may hold it for up to
the store's stall bound (`services.store_wait.STALL_S`, 5 s) while people move. A camera
message that arrived meanwhile waited for it, then was stepped with the time it got the
lock: a view of the receiver seconds old took the engine's "now", so after the stall the
engine read tracking as live on it (the tick that should have paused read it fresh). Now
it is analysed and answered (the page counts its frames by the answers) but not stepped.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backbuddy.domain.state import POSE_STALE_MAX_S

from .conftest import ORIGIN, WS, make_client, start_session
from .jpegs import moving_jpegs
from .test_landmarks_and_camera_loss import landmarks_message, points, watch
from .test_late_landmarks import _placed
from .test_socket import opening, still, until

#: How long the lock is held: more than any stale limit (I4).
STALL_S = 2.0


def _stalled(client: object, live: object) -> None:
    """Hold the session lock, as a slow commit does."""
    portal = client.portal  # type: ignore[attr-defined]
    assert portal.call(live.lock.acquire)  # type: ignore[attr-defined]


def received(live: object, count: int) -> None:
    """Wait until the page's socket has received its `count`th camera message."""
    connection = live.send.__self__  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30
    while connection.camera_messages < count:
        assert time.monotonic() < deadline
        time.sleep(0.005)


def answered_but_not_seen(ws: Any, live: Any, seq: int) -> None:
    """The `seq`th camera message, which waited out the stall, is still answered (the page
    counts its frames by the answers, link.js), yet the engine's latest sight of the receiver
    is from before the stall, not now. A press after it marks the end of what it caused."""
    until(ws, lambda m: m["type"] == "frame" and m["seq"] >= seq)
    ws.send_json({"v": 1, "type": "event", "event": {"event": "stop"}, "ref": "after"})
    until(ws, lambda m: m.get("ref") == "after")
    state = live.runner.state
    assert state.last_pose is not None
    assert live.clock() - state.last_pose.t > POSE_STALE_MAX_S, (live.clock(), state.last_pose.t)


def test_landmarks_that_waited_out_a_stall_are_not_a_sight_now(tmp_path: Path) -> None:
    with make_client(tmp_path, analyzers=watch) as client:
        sid = start_session(client, camera=True)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            page = _placed(ws, live)
            _stalled(client, live)
            try:
                ws.send_json(landmarks_message(ms=page.now(), image=points(7)))
                received(live, 5)
                live.t0 -= STALL_S  # the stall lasts two seconds
            finally:
                assert client.portal is not None
                client.portal.call(live.lock.release)
            answered_but_not_seen(ws, live, 5)


def test_a_frame_that_waited_out_a_stall_is_not_a_sight_now(tmp_path: Path) -> None:
    """The same for a JPEG frame (the server's pose model). Two different pictures: the same
    one twice, more than `POSE_STALE_MIN_S` apart on a loaded box, read as a frozen camera,
    dropped unanswered (this camera watch takes no landmarks), and the test waited 90 s for
    its answer (1 run in 10 beside two busy loops, session 25)."""
    jpegs = moving_jpegs()
    with make_client(tmp_path, analyzers=still) as client:
        sid = start_session(client, camera=True)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            ws.send_bytes(next(jpegs))
            until(ws, lambda m: m["type"] == "frame")
            _stalled(client, live)
            try:
                ws.send_bytes(next(jpegs))
                received(live, 2)
                live.t0 -= STALL_S
            finally:
                assert client.portal is not None
                client.portal.call(live.lock.release)
            answered_but_not_seen(ws, live, 2)


def test_a_frame_that_waited_behind_a_slow_group_commit_is_not_a_sight_now(
    tmp_path: Path,
) -> None:
    """Red team, session 25: the tick loop hands the quiet poses waiting to the worker and
    awaits their write outside the lock (`LiveSession._hand_off`, session 24). A JPEG frame
    that came meanwhile got the lock at once (no stall seen by `arrived`), then queued on the
    worker behind the slow commit; its pose was stamped there when its turn came: a view
    seconds old stepped as the engine's "now" (I4). The commit is slow for real here: another
    connection holds the SQLite file's write lock."""
    jpegs = moving_jpegs()  # the same picture again and again would read as a frozen camera
    with make_client(tmp_path, analyzers=still) as client:
        sid = start_session(client, camera=True)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            for seq in (1, 2):  # the second is a quiet pose: it waits for the group commit
                ws.send_bytes(next(jpegs))
                until(ws, lambda m, seq=seq: m["type"] == "frame" and m["seq"] >= seq)
            holder = sqlite3.connect(tmp_path / "web.sqlite3", isolation_level=None)
            try:
                holder.execute("BEGIN IMMEDIATE")  # a slow disk: the next commit waits
                # the tick loop hands the waiting pose off; its write blocks on the lock
                _until(lambda: live._writing_since is not None)
                ws.send_bytes(next(jpegs))
                received(live, 3)
                _until(lambda: live._worker._work_queue.qsize() >= 1)  # behind the write
                live.t0 -= STALL_S  # the commit takes two seconds
            finally:
                holder.execute("COMMIT")
                holder.close()
            answered_but_not_seen(ws, live, 3)


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.005)
