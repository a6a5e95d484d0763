"""The placement gate: is the camera where this technique's measures were shown valid? (What the
pair should change when it is not is said by `placement_hints`.)

`PlacementGate` keeps the last `WINDOW_S` of still frames' view estimates
(`placement.estimate_view`; seconds of the frames' own periods, `frame_time`, so they hold at
any frame rate) and opens only while their median lies inside the technique's
`PlacementRegion` (from the truth run, in the technique's YAML). Still = the same person, the
primary measure slower than the gentle limit (a fast movement would read as a moving camera);
the window is long (3 s), so the median follows a moved camera within seconds but barely a
body's slow movement. Hysteresis: it opens `ENTER_MARGIN_DEG` inside the region and closes
`EXIT_MARGIN_DEG` outside it, so an estimate near the border does not flicker. Until
`MIN_STILL_S` of still frames are in, it stays shut (an unknown view is not a valid one). A
technique without a region is never gated.

The technique's `VideoNeeds` are judged on every frame too (issue 12, item 5: measured on
phone-like truth clips): the frame rate read from the frames' own times over the last
`RATE_WINDOW_S` (unknown, so shut, until `RATE_MIN_SPAN_S` of frames are in), a landscape
picture where the technique needs one, a picture large enough for its checks, and a picture
steady enough on the still receiver for the primary measure to read small movements
(`still_jitter`). Where they are not met the gate is shut whatever the view, and the hint says
what to change first.

A lying technique's region holds for the side its truth receivers lay on (`lying_side`): the
gate stays shut until the still receiver is seen on that side (`joints.top_side`, carried over
frames where it is not seen), and the hint asks for it (red team, session 11: every side-lying
truth clip lies on the left side; the same clips mirrored, as a receiver on the right side looks,
read a true 45 °/s jerk at 24 °/s, halted 5 frames late, from the one accepted placement).

Each frame also says whether the gate has been open since the camera was last seen to move
(`GateTrace.opened`): a gate that shuts after that shut on readings that moved, not on the
camera, and its hint does not ask to move the camera (`placement_hints.UNMOVED`, session 24).
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from backbuddy.domain.techniques import (
    RATE_MIN_SPAN_S,
    RATE_TOLERANCE,
    RATE_WINDOW_S,
    PlacementRegion,
    VideoNeeds,
)
from backbuddy.motion import frame_time
from backbuddy.motion.landmarks import BoolArray, FloatArray
from backbuddy.motion.placement import View
from backbuddy.motion.still_jitter import JitterWatch

#: Seconds of still frames whose median view is used.
WINDOW_S = 3.0
#: Seconds of still frames needed before the gate can open.
MIN_STILL_S = 1.0 / 3.0
#: The median must be this far inside the region to open the gate, degrees.
ENTER_MARGIN_DEG = 2.0
#: …and this far outside it to close an open gate.
EXIT_MARGIN_DEG = 3.0
#: Seconds of frames over which the frame rate is read, and the least span that reads it
#: (`techniques.RATE_WINDOW_S`, `RATE_MIN_SPAN_S`: the engine reads it alike).
assert RATE_MIN_SPAN_S == MIN_STILL_S
#: From this many frames at once (a clip read whole) the rate is read in array form.
RATE_ARRAY_MIN = 16


@dataclass
class GateState:
    """The window of still views (in arrival order, and each kept sorted for its median: a
    live frame adds one sample, so sorting 90 again each frame is wasted work), each with its
    frame's period (µs, `frame_time`): they add up to at most `WINDOW_S`."""

    azimuth: deque[float] = field(default_factory=deque)
    elevation: deque[float] = field(default_factory=deque)
    periods: deque[int] = field(default_factory=deque)
    total_us: int = 0
    ok: bool = False
    estimate: tuple[float, float] | None = None
    times: deque[float] = field(default_factory=deque)
    sorted_az: list[float] = field(default_factory=list)
    sorted_el: list[float] = field(default_factory=list)
    #: The still receiver's top side as last seen (`joints.top_side`: +1 left hip on top).
    side: float = math.nan
    #: The gate has been open since the camera last moved (a new state each move).
    opened: bool = False

    def add(self, azimuth: float, elevation: float, period_us: int) -> None:
        """One still frame's view (finite) and period, the oldest dropped while the window
        holds more than `WINDOW_S` (never the newest)."""
        az, el, periods = self.azimuth, self.elevation, self.periods
        az.append(azimuth)
        el.append(elevation)
        periods.append(period_us)
        self.total_us += period_us
        insort(self.sorted_az, azimuth)
        insort(self.sorted_el, elevation)
        while len(az) > 1 and frame_time.over(self.total_us, period_us, WINDOW_S):
            del self.sorted_az[bisect_left(self.sorted_az, az.popleft())]
            del self.sorted_el[bisect_left(self.sorted_el, el.popleft())]
            self.total_us -= periods.popleft()

    def enough(self, period_us: int) -> bool:
        """Are `MIN_STILL_S` of still frames in (`period_us`: the newest one's)?"""
        return frame_time.reaches(self.total_us, period_us, MIN_STILL_S)

    def median(self) -> tuple[float, float]:
        """(azimuth, elevation) medians of the window, as `np.median` gives them."""
        az = self.sorted_az
        if az[-1] - az[0] > 180.0:  # straddles ±180 (behind the receiver): the general way
            return _median_angle(az), _sorted_median(self.sorted_el)
        return _sorted_median(az), _sorted_median(self.sorted_el)


