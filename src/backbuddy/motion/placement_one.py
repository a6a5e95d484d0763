"""`placement.estimate_view` for one frame, on floats: the live camera's case (issue 15).

The camera-move watch and the placement gate read the view on (almost) every live frame; the
vectorised estimate spent ~0.4 ms of numpy's per-call cost on arrays of one. This repeats its
arithmetic on floats in the same order, with numpy's own functions where they differ from
Python's `math` (arcsin, arccos, arctan and the dot products, which numpy computes with other
roundings), so every number is bit for bit the vectorised one's
(`tests/unit/motion/test_placement_one.py`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import numpy as np

from backbuddy.motion import landmarks as L
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.placement import CALIBRATION, IDENTITY, LYING_INCLINE_DEG, Linear

Vec = tuple[float, ...]
#: A point as read (a list from `Landmarks.frame_floats`) or as computed (a tuple).
Point = Sequence[float]
_DEG = 180.0 / math.pi
_RAD = math.pi / 180.0
#: The world points `world_view` reads (left/right shoulder, left/right hip).
_WORLD_VIEW_POINTS = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)


def estimate_view_one(lm: Landmarks, min_visibility: float) -> tuple[float, float, bool]:
    """(azimuth, elevation, lying) of the one frame in `lm`, as `estimate_view` reads it."""
    f = _Frame(lm)
    thr = min_visibility
    gate = f.pair_seen(thr, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) and f.pair_seen(
        thr, L.LEFT_HIP, L.RIGHT_HIP
    )
    trunk = f.trunk_px()
    lying = float(np.arctan2(abs(trunk[0]), -trunk[1])) * _DEG > LYING_INCLINE_DEG
    if not gate:  # the torso unseen (nobody, an unsure frame blanked): no view to read
        return math.nan, math.nan, lying
    if lying:
        cal = CALIBRATION["lying"]
        raw_az, raw_el = f.world_view(lying=True)
        az = _mean_seen(
            _lin(cal["azimuth"], raw_az),
            _lin(cal.get("knee_azimuth", IDENTITY), f.knee_azimuth(thr)),
        )
        el = _lin(cal["elevation"], raw_el)
    else:
        raw_az, _ = f.world_view(lying=False)
        az, el = f.seated(raw_az, CALIBRATION["seated"])
    return (az + 180.0) % 360.0 - 180.0, el, lying


def _lin(m: Linear, raw: float) -> float:
    return m.slope * raw + m.offset


def _mean_seen(a: float, b: float) -> float:
    """`placement._mean_seen` of two values (NaN counts as 0 in the sum, as `np.nansum`)."""
    count = (a == a) + (b == b)  # NaN != NaN
    if count == 0:
        return math.nan
    return ((a if a == a else 0.0) + (b if b == b else 0.0)) / count


def _clip(x: float, lo: float, hi: float) -> float:
    """`np.clip` of one value (NaN stays NaN)."""
    return min(max(x, lo), hi)


def _mid(a: Point, b: Point) -> Vec:
    return tuple([(p + q) / 2 for p, q in zip(a, b, strict=True)])  # a list first: quicker


def _sub(a: Point, b: Point) -> Vec:
    return tuple(map(operator.sub, a, b))  # the points are of one length (2 or 3)


def _norm(v: Point) -> float:
    """`np.linalg.norm` of a 2- or 3-vector (its sum runs left to right)."""
    total = v[0] * v[0]
    for c in v[1:]:
        total = total + c * c
    return math.sqrt(total)


def _unit(v: Point) -> Vec:
    n = _norm(v)
    return tuple(c / n for c in v)


def _dot(u: Point, v: Point) -> float:
    """As `np.einsum` sums it (not the plain left-to-right sum)."""
    return float(np.einsum("i,i->", np.array(u), np.array(v)))


def _cross(a: Point, b: Point) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _unit3(v: Point) -> Vec:
    """`_unit` of a 3-vector, written out."""
    n = math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    return (v[0] / n, v[1] / n, v[2] / n)


def _len3(a: Point, b: Point) -> float:
    """`_norm(_sub(a, b))` of 3-vectors, written out."""
    x, y, z = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return math.sqrt(x * x + y * y + z * z)


def _len2(a: Point, b: Point) -> float:
    """`_norm(_sub(a, b))` of 2-vectors, written out."""
    x, y = a[0] - b[0], a[1] - b[1]
    return math.sqrt(x * x + y * y)


def _reject(v: Point, axis: Point) -> Vec:
    d = _dot(v, axis)
    return _unit3((v[0] - d * axis[0], v[1] - d * axis[1], v[2] - d * axis[2]))


class _Frame:
    """One frame's pixels, world points and visibilities as plain floats."""

    def __init__(self, lm: Landmarks) -> None:
        # converted once a frame, shared with the one-frame measures (read-only)
        self.px, self.w, self.vis = lm.frame_floats()

    def pair_seen(self, thr: float, left: int, right: int) -> bool:
        return (self.vis[left] + self.vis[right]) / 2 >= thr

    def seen(self, thr: float, a: int, b: int) -> bool:
        return self.vis[a] >= thr and self.vis[b] >= thr

    def trunk_px(self) -> Vec:
        px = self.px
        return _sub(
            _mid(px[L.LEFT_SHOULDER], px[L.RIGHT_SHOULDER]), _mid(px[L.LEFT_HIP], px[L.RIGHT_HIP])
        )

    def _trunk_w(self) -> float:
        w = self.w
        ls, rs, lh, rh = w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER], w[L.LEFT_HIP], w[L.RIGHT_HIP]
        x = (ls[0] + rs[0]) / 2 - (lh[0] + rh[0]) / 2
        y = (ls[1] + rs[1]) / 2 - (lh[1] + rh[1]) / 2
        z = (ls[2] + rs[2]) / 2 - (lh[2] + rh[2]) / 2
        return math.sqrt(x * x + y * y + z * z)

    def world_view(self, lying: bool) -> tuple[float, float]:
        """`placement.world_view` (y up and z toward the camera)."""
        # the four points read, flipped (not all 33: this runs every live frame); the vectors'
        # parts written out (the same operations in the same order as `_mid`, `_sub`, `_unit`)
        w = self.w
        a, b, c, d = w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER], w[L.LEFT_HIP], w[L.RIGHT_HIP]
        ls = (a[0] * 1.0, a[1] * -1.0, a[2] * -1.0)
        rs = (b[0] * 1.0, b[1] * -1.0, b[2] * -1.0)
        lh = (c[0] * 1.0, c[1] * -1.0, c[2] * -1.0)
        rh = (d[0] * 1.0, d[1] * -1.0, d[2] * -1.0)
        axis = _unit3(
            (
                (ls[0] + rs[0]) / 2 - (lh[0] + rh[0]) / 2,
                (ls[1] + rs[1]) / 2 - (lh[1] + rh[1]) / 2,
                (ls[2] + rs[2]) / 2 - (lh[2] + rh[2]) / 2,
            )
        )
        left = (
            (lh[0] - rh[0]) + (ls[0] - rs[0]),
            (lh[1] - rh[1]) + (ls[1] - rs[1]),
            (lh[2] - rh[2]) + (ls[2] - rs[2]),
        )
        if lying:
            sign = 1.0 if self.px[L.LEFT_HIP][1] < self.px[L.RIGHT_HIP][1] else -1.0
            unit = _unit3(left)
            up: Vec = (unit[0] * sign, unit[1] * sign, unit[2] * sign)
            forward = _reject(_cross(unit, axis), up)
            side = _reject(axis, up)
        else:
            up = axis
            side = _reject(left, up)
            forward = _cross(side, up)
        azimuth = float(np.arctan2(side[2], forward[2])) * _DEG
        elevation = float(np.arcsin(_clip(up[2], -1.0, 1.0))) * _DEG
        return azimuth, elevation

    def seated(self, raw_az: float, cal: dict[str, Linear]) -> tuple[float, float]:
        """`placement._seated`: azimuth and elevation of a seated receiver."""
        mag, d_thigh, d_lines = self._seated_cues()
        mag = _clip(_lin(cal["azimuth"], mag), 0.0, 90.0)
        az = (180.0 - mag if abs(raw_az) > 90.0 else mag) * (-1.0 if raw_az < 0 else 1.0)
        rad = az * _RAD
        tan_e = d_thigh * float(np.cos(rad)) + d_lines * float(np.sin(rad))
        return az, _lin(cal["elevation"], float(np.arctan(tan_e)) * _DEG)

    def _seated_cues(self) -> tuple[float, float, float]:
        px, w = self.px, self.w
        ls, rs, lh, rh = px[L.LEFT_SHOULDER], px[L.RIGHT_SHOULDER], px[L.LEFT_HIP], px[L.RIGHT_HIP]
        kx = (ls[0] + rs[0]) / 2 - (lh[0] + rh[0]) / 2
        ky = (ls[1] + rs[1]) / 2 - (lh[1] + rh[1]) / 2
        k = math.sqrt(kx * kx + ky * ky)
        k = k / self._trunk_w()
        thighs, drops = [], []
        for hip, knee in ((L.LEFT_HIP, L.LEFT_KNEE), (L.RIGHT_HIP, L.RIGHT_KNEE)):
            length = _len3(w[hip], w[knee])
            ok = self.seen(L.MIN_VISIBILITY, hip, knee)
            thighs.append(_len2(px[hip], px[knee]) / length if ok else math.nan)
            drops.append((px[knee][1] - px[hip][1]) / length if ok else math.nan)
        thigh, drop = _mean_seen(*thighs), _mean_seen(*drops)
        lines_w = _len3(w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER]) + _len3(
            w[L.LEFT_HIP], w[L.RIGHT_HIP]
        )
        lines_px = _len2(ls, rs) + _len2(lh, rh)
        lines_drop = (ls[1] - rs[1] + lh[1]) - rh[1]
        ta = thigh / k
        a = ta * ta
        tb = lines_px / lines_w / k
        b = tb * tb
        az = 0.5 * (float(np.arccos(_clip(b - a, -1.0, 1.0))) * _DEG)
        return az, drop / k, lines_drop / lines_w / k

    def knee_azimuth(self, thr: float) -> float:
        """`placement.knee_azimuth`: the top knee's image cue (degrees, + toward the head)."""
        px, w = self.px, self.w
        top_left = px[L.LEFT_HIP][1] < px[L.RIGHT_HIP][1]
        hip_i, knee_i = (L.LEFT_HIP, L.LEFT_KNEE) if top_left else (L.RIGHT_HIP, L.RIGHT_KNEE)
        trunk = self.trunk_px()
        length = _norm(trunk)
        along = _dot(_sub(px[knee_i], px[hip_i]), trunk) / (length * length)
        thigh = _norm(_sub(w[hip_i], w[knee_i]))
        az = float(np.arctan2(-along, thigh / self._trunk_w())) * _DEG
        return az if self.seen(thr, hip_i, knee_i) else math.nan
