"""The still-jitter limit's sweep (tools/calibrate/jitter_table.py): which runs a limit would
start, and which of them miss a goal."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools" / "calibrate"))

import jitter_table  # noqa: E402
import measure  # noqa: E402


def _result(
    jitter: float, *, speed: float = 1.0, false_halt: bool = False, accepted: bool = True
) -> measure.ClipResult:
    r = measure.ClipResult(
        "c", "side_lying_rotation", "correct", "slow", "front_floor", "", 5.0, 10
    )
    r.speed_err, r.false_halt, r.accepted, r.still_jitter = speed, false_halt, accepted, jitter
    return r


def _run(jitter: float, **kw: object) -> jitter_table.Run:
    r = _result(jitter, **kw)  # type: ignore[arg-type]
    return jitter_table.Run("c", "k", r, r)


def test_a_run_misses_the_goals_on_a_false_halt_or_a_slow_speed_error_over_2() -> None:
    assert _run(0.1).goals
    assert not _run(0.1, false_halt=True).goals
    assert not _run(0.1, speed=2.5).goals


def test_the_sweep_counts_missing_runs_that_start_and_good_runs_refused() -> None:
    runs = [
        _run(0.05),  # good, quiet: starts at any limit
        _run(0.2, false_halt=True),  # bad, jittery: refused from a limit under 0.2
        _run(0.3),  # good but jittery: refused under 0.3
        _run(0.5, false_halt=True, accepted=False),  # refused by the placement: never counted
    ]
    by_limit = {limit: (missed, refused) for limit, missed, refused in jitter_table.sweep(runs)}
    assert by_limit[0.15] == (0, 1)
    assert by_limit[0.25] == (1, 1)
    assert by_limit[0.3] == (1, 0)
