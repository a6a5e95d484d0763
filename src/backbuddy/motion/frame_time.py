"""Windows of seconds that hold whatever the frame rate: each frame counts for its own period.

The placement gate and the still-jitter watch keep "the last 3 s of still frames". Sized as
a count of frames at 30 a second, that was 6 s of real time at the page's 15 frames/s and
18 s on a loaded server's 5 (engineer suite11, session 11: the gate stayed open 4–9 s after
the camera moved somewhere it should refuse). Here each kept sample weighs its frame's period,
read from the frames' own times (`t`), in whole microseconds (sums that never drift), and a
window keeps samples while their periods add up to its seconds. At an even rate the rule
keeps exactly `round(seconds × rate)` samples, the count the windows had before, so at 30
frames/s nothing changes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Microseconds in a second: periods are whole microseconds.
US = 1_000_000
#: A period is read as at least this (a burst of frames does not fill a window with samples).
MIN_PERIOD_S = 1.0 / 120.0
#: …and at most this (a gap, frames lost, counts as one slow frame: the engine pauses for it).
MAX_PERIOD_S = 0.5


def nominal_us(fps: float) -> int:
    """One frame's period at `fps` (30 when it is not a usable rate), microseconds."""
    rate = fps if math.isfinite(fps) and fps > 0 else 30.0
    return _clamp(round(US / rate))


def _clamp(us: int) -> int:
    return min(round(MAX_PERIOD_S * US), max(round(MIN_PERIOD_S * US), us))


def periods_us(t: Sequence[float] | None, n: int, last: float, nominal: int) -> list[int]:
    """Each of `n` frames' period (µs): its time minus the frame before's (`last`, NaN when
    none), clamped; `nominal` where a time is missing, unknown or not after the one before."""
    if t is None:
        return [nominal] * n
    out = []
    for ti in t:
        dt = ti - last
        out.append(_clamp(round(dt * US)) if math.isfinite(dt) and dt > 0 else nominal)
        if math.isfinite(ti):
            last = ti
    return out


def over(total_us: int, newest_us: int, span_s: float) -> bool:
    """Do samples weighing `total_us` (the newest `newest_us`) hold more than `span_s`? More
    than half the newest period over it: at an even rate, more than `round(span_s × rate)`."""
    return 2 * total_us > 2 * round(span_s * US) + newest_us


def reaches(total_us: int, newest_us: int, span_s: float) -> bool:
    """Do they hold at least `span_s`, to within half the newest period (at an even rate:
    at least `round(span_s × rate)` samples)?"""
    return 2 * total_us >= 2 * round(span_s * US) - newest_us
