"""Measures a live session reads on every frame, for one frame on floats (issue 15).

`angles` computes each measure over T frames with numpy; on the live camera's one frame its
per-call cost is most of the work. These repeat the same arithmetic in the same order (numpy's
own arcsin and dot product where Python's `math` rounds differently), so every value is bit for
bit the vectorised one (`tests/unit/motion/test_angles_one.py`). Each takes the frame's pixels,
world points and visibilities as plain floats (`One`, converted once a frame).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from backbuddy.motion import landmarks as L
from backbuddy.motion.kinematics_one import ONE_FRAME_FAILS
from backbuddy.motion.landmarks import Landmarks

Vec = tuple[float, ...]
_DEG = 180.0 / math.pi
#: As `angles.FACING_MIN_OFFSET` (imported from there would be a cycle).
FACING_MIN_OFFSET = 0.1
__all__ = ["ONE_FRAME_FAILS", "One"]


class One:
    """One frame's landmarks as floats: pixels (x, y), world (x, y, z), visibility."""

    def __init__(self, lm: Landmarks) -> None:
        # converted once a frame, shared by every measure and the view (read-only)
        self.px, self.w, self.vis = lm.frame_floats()

    def pair_seen(self, thr: float, left: int, right: int) -> bool:
        return (self.vis[left] + self.vis[right]) / 2 >= thr

    def torso_seen(self, thr: float) -> bool:
        return self.pair_seen(thr, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) and self.pair_seen(
            thr, L.LEFT_HIP, L.RIGHT_HIP
        )

    def trunk_w(self) -> tuple[float, float, float]:
        """Hip-mid → shoulder-mid in world points."""
        w = self.w
        ls, rs, lh, rh = w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER], w[L.LEFT_HIP], w[L.RIGHT_HIP]
        return (
            (ls[0] + rs[0]) / 2 - (lh[0] + rh[0]) / 2,
            (ls[1] + rs[1]) / 2 - (lh[1] + rh[1]) / 2,
            (ls[2] + rs[2]) / 2 - (lh[2] + rh[2]) / 2,
        )

    def trunk_px(self) -> tuple[float, float]:
        px = self.px
        ls, rs = px[L.LEFT_SHOULDER], px[L.RIGHT_SHOULDER]
        lh, rh = px[L.LEFT_HIP], px[L.RIGHT_HIP]
        return (
            (ls[0] + rs[0]) / 2 - (lh[0] + rh[0]) / 2,
            (ls[1] + rs[1]) / 2 - (lh[1] + rh[1]) / 2,
        )


def _norm(v: Vec) -> float:
    """`np.linalg.norm` of a short vector (its sum runs left to right)."""
    total = v[0] * v[0]
    for c in v[1:]:
        total = total + c * c
    return math.sqrt(total)


def _dot(u: Vec, v: Vec) -> float:
    """As `np.einsum` sums it."""
    return float(np.einsum("i,i->", np.array(u), np.array(v)))


def _sign(x: float) -> float:
    """`np.sign`: 1, -1, 0 (for either zero), NaN for NaN."""
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return 0.0 if x == 0 else x


def facing_sign(f: One, thr: float) -> float:
    """`angles.facing_sign` on one frame (before carrying a facing forward)."""
    px, vis = f.px, f.vis
    left, right = vis[L.LEFT_EAR] >= thr, vis[L.RIGHT_EAR] >= thr
    n_ears = int(left) + int(right)
    ears_x = (px[L.LEFT_EAR][0] if left else 0.0) + (px[L.RIGHT_EAR][0] if right else 0.0)
    mean_ear_x = ears_x / max(n_ears, 1)
    offset = px[L.NOSE][0] - mean_ear_x
    trunk_len = _norm(f.trunk_px())
    sure = vis[L.NOSE] >= thr and n_ears > 0 and abs(offset) >= FACING_MIN_OFFSET * trunk_len
    return _sign(offset) if sure else math.nan


def trunk_incline_deg(f: One, thr: float) -> float:
    """`angles.trunk_incline_deg` on one frame: the trunk's angle from image-up."""
    trunk = f.trunk_px()
    cross = abs(trunk[0] * -1.0 - trunk[1] * 0.0)
    dot = float(np.einsum("i,i->", np.array(trunk), np.array((0.0, -1.0))))
    angle = float(np.arctan2(cross, dot)) * _DEG
    return angle if f.torso_seen(thr) else math.nan


