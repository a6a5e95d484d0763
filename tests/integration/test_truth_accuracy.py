"""The real camera pipeline on rendered truth clips (tests/data/truth): MediaPipe → PoseMonitor.

A small representative subset (11 clips, each after 2 s of its still first frame: a warm
tracker, as after a session's set-up; `tests/support/truth_runs.py`) holds the figures that
tools/calibrate/measure.py reaches on the whole set (docs/accuracy.md), so they cannot silently
regress: a true jerk over the hard limit halts within 2 frames from the recommended hug
placements, a slow motion never trips the hard limit, set-up checks agree with the truth
labels, and the slow speed is read within 2 °/s.
"""

from __future__ import annotations

import numpy as np
import pytest
from truth_runs import clip_landmarks, measure, result

from backbuddy.domain import techniques
from backbuddy.motion.monitors import PoseMonitor

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("truth")]


@pytest.mark.parametrize(
    ("clip_id", "max_frames"),
    [
        ("hug_correct_jerk_side_front_60_m58", 2),  # the advised placement
        ("hug_correct_jerk_side_m26", 2),
        # 45°: only with the view gain (was 3); alone it halts, but the gate refuses 45° since a
        # two-person jerk there was never halted (test_two_people.py)
        ("hug_correct_jerk_three_quarter_f34", 2),
        # a slow 5 °/s extension, then the jerk: no halt before the jerk's rise (a halt there is
        # a false halt, tools/calibrate/halts.py), the jerk halted in 2 (measured 2)
        ("hug_correct_slow_then_jerk_three_quarter_m26", 2),
    ],
)
def test_a_true_jerk_halts_within_2_frames_from_the_recommended_hug_placements(
    clip_id: str, max_frames: int
) -> None:
    r = result(clip_id)
    assert r.halt_latency <= max_frames
    assert not r.false_halt


@pytest.mark.parametrize(
    ("clip_id", "max_err"),
    [  # measured 1.1 (5 °/s) and 2.1-2.2 (10 °/s: the 0.6 s start and stop read late)
        ("hug_correct_slow_side_front_60_f71", 1.5),
        ("hug_correct_limit_side_front_60_f34", 2.5),
    ],
)
def test_slow_hug_motion_never_halts_and_its_speed_is_read_within_2_deg_s(
    clip_id: str, max_err: float
) -> None:
    r = result(clip_id)
    assert not r.false_halt
    assert r.peak_read < measure.HARD
    assert r.speed_err <= max_err
    assert abs(r.amp_read - r.amp_true) <= 1.5  # the view gain undoes the 60° foreshortening


def test_side_lying_from_the_front_is_refused_and_a_jerk_there_would_still_halt() -> None:
    """The low front (mat + 0.55 m) is refused for side-lying (no movement cue). Were the
    movement to start anyway, the top leg's drop still halts a jerk (before the leg cue: the
    world-landmark twist read 8 °/s and never halted); measured 1 frame."""
    r = result("side_correct_jerk_front_f71")
    assert not r.accepted
    assert r.halt_latency <= 2
    assert not r.false_halt


def test_a_slow_twist_halted_before_its_jerk_is_a_false_halt_and_the_front_is_refused() -> None:
    """Before 2026-11-27 the halt 20 frames before the jerk, during the slow 5 °/s twist, counted
    as the jerk halted "within 2 frames" (latency −20) and not as a false halt; the app had
    stopped a gentle movement (tools/calibrate/halts.py). It is a false halt; the jerk's own
    halt comes on its first frame over the hard limit (0). The gate refuses this placement."""
    r = result("side_correct_slow_then_jerk_front_m26")
    assert r.false_halt
    assert 0 <= r.halt_latency <= 2
    assert not r.accepted


def test_side_lying_slow_motion_from_the_front_does_not_halt() -> None:
    r = result("side_correct_limit_front_m58")
    assert not r.false_halt


@pytest.mark.parametrize(
    "clip_id",
    ["hug_chin_up_setup_three_quarter_m26", "side_bottom_leg_bent_setup_front_m26"],
)
def test_wrong_set_ups_are_told_apart_from_the_truth(clip_id: str) -> None:
    r = result(clip_id)
    assert min(r.check_agree.values()) >= 0.8  # 1.00 and 0.82 measured (were 0.15 and 0.02)
    assert sum(r.check_agree.values()) / len(r.check_agree) >= 0.93


def test_the_view_gain_gives_the_same_numbers_frame_by_frame_as_in_one_call() -> None:
    """The view is read on the first frames and then kept: a live camera fed one frame at a
    time must read the jerk exactly as `analyze` does on the whole clip."""
    lm = clip_landmarks("hug_correct_jerk_three_quarter_f34")
    tech = techniques.get("seated_hug_extension")
    whole = PoseMonitor(tech).update(lm)
    live = PoseMonitor(tech)
    parts = [live.update(lm.take(slice(i, i + 1))) for i in range(len(lm))]
    assert np.array_equal(np.concatenate([p.speed for p in parts]), whole.speed)
    assert np.array_equal(np.concatenate([p.sudden for p in parts]), whole.sudden)
    assert np.array_equal(np.concatenate([p.range for p in parts]), whole.range)
