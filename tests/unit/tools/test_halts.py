"""When a halt counts as halting a jerk and when it is a false halt (tools/calibrate/halts.py).

Synthetic true-speed traces at 30 fps, the shapes of the truth clips: a still lead-in, a slow
gentle movement, then a jerk over the hard limit. Before 2026-11-27 a halt anywhere after the
motion's first frame counted as the jerk's halt: a halt during the slow part read as the jerk
halted early (a negative latency, −20 frames on `side_correct_slow_then_jerk_front_m26`) and
not as a false halt, so the goals could be met while the app stopped a gentle movement.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import halts  # noqa: E402
import measure  # noqa: E402

STILL, SLOW, JERK = 18, 40, 10  # frames: still lead-in, 5 °/s movement, the jerk


def slow_then_jerk() -> np.ndarray:
    """0 °/s, then 5 °/s, then a rise 5 → 20 → 45 → 60 °/s held (first frame over 30: 60)."""
    return np.concatenate([np.zeros(STILL), np.full(SLOW, 5.0), [20.0], np.full(JERK, 60.0)])


FIRST_OVER = STILL + SLOW + 1  # the first frame over the hard limit
RISE = STILL + SLOW  # the first frame of the jerk's own rise (after the last ≤ gentle)


def halted(n: int, *frames: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[list(frames)] = True
    return out


def test_a_halt_during_the_slow_movement_before_a_jerk_is_a_false_halt_not_an_early_halt() -> None:
    speed = slow_then_jerk()
    out = halts.halt_outcome(speed, halted(speed.size, STILL + 20))  # 5 °/s, 21 frames early
    assert out.false_halt  # old definition: not false (the motion had started)
    assert out.latency == math.inf  # old definition: −21 frames, "halted within 2 frames"


def test_after_a_false_halt_the_jerk_is_judged_by_its_own_halt() -> None:
    speed = slow_then_jerk()
    out = halts.halt_outcome(speed, halted(speed.size, STILL + 20, FIRST_OVER + 1))
    assert out.false_halt
    assert out.latency == 1.0  # old definition: −21


def test_a_halt_on_the_jerks_own_rise_counts_as_an_early_halt_of_the_jerk() -> None:
    speed = slow_then_jerk()
    out = halts.halt_outcome(speed, halted(speed.size, RISE))  # 20 °/s: over gentle, rising
    assert not out.false_halt
    assert out.latency == -1.0
    assert out.rise == RISE


def test_the_rise_starts_after_the_last_gentle_frame_not_the_first_fast_one() -> None:
    """A slow movement that once went over the gentle limit and came back: only the climb
    that reaches the hard limit is the jerk's rise."""
    speed = np.concatenate([np.zeros(10), [12.0, 8.0], np.full(10, 5.0), [15.0, 25.0, 50.0]])
    early = halts.halt_outcome(speed, halted(speed.size, 10))  # the 12 °/s blip
    assert early.false_halt
    assert early.latency == math.inf
    on_rise = halts.halt_outcome(speed, halted(speed.size, 22))  # 15 °/s, the climb
    assert not on_rise.false_halt
    assert on_rise.latency == -2.0


def test_a_jerk_halted_two_frames_after_it_crossed_the_hard_limit() -> None:
    speed = slow_then_jerk()
    out = halts.halt_outcome(speed, halted(speed.size, FIRST_OVER + 2, FIRST_OVER + 5))
    assert out == halts.HaltOutcome(2.0, False, RISE)


def test_a_jerk_never_halted_reads_never() -> None:
    speed = slow_then_jerk()
    assert halts.halt_outcome(speed, np.zeros(speed.size, dtype=bool)).latency == math.inf


def test_a_halt_while_still_before_a_jerk_from_rest_is_false() -> None:
    speed = np.concatenate([np.zeros(STILL), [15.0, 40.0, 60.0]])
    out = halts.halt_outcome(speed, halted(speed.size, 5, STILL + 1))
    assert out.false_halt
    assert out.latency == 0.0


def test_any_halt_in_a_clip_that_never_crosses_the_hard_limit_is_false() -> None:
    speed = np.concatenate([np.zeros(STILL), np.full(SLOW, 10.0), np.full(5, 25.0)])
    out = halts.halt_outcome(speed, halted(speed.size, STILL + SLOW + 2))
    assert out.false_halt
    assert math.isnan(out.latency)
    assert out.rise is None
    assert not halts.halt_outcome(speed, np.zeros(speed.size, dtype=bool)).false_halt


def test_the_speed_sign_does_not_matter() -> None:
    speed = -slow_then_jerk()
    out = halts.halt_outcome(speed, halted(speed.size, STILL + 20))
    assert out.false_halt
    assert out.latency == math.inf


def test_the_truth_runs_and_the_bench_use_this_one_definition() -> None:
    assert measure.halt_outcome is halts.halt_outcome
    assert (measure.HARD, measure.GENTLE) == (halts.HARD, halts.GENTLE)
