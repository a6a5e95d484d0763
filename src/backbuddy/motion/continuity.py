"""Is this pose the same body as the last one? The page's landmarks, frame to frame.

With pose in the page, the server learns who is who from role frames (`web/page_roles`),
and between them it carries the receiver's identity along the stream of landmarks
only while that stream stays continuous: the same body moves by at most what a body
moves in the time between two frames. A break (no person, a gap in time, the torso
turned unseen, or a jump of the nose/shoulders/hips or of the trunk's length beyond
what the measured motion allows) means the pose model may now follow someone else:
the identity is unsure until a new role frame says again where the receiver is.

Measured on the ten rendered two-person truth clips (page path: the page's model on the
receiver's crop; `tools/calibrate/role_switches.py`): between frames at 30 poses/s the
receiver's nose, shoulders and hips moved on average at most 0.067 trunk lengths (0.089
over 2 frames, 0.094 over 3), while a switch onto the assistant moved them 0.088 or more
(0.116 or more in 99 % of cases; the closest in the pure side view of the seated hug,
a short assistant right behind a tall receiver). With the limits below the rules broke
the chain on every switch at 30 and 15 poses/s (591/591, 584/584) and missed 1 of 577 at
10 poses/s (below the 15 the page needs, where it falls back to server-side pose), and
broke the receiver's own stream on 1 of 818, 7 of 809 and 0 of 800 steps (each a pause
until the next role answer, the safe side). Arrays are normalised
image landmarks (33 × x, y, z, visibility; x right, y down, 0..1 of the frame) and the
frame's size in pixels; distances are judged in pixels, in trunk lengths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backbuddy.motion.landmarks import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER

#: The points followed: nose, left/right shoulder, left/right hip (MediaPipe numbering).
POINTS = (0, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP)
TORSO = (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP)
#: A step may move the points (their mean, trunk lengths) this much, plus `JUMP_PER_S` for
#: every second between the two frames: at 30 poses/s 0.082 (the receiver's largest step
#: was 0.067, the nearest switch 0.088), at 15 poses/s 0.088, at 10 poses/s 0.095.
JUMP_BASE = 0.075
JUMP_PER_S = 0.2
#: The trunk's length may change by this factor (log), plus `SIZE_PER_S` a second: the
#: receiver's changed by at most 0.086 a frame (log), 0.13 over 3 frames.
SIZE_BASE = 0.10
SIZE_PER_S = 0.5
#: Frames further apart than this cannot be judged continuous (the page stalled).
MAX_GAP_S = 0.3
#: The jump rule holds between this frame and every frame of the last `WINDOW_S`, not only
#: the one before: the pose model smooths its landmarks, so a switch onto the assistant
#: can spread over 2–3 frames of 0.05–0.1 trunk lengths each (measured: 0.085, 0.054,
#: 0.099 on the seated hug), each under the one-frame limit, together far beyond it.
WINDOW_S = 0.25
#: The torso's mean visibility below this: the model is guessing where it is.
MIN_TORSO_VISIBILITY = 0.5


@dataclass(frozen=True)
class Body:
    """The followed points of one frame in pixels, flat (x0, y0, … x4, y4), the trunk length
    in px, the time; `finite`: every coordinate is a number. Plain floats: every landmarks
    message judges the newest body against ~8 earlier ones, and numpy's cost per call on
    arrays of five points was most of it (issue 15)."""

    xy: tuple[float, ...]
    trunk: float
    t: float
    finite: bool = True

    @classmethod
    def of(cls, points: NDArray[np.float64], trunk: float, t: float) -> Body:
        """A body from its points as an array (5, 2)."""
        xy = tuple(np.asarray(points, np.float64).ravel().tolist())
        return cls(xy, trunk, t, all(map(math.isfinite, xy)))

    @property
    def points(self) -> NDArray[np.float64]:
        """The points as an array (5, 2)."""
        return np.array(self.xy, np.float64).reshape(len(POINTS), 2)


def body(image: NDArray[np.float32] | NDArray[np.float64], size: tuple[int, int], t: float) -> Body:
    """The followed points of one frame's image landmarks (33 × 4, 0..1) at time `t` (s)."""
    w, h = float(size[0]), float(size[1])
    xy: list[float] = []
    for x, y, _, _ in image.take(_POINTS, 0).tolist():  # float32 or 64: the same float64s
        xy += (x * w, y * h)
    # shoulders' and hips' midpoints, then the trunk as numpy's hypot takes it
    dx = (xy[2] + xy[4]) / 2 - (xy[6] + xy[8]) / 2
    dy = (xy[3] + xy[5]) / 2 - (xy[7] + xy[9]) / 2
    trunk = max(float(np.hypot(dx, dy)), 1.0)
    return Body(tuple(xy), trunk, t, all(map(math.isfinite, xy)))


