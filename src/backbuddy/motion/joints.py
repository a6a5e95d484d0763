"""Joint angles in world landmarks (hip, knee, elbow flexion) and the top/bottom leg when lying.

Angles between body segments use world landmarks (metres, 3D) so they do not depend
on the camera's angle to the body. Conventions: 0 = the two segments in line,
degrees in [0, 180], unsigned. NaN where a landmark is not seen.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backbuddy.motion import angles_one
from backbuddy.motion import landmarks as L
from backbuddy.motion.geometry import (
    angle_between,
    gated,
    mid,
    pair_seen,
    seen,
    torso_seen,
    trunk_px,
    world,
)
from backbuddy.motion.landmarks import MIN_VISIBILITY, FloatArray, Landmarks

#: Hips closer than this (in trunk lengths, in the image) cannot tell top from bottom.
TOP_SIDE_MIN_SPAN = 0.15


def joint_flexion(lm: Landmarks, a: int, b: int, c: int, min_visibility: float) -> FloatArray:
    """Flexion at joint b: 0 when a→b and b→c are in line, degrees in [0, 180], world."""
    w = world(lm)
    flexion = angle_between(w[:, b] - w[:, a], w[:, c] - w[:, b])
    return gated(flexion, seen(lm, min_visibility, a, b, c))


_SIDES = {
    "left": (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    "right": (
        L.RIGHT_SHOULDER,
        L.RIGHT_ELBOW,
        L.RIGHT_WRIST,
        L.RIGHT_HIP,
        L.RIGHT_KNEE,
        L.RIGHT_ANKLE,
    ),
}


def hip_flexion_deg(lm: Landmarks, side: str, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """Hip flexion, degrees in [0, 180], unsigned, world landmarks.

    Angle between the trunk continued downward (shoulder → hip, same side) and the
    thigh (hip → knee): 0 = standing straight, 90 = thigh at a right angle to the
    torso. A thigh behind the trunk line (extension) also reads positive.
    """
    shoulder, _, _, hip, knee, _ = _SIDES[side]
    return joint_flexion(lm, shoulder, hip, knee, min_visibility)


def knee_flexion_deg(
    lm: Landmarks, side: str, min_visibility: float = MIN_VISIBILITY
) -> FloatArray:
    """Knee flexion, degrees in [0, 180], world: 0 = straight leg, 90 = right angle."""
    _, _, _, hip, knee, ankle = _SIDES[side]
    return joint_flexion(lm, hip, knee, ankle, min_visibility)


def elbow_flexion_deg(
    lm: Landmarks, side: str, min_visibility: float = MIN_VISIBILITY
) -> FloatArray:
    """Elbow flexion, degrees in [0, 180], world: 0 = straight arm."""
    shoulder, elbow, wrist, *_ = _SIDES[side]
    return joint_flexion(lm, shoulder, elbow, wrist, min_visibility)


def top_side(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """For a receiver lying on the side: +1 if the left hip is on top, -1 if the right, else NaN.

    "On top" = higher in the frame. Defined only when the hip line is more vertical
    than horizontal in the image (the pelvis is on its side) and the hips are at least
    `TOP_SIDE_MIN_SPAN` trunk lengths apart (not one behind the other).
    """
    px = lm.pixels()
    dx = px[:, L.RIGHT_HIP, 0] - px[:, L.LEFT_HIP, 0]
    dy = px[:, L.RIGHT_HIP, 1] - px[:, L.LEFT_HIP, 1]
    span = np.hypot(dx, dy) >= TOP_SIDE_MIN_SPAN * np.linalg.norm(trunk_px(lm), axis=1)
    side = np.where((np.abs(dy) > np.abs(dx)) & span, np.sign(dy), np.nan)
    return gated(side, pair_seen(lm, min_visibility, L.LEFT_HIP, L.RIGHT_HIP))


def _by_top_side(lm: Landmarks, fn: Callable[..., FloatArray], top: bool, thr: float) -> FloatArray:
    side = top_side(lm, thr)
    left, right = fn(lm, "left", thr), fn(lm, "right", thr)
    want_left = side > 0 if top else side < 0
    return np.where(np.isnan(side), np.nan, np.where(want_left, left, right))


def top_hip_flexion_deg(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """`hip_flexion_deg` of the upper leg when lying on the side (see `top_side`)."""
    return _by_top_side(lm, hip_flexion_deg, True, min_visibility)


def bottom_knee_flexion_deg(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """`knee_flexion_deg` of the lower leg when lying on the side (see `top_side`)."""
    return _by_top_side(lm, knee_flexion_deg, False, min_visibility)


#: Twist (°) per trunk length the top ankle drops in the image against its still reference
#: (`top_leg_drop`), across the trunk, from a front camera: fitted on the warm rendered truth
#: clips (tools/calibrate/measure.py; per clip 132–201 at the floor, the accepted placement, and
#: 178–253 at the low front and the table; one table jerk that MediaPipe lagged, 391). Set above
#: every floor fit, so the estimate errs toward reading the motion faster, never slower: at 220
#: (the top-hip reference's value) a floor jerk on the landscape page halted 3 frames late, at
#: 260 within 2 (docs/accuracy.md, "One ankle landmark").
LEG_DROP_TWIST_DEG = 260.0
#: The top leg's point followed: the ankle. With the knee bent at a right angle it is as far
#: forward of the rolling pelvis as the knee, and MediaPipe places it with about half the
#: knee's jitter on the truth clips (knee: jerks halted 3–6 frames late, a false halt).
LEG = (L.LEFT_ANKLE, L.RIGHT_ANKLE)


def top_leg_drop(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """How far the top ankle is below its still reference in the image, across the trunk, in
    trunk lengths.

    Image pixels: the component of reference → top ankle along the trunk's perpendicular that
    points down the frame, divided by the image trunk length. Lying on the side with the top
    knee pulled up toward a front camera, the pelvis rolling forward moves the bent leg down the
    frame: first order in the roll angle, where the shoulder–hip twist itself happens in depth.

    The reference is the midpoint of the top hip and the bottom ankle: two points a true twist
    leaves where they are (the pelvis rolls about the hips, the straight bottom leg lies on the
    mat), read by MediaPipe from the same lower body as the top ankle. On a phone's noisy or
    compressed picture MediaPipe's leg landmarks drift and jump *together* (top knee, ankle and
    heel by the same pixels; the bottom leg and hips with them): measured against the top hip
    alone that drift read as twist (false halts; docs/accuracy.md, "One ankle landmark"), against
    the two still points half of it cancels. NaN where the top hip, the top ankle or the bottom
    ankle is not seen.
    """
    px = lm.pixels()
    side = top_side(lm, min_visibility)
    top_left = (side > 0)[:, None]
    hip = np.where(top_left, px[:, L.LEFT_HIP], px[:, L.RIGHT_HIP])
    leg = np.where(top_left, px[:, LEG[0]], px[:, LEG[1]])
    bottom = np.where(top_left, px[:, LEG[1]], px[:, LEG[0]])
    reference = (hip + bottom) / 2
    trunk = trunk_px(lm)
    length = np.linalg.norm(trunk, axis=1)
    with np.errstate(invalid="ignore"):  # a zero trunk length reads NaN, as meant
        perp = np.stack([-trunk[:, 1], trunk[:, 0]], axis=1) / length[:, None]
    perp *= np.where(perp[:, 1] < 0, -1.0, 1.0)[:, None]  # pointing down the frame
    drop = np.einsum("ij,ij->i", leg - reference, perp) / length
    leg_seen = np.where(
        side > 0,
        seen(lm, min_visibility, L.LEFT_HIP, LEG[0], LEG[1]),
        seen(lm, min_visibility, L.RIGHT_HIP, LEG[1], LEG[0]),
    )
    return np.where(np.isnan(side) | ~leg_seen, np.nan, drop)


def leg_drop_twist_deg(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """The side-lying twist as a front camera sees it: `top_leg_drop` × `LEG_DROP_TWIST_DEG`.

    Degrees of shoulder–hip twist, + = more twist (the bent top leg toward the floor);
    meaningful as a change from its baseline (the rest position reads some tens of degrees).
    Calibrated for the front camera only: from above or from the feet the leg's drop is in
    depth again. It sees the pelvis's half of the twist only: a shoulder turned back alone
    does not show.
    """
    return top_leg_drop(lm, min_visibility) * LEG_DROP_TWIST_DEG


def elbow_drop(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """How far her elbows hang below her shoulders, in trunk lengths along the trunk (world
    landmarks; the larger of the two elbows seen, NaN where none is or the torso is not).

    Why the elbows: under the assistant's hold her wrists are dim or drawn on his arms
    (`arms_cover`), while her elbows stay seen (visibility 0.79-0.99 on the two-person hug
    clips). Crossed arms hold the elbows up at the chest, hanging ones let them down to the
    waist. The value itself differs by view and body (crossed 0.24-0.49, hanging 0.46-0.65
    over the hug's two-person clips), so it is read only against her own reading with her
    alone (`checks.cover`). One frame (a live session's) is read on floats (`angles_one`)."""
    if len(lm) == 1:
        try:
            return np.array([angles_one.elbow_drop(angles_one.One(lm), min_visibility)])
        except angles_one.ONE_FRAME_FAILS:  # a zero trunk: numpy's NaN, below
            pass
    w = world(lm)
    up = mid(w, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - mid(w, L.LEFT_HIP, L.RIGHT_HIP)
    trunk = np.linalg.norm(up, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # a zero trunk reads NaN, as meant
        up = up / trunk[:, None]
        left = ((w[:, L.LEFT_SHOULDER] - w[:, L.LEFT_ELBOW]) * up).sum(axis=1) / trunk
        right = ((w[:, L.RIGHT_SHOULDER] - w[:, L.RIGHT_ELBOW]) * up).sum(axis=1) / trunk
    torso = torso_seen(lm, min_visibility)
    both = np.stack(
        [
            gated(left, torso & seen(lm, min_visibility, L.LEFT_ELBOW)),
            gated(right, torso & seen(lm, min_visibility, L.RIGHT_ELBOW)),
        ],
        axis=1,
    )
    out = np.full(len(lm), np.nan)
    any_seen = np.isfinite(both).any(axis=1)
    out[any_seen] = np.nanmax(both[any_seen], axis=1)
    return out
