"""The camera-move watch's settled stretches in array form (`view_watch.ViewWatch.scan_columns`).

While a view is settled and no re-read is under way, the watch carries only the window of
recent rows (azimuth, hip middle, shoulders of the last frames read), the time the torso was
first seen displaced, and the last segment from frame to frame. The window is always the last
rows read since it was cleared, so its statistics (how far the torso moved, the median
azimuth) are computed once per clip for every frame (`Clip`); a settled stretch then only
compares them with its reference (`settled_run`), and the frame where the camera is seen to
move is stepped one by one again. Every decision repeats the frame-by-frame arithmetic
(`_still_rows`, `_sorted_median`, Python's `%`, `math.hypot` at the threshold), so the scan is
bit for bit the frame-by-frame one (tests/unit/motion/test_view_watch_arrays.py). NaN and
infinite inputs are expected here: the caller quiets numpy's warnings once for a whole scan.
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
class Clip:
    """A scan's frames, and per row of `rows` the statistics of the window ending there.

    `rows`: the rows already in the window when the scan began (`head` of them), then one
    per frame the watch reads (`read`: their indices). `reach`: the largest span of the hip
    middle or a shoulder over the window; `finite`: no value in it is NaN or infinite;
    `median`: its finite azimuths' median (NaN: none). Rows before a full window: NaN/False.
    """

    t: FloatArray
    same: BoolArray
    segment: IntArray
    read: IntArray
    rows: FloatArray
    head: int
    window: int
    reach: FloatArray
    finite: BoolArray
    median: FloatArray
    cos: FloatArray
    elevation: FloatArray
    torso: FloatArray
    torso_head: int
    torso_window: int
    torso_still: BoolArray


def clip(
    t: FloatArray,
    same: BoolArray,
    segment: IntArray,
    valid: BoolArray,
    rows: FloatArray,
    recent: FloatArray,
    window: int,
    still_trunks: float,
    *,
    cos: FloatArray,
    elevation: FloatArray,
    length: FloatArray,
    torso: FloatArray,
    torso_window: int,
) -> Clip:
    """The window statistics of every frame the watch reads (`valid`), after `recent` (the
    settled watch's window) and `torso` (a re-read's: hip x, y, trunk length, time)."""
    read = np.flatnonzero(valid)
    more = np.column_stack([rows[read, 1], rows[read, 2], length[read], t[read]])
    torso_rows = np.concatenate([torso, more])
    full = np.concatenate([recent, rows[read]])
    n, m = len(full), window
    reach, finite, median = np.full(n, np.nan), np.zeros(n, bool), np.full(n, np.nan)
    k = n - m + 1  # windows that are full: they end at full[m - 1:]
    if k > 0:
        points = full[:, 1:]
        hi, lo = points[m - 1 :].copy(), points[m - 1 :].copy()
        for j in range(m - 1):  # max and min over each window, exact in any order
            np.maximum(hi, points[j : j + k], out=hi)
            np.minimum(lo, points[j : j + k], out=lo)
        bad = np.concatenate([[0], np.cumsum(~np.isfinite(points).all(axis=1))])
        finite[m - 1 :] = (bad[m:] - bad[:k]) == 0
        spans = hi - lo
        reach[m - 1 :] = np.hypot(spans[:, 0::2], spans[:, 1::2]).max(axis=1)
        median[m - 1 :] = _window_median(sliding_window_view(full[:, 0], m))
    return Clip(
        t,
        same,
        segment,
        read,
        full,
        len(recent),
        m,
        reach,
        finite,
        median,
        cos,
        elevation,
        torso_rows,
        len(torso),
        torso_window,
        _torso_still(torso_rows, torso_window, still_trunks),
    )


def _torso_still(rows: FloatArray, m: int, still_trunks: float) -> BoolArray:
    """Per row, `ViewWatch._torso_still` of the window ending there: the hip's x, y spans
    within `still_trunks` of the window's median trunk length (False before a full window)."""
    n = len(rows)
    out = np.zeros(n, bool)
    k = n - m + 1
    if k <= 0:
        return out
    xy = rows[:, :2]
    hi, lo = xy[m - 1 :].copy(), xy[m - 1 :].copy()
    for j in range(m - 1):
        np.maximum(hi, xy[j : j + k], out=hi)
        np.minimum(lo, xy[j : j + k], out=lo)
    bad = np.concatenate([[0], np.cumsum(~np.isfinite(xy).all(axis=1))])
    length = _window_median(sliding_window_view(rows[:, 2], m))
    spans = hi - lo
    reach = np.hypot(spans[:, 0], spans[:, 1])
    out[m - 1 :] = ((bad[m:] - bad[:k]) == 0) & (reach <= still_trunks * length)
    return out


@dataclass(frozen=True)
class Settled:
    """The settled view's reference, and the state carried in (`WatchState`)."""

    hip: tuple[float, float]
    length: float
    azimuth: float
    recent: FloatArray  # (r, 7) rows in the window now
    displaced_since: float
    segment: int


@dataclass(frozen=True)
class Run:
    """Where the settled stretch ends (`stop`: the frame where the camera is seen to move, or
    the end) and the state just before it."""

    stop: int
    recent: FloatArray
    displaced_since: float
    segment: int


@dataclass(frozen=True)
class Limits:
    """`view_watch`'s thresholds: persistence (s), shift and stillness (trunks), turn (°)."""

    persist: float
    shift_trunks: float
    still_trunks: float
    azimuth_tol: float


