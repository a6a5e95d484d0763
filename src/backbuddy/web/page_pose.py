"""Pose computed in the page (issue 15): whether this install can serve the model, and the
checks page landmarks pass before they reach the monitors.

The page runs MediaPipe's PoseLandmarker (web/static/js/pose_page.js) on files `make`
vendors into `static/vendor` (scripts/vendor_pose.py); when they are missing the page
sends JPEG frames and the server runs the model, as before.

A landmarks message has already passed `schemas.LandmarksIn` (33 finite points of 4,
or null). Here: every value in its range, and the page's frame time (`ms`, the
capture time on the page's own clock) strictly increasing, frames at most
`MIN_GAP_MS` apart, and never gaining on the server's clock (`PageClock`). The
page's times space the frames on the monitors' time axis (speed is angle over time,
so the model's varying run time must not read as speed); the engine still gets the
server's own time. A page that breaks a rule has broken the protocol.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from backbuddy.domain.state import POSE_STALE_MAX_S
from backbuddy.domain.techniques import Technique
from backbuddy.web.frames import FLOOD_FPS

VENDOR = Path(__file__).resolve().parent / "static" / "vendor"
#: Files the page loads; the vendoring script writes MANIFEST.json last.
VENDORED = (
    "MANIFEST.json",
    "tasks-vision/vision_bundle.mjs",
    "tasks-vision/wasm/vision_wasm_module_internal.js",
    "tasks-vision/wasm/vision_wasm_module_internal.wasm",
    "pose/pose_landmarker_full.task",
)
BUNDLE = VENDOR / "pose" / "pose_landmarker_full.task"

#: Image x, y: fractions of the frame; MediaPipe places joints outside it (a foot below
#: the bottom edge) but never far. z: depth in units of the frame width.
IMAGE_XY = (-1.0, 2.0)
IMAGE_Z = (-10.0, 10.0)
#: World landmarks: metres from the hips' midpoint; a body is within 2.5 m of it.
WORLD_XYZ = (-3.0, 3.0)
#: The page's clock may gain this much on the server's (a quicker frame, not drift).
MAX_AHEAD_S = 0.25
#: Page frames get their arrival time while the delay is learnt: until the best delay has
#: held this long (no new best lower by more than `SETTLED_TOL_S`)…
WARMUP_S = 1.0
#: …or, for a best that keeps falling (a page clock gaining on the server's), this long…
WARMUP_MAX_S = 5.0
#: …and at least this many frames: twice the poses the page does not count for its rate while
#: its model warms up (`pose_page.js` `WARMUP_POSES`), however slow they were.
WARMUP_FRAMES = 10
#: A new best delay lower by at most this is the model's jitter: the best has held.
SETTLED_TOL_S = 0.05
#: While the delay is learnt (the first frames are the slowest), a role time may lie this
#: far ahead of it (`PageClock.role_time`): a far-future one is refused from the start.
WARMUP_AHEAD_S = 1.0
#: A frame that took this much longer than the page's best delay to arrive shows the
#: receiver as they were longer ago than a pose may be trusted (the engine's largest stale
#: limit, I4): it is no sight of them now (`PageClock.late_s`).
LATE_S = POSE_STALE_MAX_S
#: Page frame times closer than this are a page bug (twice the flood rate).
MIN_GAP_MS = 1000.0 / (2 * FLOOD_FPS)


#: Why the page may not run its own pose model for a technique with two people in view.
TWO_PEOPLE_REFUSED = (
    "With two people in view, this movement's camera watch runs on the backbuddy server: "
    "worked out on this device, a fast movement was stopped too late."
)


def refusal(technique: Technique, roles: bool) -> str | None:
    """Why the page's own pose model may not run for `technique` (`roles`: the two-person step
    is on), or None when it may (`VideoNeeds.page_two_people`)."""
    if roles and not technique.video.page_two_people:
        return TWO_PEOPLE_REFUSED
    return None


def available(vendor: Path = VENDOR) -> bool:
    """Are the page's pose model files vendored (`make` does it)?"""
    return all((vendor / name).is_file() for name in VENDORED)


