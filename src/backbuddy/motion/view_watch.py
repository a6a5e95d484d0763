"""Has the camera moved? If so, read its view again before anything is measured from it.

The view gain and the baseline the monitors compare with belong to one view (issue 12): a
camera moved from a table to low in front, or turned a little round the receiver, stays a
valid placement but reads the same body differently, so a range measured against the old
baseline, or a speed through the old gain, is a reading from another view.

`ViewWatch.scan` runs before the measures, frame by frame with its state carried over (a clip
read whole and frame by frame give the same numbers). `scan_columns` is the same watch on a
clip's columns: the settled stretches between moves are read in array form
(`view_watch_arrays`), bit for bit as frame by frame, and only the re-reads step one by one.

Once the view is settled (the first `VIEW_S` of frames with the torso seen), it keeps a
reference: where the torso's middle lies in the image, how long the trunk is there, and the
camera's view (`placement.estimate_view`). The camera moved when the torso's middle and both
shoulders have held still in the image for `RECENT_S` (a camera moved and set down; a body
moving changes shape) and, for `PERSIST_S`, either

* the hips' middle lies more than `SHIFT_TRUNKS` trunk lengths from the reference (on the
  rendered receivers' own movements, slow, at the limit or jerky: at most 0.03; not the
  trunk's image length, which a held extension changes as much as a camera moved closer),
  or
* the azimuth read over those `RECENT_S` differs from the reference by more than
  `AZIMUTH_TOL_DEG` (the same movements: up to 8°, but 22° seen from the side and high,
  where the seated azimuth is least sure). Not the elevation: a lying body twisting its
  shoulders turns the world landmarks' frame the elevation is read from by 15° (synthetic
  twist of 20°), and a camera raised or lowered usually moves the body in the image,

or when the identity guard starts a new segment (the torso jumped and settled elsewhere).

Then the watch re-reads: the old view gain is kept (a gain that changed under a measure
would read as speed) while `VIEW_S` of new samples come in and the torso holds still
(within `STILL_TRUNKS` over `STILL_S`); then the new gain, reference and view take over.
Each move and each finished re-read starts a new `epoch`: the monitors restart the speed
fit and take a new baseline there, and the placement gate forgets the old view.

Every window is seconds of the frames' own periods (`frame_time`; at least `MIN_ROWS`
samples): counted in frames at 30 a second, a page sending 4 frames/s saw a moved camera
3.75 s late (engineer gatetime11, session 11). At an even rate a window holds
`round(seconds × rate)` samples, the count it had, so at 30 frames/s nothing changed.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backbuddy.motion import frame_time
from backbuddy.motion import view_watch_arrays as arrays
from backbuddy.motion.landmarks import BoolArray, FloatArray

#: A torso middle further than this from the reference (trunk lengths) is a moved camera.
SHIFT_TRUNKS = 0.1
#: …or a recent azimuth this far from the reference, degrees.
AZIMUTH_TOL_DEG = 25.0
#: The recent view is the median over this many seconds.
RECENT_S = 0.5
#: A displacement counts once it has lasted this long (a passing arm or a jitter does not).
PERSIST_S = 0.2
#: The re-read ends once the torso has held within this many trunk lengths for `STILL_S`.
STILL_TRUNKS = 0.05
STILL_S = 0.5
#: Seconds of view samples that make a view gain (15 at 30 frames/s).
VIEW_S = 0.5
#: Every window holds at least this many samples, however slow the frames.
MIN_ROWS = arrays.MIN_ROWS
#: `scan_columns` steps fewer frames than this one by one (a live frame): arrays cost more.
ARRAY_MIN = 64


@dataclass
class _Ref:
    hip: tuple[float, float]
    length: float
    azimuth: float
    elevation: float


@dataclass
class WatchState:
    """The settled view, a re-read under way, and the samples each needs."""

    ref: _Ref | None = None
    gain_samples: list[float] = field(default_factory=list)
    settle: list[tuple[float, float, float, float, float]] = field(default_factory=list)
    settle_us: list[int] = field(default_factory=list)
    relooking: bool = False
    displaced_since: float = math.nan
    recent: deque[tuple[float, ...]] = field(default_factory=deque)
    recent_us: deque[int] = field(default_factory=deque)
    torso: deque[tuple[float, float, float, float]] = field(default_factory=deque)
    torso_us: deque[int] = field(default_factory=deque)
    segment: int = -1
    epoch: int = 0
    last_t: float = math.nan


@dataclass(frozen=True)
class WatchTrace:
    """Per frame: re-reading a moved camera's view (shape (T,)), the view-gain cosine to use
    (NaN = not yet known), the epoch, and the frames where the camera was seen to move."""

    relooking: BoolArray
    cos: FloatArray
    epoch: NDArray[np.int64]
    moved: BoolArray


@dataclass(frozen=True)
class Frame:
    """One frame's inputs: time, same person, segment, torso middle, trunk length, view."""

    t: float
    same: bool
    segment: int
    hip: tuple[float, float]
    length: float
    azimuth: float
    elevation: float
    cos: float
    shoulders: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Columns:
    """A clip's inputs as columns (shape (T,), `hip` (T, 2), `shoulders` (T, 4))."""

    t: FloatArray
    same: BoolArray
    segment: NDArray[np.int64]
    hip: FloatArray
    length: FloatArray
    azimuth: FloatArray
    elevation: FloatArray
    cos: FloatArray
    shoulders: FloatArray

    def frames(self, lo: int = 0, hi: int | None = None) -> list[Frame]:
        """Frames `lo`…`hi` as the frame-by-frame watch reads them (plain floats)."""
        part = slice(lo, hi)
        return [
            Frame(t, sm, sg, (hx, hy), ln, az, el, c, tuple(sh))
            for t, sm, sg, hx, hy, ln, az, el, c, sh in zip(
                self.t[part].tolist(),
                self.same[part].tolist(),
                self.segment[part].tolist(),
                self.hip[part, 0].tolist(),
                self.hip[part, 1].tolist(),
                self.length[part].tolist(),
                self.azimuth[part].tolist(),
                self.elevation[part].tolist(),
                self.cos[part].tolist(),
                self.shoulders[part].tolist(),
                strict=True,
            )
        ]


