"""The camera-move watch's settled stretches in array form (`view_watch.ViewWatch.scan_columns`).

While a view is settled and no re-read is under way, the watch carries only the window of
recent rows (azimuth, hip middle, shoulders of the last frames read), the time the torso was
first seen displaced, and the last segment from frame to frame. The window is the last
seconds of rows read since it was cleared (`frame_time`): where it starts follows from the
rows' periods alone (`_starts`), so its statistics (how far the torso moved, the median
azimuth) are computed once per clip for every frame (`Clip`), again only for the few rows
whose window a clear cut short; a settled stretch then only compares them with its
reference (`settled_run`), and the frame where the camera is seen to move is stepped one by
one again. Every decision repeats the frame-by-frame arithmetic
(`_still_rows`, `_sorted_median`, Python's `%`, `math.hypot` at the threshold), so the scan is
bit for bit the frame-by-frame one (tests/unit/motion/test_view_watch_arrays.py). NaN and
infinite inputs are expected here: the caller quiets numpy's warnings once for a whole scan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backbuddy.motion import frame_time
from backbuddy.motion.landmarks import BoolArray, FloatArray

IntArray = NDArray[np.int64]


#: Every window holds at least this many samples (`view_watch.MIN_ROWS`).
MIN_ROWS = 3


@dataclass(frozen=True)
class Carried:
    """A window carried into the scan: its rows, their frames' periods (µs), its seconds."""

    rows: FloatArray
    us: IntArray
    span_s: float


@dataclass(frozen=True)
class Clip:
    """A scan's frames, and per row of `rows` the statistics of the window ending there.

    `rows`: the rows already in the window when the scan began (`head` of them), then one
    per frame the watch reads (`read`: their indices); `rows_us`: their frames' periods and
    `rows_cum` their running sum from 0. `starts`: the first row of each row's window when
    nothing cleared it since the scan began (`_starts`). `reach`: the largest span of the hip
    middle or a shoulder over that window; `finite`: no value in it is NaN or infinite;
    `median`: its finite azimuths' median (NaN: none). The same for the torso rows (hip x, y,
    trunk length, time): `torso_starts`, and `torso_still` (`ViewWatch._torso_still`'s test
    of the spans, whether or not the window is full).
    """

    t: FloatArray
    us: IntArray
    same: BoolArray
    segment: IntArray
    read: IntArray
    rows: FloatArray
    rows_us: IntArray
    rows_cum: IntArray
    head: int
    span_s: float
    starts: IntArray
    reach: FloatArray
    finite: BoolArray
    median: FloatArray
    cos: FloatArray
    elevation: FloatArray
    torso: FloatArray
    torso_us: IntArray
    torso_cum: IntArray
    torso_head: int
    torso_span_s: float
    torso_starts: IntArray
    torso_still: BoolArray
    still_trunks: float


def clip(
    t: FloatArray,
    us: IntArray,
    same: BoolArray,
    segment: IntArray,
    valid: BoolArray,
    rows: FloatArray,
    recent: Carried,
    still_trunks: float,
    *,
    cos: FloatArray,
    elevation: FloatArray,
    length: FloatArray,
    torso: Carried,
) -> Clip:
    """The window statistics of every frame the watch reads (`valid`; `us`: each frame's
    period), after `recent` (the settled watch's window) and `torso` (a re-read's: hip x,
    y, trunk length, time)."""
    read = np.flatnonzero(valid)
    more = np.column_stack([rows[read, 1], rows[read, 2], length[read], t[read]])
    torso_rows = np.concatenate([torso.rows, more])
    torso_us = np.concatenate([torso.us, us[read]]).astype(np.int64)
    full = np.concatenate([recent.rows, rows[read]])
    full_us = np.concatenate([recent.us, us[read]]).astype(np.int64)
    starts = _starts(full_us, recent.span_s)
    ends = np.arange(len(full))
    reach, finite, median = _stats(full, starts, ends)
    torso_starts = _starts(torso_us, torso.span_s)
    return Clip(
        t,
        us,
        same,
        segment,
        read,
        full,
        full_us,
        _cum(full_us),
        len(recent.rows),
        recent.span_s,
        starts,
        reach,
        finite,
        median,
        cos,
        elevation,
        torso_rows,
        torso_us,
        _cum(torso_us),
        len(torso.rows),
        torso.span_s,
        torso_starts,
        _torso_still(torso_rows, torso_starts, np.arange(len(torso_rows)), still_trunks),
        still_trunks,
    )


def _cum(us: IntArray) -> IntArray:
    return np.concatenate([[0], np.cumsum(us)]).astype(np.int64)


