"""The technique's video needs reach the engine and the set-up page (issue 12, item 5): a
side-lying receiver filmed upright, or at 15 frames a second, never gets `placement_ok`, and
the hint says what to change; the hug, which has no such needs, is not held to them."""

from __future__ import annotations

import numpy as np
from tests.fixtures.poses import seen_from

from backbuddy.domain.techniques import Technique
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor


def _still(posture: str, fps: float, size: tuple[int, int], n: int = 90) -> Landmarks:
    lm = seen_from(posture, 3.0, 10.0, n=n)
    return Landmarks(lm.image, lm.world, np.arange(n) / fps, size)


def test_side_lying_filmed_upright_is_refused_with_turn_the_camera(lying: Technique) -> None:
    trace = PoseMonitor(lying).update(_still("lying", 30.0, (480, 853)))
    assert not any(trace.pose(i).placement_ok for i in range(len(trace)))
    hint = trace.placement_hint(len(trace) - 1)
    assert hint is not None
    assert hint.startswith("Turn the camera sideways")


def test_side_lying_at_15_frames_a_second_is_refused_and_told_the_rate(lying: Technique) -> None:
    trace = PoseMonitor(lying, fps=15.0).update(_still("lying", 15.0, (853, 480)))
    assert not trace.placement.ok.any()
    hint = trace.placement_hint(len(trace) - 1)
    assert hint is not None
    assert "about 15 pictures a second" in hint
    assert "at least 24" in hint


def test_side_lying_at_30_frames_a_second_in_a_wide_picture_meets_the_video_needs(
    lying: Technique,
) -> None:
    trace = PoseMonitor(lying).update(_still("lying", 30.0, (853, 480)))
    assert trace.placement.video_ok is not None
    assert trace.placement.video_ok[15:].all()  # once a third of a second of frames is in
    hint = trace.placement_hint(len(trace) - 1)
    assert hint is None or "pictures a second" not in hint


def test_the_hug_has_no_video_needs(hug: Technique) -> None:
    assert hug.video.min_fps == 0
    assert not hug.video.landscape
    trace = PoseMonitor(hug, fps=15.0).update(_still("seated", 15.0, (480, 853)))
    assert trace.placement.video_ok is not None
    assert trace.placement.video_ok.all()