@dataclass
class _Block:
    """A re-read's frames, made from the columns a block at a time (one at a time costs more)."""

    cols: Columns
    lo: int = 0
    frames: list[Frame] = field(default_factory=list)

    def frame(self, i: int) -> Frame:
        if not self.lo <= i < self.lo + len(self.frames):
            self.lo, self.frames = i, self.cols.frames(i, i + 8)
        return self.frames[i - self.lo]


class ViewWatch:
    """Watches for a moved camera and re-reads its view (module doc)."""

    def __init__(self, fps: float = 30.0) -> None:
        self.persist = PERSIST_S
        self._s = WatchState()
        #: A frame's period when its time says nothing (the first, or not after the last).
        self._nominal_us = frame_time.nominal_us(fps)
        self._gain_memo: tuple[list[float] | None, float] = (None, math.nan)

    @property
    def relooking(self) -> bool:
        return self._s.relooking

    def _periods(self, t: list[float]) -> list[int]:
        """Each frame's period (µs, `frame_time`), the last time carried to the next call."""
        s = self._s
        out = frame_time.periods_us(t, len(t), s.last_t, self._nominal_us)
        s.last_t = next((x for x in reversed(t) if math.isfinite(x)), s.last_t)
        return out

    def scan(self, frames: list[Frame]) -> WatchTrace:
        n = len(frames)
        relook, moved = np.zeros(n, bool), np.zeros(n, bool)
        cos, epoch = np.full(n, np.nan), np.zeros(n, np.int64)
        periods = self._periods([f.t for f in frames])
        for i, f in enumerate(frames):
            moved[i] = self._step(f, periods[i])
            relook[i] = self._s.relooking
            cos[i] = self._gain_cos()
            epoch[i] = self._s.epoch
        return WatchTrace(relook, cos, epoch, moved)

    def scan_one(self, f: Frame) -> tuple[bool, float, int, bool]:
        """`scan` of one frame, in plain values: (relooking, gain cosine, epoch, moved)."""
        moved = self._step(f, self._periods([f.t])[0])
        return self._s.relooking, self._gain_cos(), self._s.epoch, moved

    def scan_columns(self, cols: Columns, *, in_arrays: bool | None = None) -> WatchTrace:
        """`scan` of the frames in `cols`; settled stretches in array form (module doc), unless
        fewer than `ARRAY_MIN` frames (or `in_arrays` says which)."""
        n = len(cols.t)
        if not (n >= ARRAY_MIN if in_arrays is None else in_arrays):
            return self.scan(cols.frames())
        with np.errstate(invalid="ignore"):  # NaN and infinities are read as frame by frame
            return self._scan_arrays(cols)

    def _scan_arrays(self, cols: Columns) -> WatchTrace:
        n = len(cols.t)
        relook, moved = np.zeros(n, bool), np.zeros(n, bool)
        cos, epoch = np.full(n, np.nan), np.zeros(n, np.int64)
        length = np.asarray(cols.length, np.float64)
        valid = cols.same & np.isfinite(length) & (length > 0)
        rows = np.column_stack([cols.azimuth, cols.hip, cols.shoulders]).astype(np.float64)
        s, i, block = self._s, 0, _Block(cols)
        t = np.asarray(cols.t, np.float64)
        us = np.array(self._periods(t.tolist()), np.int64)
        recent = np.array(list(s.recent), np.float64).reshape(-1, rows.shape[1])
        c = arrays.clip(
            t,
            us,
            cols.same,
            cols.segment,
            valid,
            rows,
            arrays.Carried(recent, np.array(list(s.recent_us), np.int64), RECENT_S),
            STILL_TRUNKS,
            cos=np.asarray(cols.cos, np.float64),
            elevation=np.asarray(cols.elevation, np.float64),
            length=length,
            torso=arrays.Carried(
                np.array(list(s.torso), np.float64).reshape(-1, 4),
                np.array(list(s.torso_us), np.int64),
                STILL_S,
            ),
        )
        while i < n:
            if s.ref is None:  # the first read (its gain grows frame by frame): one by one
                moved[i] = self._step(block.frame(i), int(us[i]))
            elif s.relooking:
                stop = self._reread(c, i)
                relook[i:stop], cos[i:stop], epoch[i:stop] = True, self._gain_cos(), s.epoch
                if stop == n:
                    break
                i = stop
                moved[i] = self._step(block.frame(i), int(us[i]))  # the view settles
            else:
                stop = self._settled(c, i)
                cos[i:stop], epoch[i:stop] = self._gain_cos(), s.epoch
                if stop == n:
                    break
                i = stop
                moved[i] = self._step(block.frame(i), int(us[i]))  # the move, stepped as ever
            relook[i], cos[i], epoch[i] = s.relooking, self._gain_cos(), s.epoch
            i += 1
        return WatchTrace(relook, cos, epoch, moved)

    def _settled(self, c: arrays.Clip, lo: int) -> int:
        """Read a settled stretch from frame `lo` up to the next move; its index (or the end).

        In growing chunks, the state carried from one to the next: on a clip that moves
        often the next move comes early, and nothing is compared twice."""
        s, size, n = self._s, ARRAY_MIN, len(c.t)
        assert s.ref is not None
        limits = arrays.Limits(self.persist, SHIFT_TRUNKS, STILL_TRUNKS, AZIMUTH_TOL_DEG)
        while lo < n:
            hi = min(lo + size, n)
            ref = arrays.Settled(
                s.ref.hip, s.ref.length, s.ref.azimuth, len(s.recent), s.displaced_since, s.segment
            )
            run = arrays.settled_run(ref, c, lo, hi, limits)
            if run.kept is not None:  # the window now: rows `kept` of the clip's
                s.recent = deque(map(tuple, c.rows[run.kept].tolist()))
                s.recent_us = deque(c.rows_us[run.kept].tolist())
            s.displaced_since, s.segment = run.displaced_since, run.segment
            if run.stop < hi:
                return run.stop
            lo, size = hi, size * 2
        return n

    def _reread(self, c: arrays.Clip, lo: int) -> int:
        """Read a re-read's frames from `lo` up to the one where the view settles; its index
        (or the end). In growing chunks, as `_settled`."""
        s, size, n = self._s, ARRAY_MIN, len(c.t)
        while lo < n:
            hi = min(lo + size, n)
            taken = arrays.Taken(len(s.settle_us), sum(s.settle_us), _newest(s.settle_us))
            run = arrays.reread_run(c, lo, hi, len(s.torso), taken, s.segment, VIEW_S)
            if run.kept is not None:
                s.torso = deque(map(tuple, c.torso[run.kept].tolist()))
                s.torso_us = deque(c.torso_us[run.kept].tolist())
            s.settle = [*s.settle, *run.samples]
            s.settle_us = [*s.settle_us, *run.samples_us]
            s.segment = run.segment
            if run.stop < hi:
                return run.stop
            lo, size = hi, size * 2
        return n

    def _gain_cos(self) -> float:
        s = self._s
        if not s.gain_samples:
            return math.nan
        # The samples change only when a (re-)read takes new ones, always as a new list:
        # its median is kept until then (a live frame asks on every frame).
        if self._gain_memo[0] is not s.gain_samples:
            # finite cosines (`_collect` takes no other): `np.median` in plain floats
            self._gain_memo = (s.gain_samples, _sorted_median(sorted(s.gain_samples)))
        return self._gain_memo[1]

    def _step(self, f: Frame, us: int) -> bool:
        s = self._s
        new_segment = f.same and s.segment >= 0 and f.segment != s.segment
        if f.same:
            s.segment = f.segment
        if not (f.same and math.isfinite(f.length) and f.length > 0):
            return False
        if s.ref is None or s.relooking:
            self._collect(f, us)
            return False
        if new_segment or self._displaced(f, us):
            self._start_relook()
            self._collect(f, us)
            return True
        return False

    def _displaced(self, f: Frame, us: int) -> bool:
        s = self._s
        ref = s.ref
        assert ref is not None
        _push(s.recent, s.recent_us, (f.azimuth, *f.hip, *f.shoulders), us, RECENT_S)
        off = False
        if _full(s.recent_us, RECENT_S) and _still_rows(s.recent, ref.length):
            off = (
                math.hypot(f.hip[0] - ref.hip[0], f.hip[1] - ref.hip[1]) > SHIFT_TRUNKS * ref.length
            )
            az = sorted(row[0] for row in s.recent if math.isfinite(row[0]))
            if az:
                turn = abs((_sorted_median(az) - ref.azimuth + 180.0) % 360.0 - 180.0)
                off |= turn > AZIMUTH_TOL_DEG
        if not off:
            s.displaced_since = math.nan
            return False
        if math.isnan(s.displaced_since):
            s.displaced_since = f.t
        return f.t - s.displaced_since >= self.persist - 1e-9

    def _start_relook(self) -> None:
        s = self._s
        s.relooking = True
        s.settle, s.settle_us = [], []
        s.torso.clear()
        s.torso_us.clear()
        s.recent.clear()
        s.recent_us.clear()
        s.displaced_since = math.nan
        s.epoch += 1

    def _collect(self, f: Frame, us: int) -> None:
        """Samples for the (re-)read; the first read keeps the gain's growing median, as
        before issue 12; a re-read keeps the old gain until it is done."""
        s = self._s
        _push(s.torso, s.torso_us, (f.hip[0], f.hip[1], f.length, f.t), us, STILL_S)
        if math.isfinite(f.cos) and not _enough(s.settle_us):
            s.settle.append((f.cos, f.azimuth, f.elevation, f.hip[0], f.hip[1]))
            s.settle_us.append(us)
            if s.ref is None:
                s.gain_samples = [c for c, *_ in s.settle]
        if _enough(s.settle_us) and self._torso_still():
            self._settle(f)

    def _torso_still(self) -> bool:
        s = self._s
        if not _full(s.torso_us, STILL_S):
            return False
        # Plain floats, as for the recent rows: the lengths are finite (`_step` checks), so
        # their sorted median is `np.median`'s, and `_still_rows` skips the leading time.
        length = _sorted_median(sorted(row[2] for row in s.torso))
        return _still_rows([(t, x, y) for x, y, _, t in s.torso], length)

    def _settle(self, f: Frame) -> None:
        s = self._s
        # `np.median` of the samples whose view is known, in plain floats (`_sorted_median`)
        view = [(a, e) for _, a, e, *_ in s.settle if math.isfinite(a) and math.isfinite(e)]
        az = _sorted_median(sorted(a for a, _ in view)) if view else math.nan
        el = _sorted_median(sorted(e for _, e in view)) if view else math.nan
        s.ref = _Ref(f.hip, f.length, az, el)
        s.gain_samples = [c for c, *_ in s.settle]
        if s.relooking:
            s.relooking = False
            s.epoch += 1
        s.recent.clear()
        s.recent_us.clear()


