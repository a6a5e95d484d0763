"""The camera-move watch's settled stretch in array form (`view_watch.ViewWatch.scan`).

While a view is settled and no re-read is under way, the watch's only state carried from
frame to frame is the window of recent rows, the time the torso was first seen displaced,
and the last segment: all three are windows or runs over the frames, so a whole clip's
stretch is read at once here and only the frame where the camera is seen to move is stepped
one by one again. Every decision repeats the frame-by-frame arithmetic (`_still_rows`,
`_sorted_median`, Python's `%`, `math.hypot` at the threshold), so the scan is bit for bit
the frame-by-frame one (tests/unit/motion/test_view_watch_arrays.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from backbuddy.motion.landmarks import BoolArray, FloatArray

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Settled:
    """What the settled view compares with, and the state carried in (`WatchState`)."""

    hip: tuple[float, float]
    length: float
    azimuth: float
    recent: FloatArray  # (r, 7) rows already in the window: azimuth, hip x, y, shoulders
    window: int  # the window's length (`WatchState.recent.maxlen`)
    displaced_since: float
    segment: int


@dataclass(frozen=True)
class Run:
    """Where the settled stretch ends and the state carried out of it.

    `stop`: the first frame where the camera is seen to move (or the number of frames);
    `recent`, `displaced_since`, `segment`: the state just before `stop`."""

    stop: int
    recent: FloatArray
    displaced_since: float
    segment: int


def settled_run(
    ref: Settled,
    *,
    t: FloatArray,
    same: BoolArray,
    segment: IntArray,
    valid: BoolArray,
    rows: FloatArray,
    persist: float,
    shift_trunks: float,
    still_trunks: float,
    azimuth_tol: float,
) -> Run:
    """Read the frames (all from one index on) as the settled watch would, up to a move."""
    n = len(t)
    # A new segment on a valid frame is a move; the segment follows every same-person frame.
    same_at = np.flatnonzero(same)
    segs = segment[same_at]
    before = np.concatenate([[ref.segment], segs[:-1]]).astype(np.int64)
    new_seg = np.zeros(n, bool)
    new_seg[same_at] = (before >= 0) & (segs != before)
    at = np.flatnonzero(valid)  # the frames the watch reads
    off = _off(ref, rows[at], still_trunks, shift_trunks, azimuth_tol)
    since = _since(off, t[at], ref.displaced_since)
    with np.errstate(invalid="ignore"):
        moved = new_seg[at] | (off & (t[at] - since >= persist - 1e-9))
    hits = np.flatnonzero(moved)
    p = int(hits[0]) if hits.size else len(at)  # valid frames read before the move
    stop = int(at[p]) if hits.size else n
    kept = np.concatenate([ref.recent, rows[at[:p]]])[-ref.window :]
    ds = ref.displaced_since if p == 0 else (float(since[p - 1]) if off[p - 1] else math.nan)
    same_before = same_at[same_at < stop]
    seg = int(segment[same_before[-1]]) if same_before.size else ref.segment
    return Run(stop, kept, ds, seg)


def _off(
    ref: Settled, rows: FloatArray, still_trunks: float, shift_trunks: float, tol: float
) -> BoolArray:
    """Per read frame: is the torso displaced (`ViewWatch._displaced`'s `off`)?"""
    m, r0 = ref.window, len(ref.recent)
    full = np.concatenate([ref.recent, rows])
    off = np.zeros(len(rows), bool)
    if len(full) < m:
        return off
    k = len(full) - m + 1  # full windows, ending at full[m - 1:]
    skip = max(0, r0 - m + 1)  # windows that end on rows already read before
    first = len(rows) - (k - skip)  # read frames before the window is full: never off
    points = full[:, 1:]
    hi, lo = points[m - 1 :].copy(), points[m - 1 :].copy()
    for j in range(m - 1):  # max and min over each window, exact in any order
        np.maximum(hi, points[j : j + k], out=hi)
        np.minimum(lo, points[j : j + k], out=lo)
    bad = np.concatenate([[0], np.cumsum(~np.isfinite(points).all(axis=1))])
    finite = (bad[m:] - bad[:k]) == 0
    with np.errstate(invalid="ignore"):
        spans = hi - lo
        reach = np.hypot(spans[:, 0::2], spans[:, 1::2]).max(axis=1)
    still = (finite & (reach <= still_trunks * ref.length))[skip:]
    here = rows[first:]
    limit = shift_trunks * ref.length
    dist = np.hypot(here[:, 1] - ref.hip[0], here[:, 2] - ref.hip[1])
    shift = dist > limit
    near = np.flatnonzero(still & np.isclose(dist, limit, rtol=1e-9, atol=0.0))
    for i in near.tolist():  # at the threshold, Python's hypot decides (its rounding)
        shift[i] = math.hypot(here[i, 1] - ref.hip[0], here[i, 2] - ref.hip[1]) > limit
    median = _window_median(sliding_window_view(full[:, 0], m)[skip:])
    with np.errstate(invalid="ignore"):
        turn = np.abs(np.remainder(median - ref.azimuth + 180.0, 360.0) - 180.0) > tol
    off[first:] = still & (shift | (np.isfinite(median) & turn))
    return off


def _window_median(az: FloatArray) -> FloatArray:
    """Per window, `_sorted_median` of its finite values (NaN when none)."""
    ordered = np.sort(np.where(np.isfinite(az), az, np.inf), axis=1)
    count = np.isfinite(az).sum(axis=1)
    mid = count // 2
    rows = np.arange(len(az))
    hi = ordered[rows, np.minimum(mid, az.shape[1] - 1)]
    lo = ordered[rows, np.maximum(mid - 1, 0)]
    with np.errstate(invalid="ignore"):
        out = np.where(count % 2 == 1, hi, (lo + hi) / 2)
    return np.where(count > 0, out, np.nan)


def _since(off: BoolArray, t: FloatArray, carried: float) -> FloatArray:
    """Per read frame, when its run of displaced frames began (`displaced_since`)."""
    k = len(off)
    starts = off & ~np.concatenate([[False], off[:-1]])
    begin = np.maximum.accumulate(np.where(starts, np.arange(k), 0)) if k else np.zeros(0, int)
    since = t[begin] if k else np.zeros(0)
    if k and off[0] and not math.isnan(carried):
        first_run = np.arange(k) < (np.argmin(off) if not off.all() else k)
        since = np.where(first_run, carried, since)
    return np.where(off, since, np.nan)
