"""`kinematics.track` for one new frame, in plain Python: the live camera's case (issue 15).

A live session feeds the filter one frame at a time; the vectorised code then spends its
time in numpy's per-call cost on arrays of one (0.4 ms a frame, a fifth of a session's server
CPU). This does the same arithmetic on floats, in the same order (the fits' sums run from the
newest sample back, as the cumulative sums do; masked samples add 0.0 as there), so every
number is bit for bit the vectorised one's: `tests/unit/motion/test_kinematics_one.py` and
the golden monitor output compare them.
"""

from __future__ import annotations

import math
from functools import cache
from typing import TypeVar

import numpy as np

from backbuddy.motion import kinematics as K

#: What a one-frame path may raise on a degenerate frame (a zero length divides): numpy says
#: NaN or inf there, so the caller falls back to the vectorised code for that frame.
ONE_FRAME_FAILS = (ArithmeticError, ValueError)
T = TypeVar("T", float, int)


def track_one(
    value: float,
    t: float,
    segment: int,
    periodic: bool,
    f: K.SpeedFilter,
    h: K.History,
) -> tuple[K.Track, K.History]:
    """The filter's output for one new sample (`kinematics.track` with T = 1)."""
    x = _unwrap_one(value, h.last_valid) if periodic else value
    t0, x0, s0, v0, d0 = h.floats if h.floats is not None else _floats(h)
    # The samples the history keeps with the new one (the oldest dropped first, not after:
    # each step below reads at most the newest `f.history`, and from the newest back)
    cut = max(0, len(t0) + 1 - f.history)
    ts, xs, ss = _after(t0, cut, t), _after(x0, cut, x), _after(s0, cut, segment)
    v0, d0 = v0[cut:], d0[cut:]
    if not math.isfinite(x):
        return _unseen_one(x, ts, xs, ss, v0, d0, h)
    d2 = d0
    d2.append(_d2(xs, ss, len(xs) - 1))
    sigma = _noise_one(d2, f)
    slopes, fits, invs = _fits_one(ts, xs, ss, f)
    velocity, fitted, idx = _choose_one(slopes, fits, invs, sigma, f.gamma)
    settle = f.settle_se_deg_s
    pairs = zip(slopes, invs, strict=True)
    precise = any(math.isfinite(s) and i * sigma <= settle for s, i in pairs)
    if not precise:
        velocity = math.nan
    if not math.isfinite(fitted):
        fitted = x
    vs = v0
    vs.append(velocity)
    step = _step_one(ts, vs, ss, f) if math.isfinite(slopes[-1]) else math.nan
    seen = math.isfinite(x)
    last = x if seen else h.last_valid
    # its arrays only if the vectorised filter reads them
    new = K.History(None, last, (ts, xs, ss, vs, d2))
    out = K.Track(
        value=np.array([fitted]),
        velocity=np.array([velocity]),
        noise=np.array([sigma if seen else math.nan]),
        window=np.array([f.windows[idx] if idx >= 0 else 0], np.int64),
        step=np.array([step]),
    )
    return out, new


def _after(values: list[T], cut: int, new: T) -> list[T]:
    """A new list: `values` from `cut` on, then `new`."""
    out = values[cut:]
    out.append(new)
    return out


def _unseen_one(
    x: float,
    ts: list[float],
    xs: list[float],
    ss: list[int],
    v0: list[float],
    d0: list[float],
    h: K.History,
) -> tuple[K.Track, K.History]:
    """`track_one` for a sample that is not seen (NaN: nobody, an unsure identity, a hidden
    joint): no window fits a sample that is not finite, so every output is what the full
    path gives then (velocity, noise and step NaN, window 0, the value `x` itself), without
    the fits and the jitter's median it would work out only to throw away (issue 15)."""
    v0.append(math.nan)
    d0.append(math.nan)  # `_d2` of a sample not finite is NaN
    new = K.History(None, h.last_valid, (ts, xs, ss, v0, d0))
    out = K.Track(
        value=np.array([x]),
        velocity=np.array([math.nan]),
        noise=np.array([math.nan]),
        window=np.array([0], np.int64),
        step=np.array([math.nan]),
    )
    return out, new


def _unwrap_one(value: float, last: float) -> float:
    """`unwrap_deg` of one value after `last` (rounded half to even and signed, as `np.round`)."""
    if not (math.isfinite(value) and math.isfinite(last)):
        return value
    turns = (value - last) / 360.0
    return value - 360.0 * math.copysign(float(round(turns)), turns)


def _floats(h: K.History) -> K.HistoryFloats:
    """The history as plain floats, with each sample's |second difference| (`_d2`)."""
    xs, ss = h.x.tolist(), h.segment.tolist()
    d2 = [_d2(xs, ss, j) for j in range(len(xs))]
    return h.t.tolist(), xs, ss, h.velocity.tolist(), d2


def _d2(xs: list[float], ss: list[int], j: int) -> float:
    """|second difference| at sample `j` as `kinematics._noise` reads it: NaN where the three
    samples are not all of one segment or it is not finite. Earlier samples never change, so
    it is worked out once per sample and kept with the history."""
    if j >= 2 and ss[j] == ss[j - 1] and ss[j - 1] == ss[j - 2]:
        d = abs(xs[j] - 2 * xs[j - 1] + xs[j - 2])
        if math.isfinite(d):
            return d
    return math.nan