def _starts(us: IntArray, span_s: float) -> IntArray:
    """Per row, the first row of the window ending there (`view_watch._push`, nothing cleared
    since row 0): each new row drops the oldest while they hold more than `span_s`
    (`frame_time.over`) and more than `MIN_ROWS` are left, so a window starts at the
    running maximum of the rows' own first rows that fit."""
    n = len(us)
    if n == 0:
        return np.zeros(0, np.int64)
    twice = 2 * _cum(us)
    # not over: 2 (cum[j+1] - cum[s]) <= 2 round(span) + us[j], the first such s
    fit = np.searchsorted(twice, twice[1:] - 2 * round(span_s * frame_time.US) - us, "left")
    own = np.minimum(fit, np.arange(n) - (MIN_ROWS - 1))
    return np.maximum(np.maximum.accumulate(own), 0).astype(np.int64)


def _full(
    cum: IntArray, us: IntArray, starts: IntArray, ends: IntArray, span_s: float
) -> BoolArray:
    """Does each window (rows `starts`…`ends`) hold its seconds (`view_watch._full`)?"""
    total = cum[ends + 1] - cum[starts]
    reaches = 2 * total >= 2 * round(span_s * frame_time.US) - us[ends]
    return (ends - starts + 1 >= MIN_ROWS) & reaches


def _gather(values: FloatArray, starts: IntArray, ends: IntArray) -> tuple[FloatArray, BoolArray]:
    """Each window's rows, newest first, padded to the longest (`mask`: a row of the window)."""
    width = int((ends - starts).max()) + 1 if len(ends) else 1
    at = ends[:, None] - np.arange(width)[None, :]
    mask = at >= starts[:, None]
    return values[np.maximum(at, 0)], mask


def _spans(points: FloatArray, starts: IntArray, ends: IntArray) -> tuple[FloatArray, BoolArray]:
    """Per window, each column's max − min (exact in any order), and whether every value in
    it is finite."""
    bad = np.concatenate([[0], np.cumsum(~np.isfinite(points).all(axis=1))])
    finite = (bad[ends + 1] - bad[starts]) == 0
    vals, mask = _gather(points, starts, ends)
    keep = mask[:, :, None]
    hi = np.where(keep, vals, -np.inf).max(axis=1)
    lo = np.where(keep, vals, np.inf).min(axis=1)
    return hi - lo, finite


def _stats(
    rows: FloatArray, starts: IntArray, ends: IntArray
) -> tuple[FloatArray, BoolArray, FloatArray]:
    """Per window of the recent rows: `reach`, `finite` and `median` (`Clip`)."""
    if len(ends) == 0:
        return np.zeros(0), np.zeros(0, bool), np.zeros(0)
    spans, finite = _spans(rows[:, 1:], starts, ends)
    reach = np.hypot(spans[:, 0::2], spans[:, 1::2]).max(axis=1)
    az, mask = _gather(rows[:, 0], starts, ends)
    median = _window_median(np.where(mask, az, np.nan))
    return reach, finite, median


def _torso_still(
    rows: FloatArray, starts: IntArray, ends: IntArray, still_trunks: float
) -> BoolArray:
    """Per window, `ViewWatch._torso_still`'s test: the hip's x, y spans within
    `still_trunks` of the window's median trunk length."""
    if len(ends) == 0:
        return np.zeros(0, bool)
    spans, finite = _spans(rows[:, :2], starts, ends)
    lengths, mask = _gather(rows[:, 2], starts, ends)
    length = _window_median(np.where(mask, lengths, np.nan))
    reach = np.hypot(spans[:, 0], spans[:, 1])
    return finite & (reach <= still_trunks * length)


@dataclass(frozen=True)
class Settled:
    """The settled view's reference, and the state carried in (`WatchState`)."""

    hip: tuple[float, float]
    length: float
    azimuth: float
    held: int  # rows in the window now: the clip's rows just before the first frame read
    displaced_since: float
    segment: int