def chin_tuck_deg(f: One, thr: float) -> float:
    """`angles.chin_tuck_deg` on one frame."""
    w, vis = f.w, f.vis
    ax, ay, az = f.trunk_w()
    n = math.sqrt(ax * ax + ay * ay + az * az)
    axis = (ax / n, ay / n, az / n)
    left, right = vis[L.LEFT_EAR] >= thr, vis[L.RIGHT_EAR] >= thr
    n_ears = int(left) + int(right)
    le, re, nose = w[L.LEFT_EAR], w[L.RIGHT_EAR], w[L.NOSE]
    k = max(n_ears, 1)
    ear = (
        ((le[0] if left else 0.0) + (re[0] if right else 0.0)) / k,
        ((le[1] if left else 0.0) + (re[1] if right else 0.0)) / k,
        ((le[2] if left else 0.0) + (re[2] if right else 0.0)) / k,
    )
    hx, hy, hz = nose[0] - ear[0], nose[1] - ear[1], nose[2] - ear[2]
    n = math.sqrt(hx * hx + hy * hy + hz * hz)
    head = (hx / n, hy / n, hz / n)
    tuck = float(np.arcsin(min(max(-_dot(head, axis), -1.0), 1.0))) * _DEG
    seen = f.torso_seen(thr) and vis[L.NOSE] >= thr and n_ears > 0
    return tuck if seen else math.nan


def _len3(a: list[float], b: list[float]) -> float:
    """`_norm` of a − b (3-vectors), written out."""
    x, y, z = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return math.sqrt(x * x + y * y + z * z)


def wrist_to_opposite_shoulder_ratio(f: One, thr: float) -> float:
    """`angles.wrist_to_opposite_shoulder_ratio` on one frame."""
    w, vis = f.w, f.vis
    ls, rs = w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER]
    width = _len3(rs, ls)
    shoulders = f.pair_seen(thr, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    left = _len3(w[L.LEFT_WRIST], rs) / width
    right = _len3(w[L.RIGHT_WRIST], ls) / width
    hands = min(thr, L.WRIST_MIN_VISIBILITY)
    left = left if shoulders and vis[L.LEFT_WRIST] >= hands else math.nan
    right = right if shoulders and vis[L.RIGHT_WRIST] >= hands else math.nan
    seen = [v for v in (left, right) if not math.isnan(v)]
    return max(seen) if seen else math.nan


def view_cos(f: One, thr: float) -> float:
    """`angles.view_cos` on one frame: the shoulder line's image-to-world foreshortening."""
    px, w = f.px, f.w
    ls, rs = px[L.LEFT_SHOULDER], px[L.RIGHT_SHOULDER]
    x, y = rs[0] - ls[0], rs[1] - ls[1]
    image = math.sqrt(x * x + y * y) / _norm(f.trunk_px())
    ax, ay, az = f.trunk_w()
    body = _len3(w[L.RIGHT_SHOULDER], w[L.LEFT_SHOULDER]) / math.sqrt(ax * ax + ay * ay + az * az)
    return image / body if f.torso_seen(thr) else math.nan


def trunk_lean_deg(f: One, thr: float, side: float) -> float:
    """`angles.trunk_lean_deg` on one frame, the facing `side` given (as the monitor carries it)."""
    trunk = f.trunk_px()
    image_lean = float(np.arctan2(trunk[0], -trunk[1])) * _DEG
    lean = -side * image_lean
    return lean if f.torso_seen(thr) else math.nan


def elbow_drop(f: One, thr: float) -> float:
    """`joints.elbow_drop` on one frame: her elbows' drop below her shoulders along the trunk,
    in trunk lengths (world points; the larger of the two seen)."""
    w, vis = f.w, f.vis
    ax, ay, az = f.trunk_w()
    trunk = math.sqrt(ax * ax + ay * ay + az * az)
    ux, uy, uz = ax / trunk, ay / trunk, az / trunk
    torso = f.torso_seen(thr)
    drops = []
    for shoulder, elbow in ((L.LEFT_SHOULDER, L.LEFT_ELBOW), (L.RIGHT_SHOULDER, L.RIGHT_ELBOW)):
        s, e = w[shoulder], w[elbow]
        # the products summed left to right, as numpy's `sum` over three does
        drop = ((s[0] - e[0]) * ux + (s[1] - e[1]) * uy + (s[2] - e[2]) * uz) / trunk
        drops.append(drop if torso and vis[elbow] >= thr else math.nan)
    left, right = drops
    if not (math.isfinite(left) or math.isfinite(right)):
        return math.nan
    if left != left:  # `np.nanmax` of the two (NaN != NaN; the first of two equal)
        return right
    if right != right:
        return left
    return left if left >= right else right


#: The measures (and the facing) read here on one frame, by name.
ONE_FRAME: dict[str, Callable[[One, float], float]] = {
    "facing_sign": facing_sign,
    "trunk_incline_deg": trunk_incline_deg,
    "chin_tuck_deg": chin_tuck_deg,
    "wrist_to_opposite_shoulder_ratio": wrist_to_opposite_shoulder_ratio,
    "view_cos": view_cos,
    "elbow_drop": elbow_drop,
}
