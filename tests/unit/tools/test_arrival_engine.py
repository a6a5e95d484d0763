"""His arrival through the engine, on the recorded whole-flow clips (the server's two-person
path): a Ready pressed while her landmarks still jolt from his new hold led to a false speed
halt; now it waits out the technique's settle and the attempt runs without one, while the
clip's real jerk still halts (tools/calibrate/arrival_engine.py; docs/accuracy.md "His
arrival")."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import arrival_engine as A  # noqa: E402

SETTLE_FRAMES = round(A.hug().hold_settle_s * A.FPS)


def test_a_ready_pressed_as_he_takes_hold_waits_for_the_settle_instead_of_a_false_halt():
    covered = A.first_covered("slow", "server")
    assert covered is not None
    was = A.press("slow", "server", covered + 4, settle=False)
    assert was.halt == (100, "halt sudden")  # her trunk still: the model's jolt
    now = A.press("slow", "server", covered + 4)
    assert now.halt is None
    assert now.taken is not None
    assert now.taken >= covered + SETTLE_FRAMES
    assert "settling" in now.refused


def test_the_jolt_later_in_his_arrival_no_longer_halts_either():
    was = A.press("arms_drop_late", "server", 110, settle=False)
    assert was.halt is not None
    assert was.halt[1] == "halt sudden"
    assert A.press("arms_drop_late", "server", 110).halt is None


def test_the_real_jerk_still_halts_after_the_settle():
    now = A.press("jerk", "server", A.first_covered("jerk", "server") + 4)  # type: ignore[operator]
    assert now.halt is not None
    frame, what = now.halt
    assert what.startswith("halt")
    # the clip's jerk: its truth moves from frame 181 and is over 30 deg/s from 184; halted
    # within 2 frames of crossing the limit (the goal)
    assert 184 <= frame <= 186
