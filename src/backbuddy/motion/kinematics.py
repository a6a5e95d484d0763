"""Filtering a measure over time: smoothed value, angular velocity, noise and velocity steps.

The filter plays the role of a One Euro filter (quiet while the motion is steady,
quick as soon as it changes) but is linear-in-windows and causal, so it runs
vectorised over T and gives the same numbers frame by frame. At every frame it
fits a straight line (least squares, real timestamps) to the last W samples for
W in `windows` and keeps the longest window whose slope agrees with every shorter
one within ``gamma`` standard errors: the intersection-of-confidence-intervals
rule (Goldenshluger & Nemirovski 1997; Katkovnik 1999). Slow, steady motion gets
a 1 s fit (speed error ≈ 0.1 °/s); a sudden change is seen by the 3-sample fit
within one or two frames.

Parameters were set by measurement (tests/data/README.md, bench/pose.py):
MediaPipe's trunk angles jitter by 0.13–0.5° per frame on the real clips, and the
jitter is estimated as it goes (median |second difference| over the last 2 s, never
below 0.1°; the median since issue 12, so a transient does not read as jitter).
Sweeping ``gamma`` over 3–4 and the windows on synthetic rotations with 0.15–0.4° of
jitter: ``gamma = 4`` with windows of 0.1–1 s at 30 fps reads 5 and 10 °/s within
0.1–0.6 °/s (mean, rest and movement included), never trips the 15 °/s velocity-step
monitor in 80 × 20 s of slow motion, and still sees a 40 °/s movement within 2 frames
(``gamma = 3`` gave false velocity steps; more windows between 3 and 31 samples only
added lag). A velocity step is seen when it is large: 40 °/s within 3 frames, 20 °/s
within about 6 (the 200 ms the rule spans).
Until some window could measure a steady speed to 2 °/s (0.3 s after tracking
starts for a trunk angle, about 1 s for the noisier twist) no speed is reported.

State (`History`) carries the last samples, so feeding one frame at a time gives
exactly what one call over the whole sequence gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from backbuddy.motion.landmarks import FloatArray

IntArray = NDArray[np.int64]
#: median |second difference| of white noise = this × its standard deviation (√6 × the
#: median of |N(0, 1)|, 0.6745).
_MEDIAN_ABS_D2_PER_SIGMA = float(np.sqrt(6.0) * 0.6744897501960817)


@dataclass(frozen=True)
class SpeedFilter:
    """Parameters of the adaptive-window filter (see the module docstring).

    windows: fit lengths in samples, shortest first; gamma: agreement width in standard
    errors; noise_window: samples used to estimate the jitter; noise_floor_deg /
    noise_start_deg: the jitter assumed at least / before enough samples are seen;
    step_window_s: the span over which velocity steps are measured (200 ms, issue 4);
    settle_se_deg_s: no speed is reported until some window's standard error would be
    this small (about 0.3 s after tracking starts for a trunk angle, 1 s for the twist).
    """

    windows: tuple[int, ...] = (3, 5, 9, 17, 31)
    gamma: float = 4.0
    noise_window: int = 60
    noise_floor_deg: float = 0.1
    noise_start_deg: float = 1.0
    min_noise_samples: int = 10
    step_window_s: float = 0.2
    step_lags: int = 6
    settle_se_deg_s: float = 2.0

    @classmethod
    def for_fps(cls, fps: float) -> SpeedFilter:
        """Windows of 0.1, 0.17, 0.3, 0.57 and 1 s at the given frame rate (at least 3 samples)."""
        rate = float(fps) if np.isfinite(fps) and fps > 0 else 30.0
        lengths = sorted(
            {max(3, int(round(s * rate)) + 1) for s in (0.067, 0.133, 0.267, 0.533, 1.0)}
        )
        return cls(
            windows=tuple(lengths),
            noise_window=max(10, int(round(2 * rate))),
            step_lags=max(1, int(np.ceil(0.2 * rate))),
        )

    @property
    def history(self) -> int:
        """Samples of history the filter needs to reproduce a batch result frame by frame."""
        return max(self.windows[-1], self.noise_window + 2, self.step_lags + 1)


#: t, x, segment, velocity and |second difference| per sample, as plain lists.
HistoryFloats = tuple[list[float], list[float], list[int], list[float], list[float]]


@dataclass(frozen=True)
class History:
    """The last samples seen: times, values (unwrapped), segments and velocities.

    Two forms of the same samples: numpy arrays (`t`, `x`, `segment`, `velocity`, which the
    vectorised filter reads) and plain lists (`floats`, which the one-frame filter reads and
    keeps). Each is made from the other only when it is read: a live camera feeds one frame at
    a time and never reads the arrays, so it never pays for them (26 µs a frame).
    """

    arrays: tuple[FloatArray, FloatArray, IntArray, FloatArray] | None
    last_valid: float = float("nan")
    #: The same samples as plain floats with each sample's |second difference| (NaN where it
    #: is not one: `kinematics_one`), kept by the one-frame filter for the next frame; None
    #: after the vectorised filter (then worked out from the arrays).
    floats: HistoryFloats | None = field(default=None, repr=False, compare=False)

    @classmethod
    def empty(cls) -> History:
        return cls((np.zeros(0), np.zeros(0), np.zeros(0, np.int64), np.zeros(0)))

    @cached_property
    def _made(self) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
        if self.arrays is not None:
            return self.arrays
        assert self.floats is not None, "a history has its arrays or its floats"
        t, x, segment, velocity, _ = self.floats
        return np.array(t), np.array(x), np.array(segment, np.int64), np.array(velocity)

    @property
    def t(self) -> FloatArray:
        return self._made[0]

    @property
    def x(self) -> FloatArray:
        return self._made[1]

    @property
    def segment(self) -> IntArray:
        return self._made[2]

    @property
    def velocity(self) -> FloatArray:
        return self._made[3]


@dataclass(frozen=True)
class Track:
    """A filtered measure, one entry per frame.

    value: smoothed measure (its units; the raw value until two samples exist);
    velocity: signed rate, units per second (°/s for angles), NaN until enough samples
    exist to measure it (see `SpeedFilter.settle_se_deg_s`); noise:
    estimated jitter (units); window: fit length used (samples; 0 = none); step:
    largest change of velocity within `step_window_s` (units per second, ≥ 0), NaN
    until the longest window holds enough samples (0.5 s). NaN where not seen.
    """

    value: FloatArray
    velocity: FloatArray
    noise: FloatArray
    window: IntArray
    step: FloatArray

    @property
    def speed(self) -> FloatArray:
        """|velocity|: angular speed in °/s for angles."""
        return np.abs(self.velocity)


def unwrap_deg(values: FloatArray, last: float = float("nan")) -> FloatArray:
    """Remove ±360° jumps between consecutive seen values (NaN kept), continuing from `last`."""
    out = np.array(values, dtype=np.float64)
    seen = np.flatnonzero(np.isfinite(out))
    if seen.size == 0:
        return out
    chain = np.concatenate([[last], out[seen]]) if np.isfinite(last) else out[seen]
    turns = np.cumsum(np.round(np.diff(chain) / 360.0))
    fixed = chain[1:] - 360.0 * turns
    if np.isfinite(last):
        out[seen] = fixed
    else:
        out[seen] = np.concatenate([chain[:1], fixed])
    return out


def _windows(a: np.ndarray, w: int, start: int) -> np.ndarray:
    """Rows `start` on of `sliding_window_view(a, w)` (a view); one row, the live case, by a
    plain slice (the same numbers, without the general function's cost)."""
    if a.size - w + 1 - start == 1:
        return a[a.size - w :][None, :]
    return sliding_window_view(a[start:], w)


def _noise(x: FloatArray, seg: IntArray, f: SpeedFilter, start: int = 0) -> FloatArray:
    """Causal jitter estimate from the median |second difference| over `noise_window` samples.

    The median, not the mean: one transient in the window (the tracker settling on a leg in
    its first half second, a movement's own start and stop) would otherwise read as jitter
    for the next 2 s, widen the agreement test and slow the filter exactly when a jerk must be
    seen (issue 12: a side-lying jerk from a table-height camera halted 4 frames late after the
    tracker's start-up drift; 2 with the median). On white noise both read σ. Returns samples
    `start` on (earlier ones serve as history: a live camera needs one new sample a frame).
    """
    d2 = np.full(x.shape, np.nan)
    same = np.zeros(x.shape, bool)
    same[2:] = (seg[2:] == seg[1:-1]) & (seg[1:-1] == seg[:-2])
    with np.errstate(invalid="ignore"):  # an infinite sample: inf - inf is NaN, as meant
        d2[2:] = np.abs(x[2:] - 2 * x[1:-1] + x[:-2])
    # Only finite differences are jitter samples: an infinite measure value is not seen (as
    # NaN), so its infinite differences neither count nor take part in the median (they did
    # in the median, and the one-frame filter, `kinematics_one._d2`, dropped them).
    ok = same & np.isfinite(d2)
    d2[~ok] = np.nan
    ccount = np.concatenate([[0], np.cumsum(ok)])
    hi = np.arange(start + 1, x.size + 1)
    count = ccount[hi] - ccount[np.maximum(hi - f.noise_window, 0)]
    padded = np.concatenate([np.full(f.noise_window - 1, np.nan), d2])
    windows = _windows(padded, f.noise_window, start)
    enough = count >= f.min_noise_samples
    median = np.full(hi.shape, np.nan)
    rows = np.flatnonzero(enough)
    for lo in range(0, rows.size, _MEDIAN_BLOCK):
        block = rows[lo : lo + _MEDIAN_BLOCK]
        median[block] = _row_medians(windows[block])
    sigma = np.maximum(median / _MEDIAN_ABS_D2_PER_SIGMA, f.noise_floor_deg)
    return np.where(enough, sigma, f.noise_start_deg)


#: Rows sorted at once by `_noise` (bounds its memory on a long clip: 4096 × 60 floats).
_MEDIAN_BLOCK = 4096


def _row_medians(rows: FloatArray) -> FloatArray:
    """Each row's median of its samples that are not NaN, as `np.median` of them gives it, bit
    for bit: the rows sorted (NaN last), the middle one, or the mean of the middle two
    ((a + b) / 2, as `np.mean` of two). A whole clip at once, not one call per frame."""
    ordered = np.sort(rows, axis=1)
    n = np.count_nonzero(~np.isnan(ordered), axis=1)
    pick = np.arange(ordered.shape[0])
    upper = ordered[pick, n // 2]
    lower = ordered[pick, np.maximum(n - 1, 0) // 2]
    middle: FloatArray = np.where(n % 2 == 1, upper, (lower + upper) / 2.0)
    return middle


def _window_fits(
    t: FloatArray, x: FloatArray, seg: IntArray, f: SpeedFilter, start: int = 0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Slopes, fitted end values and 1/sqrt(Stt) for every window, for samples `start` on:
    arrays of shape (K, N - start). Earlier samples serve only as history.

    The sums over the last w samples run from the newest back, one sample a step over all
    frames at once (as a cumulative sum adds them, so the same floats as `kinematics_one`),
    and are kept at each window's length: no (frames × longest window) arrays are built.
    """
    wmax, size = f.windows[-1], t.size
    pad = wmax - 1
    tp = np.concatenate([np.full(pad, np.nan), t])
    xp = np.concatenate([np.full(pad, np.nan), x])
    sp = np.concatenate([np.full(pad, -1, np.int64), seg])
    t, x, seg = t[start:], x[start:], seg[start:]
    ends = {w - 1: k for k, w in enumerate(f.windows)}
    n, st, sx, stt_raw, stx_raw = np.empty((5, len(f.windows), t.size))
    for back in range(wmax):
        lo, hi = pad + start - back, pad + size - back  # the samples `back` before each frame
        xb = xp[lo:hi]
        mask = np.isfinite(xb) & (sp[lo:hi] == seg)
        tc = np.where(mask, tp[lo:hi] - t, 0.0)
        xm = np.where(mask, xb, 0.0)
        if back == 0:  # a cumulative sum starts with its first element, not 0.0 + it
            c_n, c_t, c_x, c_tt, c_tx = mask.astype(np.float64), tc, xm, tc * tc, tc * xm
        else:
            c_n += mask
            c_t += tc
            c_x += xm
            c_tt += tc * tc
            c_tx += tc * xm
        k = ends.get(back)
        if k is not None:
            n[k], st[k], sx[k], stt_raw[k], stx_raw[k] = c_n, c_t, c_x, c_tt, c_tx
    nn = np.maximum(n, 1.0)
    stt = stt_raw - st * st / nn
    stx = stx_raw - st * sx / nn
    need = np.array([max(2, (w + 1) // 2) for w in f.windows], dtype=np.float64)[:, None]
    good = (n >= need) & (stt > 1e-12) & np.isfinite(x)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        b = stx / stt
        slope = np.where(good, b, np.nan)
        fit = np.where(good, sx / nn - b * st / nn, np.nan)
        inv = np.where(good, 1.0 / np.sqrt(stt), np.nan)
    return slope, fit, inv


def _choose(
    slope: FloatArray, fit: FloatArray, inv: FloatArray, sigma: FloatArray, gamma: float
) -> tuple[FloatArray, FloatArray, IntArray]:
    half = gamma * sigma[None, :] * inv
    lo = np.where(np.isfinite(slope), slope - half, np.inf)
    hi = np.where(np.isfinite(slope), slope + half, -np.inf)
    agree = np.fmax.accumulate(lo, axis=0) <= np.fmin.accumulate(hi, axis=0)
    idx = agree.sum(axis=0) - 1
    safe = np.maximum(idx, 0)[None, :]
    velocity = np.where(idx >= 0, np.take_along_axis(slope, safe, 0)[0], np.nan)
    value = np.where(idx >= 0, np.take_along_axis(fit, safe, 0)[0], np.nan)
    return velocity, value, idx


def _steps(
    t: FloatArray, v: FloatArray, seg: IntArray, f: SpeedFilter, start: int = 0
) -> FloatArray:
    """Largest |v_i - v_j| over earlier samples j of the same segment within step_window_s,
    for samples i from `start` on."""
    n = v.size
    step = np.zeros(n - start)
    for lag in range(1, f.step_lags + 1):
        if lag >= n:
            break
        lo = max(start, lag)  # the first sample i that has a sample `lag` before it
        d = np.abs(v[lo:] - v[lo - lag : n - lag])
        near = (t[lo:] - t[lo - lag : n - lag] <= f.step_window_s + 1e-9) & (
            seg[lo:] == seg[lo - lag : n - lag]
        )
        step[lo - start :] = np.fmax(step[lo - start :], np.where(near & np.isfinite(d), d, 0.0))
    return np.where(np.isfinite(v[start:]), step, np.nan)


def track(
    values: FloatArray,
    t: FloatArray,
    segment: IntArray | None = None,
    *,
    periodic: bool = False,
    filt: SpeedFilter | None = None,
    history: History | None = None,
) -> tuple[Track, History]:
    """Filter one measure: smoothed value, velocity, jitter and velocity steps per frame.

    values: (T,) measure, NaN where not seen; t: (T,) seconds; segment: (T,) ids of
    stretches that belong together (a new id after an identity change: no fit spans two
    ids); periodic: unwrap ±360° first. Returns the track and the history to pass with
    the next frames.
    """
    f = filt or SpeedFilter()
    h = history or History.empty()
    if values.size == 0:
        empty = np.zeros(0)
        return Track(empty, empty, empty, np.zeros(0, np.int64), empty), h
    seg = np.zeros(values.shape, np.int64) if segment is None else np.asarray(segment, np.int64)
    if values.size == 1:  # a live camera's frame: the same numbers on floats (kinematics_one)
        from backbuddy.motion.kinematics_one import ONE_FRAME_FAILS, track_one

        try:
            return track_one(float(values[0]), float(t[0]), int(seg[0]), periodic, f, h)
        except ONE_FRAME_FAILS:
            pass  # a degenerate sample: the general code below gives numpy's NaN or inf
    x = unwrap_deg(values, h.last_valid) if periodic else np.asarray(values, np.float64)
    n0 = h.t.size
    tt = np.concatenate([h.t, np.asarray(t, np.float64)])
    xx = np.concatenate([h.x, x])
    ss = np.concatenate([h.segment, seg])
    sigma = _noise(xx, ss, f, n0)
    slope, fit, inv = _window_fits(tt, xx, ss, f, n0)
    velocity, value, idx = _choose(slope, fit, inv, sigma, f.gamma)
    # A speed from 2 or 3 samples is a guess: report one once some window could measure a
    # steady speed to `settle_se_deg_s`, and velocity steps once the 1 s fit exists.
    precise = np.isfinite(slope) & (inv * sigma[None, :] <= f.settle_se_deg_s)
    velocity = np.where(precise.any(axis=0), velocity, np.nan)
    value = np.where(np.isfinite(value), value, x)
    vv = np.concatenate([h.velocity, velocity])
    step = np.where(np.isfinite(slope[-1]), _steps(tt, vv, ss, f, n0), np.nan)
    keep = f.history
    finite = x[np.isfinite(x)]
    last = float(finite[-1]) if finite.size else h.last_valid
    new = History((tt[-keep:], xx[-keep:], ss[-keep:], vv[-keep:]), last)
    seen = np.isfinite(x)
    out = Track(
        value=value,
        velocity=velocity,
        noise=np.where(seen, sigma, np.nan),
        window=np.where(idx >= 0, np.array(f.windows)[np.maximum(idx, 0)], 0),
        step=step,
    )
    return out, new
