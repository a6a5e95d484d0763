"""Real MediaPipe on real people (tests/data, from the sports2d and pose2sim wheels).

What the camera layer must get right on footage it did not make: a still, a clip
with a fast trunk movement, a clip where the tracker jumps between two people and
swaps left and right, a clip filmed from behind, and a scene without anyone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backbuddy.adapters import video
from backbuddy.adapters.mediapipe_pose import PoseModel, estimate_frames
from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import PoseModelError
from backbuddy.motion import angles
from backbuddy.motion import landmarks as L
from backbuddy.motion.analysis import Analysis
from backbuddy.motion.landmarks import Landmarks
from backbuddy.services import analyze as service

DATA = Path(__file__).resolve().parents[1] / "data"
pytestmark = pytest.mark.xdist_group("mediapipe_pose")


def _landmarks(name: str) -> tuple[Landmarks, video.VideoInfo]:
    with video.open_file(DATA / name) as source:
        return estimate_frames(
            source, (source.info.width, source.info.height), still=source.info.still
        ), source.info


def _analysis(name: str, technique: str | None = None) -> Analysis:
    with video.open_file(DATA / name) as source, PoseModel(still=source.info.still) as model:
        chosen = tech.get(technique) if technique else None
        return service.analyze(source, source.info, model, chosen)


@pytest.fixture(scope="module")
def cam01() -> Analysis:
    return _analysis("pose2sim_cam01.mp4")


@pytest.fixture(scope="module")
def sports2d() -> Analysis:
    return _analysis("sports2d_demo.mp4")


@pytest.mark.parametrize("complexity", [0, 2])
def test_models_that_would_download_are_refused(complexity: int) -> None:
    with pytest.raises(PoseModelError, match="never downloads models"):
        PoseModel(model_complexity=complexity)


def test_a_still_of_a_standing_person() -> None:
    lm, info = _landmarks("pose2sim_cam01_frame0.jpg")
    assert info.still
    assert len(lm) == 1
    assert lm.detected.all()
    assert (lm.visibility()[0, list(L.TORSO)] > 0.9).all()
    assert angles.trunk_incline_deg(lm)[0] == pytest.approx(6.5, abs=3.0)
    assert np.abs(lm.world[0, :, :3]).max() < 1.5  # metres around the hips


def test_a_frame_without_anyone_is_an_explicit_no_person_frame() -> None:
    with PoseModel(still=True) as model:
        image, world = model.estimate(np.full((240, 320, 3), 127, np.uint8))
    assert np.isnan(image).all()
    assert np.isnan(world).all()


def test_mediapipe_s_smoothing_gets_the_frames_real_intervals_from_any_start() -> None:
    """Legacy MediaPipe stamps each frame 33 ms after the last, so at 15 frames/s its landmark
    smoothing halved a jerk's speed (the two-person hug's halt came a frame late). Given the
    frames' times, it gets their real intervals, also from the tools' negative pre-roll times
    (a first version stamped those 1 µs apart); a frame without a time (the restart's blank)
    keeps MediaPipe's own 33 ms step."""
    blank = np.full((64, 64, 3), 127, np.uint8)
    stamps = []
    with PoseModel() as model:
        for t in (-2.0, -2.0 + 1 / 15, -2.0 + 2 / 15, None, -2.0 + 3 / 15):
            model.estimate(blank, t)
            stamps.append(model._pose._simulated_timestamp)
    assert np.diff(stamps) == pytest.approx([66_667, 66_667, 33_333, 66_667], abs=1)


def test_a_scene_without_people_gives_no_trusted_torso() -> None:
    lm, _ = _landmarks("sports2d_background.jpg")
    for name in ("trunk_incline_deg", "trunk_lean_deg", "shoulder_hip_twist_deg"):
        assert np.isnan(angles.compute(lm, name)).all()


@pytest.mark.slow
def test_a_clip_gives_one_row_per_frame_with_its_timestamps(cam01: Analysis) -> None:
    lm = cam01.landmarks
    assert len(lm) == 50
    assert lm.size == (270, 480)
    assert np.allclose(lm.t, np.arange(50) / 30)
    assert lm.detected.all()


@pytest.mark.slow
def test_the_fast_trunk_movement_is_measured_and_flagged(cam01: Analysis) -> None:
    incline = cam01.trace.measures["trunk_incline_deg"]
    assert incline[0] < 12
    assert np.nanmax(incline) > 40
    kinds = [m.kind for m in cam01.moments]
    assert "over_speed_limit" in kinds
    assert cam01.trace.tracked[1:].all()
    assert not cam01.trace.jump.any()


@pytest.mark.slow
def test_the_tracker_jumping_to_another_person_is_tracking_lost(sports2d: Analysis) -> None:
    tr = sports2d.trace
    assert tr.jump.any()
    assert not tr.tracked[tr.jump].any()
    kinds = {m.kind for m in sports2d.moments}
    assert {"identity_jump", "tracking_lost", "left_right_swap"} <= kinds


@pytest.mark.slow
def test_left_right_swaps_from_behind_are_reported_not_read_as_twist() -> None:
    a = _analysis("pose2sim_cam02.mp4", "side_lying_rotation")
    assert a.trace.swapped.any()
    twist = angles.shoulder_hip_twist_deg(a.landmarks)
    assert np.nanmax(np.abs(twist)) <= 90.0  # lines, not arrows: a swap is never a half turn
