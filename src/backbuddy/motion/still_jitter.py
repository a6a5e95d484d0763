"""How much the movement measure jitters on a still receiver: can this picture read small
movements at all? (issue 12, item 1: refuse where the measure is not valid.)

On a phone's picture in a dim room MediaPipe moves the side-lying twist's leg landmarks by
several pixels on a receiver who holds still: the twist reads 4 °/s at rest with peaks of
22 °/s, and slow twists false-halt (docs/accuracy.md, "A still picture's jitter"). No filter
separates that from a true jerk within 2 frames, so the gate refuses the picture instead.

`JitterWatch` reads the primary measure (its own units, after the view gain) on still frames,
the same frames the placement gate reads the view on, and estimates its jitter as a robust
standard deviation: the median |second difference| over the last `WINDOW_S` of still frames
/ `MEDIAN_ABS_D2_PER_SIGMA` (a steady slow drift has no second difference; a burst of a few
frames does not move a median). A second difference needs three consecutive still, seen
frames. The windows are seconds of the frames' own periods (`frame_time`), so they hold at
any frame rate. Until `MIN_S` of them are in, the jitter is unknown (NaN) and the picture not judged
valid. Hysteresis: the picture is judged steady at or under the limit and unsteady only above
`EXIT_RATIO` × the limit, so an estimate near the limit does not flicker.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from backbuddy.motion import frame_time
from backbuddy.motion.landmarks import BoolArray, FloatArray

#: median |second difference| of white noise = this × its standard deviation (as `kinematics`).
MEDIAN_ABS_D2_PER_SIGMA = math.sqrt(6.0) * 0.6744897501960817
#: Seconds of still frames whose second differences are kept.
WINDOW_S = 3.0
#: Seconds of second differences needed before the jitter is known.
MIN_S = 1.5
#: An open gate shuts only when the jitter exceeds this multiple of the limit.
EXIT_RATIO = 1.1


#: At least this many second differences make a window, whatever their periods.
MIN_COUNT = 3


@dataclass
class _State:
    last: deque[float] = field(default_factory=lambda: deque(maxlen=2))
    d2: deque[float] = field(default_factory=deque)
    periods: deque[int] = field(default_factory=deque)
    total_us: int = 0
    ordered: list[float] = field(default_factory=list)
    sigma: float = math.nan
    steady: bool = False

    def add(self, value: float, period_us: int) -> None:
        """One second difference, its frame's period (µs); the oldest dropped while more
        than `WINDOW_S` (and `MIN_COUNT`) are in."""
        d2, periods = self.d2, self.periods
        d2.append(value)
        periods.append(period_us)
        self.total_us += period_us
        insort(self.ordered, value)
        while len(d2) > MIN_COUNT and frame_time.over(self.total_us, period_us, WINDOW_S):
            del self.ordered[bisect_left(self.ordered, d2.popleft())]
            self.total_us -= periods.popleft()

    def enough(self, period_us: int) -> bool:
        return len(self.d2) >= MIN_COUNT and frame_time.reaches(self.total_us, period_us, MIN_S)

    def median(self) -> float:
        ordered, n = self.ordered, len(self.ordered)
        return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


@dataclass(frozen=True)
class JitterTrace:
    """Per frame: the jitter estimate (the measure's units, NaN until known) and whether the
    picture is steady enough for the limit (False until known)."""

    sigma: FloatArray
    steady: BoolArray


class JitterWatch:
    """The still receiver's jitter of one measure, frame by frame (state carried over)."""

    def __init__(self, limit: float, fps: float = 30.0) -> None:
        self.limit = limit
        #: The window and the least second differences at `fps` with even times.
        self.window = max(MIN_COUNT, round(WINDOW_S * fps))
        self.min_samples = max(MIN_COUNT, round(MIN_S * fps))
        self._nominal_us = frame_time.nominal_us(fps)
        self._s = _State()

    def update(
        self,
        measure: FloatArray,
        still: BoolArray,
        forget: BoolArray | None = None,
        periods_us: list[int] | None = None,
    ) -> JitterTrace:
        """`measure`: the primary measure per frame (NaN = not seen); `still`: the frames the
        gate reads as still; `forget`: frames where the camera moved (the jitter of the old
        picture is dropped); `periods_us`: each frame's period (`frame_time.periods_us`;
        without them, the `fps` the watch was made for)."""
        s = self._s
        n = still.shape[0]
        periods = [self._nominal_us] * n if periods_us is None else periods_us
        values, stills = np.asarray(measure, np.float64).tolist(), still.tolist()
        forgets = [False] * n if forget is None else forget.tolist()
        sigma, steady = [math.nan] * n, [False] * n
        limit, exit_limit = self.limit, self.limit * EXIT_RATIO
        for i in range(n):
            if forgets[i]:
                s = self._s = _State()
            v = values[i]
            if stills[i] and v == v:  # NaN != NaN
                if len(s.last) == 2:
                    s.add(abs(v - 2.0 * s.last[1] + s.last[0]), periods[i])
                s.last.append(v)
                if s.enough(periods[i]):
                    s.sigma = s.median() / MEDIAN_ABS_D2_PER_SIGMA
                    s.steady = s.sigma <= (exit_limit if s.steady else limit)
            else:
                s.last.clear()  # a second difference spans three consecutive still frames
            sigma[i], steady[i] = s.sigma, s.steady
        return JitterTrace(np.array(sigma, np.float64), np.array(steady, bool))