#: The page's people detector (issue 15, item 2; scripts/vendor_movenet.py writes its
#: MANIFEST.json last): without it the page sends role frames.
PEOPLE_VENDORED = (
    "movenet/MANIFEST.json",
    "litertjs/core/dist/index.js",
    "litertjs/wasm-utils/dist/index.js",
    "litertjs/core/wasm/litert_wasm_internal.wasm",
    "litertjs/core/wasm/litert_wasm_compat_internal.wasm",
)


def people_available(vendor: Path = VENDOR) -> bool:
    """Can the page run the two-person step's people detector itself?"""
    return all((vendor / name).is_file() for name in PEOPLE_VENDORED)


class LandmarksRefused(ValueError):
    """Page landmarks outside their ranges or out of time order: a protocol violation."""


def check_points(points: Sequence[Sequence[float]] | None, what: str) -> None:
    """Every coordinate in its range, every visibility in 0..1 (`what`: image or world)."""
    if points is None:
        return
    bounds = _IMAGE_BOUNDS if what == "image" else _WORLD_BOUNDS
    # Plain floats: a column's min and max are two C calls (numpy costs more on 33 points).
    for channel, column in enumerate(zip(*points, strict=True)):
        (lo, hi), name = bounds[channel], _CHANNELS[channel]
        if min(column) < lo or max(column) > hi:
            i = next(k for k, v in enumerate(column) if not lo <= v <= hi)
            raise LandmarksRefused(f"{what}[{i}] {name} = {column[i]:g} is outside {lo:g}..{hi:g}")


_IMAGE_BOUNDS = (IMAGE_XY, IMAGE_XY, IMAGE_Z, (0.0, 1.0))
_WORLD_BOUNDS = (WORLD_XYZ, WORLD_XYZ, WORLD_XYZ, (0.0, 1.0))
_CHANNELS = ("x", "y", "z", "visibility")


def admit(
    image: Sequence[Sequence[float]] | None,
    world: Sequence[Sequence[float]] | None,
    ms: float | None,
    clock: PageClock,
    now: float,
) -> float:
    """All of the checks above for one landmarks message; its time on the monitors' axis."""
    if image is None and world is not None:
        raise LandmarksRefused("world landmarks without image landmarks")
    check_points(image, "image")
    check_points(world, "world")
    return clock.place(ms, now)


