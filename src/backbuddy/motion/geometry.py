"""Small helpers shared by the measures: visibility gates, midpoints, angles between vectors."""

from __future__ import annotations

import numpy as np

from backbuddy.motion import landmarks as L
from backbuddy.motion.landmarks import BoolArray, FloatArray, Landmarks


def seen(lm: Landmarks, thr: float, *points: int) -> BoolArray:
    vis = lm.visibility()
    return np.asarray(np.all(vis[:, list(points)] >= thr, axis=1))


def pair_seen(lm: Landmarks, thr: float, left: int, right: int) -> BoolArray:
    vis = lm.visibility()
    return np.asarray((vis[:, left] + vis[:, right]) / 2 >= thr)


def torso_seen(lm: Landmarks, thr: float) -> BoolArray:
    return pair_seen(lm, thr, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) & pair_seen(
        lm, thr, L.LEFT_HIP, L.RIGHT_HIP
    )


def mid(xyz: FloatArray, left: int, right: int) -> FloatArray:
    return np.asarray((xyz[:, left] + xyz[:, right]) / 2)


def world(lm: Landmarks) -> FloatArray:
    """World x, y, z, float64 (the frames' one cached copy: read-only)."""
    return lm.world_xyz()


def angle_between(u: FloatArray, v: FloatArray) -> FloatArray:
    """Unsigned angle between row vectors, degrees in [0, 180]."""
    if u.shape[-1] == 3:
        cross = np.linalg.norm(np.cross(u, v), axis=-1)
    else:
        cross = np.abs(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0])
    return np.asarray(np.degrees(np.arctan2(cross, np.einsum("ij,ij->i", u, v))))


def gated(values: FloatArray, seen: BoolArray) -> FloatArray:
    return np.where(seen, values, np.nan)


def trunk_px(lm: Landmarks) -> FloatArray:
    """Hip-mid → shoulder-mid in pixels, shape (T, 2)."""
    px = lm.pixels()
    return mid(px, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - mid(px, L.LEFT_HIP, L.RIGHT_HIP)
