"""The I3 rule for a check read with the receiver apart (`Check.read_alone`), asserted on a
monitor's trace: every covered frame that passes has, before it, a frame seen with her apart
where the check passed, and she was never lost for longer than the grace in between (the hug's
crossed arms, `test_arms_cover`; the side-lying top knee, `test_side_cover`)."""

from __future__ import annotations

import numpy as np

from backbuddy.motion.checks import CheckTrace
from backbuddy.motion.monitors import GRACE_S


def assert_covered_passes_seen_alone(
    kept: CheckTrace,
    raw: CheckTrace,
    covered: np.ndarray,
    seen: np.ndarray,
    present: np.ndarray,
    t: np.ndarray,
) -> None:
    """`kept`: the check as the monitor gives it (the covered frames read as seen apart);
    `raw`: the same check read on every frame; `covered`: her landmarks at the assistant's body;
    `seen`: she is seen as herself; `present`: someone is in view; `t`: the frames' times."""
    for i in np.flatnonzero(covered & seen & kept.passed):
        alone = [j for j in range(i) if seen[j] and not covered[j] and raw.visible[j]]
        assert alone, i
        j = alone[-1]
        assert raw.passed[j], (i, j)
        times = t[[k for k in range(j, i + 1) if present[k]]]
        assert np.diff(times).max(initial=0.0) <= GRACE_S, (i, j)