@dataclass(frozen=True)
class Run:
    """Where the settled stretch ends (`stop`: the frame where the camera is seen to move, or
    the end) and the state just before it (`kept`: the window's rows, None: unchanged)."""

    stop: int
    kept: IntArray | None
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
    # The window began `held` rows back (cleared there, or as carried in): never earlier.
    starts = np.maximum(c.starts[g], c.head + first - ref.held)
    full = _full(c.rows_cum, c.rows_us, starts, g, c.span_s)
    reach, finite, median = c.reach[g].copy(), c.finite[g].copy(), c.median[g].copy()
    redo = np.flatnonzero(full & (starts != c.starts[g]))  # full, though cut short: rare
    if redo.size:
        reach[redo], finite[redo], median[redo] = _stats(c.rows, starts[redo], g[redo])
    off = _off(ref, c.rows[g], full & finite, reach, median, limits)
    t = c.t[at]
    since = _since(off, t, ref.displaced_since)
    moved = new_seg[at - lo] | (off & (t - since >= limits.persist - 1e-9))
    hits = np.flatnonzero(moved)
    p = int(hits[0]) if hits.size else len(at)  # frames read before the move
    stop = int(at[p]) if hits.size else hi
    kept = np.arange(starts[p - 1], g[p - 1] + 1) if p else None
    ds = ref.displaced_since if p == 0 else (float(since[p - 1]) if off[p - 1] else math.nan)
    same_before = same_at[same_at < stop]
    seg = int(c.segment[same_before[-1]]) if same_before.size else ref.segment
    return Run(stop, kept, ds, seg)


@dataclass(frozen=True)
class Taken:
    """A re-read's view samples so far: how many, their periods' sum and the newest's (µs)."""

    count: int
    total_us: int
    newest_us: int


@dataclass(frozen=True)
class Reread:
    """Where a re-read's frames end (`stop`: the frame where the view settles, or the end),
    and its state just before it: the torso window's rows (`kept`, None: unchanged), the new
    view samples and their periods, the segment."""

    stop: int
    kept: IntArray | None
    samples: list[tuple[float, float, float, float, float]]
    samples_us: list[int]
    segment: int


def reread_run(
    c: Clip, lo: int, hi: int, held: int, taken: Taken, segment: int, view_s: float
) -> Reread:
    """Read frames `lo`…`hi` as a re-read would (`ViewWatch._collect`), up to the frame whose
    samples settle the view: `view_s` of samples with a finite view cosine (`taken` already)
    and the torso still over a full window (`held`: its rows so far)."""
    first, last = np.searchsorted(c.read, [lo, hi])
    at = c.read[first:last]
    g = c.torso_head + np.arange(first, last)  # their torso rows
    starts = np.maximum(c.torso_starts[g], c.torso_head + first - held)
    full = _full(c.torso_cum, c.torso_us, starts, g, c.torso_span_s)
    still = c.torso_still[g].copy()
    redo = np.flatnonzero(full & (starts != c.torso_starts[g]))
    if redo.size:
        still[redo] = _torso_still(c.torso, starts[redo], g[redo], c.still_trunks)
    # Samples are taken (finite cosines) until they make `view_s`; then no more.
    sample = np.isfinite(c.cos[at])
    us = c.us[at]
    count = taken.count + np.cumsum(sample)
    total = taken.total_us + np.cumsum(np.where(sample, us, 0))
    last_sample = np.maximum.accumulate(np.where(sample, np.arange(len(at)), -1))
    newest = np.where(last_sample >= 0, us[np.maximum(last_sample, 0)], taken.newest_us)
    reaches = 2 * total >= 2 * round(view_s * frame_time.US) - newest
    already = taken.count >= MIN_ROWS and bool(
        2 * taken.total_us >= 2 * round(view_s * frame_time.US) - taken.newest_us
    )
    enough = np.logical_or.accumulate(already | ((count >= MIN_ROWS) & reaches))
    settles = np.flatnonzero(full & still & enough)
    p = int(settles[0]) if settles.size else len(at)  # frames read before the settle
    stop = int(at[p]) if settles.size else hi
    kept = np.arange(starts[p - 1], g[p - 1] + 1) if p else None
    enough_before = np.concatenate([[already], enough[:-1]])
    took = np.flatnonzero(sample[:p] & ~enough_before[:p])
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
    return Reread(stop, kept, taken_rows, us[took].tolist(), seg)


def _off(
    ref: Settled,
    rows: FloatArray,
    ready: BoolArray,
    reach: FloatArray,
    median: FloatArray,
    limits: Limits,
) -> BoolArray:
    """Per frame read (its row, and whether its window is full and finite): is the torso
    displaced (`ViewWatch._displaced`'s `off`)?"""
    still = ready & (reach <= limits.still_trunks * ref.length)
    limit = limits.shift_trunks * ref.length
    dist = np.hypot(rows[:, 1] - ref.hip[0], rows[:, 2] - ref.hip[1])
    shift = dist > limit
    near = np.flatnonzero(still & (np.abs(dist - limit) <= 1e-9 * limit))
    for i in near.tolist():  # at the threshold, Python's hypot decides (its rounding)
        shift[i] = math.hypot(rows[i, 1] - ref.hip[0], rows[i, 2] - ref.hip[1]) > limit
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
