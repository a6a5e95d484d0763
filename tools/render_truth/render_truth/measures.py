"""True measures from 3D keypoints (world frame, metres, Z up). Conventions are in README.md.

Every function takes keypoints shaped (..., K, 3) indexed by body.KP and returns degrees
(or a ratio) shaped (...,). Left/right are the person's own sides.
"""

from __future__ import annotations

import numpy as np

from .body import KP

UP = np.array([0.0, 0.0, 1.0])


def _p(k: np.ndarray, name: str) -> np.ndarray:
    return k[..., KP[name], :]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unsigned angle between vectors, degrees in [0, 180]."""
    c = np.sum(_unit(a) * _unit(b), axis=-1)
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def mid(k: np.ndarray, a: str, b: str) -> np.ndarray:
    return (_p(k, a) + _p(k, b)) / 2


def trunk_vector(k: np.ndarray) -> np.ndarray:
    """hip-mid -> shoulder-mid."""
    return mid(k, "left_shoulder", "right_shoulder") - mid(k, "left_hip", "right_hip")


def trunk_incline_deg(k: np.ndarray) -> np.ndarray:
    """How far the trunk is from upright, unsigned, degrees in [0, 180]: 0 upright, 90 lying.
    (The app's `trunk_incline_deg` reads the same angle in the image.)"""
    t = trunk_vector(k)
    return _angle(t, np.broadcast_to(UP, t.shape))


def facing_horizontal(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pelvis's horizontal forward direction ((left hip - right hip) x up, unit) and its
    reliability (|cross| before normalising / |hip line|; ~0 when the hip line is vertical,
    as when lying on the side)."""
    h = _p(k, "left_hip") - _p(k, "right_hip")
    f = np.cross(h, np.broadcast_to(UP, h.shape))
    n = np.linalg.norm(f, axis=-1)
    rel = n / np.linalg.norm(h, axis=-1)
    return f / np.maximum(n, 1e-9)[..., None], rel


def trunk_lean_deg(k: np.ndarray) -> np.ndarray:
    """Sagittal lean of the trunk (hip-mid -> shoulder-mid) from vertical, degrees in (-180, 180]:
    0 = upright, + = shoulders behind the hips (leaning back, extension), - = leaning forward.
    atan2(-t.f, t.up) with f the pelvis's horizontal forward direction, so a sideways lean does not
    count. NaN when f is undefined (hip line within 30 deg of vertical: lying on the side)."""
    t = trunk_vector(k)
    f, rel = facing_horizontal(k)
    sagittal = np.degrees(np.arctan2(-np.sum(t * f, axis=-1), t[..., 2]))
    return np.where(rel > 0.5, sagittal, np.nan)


def shoulder_hip_twist_deg(k: np.ndarray) -> np.ndarray:
    """Signed angle from the hip line to the shoulder line, both projected on the plane normal to
    the trunk axis (hip-mid -> shoulder-mid), about that axis by the right-hand rule: + = shoulders
    turned counter-clockwise seen from the head (to the person's left) relative to the hips.
    Lines, not arrows: wrapped to (-90, 90], as the app's `shoulder_hip_twist_deg`."""
    a = _unit(trunk_vector(k))
    h = _p(k, "left_hip") - _p(k, "right_hip")
    s = _p(k, "left_shoulder") - _p(k, "right_shoulder")
    h = h - np.sum(h * a, -1, keepdims=True) * a
    s = s - np.sum(s * a, -1, keepdims=True) * a
    tw = np.degrees(np.arctan2(np.sum(np.cross(h, s) * a, -1), np.sum(h * s, -1)))
    return (tw + 90.0) % 180.0 - 90.0


def hip_flexion_deg(k: np.ndarray, side: str) -> np.ndarray:
    """Angle between the trunk continued downward (same-side shoulder -> hip) and the thigh
    (hip -> knee), [0, 180], 3D: 0 = standing straight, 90 = seated. Unsigned (extension reads +)."""
    hip = _p(k, f"{side}_hip")
    return _angle(hip - _p(k, f"{side}_shoulder"), _p(k, f"{side}_knee") - hip)


def knee_flexion_deg(k: np.ndarray, side: str) -> np.ndarray:
    """180 - angle(knee -> hip, knee -> ankle): 0 = straight."""
    knee = _p(k, f"{side}_knee")
    return 180.0 - _angle(_p(k, f"{side}_hip") - knee, _p(k, f"{side}_ankle") - knee)


def elbow_flexion_deg(k: np.ndarray, side: str) -> np.ndarray:
    """180 - angle(elbow -> shoulder, elbow -> wrist): 0 = straight."""
    e = _p(k, f"{side}_elbow")
    return 180.0 - _angle(_p(k, f"{side}_shoulder") - e, _p(k, f"{side}_wrist") - e)


def wrist_to_opposite_shoulder_ratio(k: np.ndarray) -> np.ndarray:
    """The larger, over both arms, of |wrist - opposite shoulder| / shoulder width (3D)."""
    w = np.linalg.norm(_p(k, "left_shoulder") - _p(k, "right_shoulder"), axis=-1)
    dl = np.linalg.norm(_p(k, "left_wrist") - _p(k, "right_shoulder"), axis=-1)
    dr = np.linalg.norm(_p(k, "right_wrist") - _p(k, "left_shoulder"), axis=-1)
    return np.maximum(dl, dr) / w


def chin_tuck_deg(k: np.ndarray) -> np.ndarray:
    """Angle of the ear-mid -> nose line below the plane square to the trunk axis, degrees:
    + = nose lower than the ears (chin toward the chest), a neutral head reads about 10-15,
    - = chin up. Same definition as the app's `chin_tuck_deg`, on the true 3D keypoints."""
    a = _unit(trunk_vector(k))
    head = _unit(_p(k, "nose") - mid(k, "left_ear", "right_ear"))
    return np.degrees(np.arcsin(np.clip(-np.sum(head * a, -1), -1.0, 1.0)))


def _image_trunk(uv: np.ndarray) -> np.ndarray:
    s = (uv[..., KP["left_shoulder"], :] + uv[..., KP["right_shoulder"], :]) / 2
    h = (uv[..., KP["left_hip"], :] + uv[..., KP["right_hip"], :]) / 2
    return s - h


def image_trunk_incline_deg(uv: np.ndarray) -> np.ndarray:
    """Unsigned angle of the projected trunk (hip-mid -> shoulder-mid, pixels, v down) from
    image-up, [0, 180]: what a 2D-only `trunk_incline_deg` reads with a perfect detector."""
    d = _image_trunk(uv)
    return np.degrees(np.arctan2(np.abs(d[..., 0]), -d[..., 1]))


def image_trunk_lean_deg(uv: np.ndarray, back_sign: float) -> np.ndarray:
    """Signed angle of the projected trunk from image-up, degrees: + when the shoulders are
    displaced toward the side of the image that the person's back faces (`back_sign` = +1 when
    the back faces image-right, -1 image-left). What a 2D-only `trunk_lean_deg` reads."""
    d = _image_trunk(uv)
    return np.degrees(np.arctan2(back_sign * d[..., 0], -d[..., 1]))
