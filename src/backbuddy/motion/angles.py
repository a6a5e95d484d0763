"""Named measures: one convention and one range each, NaN wherever the landmarks are not seen.

Every function maps `Landmarks` (T frames) to a float64 array of shape (T,).
A measure is NaN on a frame where a landmark it needs has visibility below
`min_visibility` (left/right pairs are gated on their mean visibility, so a far
side flickering around the threshold cannot make the midpoint jump).

Coordinates: angles against the vertical use image pixels (the camera is level;
"up" is up the frame). Angles between body segments use world landmarks (metres,
3D), so they do not depend on the camera's angle to the body. Measures are
instantaneous; `kinematics` unwraps the signed ones over time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backbuddy.domain.errors import DefinitionError
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
from backbuddy.motion.joints import (
    bottom_knee_flexion_deg,
    elbow_flexion_deg,
    hip_flexion_deg,
    knee_flexion_deg,
    leg_drop_twist_deg,
    top_hip_flexion_deg,
)
from backbuddy.motion.landmarks import (
    MIN_VISIBILITY,
    WRIST_MIN_VISIBILITY,
    FloatArray,
    Landmarks,
)

Measure = Callable[[Landmarks, float], FloatArray]
#: Facing is known when the nose is this far (in trunk lengths) in front of the ears.
FACING_MIN_OFFSET = 0.1
#: Shortest shoulder and hip lines (in trunk lengths) whose angle is trusted; a shoulder
#: line is about 0.65 and a hip line about 0.4 trunk lengths in MediaPipe's world landmarks.
TWIST_MIN_LINE = (0.3, 0.2)


def trunk_incline_deg(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """How far the trunk is from upright, degrees in [0, 180], unsigned.

    The trunk is hip-mid → shoulder-mid in image pixels; 0 = upright, 90 = lying
    (horizontal in the frame), 180 = upside down. Assumes a level camera.
    """
    if len(lm) == 1:  # a live frame: on floats, bit for bit (angles_one)
        one = _one_frame("trunk_incline_deg", lm, min_visibility)
        if one is not None:
            return one
    trunk = trunk_px(lm)
    up = np.broadcast_to(np.array([0.0, -1.0]), trunk.shape)
    return gated(angle_between(trunk, up), torso_seen(lm, min_visibility))


def facing_sign(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """Which way the receiver faces in the frame: +1 image right, -1 image left, NaN unknown.

    Read from the nose's horizontal offset in front of the visible ear(s), which
    must exceed `FACING_MIN_OFFSET` trunk lengths (a side or oblique view); the
    last known facing is carried forward over frames that do not show it.
    """
    if len(lm) == 1:  # a live frame: on floats, bit for bit (angles_one)
        one = _one_frame("facing_sign", lm, min_visibility)
        if one is not None:
            return one
    px = lm.pixels()
    vis = lm.visibility()
    ears = np.stack([vis[:, L.LEFT_EAR], vis[:, L.RIGHT_EAR]], axis=1) >= min_visibility
    ear_x = np.stack([px[:, L.LEFT_EAR, 0], px[:, L.RIGHT_EAR, 0]], axis=1)
    n_ears = ears.sum(axis=1)
    mean_ear_x = np.where(ears, ear_x, 0.0).sum(axis=1) / np.maximum(n_ears, 1)
    offset = px[:, L.NOSE, 0] - mean_ear_x
    trunk_len = np.linalg.norm(trunk_px(lm), axis=1)
    sure = (vis[:, L.NOSE] >= min_visibility) & (n_ears > 0)
    sure &= np.abs(offset) >= FACING_MIN_OFFSET * trunk_len
    return carry_forward(np.where(sure, np.sign(offset), np.nan))


def _one_frame(name: str, lm: Landmarks, min_visibility: float) -> FloatArray | None:
    """Measure `name` on the one frame of `lm` by `angles_one`; None on a degenerate frame
    (a zero length), which the vectorised code then reads as numpy does."""
    from backbuddy.motion import angles_one

    try:
        value = getattr(angles_one, name)(angles_one.One(lm), min_visibility)
    except angles_one.ONE_FRAME_FAILS:
        return None
    return np.array([value])


def carry_forward(values: FloatArray) -> FloatArray:
    """Replace each NaN with the last finite value before it (leading NaNs stay NaN)."""
    idx = np.where(np.isfinite(values), np.arange(values.shape[0]), -1)
    last = np.maximum.accumulate(idx) if idx.size else idx
    out = np.where(last >= 0, values[np.maximum(last, 0)], np.nan)
    return np.asarray(out, dtype=np.float64)


def trunk_lean_deg(
    lm: Landmarks, min_visibility: float = MIN_VISIBILITY, facing: FloatArray | None = None
) -> FloatArray:
    """Sagittal lean of the trunk from vertical, degrees in (-180, 180].

    0 = upright; positive = shoulders behind the hips (leaning back, extension);
    negative = leaning forward. Needs a side or oblique view: the direction the
    receiver faces comes from `facing_sign` (or `facing`, when the caller carries it
    over from earlier frames); NaN until it is known.
    """
    trunk = trunk_px(lm)
    image_lean = np.degrees(np.arctan2(trunk[:, 0], -trunk[:, 1]))  # + = top toward image right
    side = facing_sign(lm, min_visibility) if facing is None else facing
    lean = -side * image_lean
    return gated(lean, torso_seen(lm, min_visibility))


def view_cos(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """How square the camera is to the chest: about the cosine of the view angle from the front.

    The shoulder line's image length over the image trunk length, divided by the same ratio
    in world landmarks (the body's own proportions): 1 from straight in front, 0 from the
    side. Measured on the rendered seated receivers: 0.94–1.13 at 0°, 0.71–0.88 at 45°,
    0.49–0.79 at 60°, 0.09–0.24 at 90°. NaN where the shoulders or hips are not seen.
    """
    if len(lm) == 1:  # a live frame: on floats, bit for bit (angles_one)
        one = _one_frame("view_cos", lm, min_visibility)
        if one is not None:
            return one
    px = lm.pixels()
    w = world(lm)
    w_axis = mid(w, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - mid(w, L.LEFT_HIP, L.RIGHT_HIP)
    with np.errstate(invalid="ignore"):  # zero lengths (points at one place): NaN, as meant
        image = np.linalg.norm(
            px[:, L.RIGHT_SHOULDER] - px[:, L.LEFT_SHOULDER], axis=1
        ) / np.linalg.norm(trunk_px(lm), axis=1)
        body = np.linalg.norm(
            w[:, L.RIGHT_SHOULDER] - w[:, L.LEFT_SHOULDER], axis=1
        ) / np.linalg.norm(w_axis, axis=1)
        return gated(image / body, torso_seen(lm, min_visibility))


def view_gain(cos: float) -> float:
    """1 / sine of the view angle for a `view_cos` reading, at most 1 / `MIN_VIEW_SIN`."""
    if not np.isfinite(cos):
        return 1.0 / MIN_VIEW_SIN
    sin = float(np.sqrt(max(0.0, 1.0 - min(cos, 1.0) ** 2)))
    return 1.0 / max(sin, MIN_VIEW_SIN)


def view_gains(cos: FloatArray) -> FloatArray:
    """`view_gain` of each reading, NaN (no view read yet) giving 1. The monitor's readings
    are the view's median, which changes only when the view is read again: each distinct one
    is computed once (Python's `**`, whose rounding numpy's power does not share)."""
    if len(cos) < 8:  # a live frame: sorting out the distinct ones costs more
        return np.array([view_gain(c) if c == c else 1.0 for c in cos.tolist()], np.float64)
    values, inverse = np.unique(cos, return_inverse=True)
    gains = [view_gain(c) if c == c else 1.0 for c in values.tolist()]
    return np.asarray(gains, np.float64)[inverse.reshape(-1)]


def shoulder_hip_twist_deg(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """Rotation of the shoulder line against the hip line about the trunk, degrees in (-90, 90].

    World landmarks. Both lines are projected onto the plane across the trunk axis
    (hip-mid → shoulder-mid) and compared as lines, not arrows, so a left/right
    label swap of either half of the body cannot read as a half turn. 0 = shoulders
    square over the hips; positive = shoulders turned counter-clockwise seen from the
    head looking down the trunk. NaN when either projected line is shorter than
    `TWIST_MIN_LINE` trunk lengths (seen edge-on, or half-way through a swap).

    Caution, measured on rendered receivers lying on the side with the camera in front
    (the technique's advice): the twist happens in depth, which MediaPipe's world
    landmarks barely see; a true 10° turn read about 2.5° and a 50 °/s jerk 6 °/s.
    """
    w = world(lm)
    axis = mid(w, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - mid(w, L.LEFT_HIP, L.RIGHT_HIP)
    trunk = np.linalg.norm(axis, axis=1)
    axis /= trunk[:, None]
    shoulders = w[:, L.RIGHT_SHOULDER] - w[:, L.LEFT_SHOULDER]
    hips = w[:, L.RIGHT_HIP] - w[:, L.LEFT_HIP]
    shoulders = shoulders - np.einsum("ij,ij->i", shoulders, axis)[:, None] * axis
    hips = hips - np.einsum("ij,ij->i", hips, axis)[:, None] * axis
    sin = np.einsum("ij,ij->i", np.cross(hips, shoulders), axis)
    cos = np.einsum("ij,ij->i", hips, shoulders)
    twist = np.degrees(np.arctan2(sin, cos))
    twist = (twist + 90.0) % 180.0 - 90.0  # lines: 170° and -10° are the same twist
    long_enough = (np.linalg.norm(shoulders, axis=1) >= TWIST_MIN_LINE[0] * trunk) & (
        np.linalg.norm(hips, axis=1) >= TWIST_MIN_LINE[1] * trunk
    )
    return gated(twist, torso_seen(lm, min_visibility) & long_enough)


def wrist_to_opposite_shoulder_ratio(
    lm: Landmarks, min_visibility: float = MIN_VISIBILITY
) -> FloatArray:
    """How far the hands are from the opposite shoulders, in shoulder widths (ratio ≥ 0), world.

    For each visible wrist, its distance to the other side's shoulder divided by the
    shoulder width; the larger of the two when both wrists are seen (both hands must
    be there), the one seen otherwise. On rendered receivers with known poses, hands
    on the opposite shoulders read 0.4–0.75 from the side or three-quarter view and
    0.9–1.06 from the front (MediaPipe misjudges the far arm's depth); arms hanging
    read 1.8 (true values 0.37–0.5 and 1.84). A wrist counts from `WRIST_MIN_VISIBILITY` (0.3),
    the shoulders from `min_visibility`.
    """
    if len(lm) == 1:  # a live frame: on floats, bit for bit (angles_one)
        one = _one_frame("wrist_to_opposite_shoulder_ratio", lm, min_visibility)
        if one is not None:
            return one
    w = world(lm)
    width = np.linalg.norm(w[:, L.RIGHT_SHOULDER] - w[:, L.LEFT_SHOULDER], axis=1)
    with np.errstate(invalid="ignore"):  # a zero shoulder width reads NaN, as meant
        left = np.linalg.norm(w[:, L.LEFT_WRIST] - w[:, L.RIGHT_SHOULDER], axis=1) / width
        right = np.linalg.norm(w[:, L.RIGHT_WRIST] - w[:, L.LEFT_SHOULDER], axis=1) / width
    shoulders = pair_seen(lm, min_visibility, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hands = min(min_visibility, WRIST_MIN_VISIBILITY)  # a dim wrist is placed right (its doc)
    left = gated(left, shoulders & seen(lm, hands, L.LEFT_WRIST))
    right = gated(right, shoulders & seen(lm, hands, L.RIGHT_WRIST))
    both = np.stack([left, right], axis=1)
    out = np.full(len(lm), np.nan)
    any_seen = np.isfinite(both).any(axis=1)
    out[any_seen] = np.nanmax(both[any_seen], axis=1)
    return out


def chin_tuck_deg(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """How far the chin is tucked, degrees in [-90, 90], world landmarks.

    Angle of the ear → nose line below the plane square to the trunk axis:
    positive = nose lower than the ears (chin toward the chest); a neutral head
    reads about 10–15; negative = chin up.
    """
    if len(lm) == 1:  # a live frame: on floats, bit for bit (angles_one)
        one = _one_frame("chin_tuck_deg", lm, min_visibility)
        if one is not None:
            return one
    w = world(lm)
    vis = lm.visibility()
    axis = mid(w, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - mid(w, L.LEFT_HIP, L.RIGHT_HIP)
    with np.errstate(invalid="ignore"):  # zero lengths (points at one place): NaN, as meant
        axis /= np.linalg.norm(axis, axis=1, keepdims=True)
    ears = np.stack([vis[:, L.LEFT_EAR], vis[:, L.RIGHT_EAR]], axis=1) >= min_visibility
    ear_xyz = np.stack([w[:, L.LEFT_EAR], w[:, L.RIGHT_EAR]], axis=1)
    n_ears = ears.sum(axis=1)
    ear = np.where(ears[:, :, None], ear_xyz, 0.0).sum(axis=1) / np.maximum(n_ears, 1)[:, None]
    head = w[:, L.NOSE] - ear
    with np.errstate(invalid="ignore"):
        head /= np.linalg.norm(head, axis=1, keepdims=True)
    tuck = np.degrees(np.arcsin(np.clip(-np.einsum("ij,ij->i", head, axis), -1.0, 1.0)))
    seen = torso_seen(lm, min_visibility) & (vis[:, L.NOSE] >= min_visibility) & (n_ears > 0)
    return gated(tuck, seen)


def _sided(fn: Callable[[Landmarks, str, float], FloatArray], side: str) -> Measure:
    def measure(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
        return fn(lm, side, min_visibility)

    measure.__doc__ = f"{fn.__name__} of the {side} side."
    return measure


MEASURES: dict[str, Measure] = {
    "trunk_incline_deg": trunk_incline_deg,
    "trunk_lean_deg": trunk_lean_deg,
    "shoulder_hip_twist_deg": shoulder_hip_twist_deg,
    "wrist_to_opposite_shoulder_ratio": wrist_to_opposite_shoulder_ratio,
    "chin_tuck_deg": chin_tuck_deg,
    "top_hip_flexion_deg": top_hip_flexion_deg,
    "bottom_knee_flexion_deg": bottom_knee_flexion_deg,
    "leg_drop_twist_deg": leg_drop_twist_deg,
    **{
        f"{side}_{joint}_flexion_deg": _sided(fn, side)
        for side in ("left", "right")
        for joint, fn in (
            ("hip", hip_flexion_deg),
            ("knee", knee_flexion_deg),
            ("elbow", elbow_flexion_deg),
        )
    },
}
#: Measures that are a change from the baseline of another measure: name → base measure.
RELATIVE: dict[str, str] = {
    "trunk_extension_deg": "trunk_lean_deg",
    "leg_twist_change_deg": "leg_drop_twist_deg",
}
#: Smallest sine of the view angle a sagittal angle is divided by (a view ≥ 37° from the
#: front); nearer the front the trunk's lean is not in the image and the gain stops growing.
MIN_VIEW_SIN = 0.6
#: Absolute measures whose change is a sagittal angle the image shows shrunk by the sine of
#: the camera's angle from the front: the monitor divides it out (`view_gain`).
SAGITTAL: frozenset[str] = frozenset({"trunk_lean_deg"})
#: Measures read from a short image distance, whose jitter is at least this (units): the
#: speed filter's noise floor for them (a 1-pixel step of the ankle is about 2–4° of twist;
#: raised further, jerks halted late: docs/accuracy.md, "One ankle landmark").
NOISE_FLOOR: dict[str, float] = {"leg_drop_twist_deg": 0.2}
#: Signed angles that can wrap at ±180 and are unwrapped over time.
PERIODIC: frozenset[str] = frozenset({"trunk_lean_deg"})


def base_measure(name: str) -> str:
    """The absolute measure behind `name` (itself unless it is a change from baseline)."""
    base = RELATIVE.get(name, name)
    if base not in MEASURES:
        known = ", ".join(sorted({*MEASURES, *RELATIVE}))
        raise DefinitionError(f"unknown measure {name!r}; known measures: {known}")
    return base


def compute(lm: Landmarks, name: str, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """The named absolute measure over all frames (see `MEASURES`)."""
    return MEASURES[base_measure(name)](lm, min_visibility)
