"""When a halt counts as halting a jerk, and when it is a false halt (issue 12): one definition.

Used by `measure.py` (the truth runs: docs/accuracy.md, the regions, `bench truth`,
`bench truth_phone`, the truth integration tests) and `bench/pose.py` (the synthetic sequences).

A clip whose true speed rises over `limit` (the hard limit) holds a *jerk*. The jerk's own
rise begins after the last frame at or under the gentle limit that precedes the first frame
over `limit`. A halt before that frame stopped a still receiver or a slow, gentle movement:
a false halt, however close the jerk comes after it. The jerk's latency counts only halts
from its rise onward: frames from the first frame over `limit` to the first such halt
(negative: the app halted on the rise, before the true speed crossed `limit`; `inf`: never).
A clip that never exceeds `limit` has no latency, and any halt in it is false.

Before 2026-11-27 a halt anywhere after the motion's first frame (true speed > 0.5 °/s)
counted as the jerk's halt: a halt during the slow part of a slow-then-jerk clip read as the
jerk halted early (latency −20 frames) and not as a false halt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HARD, GENTLE = 30.0, 10.0


@dataclass(frozen=True)
class HaltOutcome:
    """`latency`: frames from the first frame over the limit to the jerk's halt (`inf`: never;
    `nan`: no jerk); `false_halt`: a halt while no jerk was under way; `rise`: the jerk's
    first frame (None: no jerk)."""

    latency: float
    false_halt: bool
    rise: int | None


def halt_outcome(
    true_speed: np.ndarray, halts: np.ndarray, limit: float = HARD, gentle: float = GENTLE
) -> HaltOutcome:
    """The halt frames `halts` (booleans, one per frame) judged against `true_speed` (°/s)."""
    speed = np.abs(np.asarray(true_speed, dtype=float))
    halts = np.asarray(halts, dtype=bool)[: speed.size]
    over = np.flatnonzero(speed > limit)
    if over.size == 0:
        return HaltOutcome(float("nan"), bool(halts.any()), None)
    first = int(over[0])
    calm = np.flatnonzero(speed[:first] <= gentle)
    rise = int(calm[-1]) + 1 if calm.size else 0
    after = np.flatnonzero(halts[rise:])
    latency = float(after[0] + rise - first) if after.size else float("inf")
    return HaltOutcome(latency, bool(halts[:rise].any()), rise)