def torso_seen(image: NDArray[np.float32] | NDArray[np.float64]) -> bool:
    """Does the model see the torso (mean visibility of shoulders and hips)?"""
    # Summed left to right, then / 4: as numpy's mean of four takes it.
    v: list[float] = image[:, 3].tolist()
    seen = v[LEFT_SHOULDER] + v[RIGHT_SHOULDER] + v[LEFT_HIP] + v[RIGHT_HIP]
    return seen / len(TORSO) >= MIN_TORSO_VISIBILITY


def _jump(a: Body, b: Body) -> float:
    """Mean distance of the followed points from `a` to `b`, in trunk lengths (the larger of
    the two); NaN when a point or a trunk is not a number. Each left/right pair may be
    crossed (a turn swaps which side the model calls left): each point takes the nearer of
    its straight and crossed distance. Written out on locals (the window's ~8 bodies cost
    this 8 times a message); summed left to right, as numpy's sum of five."""
    if not (a.finite and b.finite):
        return math.nan
    sqrt = math.sqrt
    p0, q0, p1, q1, p2, q2, p3, q3, p4, q4 = a.xy
    x0, y0, x1, y1, x2, y2, x3, y3, x4, y4 = b.xy
    d0 = sqrt((x0 - p0) * (x0 - p0) + (y0 - q0) * (y0 - q0))  # the nose: never crossed
    s = sqrt((x1 - p1) * (x1 - p1) + (y1 - q1) * (y1 - q1))
    c = sqrt((x1 - p2) * (x1 - p2) + (y1 - q2) * (y1 - q2))
    d1 = c if c < s else s
    s = sqrt((x2 - p2) * (x2 - p2) + (y2 - q2) * (y2 - q2))
    c = sqrt((x2 - p1) * (x2 - p1) + (y2 - q1) * (y2 - q1))
    d2 = c if c < s else s
    s = sqrt((x3 - p3) * (x3 - p3) + (y3 - q3) * (y3 - q3))
    c = sqrt((x3 - p4) * (x3 - p4) + (y3 - q4) * (y3 - q4))
    d3 = c if c < s else s
    s = sqrt((x4 - p4) * (x4 - p4) + (y4 - q4) * (y4 - q4))
    c = sqrt((x4 - p3) * (x4 - p3) + (y4 - q3) * (y4 - q3))
    d4 = c if c < s else s
    return (d0 + d1 + d2 + d3 + d4) / len(POINTS) / _larger(a.trunk, b.trunk)


def _larger(x: float, y: float) -> float:
    """`np.maximum` of two floats (NaN if either is)."""
    return x if x >= y or x != x else y


def displacement(a: Body, b: Body) -> float:
    """Mean distance of the followed points from `a` to `b`, in trunk lengths (the larger of
    the two); each left/right pair may be crossed (a turn swaps which side the model calls
    left), so each point takes the nearer of the two."""
    return _jump(a, b)


def break_between(a: Body | None, b: Body) -> str | None:
    """Why `b` may not be the same body as `a` one frame earlier, or None when it may."""
    if a is None:
        return "no pose before this one"
    dt = b.t - a.t
    if dt > MAX_GAP_S or dt < 0:
        return f"{dt:.2f} s since the last pose"
    return _moved(a, b)


def break_within(before: Sequence[Body], b: Body) -> str | None:
    """Why `b` may not be the same body as the frames `before` it (oldest first; the last
    is the frame just before), or None when it may: the gap to the frame just before, then
    the jump and size rules against it and every frame of the last `WINDOW_S`, newest first
    (the first broken one is named; the frame just before is judged first, as
    `break_between` would). Every landmarks message runs this: on plain floats, with the
    array form's numbers bit for bit (`tests/unit/motion/test_continuity.py`)."""
    if not before:
        return "no pose before this one"
    dt = b.t - before[-1].t
    if dt > MAX_GAP_S or dt < 0:
        return f"{dt:.2f} s since the last pose"
    window = [before[-1]]  # newest first
    for a in reversed(before[:-1]):
        if b.t - a.t > WINDOW_S:
            break
        window.append(a)
    # The size rule's logs in one call, as numpy takes them for an array this long.
    sizes = np.abs(np.log(b.trunk / np.array([a.trunk for a in window]))).tolist()
    for a, size in zip(window, sizes, strict=True):
        dt = b.t - a.t
        jump = _jump(a, b)
        if jump > JUMP_BASE + JUMP_PER_S * dt:
            return f"the body jumped {jump:.2f} trunk lengths"
        if size > SIZE_BASE + SIZE_PER_S * dt:
            return f"the trunk's length changed from {a.trunk:.0f} to {b.trunk:.0f} px"
    return None


_POINTS = np.array(POINTS, np.intp)


def _moved(a: Body, b: Body) -> str | None:
    dt = b.t - a.t
    jump = displacement(a, b)
    if jump > JUMP_BASE + JUMP_PER_S * dt:
        return f"the body jumped {jump:.2f} trunk lengths"
    if abs(np.log(b.trunk / a.trunk)) > SIZE_BASE + SIZE_PER_S * dt:
        return f"the trunk's length changed from {a.trunk:.0f} to {b.trunk:.0f} px"
    return None