def settled_run(ref: Settled, c: Clip, lo: int, hi: int, limits: Limits) -> Run:
    """Read frames `lo`…`hi` of the clip as the settled watch would, up to a move."""
    # A new segment on a frame read is a move; the segment follows every same-person frame.
    same_at = lo + np.flatnonzero(c.same[lo:hi])
    segs = c.segment[same_at]
    before = np.concatenate([[ref.segment], segs[:-1]]).astype(np.int64)
    new_seg = np.zeros(hi - lo, bool)
    new_seg[same_at - lo] = (before >= 0) & (segs != before)
    first, last = np.searchsorted(c.read, [lo, hi])
    at = c.read[first:last]  # the frames read
    g = c.head + np.arange(first, last)  # their rows
    off = _off(ref, c, g, limits)
    t = c.t[at]
    since = _since(off, t, ref.displaced_since)
    moved = new_seg[at - lo] | (off & (t - since >= limits.persist - 1e-9))
    hits = np.flatnonzero(moved)
    p = int(hits[0]) if hits.size else len(at)  # frames read before the move
    stop = int(at[p]) if hits.size else hi
    kept = np.concatenate([ref.recent, c.rows[g[:p]]])[-c.window :]
    ds = ref.displaced_since if p == 0 else (float(since[p - 1]) if off[p - 1] else math.nan)
    same_before = same_at[same_at < stop]
    seg = int(c.segment[same_before[-1]]) if same_before.size else ref.segment
    return Run(stop, kept, ds, seg)


@dataclass(frozen=True)
class Reread:
    """Where a re-read's frames end (`stop`: the frame where the view settles, or the end),
    and its state just before it: the torso window, the new view samples, the segment."""

    stop: int
    torso: FloatArray
    samples: list[tuple[float, float, float, float, float]]
    segment: int


def reread_run(
    c: Clip, lo: int, hi: int, torso: FloatArray, samples: int, segment: int, needed: int
) -> Reread:
    """Read frames `lo`…`hi` as a re-read would (`ViewWatch._collect`), up to the frame whose
    samples settle the view: `needed` samples with a finite view cosine (`samples` taken
    already) and the torso still over a full window (`torso`: its rows so far)."""
    first, last = np.searchsorted(c.read, [lo, hi])
    at = c.read[first:last]
    g = c.torso_head + np.arange(first, last)  # their torso rows
    full = len(torso) + np.arange(1, len(at) + 1) >= c.torso_window
    taken = samples + np.cumsum(np.isfinite(c.cos[at]))
    settles = np.flatnonzero(full & c.torso_still[g] & (taken >= needed))
    p = int(settles[0]) if settles.size else len(at)  # frames read before the settle
    stop = int(at[p]) if settles.size else hi
    kept = np.concatenate([torso, c.torso[g[:p]]])[-c.torso_window :]
    took = np.flatnonzero(np.isfinite(c.cos[at[:p]]))[: max(0, needed - samples)]
    row = c.rows[c.head + first + took]  # azimuth, hip x, y
    taken_rows = list(
        zip(
            c.cos[at[took]].tolist(),
            row[:, 0].tolist(),
            c.elevation[at[took]].tolist(),
            row[:, 1].tolist(),
            row[:, 2].tolist(),
            strict=True,
        )
    )
    same_at = lo + np.flatnonzero(c.same[lo:stop])
    seg = int(c.segment[same_at[-1]]) if same_at.size else segment
    return Reread(stop, kept, taken_rows, seg)


def _off(ref: Settled, c: Clip, g: IntArray, limits: Limits) -> BoolArray:
    """Per frame read (its row `g`): is the torso displaced (`ViewWatch._displaced`'s `off`)?"""
    full = len(ref.recent) + np.arange(1, len(g) + 1) >= c.window  # the window is full
    still = full & c.finite[g] & (c.reach[g] <= limits.still_trunks * ref.length)
    rows = c.rows[g]
    limit = limits.shift_trunks * ref.length
    dist = np.hypot(rows[:, 1] - ref.hip[0], rows[:, 2] - ref.hip[1])
    shift = dist > limit
    near = np.flatnonzero(still & (np.abs(dist - limit) <= 1e-9 * limit))
    for i in near.tolist():  # at the threshold, Python's hypot decides (its rounding)
        shift[i] = math.hypot(rows[i, 1] - ref.hip[0], rows[i, 2] - ref.hip[1]) > limit
    median = c.median[g]
    turn = np.abs(np.remainder(median - ref.azimuth + 180.0, 360.0) - 180.0)
    return still & (shift | (np.isfinite(median) & (turn > limits.azimuth_tol)))


def _window_median(az: FloatArray) -> FloatArray:
    """Per window, `_sorted_median` of its finite values (NaN when none)."""
    ordered = np.sort(np.where(np.isfinite(az), az, np.inf), axis=1)
    count = np.isfinite(az).sum(axis=1)
    mid = count // 2
    rows = np.arange(len(az))
    hi = ordered[rows, np.minimum(mid, az.shape[1] - 1)]
    lo = ordered[rows, np.maximum(mid - 1, 0)]
    out = np.where(count % 2 == 1, hi, (lo + hi) / 2)
    return np.where(count > 0, out, np.nan)


def _since(off: BoolArray, t: FloatArray, carried: float) -> FloatArray:
    """Per read frame, when its run of displaced frames began (`displaced_since`)."""
    k = len(off)
    if k == 0:
        return np.zeros(0)
    starts = off & ~np.concatenate([[False], off[:-1]])
    since = t[np.maximum.accumulate(np.where(starts, np.arange(k), 0))]
    if off[0] and not math.isnan(carried):
        first_run = np.arange(k) < (k if off.all() else int(np.argmin(off)))
        since = np.where(first_run, carried, since)
    return np.where(off, since, np.nan)