@dataclass(frozen=True)
class GateTrace:
    """Per frame: the gate (shape (T,)), the median view behind it (NaN before any), the
    frame rate read (frames/s, NaN until known) and whether the video met the technique's
    needs; `landscape`: the picture is at least as wide as it is high; `size`: the picture
    (width, height), None when not known; `jitter`: the still receiver's jitter of the primary
    measure (NaN until known; None where the technique sets no limit) and `jitter_limit`."""

    ok: BoolArray
    azimuth: FloatArray
    elevation: FloatArray
    rate: FloatArray | None = None
    video_ok: BoolArray | None = None
    landscape: bool = True
    size: tuple[int, int] | None = None
    jitter: FloatArray | None = None
    jitter_limit: float = 0.0
    #: The receiver's top side as last seen (+1 left hip on top, −1 right, NaN unknown); None
    #: where the region does not depend on it.
    side: FloatArray | None = None
    #: The gate has been open on this frame or an earlier one since the camera was last seen to
    #: move (`forget`): a gate shut then was shut by readings that moved, not by the camera
    #: (`placement_hints.UNMOVED`). None: not known (all False).
    opened: BoolArray | None = None
    #: The receiver's shoulders or hips lay near the assistant's drawn body on this frame
    #: (`VideoNeeds.view_read_alone`): its view was not read. None: not asked (all False).
    covered: BoolArray | None = None