def _noise_one(d2s: list[float], f: K.SpeedFilter) -> float:
    """`kinematics._noise` for the newest sample: the median |second difference| over the
    last `noise_window` samples, as jitter."""
    n = len(d2s)
    d2 = [d for d in d2s[max(2, n - f.noise_window) :] if d == d]  # NaN != NaN
    if len(d2) < f.min_noise_samples:
        return f.noise_start_deg
    d2.sort()
    mid = len(d2) // 2
    median = d2[mid] if len(d2) % 2 else (d2[mid - 1] + d2[mid]) / 2
    return max(median / K._MEDIAN_ABS_D2_PER_SIGMA, f.noise_floor_deg)


def _fits_one(
    ts: list[float], xs: list[float], ss: list[int], f: K.SpeedFilter
) -> tuple[list[float], list[float], list[float]]:
    """`kinematics._window_fits` for the newest sample: per window, slope, end value, 1/√Stt.

    The sums run from the newest sample back, as the cumulative sums do; a sample masked out
    (another segment, not finite, before the first) adds 0.0 there, and so here (it turns a
    sum of -0.0 into 0.0)."""
    n = len(xs)
    windows = f.windows
    nk = len(windows)
    slopes, fits, invs = [math.nan] * nk, [math.nan] * nk, [math.nan] * nk
    t0, x0, s0 = ts[-1], xs[-1], ss[-1]
    finite = x0 - x0 == 0.0  # math.isfinite, for a float
    # the newest sample first: a cumulative sum starts with its first element, not 0.0 + it
    tc = t0 - t0 if finite else 0.0
    xm = x0 if finite else 0.0
    cnt, st, sx, stt_raw, stx_raw = (1.0 if finite else 0.0), tc, xm, tc * tc, tc * xm
    need = _need(windows)
    back = 1  # the next sample to add, counted back from the newest
    for k, w in enumerate(windows):
        # the samples `back`…`w - 1` back (those before the first: masked)
        lo = n - w
        if lo < 0:  # masked samples add 0.0 (it turns a sum of -0.0 into 0.0; once will do)
            st, sx, stt_raw, stx_raw = st + 0.0, sx + 0.0, stt_raw + 0.0, stx_raw + 0.0
        for j in range(n - 1 - back, (lo if lo > 0 else 0) - 1, -1):
            if ss[j] == s0 and (xm := xs[j]) - xm == 0.0:
                tc = ts[j] - t0
                cnt += 1.0
                st += tc
                sx += xm
                stt_raw += tc * tc
                stx_raw += tc * xm
            else:
                st, sx, stt_raw, stx_raw = st + 0.0, sx + 0.0, stt_raw + 0.0, stx_raw + 0.0
        back = w
        # the sums over the last w samples: window k's fit
        nn = cnt if cnt > 1.0 else 1.0
        stt = stt_raw - st * st / nn
        stx = stx_raw - st * sx / nn
        if cnt >= need[k] and stt > 1e-12 and finite:
            b = stx / stt
            slopes[k], fits[k], invs[k] = b, sx / nn - b * st / nn, 1.0 / math.sqrt(stt)
    return slopes, fits, invs


@cache
def _need(windows: tuple[int, ...]) -> tuple[int, ...]:
    """The samples each window needs for a fit: at least 2, and half its length."""
    return tuple(max(2, (w + 1) // 2) for w in windows)


def _choose_one(
    slopes: list[float], fits: list[float], invs: list[float], sigma: float, gamma: float
) -> tuple[float, float, int]:
    """`kinematics._choose` for one sample: the longest window agreeing with every shorter."""
    lo_max, hi_min, agree = -math.inf, math.inf, 0
    inf = math.inf
    for slope, inv in zip(slopes, invs, strict=True):
        if slope - slope == 0.0:  # finite
            half = gamma * sigma * inv
            lo, hi = slope - half, slope + half
        else:
            lo, hi = inf, -inf
        # `max` and `min` written out (each keeps its first argument unless the second wins)
        if lo > lo_max:
            lo_max = lo
        if hi < hi_min:
            hi_min = hi
        if lo_max <= hi_min:
            agree += 1
    idx = agree - 1
    if idx < 0:
        return math.nan, math.nan, idx
    return slopes[idx], fits[idx], idx


def _step_one(ts: list[float], vs: list[float], ss: list[int], f: K.SpeedFilter) -> float:
    """`kinematics._steps` for the newest sample: its largest velocity change within
    `step_window_s` of the same segment."""
    n = len(vs)
    i = n - 1
    step = 0.0
    for lag in range(1, f.step_lags + 1):
        if lag >= n:
            break
        d = abs(vs[i] - vs[i - lag])
        near = ts[i] - ts[i - lag] <= f.step_window_s + 1e-9 and ss[i] == ss[i - lag]
        if near and d > step and d - d == 0.0:  # `max(step, d)` of a finite d
            step = d
    return step if math.isfinite(vs[i]) else math.nan