class PageClock:
    """Places one page's frame times on the session clock; refuses times out of order.

    A frame reaches the server some time after the page captured it (the model ran in
    between: 60–500 ms here, the first frames slowest). While the clock learns the
    smallest delay, the page's frames get their arrival time; it is placed once the best
    delay has held for `WARMUP_S` (no new best lower by more than `SETTLED_TOL_S`), or
    once the model's warm-up is over (`_warming`: `WARMUP_MAX_S` from the first frame and
    `WARMUP_FRAMES` frames). From then on each frame is placed at its capture time plus
    that delay, so frames keep the spacing they were filmed with. A frame whose delay is
    more than `MAX_AHEAD_S` below it shows a page clock that gained on the server's (which
    would make movements read slower than they are): refused. Pages that send no time get
    their arrival time.

    While the model warms up such a frame starts the learning again instead: a slow phone
    whose model took 0.5 s a frame for a second or more, then 0.1 s, had its first fast
    frame refused as running 0.4 s ahead, the page cut off for good (red team, session 24).
    That is no gain: a step down in the delay, frames after it spaced as filmed. A clock
    that gains steadily at a page's frame rate does not get there in time (gaining
    `MAX_AHEAD_S` after its best held a second takes longer than `WARMUP_MAX_S`; gaining
    faster, its best never holds and it is placed when the warm-up is over): it is refused
    once it has gained `MAX_AHEAD_S`, and no placed frame ever lies further ahead of its
    arrival.

    How late a frame is (`late_s`) is measured against the best delay so far once the page's
    first `WARMUP_S` is over, learning or placed: a page backing up while the clock learns
    again is late too.
    """

    def __init__(self) -> None:
        self._delay = math.inf  # smallest (arrival - capture) seen while learning, s
        self._first_at = math.inf  # the first timed frame's arrival, s
        self._held = math.inf  # the best delay when it last fell by more than the tolerance
        self._held_since = -math.inf  # …and when, s
        self._placed = False
        self._frames = 0  # timed frames so far
        self._last_ms = -math.inf
        #: How much longer than the best delay the latest frame took to arrive, s.
        self.late_s = 0.0

    def ahead(self, ms: float, now: float) -> bool:
        """Would a page time `ms` (another message's: role people) lie more than
        `MAX_AHEAD_S` ahead of the server's clock? False while the delay is being learnt."""
        return self._placed and now - ms / 1000.0 < self._delay - MAX_AHEAD_S

    def role_time(self, ms: float, now: float) -> str | None:
        """Why a role message's page time `ms` cannot be taken now, or None when it can.

        Not before the page's first landmarks time (nothing to place it against), and not
        ahead of the server's clock: by `MAX_AHEAD_S` once the clock is placed and the
        page's model has warmed up, by `WARMUP_AHEAD_S` of the delay learnt so far before
        (a delay learnt from a slow model's first poses refused the quicker role messages
        until it was learnt again, and the phone showed the refusal: red team, session
        25). `ahead` alone said
        nothing while learning, so one role message at ms=1e308 (or `Date.now()`) was taken
        there and every later one, not after it, refused for the socket's life: its
        landmarks unsure for good (red team, session 10). Now such a time locks nothing for
        longer than that bound. (The page itself sends role messages only after 1.5 s of
        poses, `pose_page.js`, by when a steady page's clock is placed.)"""
        if math.isinf(self._delay):
            return "came before any landmarks time: the page's clock cannot place it yet"
        margin = MAX_AHEAD_S if self._placed and not self._warming(now) else WARMUP_AHEAD_S
        if now - ms / 1000.0 < self._delay - margin:
            return "lie ahead of the server's clock"
        return None

    def place(self, ms: float | None, now: float) -> float:
        """Session time for a frame the page captured at `ms`, arriving at `now`."""
        if ms is None:
            return now
        if ms - self._last_ms < MIN_GAP_MS:
            raise LandmarksRefused(
                f"frame time ms={ms:g} is not at least {MIN_GAP_MS:.1f} ms after the "
                f"previous frame's ({self._last_ms:g}): frame times must increase"
            )
        self._last_ms = ms
        self._frames += 1
        delay = now - ms / 1000.0
        # Not in the page's first second: its first frames are the slowest (the model starting).
        early = now - self._first_at < WARMUP_S
        self.late_s = 0.0 if early else max(0.0, delay - self._delay)
        ahead = delay < self._delay - MAX_AHEAD_S
        if self._placed and ahead and self._warming(now):
            self._placed = False  # a step down while the model warms up: learn again
        if not self._placed:
            self._learn(delay, now)
            return now
        if ahead:
            raise LandmarksRefused(
                f"frame time ms={ms:g} runs {self._delay - delay:.2f} s ahead of the server's clock"
            )
        return ms / 1000.0 + self._delay

    def _learn(self, delay: float, now: float) -> None:
        """One more delay while learning; placed once the best has held (or time is up)."""
        self._first_at = min(self._first_at, now)
        self._delay = min(self._delay, delay)
        if delay < self._held - SETTLED_TOL_S:
            self._held, self._held_since = delay, now
        held = now - self._held_since >= WARMUP_S
        self._placed = held or not self._warming(now)

    def _warming(self, now: float) -> bool:
        """Is the page's model still warming up (`WARMUP_MAX_S`, `WARMUP_FRAMES`)?"""
        return now - self._first_at < WARMUP_MAX_S or self._frames <= WARMUP_FRAMES
