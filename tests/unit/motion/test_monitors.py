"""Monitors → the pose fields: tracking, checks, speed, range from baseline, sudden motion."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.fixtures import poses
from tools.calibrate import halts

from backbuddy.domain.events import Pose, from_dict, to_dict
from backbuddy.domain.techniques import Technique
from backbuddy.motion.monitors import GRACE_S, PoseMonitor


def test_slow_extension_speed_range_and_baseline(hug: Technique, slow_extension_5deg_s) -> None:
    sc = slow_extension_5deg_s
    monitor = PoseMonitor(hug)
    trace = monitor.update(sc.landmarks)
    assert trace.tracked.all()
    assert monitor.baseline == pytest.approx(2.0, abs=0.5)  # captured when the checks first pass
    moving = (sc.t > 2.6) & (sc.t < 4.6)
    assert np.mean(np.abs(trace.speed[moving] - 5.0)) < 0.5
    assert trace.range[-1] == pytest.approx(sc.angle[-1], abs=0.7)
    assert not trace.sudden.any()


def test_checks_ok_turns_off_when_the_receiver_leans_too_far(
    hug: Technique, slow_extension_10deg_s
) -> None:
    sc = slow_extension_10deg_s  # leans back to 30°
    trace = PoseMonitor(hug).update(sc.landmarks)
    lean = 2.0 + sc.angle
    limit = hug.check("sitting_upright").max
    assert trace.checks_ok[lean < limit - 1].all()
    assert not trace.checks_ok[lean > limit + 1].any()


def test_a_fast_extension_reads_over_the_hard_limit(hug: Technique, fast_extension_40deg_s) -> None:
    sc = fast_extension_40deg_s
    trace = PoseMonitor(hug).update(sc.landmarks)
    flagged = (trace.speed > hug.limits.hard_speed_deg_s) | trace.sudden
    out = halts.halt_outcome(sc.velocity, flagged)  # a flag before the rise is no early halt
    assert not out.false_halt
    assert out.latency <= 2


def test_a_jerk_is_sudden_motion_once_and_flags_its_pose(hug: Technique, jerk_at_3s) -> None:
    sc = jerk_at_3s
    trace = PoseMonitor(hug).update(sc.landmarks)
    onsets = np.flatnonzero(trace.sudden)
    assert onsets.size >= 1
    assert 3.0 <= trace.t[onsets[0]] <= 3.25
    (event,) = trace.events(int(onsets[0]))
    assert isinstance(event, Pose)
    assert event.sudden


def test_a_dropout_longer_than_the_grace_is_tracking_lost(hug: Technique) -> None:
    sc = poses.with_frames(poses.rotation(5.0), slice(90, 120), poses.drop, "dropout_1s")
    trace = PoseMonitor(hug).update(sc.landmarks)
    lost = np.flatnonzero(~trace.tracked)
    last_seen = 89
    assert lost[0] == last_seen + math.floor(GRACE_S * poses.FPS) + 1  # more than 300 ms on
    assert trace.tracked[120:].all()
    assert (trace.speed[~trace.tracked] == 0.0).all()


def test_a_short_occlusion_keeps_tracking_and_holds_the_last_values(hug: Technique) -> None:
    sc = poses.with_frames(poses.rotation(5.0), slice(100, 106), poses.hide_torso, "blink")
    trace = PoseMonitor(hug).update(sc.landmarks)
    assert trace.tracked.all()
    assert (trace.speed[100:106] == trace.speed[99]).all()
    assert trace.checks_ok[100:106].all() == trace.checks_ok[99]


def test_an_identity_jump_is_lost_at_once(hug: Technique) -> None:
    sc = poses.with_frames(poses.rotation(5.0), slice(90, 100), poses.other_person, "jump")
    trace = PoseMonitor(hug).update(sc.landmarks)
    assert not trace.tracked[90:100].any()
    assert trace.jump[90:100].all()
    assert trace.tracked[100:].all()


def test_a_swap_is_reported_and_not_read_as_motion(lying: Technique) -> None:
    sc = poses.with_frames(poses.twist(0.0), slice(60, 90), poses.swap_sides, "swap")
    trace = PoseMonitor(lying).update(sc.landmarks)
    assert np.flatnonzero(trace.swapped).tolist() == [60, 90]
    assert trace.speed.max() < 5.0
    assert not trace.sudden.any()


def test_side_lying_twist(lying: Technique, twist_10deg_s) -> None:
    """The world-landmark twist as a primary measure (the synthetic body turns its shoulders;
    the technique's own primary, the top knee's drop, is held to the truth clips)."""
    sc = twist_10deg_s
    monitor = PoseMonitor(lying.model_copy(update={"primary_measure": "shoulder_hip_twist_deg"}))
    trace = monitor.update(sc.landmarks)
    assert trace.checks_ok[:60].all()
    assert monitor.baseline is not None
    moving = (sc.t > 2.6) & (sc.t < 4.6)
    assert np.mean(np.abs(trace.speed[moving] - 10.0)) < 2.0
    assert trace.range[-1] == pytest.approx(sc.angle[-1], abs=3.0)


def test_no_baseline_until_the_checks_pass(hug: Technique) -> None:
    lm = poses.seated_hug(np.zeros(60), arms="hanging")
    monitor = PoseMonitor(hug)
    trace = monitor.update(lm)
    assert monitor.baseline is None
    assert (trace.range == 0).all()
    assert not trace.checks_ok.any()
    monitor.active_checks = ("sitting_upright",)
    monitor.update(lm)
    assert monitor.baseline is not None
    monitor.reset_baseline()
    assert monitor.baseline is None


def test_frame_by_frame_equals_the_whole_clip(hug: Technique) -> None:
    sc = poses.with_frames(poses.jerk(), slice(40, 55), poses.drop, "jerk_and_dropout")
    whole = PoseMonitor(hug).update(sc.landmarks)
    live = PoseMonitor(hug)
    frames = [live.update(sc.landmarks.take(slice(i, i + 1))) for i in range(len(sc.landmarks))]
    for name in ("tracked", "checks_ok", "speed", "range", "baseline", "sudden"):
        joined = np.concatenate([getattr(f, name) for f in frames])
        assert np.allclose(joined, getattr(whole, name), equal_nan=True), name


def test_pose_events_always_carry_finite_numbers(hug: Technique) -> None:
    sc = poses.with_frames(poses.rotation(10.0), slice(0, 20), poses.drop, "late_start")
    trace = PoseMonitor(hug).update(sc.landmarks)
    for event in trace.all_events():
        if isinstance(event, Pose):
            assert math.isfinite(event.speed_deg_s)
            assert math.isfinite(event.range_deg)
    assert not trace.pose(0).tracked


def test_moving_the_other_way_reads_as_a_positive_range_that_passes_the_event_gate(
    hug: Technique,
) -> None:
    """Range and speed are magnitudes: a lean forward (below the baseline) is never negative,
    so every pose the camera layer emits passes `events.from_dict`."""
    t, angle, _ = poses.profile(-8.0, onset_s=1.0, move_s=1.5, duration_s=3.0)
    trace = PoseMonitor(hug).update(poses.seated_hug(angle, base_lean_deg=12.0))
    assert trace.range[-1] == pytest.approx(abs(angle[-1]), abs=1.0)
    assert (trace.range >= 0).all()
    assert (trace.speed >= 0).all()
    for event in trace.all_events():
        assert from_dict(to_dict(event)) == event


def test_the_live_form_gives_the_same_pose_events_as_the_full_monitor(hug: Technique) -> None:
    """`live=True` (the camera feeds: fewer checks evaluated, no swap search) decides exactly as
    the full monitor, frame by frame, through a jerk, a dropout and a change of set-up step."""
    sc = poses.with_frames(poses.jerk(), slice(40, 55), poses.drop, "jerk_and_dropout")
    full, live = PoseMonitor(hug), PoseMonitor(hug, live=True)
    later = hug.setup[-1].checks
    for i in range(len(sc.landmarks)):
        if i == len(sc.landmarks) // 2:
            full.active_checks = live.active_checks = later
        frame = sc.landmarks.take(slice(i, i + 1))
        assert live.update(frame).events(0) == full.update(frame).events(0), f"frame {i}"