class PlacementGate:
    """Judges the camera's placement for one technique, frame by frame (state carried over)."""

    def __init__(
        self, region: PlacementRegion | None, fps: float = 30.0, video: VideoNeeds | None = None
    ) -> None:
        self.region = region
        self.video = video or VideoNeeds()
        #: The window and the least still frames at `fps` with even times (the windows are
        #: seconds: at another rate they hold another count, `frame_time`).
        self.window = max(1, round(WINDOW_S * fps))
        self.min_samples = max(1, round(MIN_STILL_S * fps))
        self._nominal_us = frame_time.nominal_us(fps)
        self._last_t = math.nan
        self._s = GateState()
        limit = self.video.max_still_jitter_deg
        self._jitter = JitterWatch(limit, fps) if limit > 0 else None

    @property
    def estimate(self) -> tuple[float, float] | None:
        """The current median (azimuth, elevation), degrees, or None before enough frames."""
        return self._s.estimate

    def update(
        self,
        view: View,
        still: BoolArray,
        t: FloatArray | None = None,
        size: tuple[int, int] | None = None,
        forget: BoolArray | None = None,
        measure: FloatArray | None = None,
        side: FloatArray | None = None,
        covered: BoolArray | None = None,
    ) -> GateTrace:
        """`t`: the frames' times (s), `size`: the picture (width, height) and `measure`: the
        primary measure per frame, for the technique's `VideoNeeds`; without them a technique
        that has needs stays shut. `forget` marks frames where the camera was seen to move
        (`view_watch`): the views read before them are dropped and the gate shuts. `side`: the
        receiver's top side per frame (`joints.top_side`), for a region with a `lying_side`;
        without it such a region stays shut. `covered`: frames where the receiver's view
        landmarks lie near the assistant's drawn body (`VideoNeeds.view_read_alone`): read as
        frames not still for the view and the top side, they add nothing, and the view read
        with her apart is kept (the still jitter, of the primary measure, is read on them)."""
        s = self._s
        n = still.shape[0]
        rate = self._rates(t, n)
        times = None if t is None else np.asarray(t, np.float64).tolist()
        periods = frame_time.periods_us(times, n, self._last_t, self._nominal_us)
        if times:
            finite = [x for x in times if math.isfinite(x)]
            self._last_t = finite[-1] if finite else self._last_t
        landscape = size is not None and size[0] >= size[1]
        video_ok = self._video_ok(rate, landscape, size)
        jitter = None
        if self._jitter is not None:
            seen = np.full(n, np.nan) if measure is None else measure
            watched = self._jitter.update(seen, still, forget, periods)
            jitter, video_ok = watched.sigma, video_ok & watched.steady
        if covered is not None:  # not read for the view (the jitter is the primary measure's)
            still = still & ~covered
        azs, els, stills = view.azimuth.tolist(), view.elevation.tolist(), still.tolist()
        forgets = [False] * n if forget is None else forget.tolist()
        # Plain lists and locals in the loop (a numpy item, an attribute or a call costs more
        # than the frame's own work: a whole clip runs this loop once per frame).
        ok, videos = [False] * n, video_ok.tolist()
        az_out, el_out = [math.nan] * n, [math.nan] * n
        judged = self.region is not None
        bounds = (self._bounds(ENTER_MARGIN_DEG), self._bounds(-EXIT_MARGIN_DEG))
        mirrored = judged and bool(self.region and self.region.mirrored)
        want = top_side_of(self.region)
        sides = [math.nan] * n if side is None or want is None else side.tolist()
        side_out, opened = [math.nan] * n, [False] * n
        for i in range(n):
            if forgets[i]:
                s = self._s = GateState(times=s.times)  # the rate still holds
            a, e = azs[i], els[i]
            if stills[i] and sides[i] == sides[i]:
                s.side = sides[i]
            side_out[i] = s.side
            if stills[i] and a == a and e == e:  # NaN != NaN
                _judge(s, a, e, periods[i], bounds, judged, mirrored)
            if s.estimate is not None:
                az_out[i], el_out[i] = s.estimate
            ok[i] = (s.ok or not judged) and videos[i] and (want is None or s.side == want)
            opened[i] = s.opened = s.opened or ok[i]
        return GateTrace(
            np.array(ok, bool),
            np.array(az_out, np.float64),
            np.array(el_out, np.float64),
            rate,
            video_ok,
            landscape,
            size,
            jitter,
            self.video.max_still_jitter_deg,
            None if want is None else np.array(side_out, np.float64),
            np.array(opened, bool),
            covered,
        )

    def update_one(
        self,
        azimuth: float,
        elevation: float,
        still: bool,
        t: float,
        size: tuple[int, int],
        forget: bool,
        measure: float,
        side: float,
        covered: bool | None = None,
    ) -> GateTrace:
        """`update` of one frame from plain values (a live frame: numpy's per-call cost on
        arrays of one was most of its work), bit for bit; `side` NaN where not read; `covered`
        None where not asked."""
        s = self._s
        rate = self._rate_one(t)
        period = frame_time.periods_us((t,), 1, self._last_t, self._nominal_us)[0]
        if math.isfinite(t):
            self._last_t = t
        landscape = size[0] >= size[1]
        video_ok = self._video_ok_one(rate, landscape, size)
        videos = np.array([video_ok], bool)
        jitter = None
        if self._jitter is not None:
            watched = self._jitter.update(
                np.array([measure]), np.array([still]), np.array([forget]), [period]
            )
            jitter, videos = watched.sigma, videos & watched.steady
            video_ok = bool(videos[0])
        judged = self.region is not None
        want = top_side_of(self.region)
        if covered:  # not read for the view (the jitter above is the primary measure's)
            still = False
        if forget:
            s = self._s = GateState(times=s.times)  # the rate still holds
        if still and want is not None and side == side:
            s.side = side
        if still and azimuth == azimuth and elevation == elevation:  # NaN != NaN
            bounds = (self._bounds(ENTER_MARGIN_DEG), self._bounds(-EXIT_MARGIN_DEG))
            mirrored = judged and bool(self.region and self.region.mirrored)
            _judge(s, azimuth, elevation, period, bounds, judged, mirrored)
        az_out, el_out = (math.nan, math.nan) if s.estimate is None else s.estimate
        ok = (s.ok or not judged) and video_ok and (want is None or s.side == want)
        s.opened = s.opened or ok
        return GateTrace(
            np.array([ok], bool),
            np.array([az_out], np.float64),
            np.array([el_out], np.float64),
            np.array([rate], np.float64),
            videos,
            landscape,
            size,
            jitter,
            self.video.max_still_jitter_deg,
            None if want is None else np.array([s.side], np.float64),
            np.array([s.opened], bool),
            None if covered is None else np.array([covered], bool),
        )

    def _rate_one(self, t: float) -> float:
        """`_rates` of one frame at `t`."""
        times = self._s.times
        times.append(t)
        while t - times[0] > RATE_WINDOW_S + 1e-9:
            times.popleft()
        span = t - times[0]
        return (len(times) - 1) / span if span >= RATE_MIN_SPAN_S - 1e-9 else math.nan

    def _rates(self, t: FloatArray | None, n: int) -> FloatArray:
        """Frames per second over the last `RATE_WINDOW_S`, per frame (NaN until known)."""
        if t is None:
            return np.full(n, np.nan)
        if n >= RATE_ARRAY_MIN:
            return self._rates_array(np.asarray(t, np.float64))
        return np.array([self._rate_one(ti) for ti in np.asarray(t, float).tolist()], np.float64)

    def _rates_array(self, t: FloatArray) -> FloatArray:
        """`_rates` of many frames at once, bit for bit: each frame's window starts at the first
        time `ti - tj <= RATE_WINDOW_S + 1e-9` holds (the same subtraction and comparison as the
        loop's; t never decreases, so those times are a suffix, found by a search and then
        stepped to exactly)."""
        times = np.concatenate([np.array(self._s.times, np.float64), t])
        now = times[times.shape[0] - t.shape[0] :]
        limit = RATE_WINDOW_S + 1e-9
        j = np.searchsorted(times, now - limit, side="left")
        while (back := (j > 0) & (now - times[np.maximum(j - 1, 0)] <= limit)).any():
            j -= back
        while (ahead := now - times[j] > limit).any():
            j += ahead
        span = now - times[j]
        count = np.arange(times.shape[0] - t.shape[0], times.shape[0]) - j
        self._s.times = deque(times[j[-1] :].tolist())
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(span >= RATE_MIN_SPAN_S - 1e-9, count / span, np.nan)

    def _video_ok(
        self, rate: FloatArray, landscape: bool, size: tuple[int, int] | None
    ) -> BoolArray:
        if rate.shape == (1,):  # a live frame: its rate as a float (NaN: False)
            return np.array([self._video_ok_one(float(rate[0]), landscape, size)], bool)
        need = self.video
        shape_ok = (landscape or not need.landscape) and large_enough(need, size)
        if need.min_fps <= 0:
            return np.full(rate.shape, shape_ok)
        with np.errstate(invalid="ignore"):
            fast = rate >= need.min_fps * RATE_TOLERANCE
        return np.asarray(fast & shape_ok)

    def _video_ok_one(self, rate: float, landscape: bool, size: tuple[int, int] | None) -> bool:
        """`_video_ok` of one frame, its rate a float."""
        need = self.video
        shape_ok = (landscape or not need.landscape) and large_enough(need, size)
        if need.min_fps <= 0:
            return shape_ok
        return rate >= need.min_fps * RATE_TOLERANCE and shape_ok

    def _bounds(self, margin: float) -> tuple[float, float, float, float] | None:
        """The region shrunk by `margin` (grown when negative) as `PlacementRegion.contains`
        computes it (the same sums, so the same floats); None when nothing is inside."""
        region = self.region
        if region is None or region.azimuth_deg is None or region.elevation_deg is None:
            return None
        (a_lo, a_hi), (e_lo, e_hi) = region.azimuth_deg, region.elevation_deg
        return a_lo + margin, a_hi - margin, e_lo + margin, e_hi - margin


