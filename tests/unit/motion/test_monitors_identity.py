"""Frames whose identity the two-person step left unsure are not measured, and their pose says
identity "unsure", so the engine pauses (as for lost tracking, I4) and nothing is measured from
the assistant."""

from __future__ import annotations

import numpy as np
from tests.fixtures import poses
from tests.fixtures.session import drive

from backbuddy.domain.techniques import Technique
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor

FPS = poses.FPS


def unsure_on(lm: Landmarks, frames: slice) -> Landmarks:
    flags = np.zeros(len(lm), bool)
    flags[frames] = True
    return Landmarks(lm.image, lm.world, lm.t, lm.size, unsure=flags)


def test_unsure_frames_are_not_measured_and_say_so(hug: Technique) -> None:
    lm = unsure_on(poses.rotation(5.0).landmarks, slice(60, 75))
    trace = PoseMonitor(hug).update(lm)
    assert trace.unsure[60:75].all()
    assert [trace.pose(i).identity for i in (59, 60, 74, 75)] == [
        "receiver",
        "unsure",
        "unsure",
        "receiver",
    ]
    assert np.isnan(trace.primary.value[60:75]).all()
    assert not trace.checks_ok[60:75].any()
    assert (trace.speed[60:75] == 0).all()
    assert trace.tracked[:60].all()
    assert trace.tracked[75:].all()
    assert not trace.jump.any()


def test_the_assistants_landmarks_on_unsure_frames_move_nothing(hug: Technique) -> None:
    still = poses.rotation(0.0, duration_s=6.0).landmarks
    # the pose jumped to someone else, and the two-person step said so
    lm = unsure_on(poses.other_person(still, slice(60, 75)), slice(60, 75))
    trace = PoseMonitor(hug).update(lm)
    gap = PoseMonitor(hug).update(poses.drop(still, slice(60, 75)))  # nobody on those frames
    assert not trace.jump.any()  # not an identity jump: it was never taken for the receiver
    # around the gap, exactly as if nobody had been there: the other landmarks feed nothing
    # (during it nothing is tracked at once, where an empty frame is held for 0.3 s)
    outside = np.r_[0:60, 75 : len(lm)]
    assert np.array_equal(trace.speed[outside], gap.speed[outside])
    assert np.array_equal(trace.range[outside], gap.range[outside])
    assert not trace.sudden.any()
    assert (trace.speed[60:75] == 0).all()
    baseline = trace.baseline[np.isfinite(trace.baseline)]
    assert np.ptp(baseline) == 0.0


def test_unsure_identity_during_the_movement_pauses_within_half_a_second(hug: Technique) -> None:
    # identity, not placement, is under test: the synthetic receiver is seen from no placement
    # the placement gate knows, so the gate is lifted (tests/unit/motion/test_placement_gate.py)
    hug = hug.model_copy(update={"placement": None})
    scenario = poses.rotation(5.0, onset_s=11.0, duration_s=20.0)
    sure = drive(hug, PoseMonitor(hug).update(scenario.landmarks).all_events())
    move = sure.first("move")
    assert move is not None
    start = int(round((move.t + 1.0) * FPS))
    lm = unsure_on(scenario.landmarks, slice(start, start + int(FPS)))
    d = drive(hug, PoseMonitor(hug).update(lm).all_events())
    pause = next((c for _, c in d.cues if c.kind == "pause" and c.t >= start / FPS), None)
    assert pause is not None
    assert pause.t - start / FPS <= 0.5
    assert pause.reason is not None
    assert "identity" in pause.reason
    assert d.first("move") == move  # the same attempt, up to the pause