def _push(rows: deque[Any], us: deque[int], row: Any, period: int, span_s: float) -> None:
    """Add a sample to a window of `span_s` seconds (`frame_time`) and drop the oldest that
    no longer fit, keeping at least `MIN_ROWS`."""
    rows.append(row)
    us.append(period)
    total = sum(us)
    while len(us) > MIN_ROWS and frame_time.over(total, period, span_s):
        total -= us.popleft()
        rows.popleft()


def _full(us: deque[int], span_s: float) -> bool:
    """Does the window hold its `span_s` seconds (and at least `MIN_ROWS` samples)?"""
    return len(us) >= MIN_ROWS and frame_time.reaches(sum(us), us[-1], span_s)


def _enough(us: list[int]) -> bool:
    """Do the view samples taken (their frames' periods) make `VIEW_S`?"""
    return len(us) >= MIN_ROWS and frame_time.reaches(sum(us), us[-1], VIEW_S)


def _newest(us: list[int]) -> int:
    return us[-1] if us else 0


def _sorted_median(ordered: list[float]) -> float:
    """`np.median` of sorted finite values, bit for bit: the middle one or the middle two's mean."""
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _still_rows(rows: Iterable[tuple[float, ...]], length: float) -> bool:
    """`_still` of the recent rows' (x, y) columns after the first, without an array of them
    (`np.ptp` is max − min; the same `np.hypot`)."""
    columns = list(zip(*rows, strict=True))[1:]
    # A NaN span is never still, and neither is one with an infinity (its span, and so its
    # hypot, is inf or NaN): any value that is not finite says "not still" at once.
    if not all(map(math.isfinite, chain.from_iterable(columns))):
        return False
    spans = [max(c) - min(c) for c in columns]
    # each pair's `np.hypot` (numpy's, not `math.hypot`: their roundings differ), then the
    # largest (all finite or inf here, as `.max()` of them)
    reach = max([float(np.hypot(x, y)) for x, y in zip(spans[0::2], spans[1::2], strict=True)])
    return reach <= STILL_TRUNKS * length


def _still(points: FloatArray, length: float) -> bool:
    """Did every (x, y) pair of columns stay within `STILL_TRUNKS` trunk lengths?"""
    spans = np.ptp(points, axis=0).reshape(-1, 2)
    return bool(np.hypot(spans[:, 0], spans[:, 1]).max() <= STILL_TRUNKS * length)
