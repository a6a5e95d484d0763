"""Pages that send landmarks instead of frames; a camera that goes silent mid-movement (I4)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backbuddy.domain.rules import MOVEMENT_PHASES
from backbuddy.domain.state import I4_PAUSE_S, POSE_STALE_MIN_S
from backbuddy.domain.techniques import Limits, Technique
from backbuddy.web.camera_watch import CameraWatch, decode_jpeg

from .conftest import ORIGIN, WS, make_client, start_session
from .jpegs import moving_jpegs
from .test_socket import held_in_view, opening, still, until


class NoModel:
    """The pose model is never asked: landmarks arrive ready-made."""

    def estimate(self, rgb: Any) -> Any:
        raise AssertionError("no frame should reach the pose model")

    def close(self) -> None:
        pass


def watch(technique: Technique, limits: Limits) -> CameraWatch:
    return CameraWatch(technique, NoModel(), decode_jpeg)


def points(seed: int = 42) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.3, 0.7, size=(33, 2))
    return [[float(x), float(y), 0.0, 0.95] for x, y in xy]


def landmarks_message(**over: Any) -> dict[str, Any]:
    message = {"v": 1, "type": "landmarks", "image": points(), "world": None, "size": [270, 480]}
    return message | over


def test_landmarks_from_the_page_take_the_frame_path(tmp_path: Path) -> None:
    with make_client(tmp_path, analyzers=watch) as client:
        sid = start_session(client, camera=True)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            ws.send_json(landmarks_message())
            frame = until(ws, lambda m: m["type"] == "frame")
            assert frame["tracked"]
            assert frame["landmarks"] is None  # the page has them: no overlay back
            assert set(frame["checks"]) == {"sitting_upright", "arms_crossed", "chin_tucked"}
            ws.send_json(landmarks_message(image=None))
            nobody = until(ws, lambda m: m["type"] == "frame")
            assert nobody["seq"] == frame["seq"] + 1
            assert nobody["landmarks"] is None


def test_landmarks_to_a_camera_watch_that_takes_none_are_refused_gently(tmp_path: Path) -> None:
    with make_client(tmp_path, analyzers=still) as client:
        sid = start_session(client, camera=True)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            ws.send_json(landmarks_message())
            error = until(ws, lambda m: m["type"] == "error")
            assert error["code"] == "not_supported"
            assert not error["fatal"]


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(landmarks_message(image=points()[:32])),
        json.dumps(landmarks_message()).replace("0.95", "NaN", 1),
        json.dumps(landmarks_message(size=[0, 480])),
    ],
)
def test_malformed_landmarks_are_a_protocol_error(tmp_path: Path, text: str) -> None:
    with make_client(tmp_path, analyzers=watch) as client:
        sid = start_session(client, camera=True)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            ws.send_text(text)
            error = until(ws, lambda m: m["type"] == "error")
            assert error["code"] == "bad_message"
            assert error["fatal"]


def to_the_movement(ws: Any, live: Any, frames: Iterator[bytes]) -> None:
    """Set-up steps confirmed with the camera watching, then frames until the movement.
    Waits for the behaviour, not a speed: 6–8 s was not enough on a loaded box (load 8–12
    beside browser tests, session 15). A loaded box can also hold this thread past the stale
    limit between two frames: the session then pauses ("camera lagging", I4), as it must,
    and the pair's Resume goes on (session 18: 1 run in 4 under load never got its cue).

    Returns in the movement with no frame in flight: each frame's answer is waited for (the
    engine has stepped its pose by then; its cues follow the answer), then the engine is
    looked at. Returning at the move cue with the frame before it still being analysed,
    that frame reached the movement's own watch, which on a loaded box (this thread's frames
    a few a second) rightly paused it as `camera_slow`, and the caller took that pause for
    the silent camera's (session 24: 1 run in 8 beside three busy loops)."""
    held_in_view(ws, frames)  # in camera mode `ready` needs the position held
    live.t0 -= 2.5  # skip part of the breathe-in (the frames after it hold the checks 1 s)
    deadline = time.monotonic() + 40
    resumes = 0
    said: list[str] = []  # the cues the page was given: what it saw instead of the move
    while time.monotonic() < deadline:
        ws.send_bytes(next(frames))
        while (msg := until(ws, lambda m: m["type"] in ("frame", "cues")))["type"] != "frame":
            said += [f"{c['t']:.2f} {c['kind']} {c.get('reason')}" for c in msg["cues"]]
        state = live.runner.state
        if state.phase_id in MOVEMENT_PHASES:
            return
        if state.mode == "paused":
            resumes += 1
            ref = f"go{resumes}"
            ws.send_json({"v": 1, "type": "event", "event": {"event": "resume"}, "ref": ref})
            until(ws, lambda m, ref=ref: m.get("ref") == ref)
        time.sleep(0.03)
    state = live.runner.state
    raise AssertionError(
        f"the movement never came with the camera watching: {resumes} resumes; the session "
        f"in {state.mode} {state.phase_id}, attempts {state.attempts}, given back "
        f"{state.given_back}; the cues before the last frame's answers: {said[-12:]}"
    )


@pytest.mark.usefixtures("box_frame_rate")  # this thread is the camera (`to_the_movement`)
def test_camera_going_silent_in_a_movement_phase_pauses_within_half_a_second(
    tmp_path: Path,
) -> None:
    """I4 through the socket: frames stop during `mobilise`; the ticks pause the session."""
    with make_client(tmp_path, analyzers=still) as client:
        sid = start_session(client, camera=True)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        frames = moving_jpegs()
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            to_the_movement(ws, live, frames)
            pause = until(
                ws, lambda m: m["type"] == "cues" and any(c["kind"] == "pause" for c in m["cues"])
            )
            cue = next(c for c in pause["cues"] if c["kind"] == "pause")
            assert cue["reason"] == "camera_lagging"  # the receiver was tracked in the last frame
            # Judged on the session's clock (the engine's view), not by when this test thread
            # got the message: a loaded box delays the delivery, not the decision (session 16).
            last = live.runner.state.last_pose
            assert POSE_STALE_MIN_S <= cue["t"] - last.t <= I4_PAUSE_S + 0.2


def test_the_state_message_says_what_to_change_about_the_camera_placement(
    tmp_path: Path,
) -> None:
    """Issue 12: a seated receiver seen from straight in front (the hug's extension is not in
    the image): the state the set-up page shows carries a plain hint where to move the camera."""
    from tests.fixtures import poses

    lm = poses.seen_from("seated", 0, 8, n=20)
    with make_client(tmp_path, analyzers=watch) as client:
        sid = start_session(client, camera=True)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            hints = []
            for i in range(len(lm)):
                image = lm.image[i].astype(float).tolist()
                world = lm.world[i].astype(float).tolist()
                ws.send_json(landmarks_message(image=image, world=world, size=list(lm.size)))
                # as a page does: the next pose once this one is answered (a burst would be
                # read as a few frames, each waiting one replaced by the newest)
                while (message := ws.receive_json())["type"] != "frame":
                    if message["type"] == "state" and message.get("placement_hint"):
                        hints.append(message)
            assert hints, "no state message said where to move the camera"
            state = hints[-1]
            assert "further to the receiver's side" in state["placement_hint"]
            assert state["placement_picture"] == "side"  # the set-up page's picture of it