def _judge(
    s: GateState,
    azimuth: float,
    elevation: float,
    period_us: int,
    bounds: tuple[tuple[float, float, float, float] | None, ...],
    judged: bool,
    mirrored: bool,
) -> None:
    """One still frame's view (finite) into the window, and the gate judged again once
    enough are in (hysteresis: `region.contains` with the margin of the gate's state)."""
    s.add(azimuth, elevation, period_us)
    if s.enough(period_us):
        s.estimate = est = s.median()
        box = bounds[s.ok]
        if box is None:
            s.ok = not judged
        else:
            az = abs(est[0]) if mirrored else est[0]
            s.ok = box[0] <= az <= box[1] and box[2] <= est[1] <= box[3]


def top_side_of(region: PlacementRegion | None) -> float | None:
    """The `joints.top_side` reading of a receiver on the region's `lying_side` (lying on the
    left side, the right hip is on top: −1); None when the region does not depend on it."""
    if region is None or region.lying_side is None or region.none_valid:
        return None
    return -1.0 if region.lying_side == "left" else 1.0


def _sorted_median(ordered: list[float]) -> float:
    """The median of sorted finite values: the middle one, or the mean of the middle two (as
    `np.median`, bit for bit)."""
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _median_angle(ordered: list[float]) -> float:
    """Median of sorted azimuths that may straddle ±180 (behind the receiver): taken on the side
    of the circle where they cluster. Plain floats, as `np.median` of `values % 360` gives it,
    bit for bit (Python's `%` on floats is numpy's), without numpy's cost on every frame."""
    if ordered[-1] - ordered[0] > 180.0:
        m = _median_mod_360(ordered)
        return (m + 180.0) % 360.0 - 180.0
    return _sorted_median(ordered)


