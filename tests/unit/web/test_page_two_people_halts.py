"""The page's own pose with two people in view stops a jerk too late for the Seated Hug, so the
hug's camera watch runs on the server then (`video.page_two_people`, `page_pose.refusal`).

Recorded landmarks (tests/data/page_halts/, `tools/calibrate/page_halts.py --save`): the
two-person truth jerk at 60° (`hug_correct_jerk_side_front_60_f71_with_m58`: true extension
0 → 8° at up to 44.6 °/s, the assistant holding her) after 2 s of its still first frame, at 30
frames a second, through the page stand-in (tests/support/page_people.py: the page's own model
on its grey-masked crop, role frames when the server asks) and through the server's two-person
path, as the monitors got them (identity and covered flags). Replayed through the live
monitors with her crossed arms taken as seen before the assistant took hold (the set-up that
lets the movement cue come: the whole-flow clips), and judged by `halts.halt_outcome` with a
pause (untracked, identity unsure) counting as a stop, as `receiver_truth.measures` does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from backbuddy.domain import techniques
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor
from backbuddy.web import page_pose
from backbuddy.web.page_roles import PageRoles

from .conftest import ORIGIN, WS, make_client, start_session

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))
from halts import halt_outcome  # noqa: E402

DATA = ROOT / "tests" / "data" / "page_halts"
CLIP = "hug_correct_jerk_side_front_60_f71_with_m58"
#: The goal: every true jerk over the hard limit stopped within this many frames.
GOAL_FRAMES = 2.0


def cued(technique: techniques.Technique) -> techniques.Technique:
    """`technique` without the arms check in its last set-up step (module docstring)."""
    last = technique.setup[-1]
    checks = tuple(c for c in last.checks if c != "arms_crossed")
    last = last.model_copy(update={"checks": checks})
    return technique.model_copy(update={"setup": (*technique.setup[:-1], last)})


def stop_frames(path: str, fps: int = 30) -> float:
    """Frames (of `fps`) from the recorded jerk's first frame over the hard limit to its halt
    or pause."""
    z = np.load(DATA / f"{CLIP}_{path}_{fps}.npz")
    technique = cued(techniques.get("seated_hug_extension"))
    monitor = PoseMonitor(technique, fps=30.0, live=True)
    monitor.active_checks = tuple(technique.setup[-1].checks)  # as the camera watch sets them
    trace = monitor.update(Landmarks.from_arrays(dict(z)))
    live = z["index"] >= 0
    halts = trace.sudden | (trace.speed > technique.limits.hard_speed_deg_s)
    pauses = ~trace.tracked | trace.unsure
    return halt_outcome(z["true_speed"][live], (halts | pauses)[live]).latency


def test_the_servers_two_person_path_stops_the_60_degree_hug_jerk_in_time() -> None:
    assert stop_frames("server") <= GOAL_FRAMES


def test_at_20_frames_a_second_the_servers_two_person_path_stops_the_hug_jerk_in_time() -> None:
    """A laptop's camera in a dim room sends 15-20 frames/s. MediaPipe on her crop, told the
    frames' real times (`ReceiverPose.estimate(rgb, t)`), halts on the frame of the crossing;
    with legacy MediaPipe's own 33 ms steps it halted 3 frames (0.15 s) after it (session 16's
    recording fails here). Recorded with a look every 0.13 s (`receiver_pose.LOOK_FPS`)."""
    assert stop_frames("server", 20) <= GOAL_FRAMES


def test_at_15_frames_a_second_the_servers_two_person_path_stops_the_hug_jerk_in_time() -> None:
    """The slowest rate the hug accepts with two people. MediaPipe on her crop (smoothed, real
    times) read the lean late as she leaned into the grey her cut-out left: `sudden` fired 3
    frames (0.2 s) after the crossing (session 21, a strict xfail). Her cut-out wide beside his
    drawn arms, his grey fading out (`receiver_pose.CUT_ARMS`, `FADE_OUT`, session 22): on the
    crossing's frame (re-recorded; over the looks' phases, docs/accuracy.md)."""
    assert stop_frames("server", 15) <= GOAL_FRAMES


def test_where_the_pages_path_stops_the_jerk_too_late_the_hug_runs_its_pose_on_the_server() -> None:
    """The page's model saw 1.7° of the 8° until the next role answer moved her cut-out, and
    halted 14 frames late; that path may not run for the hug with the two-person step on."""
    late = stop_frames("page")
    assert late > GOAL_FRAMES  # the measured gap (if the page's path improves, re-measure)
    hug = techniques.get("seated_hug_extension")
    assert page_pose.refusal(hug, roles=True) is not None
    assert page_pose.refusal(hug, roles=False) is None  # one person: the page's path is valid


class _Detector:
    def detect(self, rgb: np.ndarray) -> object:  # never called: no role frame is sent
        raise AssertionError("no role frame in this test")


def test_a_hug_session_with_two_people_tells_the_page_to_send_frames_and_refuses_landmarks(
    tmp_path: Path,
) -> None:
    """hello says why (the page then sends camera frames; the note shows the words), and a
    page that sends landmarks anyway gets `not_supported` (it falls back to frames) and no
    pose result: its landmarks never reach the monitors."""
    from backbuddy.web.camera_watch import CameraWatch, decode_jpeg

    from .test_landmarks_and_camera_loss import NoModel

    def build(technique: techniques.Technique, limits: object) -> CameraWatch:
        roles = PageRoles(_Detector, decode_jpeg)  # type: ignore[arg-type]
        return CameraWatch(technique, NoModel(), decode_jpeg, roles=roles)

    image = [[0.5, 0.5, 0.0, 0.9]] * 33
    message = {"v": 1, "type": "landmarks", "image": image, "size": [480, 360], "ms": 1000.0}
    client: TestClient
    with make_client(tmp_path, analyzers=build) as client:  # type: ignore[arg-type]
        sid = start_session(client, camera=True)
        page = client.get(f"/session/{sid}").text
        assert 'data-page-pose="0"' in page
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            hello = ws.receive_json()
            assert hello["roles"] is True
            assert hello["page_pose_refused"] == page_pose.TWO_PEOPLE_REFUSED
            ws.send_text(json.dumps(message | {"role_ms": None}))
            while (got := ws.receive_json())["type"] != "error":
                assert got["type"] != "frame", "page landmarks were analysed"
            assert got["code"] == "not_supported"
            assert got["message"] == page_pose.TWO_PEOPLE_REFUSED


@pytest.mark.usefixtures("page_people_allowed")
def test_with_the_pages_two_person_path_allowed_hello_refuses_nothing(tmp_path: Path) -> None:
    from backbuddy.web.camera_watch import CameraWatch, decode_jpeg

    from .test_landmarks_and_camera_loss import NoModel

    def build(technique: techniques.Technique, limits: object) -> CameraWatch:
        roles = PageRoles(_Detector, decode_jpeg)  # type: ignore[arg-type]
        return CameraWatch(technique, NoModel(), decode_jpeg, roles=roles)

    with make_client(tmp_path, analyzers=build) as client:  # type: ignore[arg-type]
        sid = start_session(client, camera=True)
        assert 'data-page-pose="1"' in client.get(f"/session/{sid}").text
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            assert ws.receive_json()["page_pose_refused"] is None