def _median_mod_360(ordered: list[float]) -> float:
    """`_sorted_median(sorted(v % 360 for v in ordered))` without building that list: when the
    values lie in [-360, 360), `% 360` keeps those from 0 up as they are and moves the negative
    ones (in order) above them, so the middle ones are picked by index. Otherwise, sorted."""
    n, k = len(ordered), bisect_left(ordered, 0.0)
    high = n - k  # values from 0 up: first after `% 360`
    if (
        ordered[0] >= -360.0
        and ordered[-1] < 360.0
        and (k in (0, n) or ordered[-1] <= ordered[0] % 360.0)
    ):
        mid = n // 2  # position p after `% 360` is ordered[k + p] (p < high), or ordered[p - high]
        upper = (ordered[k + mid] if mid < high else ordered[mid - high]) % 360.0
        if n % 2:
            return upper
        p = mid - 1
        return ((ordered[k + p] if p < high else ordered[p - high]) % 360.0 + upper) / 2
    return _sorted_median(sorted(v % 360.0 for v in ordered))


def large_enough(need: VideoNeeds, size: tuple[int, int] | None) -> bool:
    """The picture's shorter side meets `need.min_short_side_px` (an unknown size does not)."""
    if need.min_short_side_px <= 0:
        return True
    return size is not None and min(size) >= need.min_short_side_px
