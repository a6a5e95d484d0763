"""Where the camera is, relative to the receiver's body: azimuth and elevation from one still pose.

A measure read by the camera is only as good as the view it is read from (issue 12): the
hug's extension is invisible from straight in front, the side-lying twist's leg drop is in
depth from a shelf. This module estimates the view from the receiver's still set-up pose, so
the monitors can refuse a placement where the technique's measures were not shown valid.

Convention (degrees):

* azimuth: 0 = the camera straight in front of the receiver's chest, 90 = at the receiver's
  side, 180 = behind. Seated: + toward the receiver's left. Lying on the side: + toward the
  receiver's head, − toward the feet.
* elevation: 0 = the camera level with the body's middle, + = looking down on the receiver,
  − = looking up from below.

Cues (scaled orthographic camera; image pixels against MediaPipe's world landmarks, whose
segment *lengths* are the body's own proportions even where their depth is poor):

* seated: the trunk is vertical, the shoulder and hip lines and the thighs horizontal. With
  k = image trunk length / world trunk length (cos elevation), the squared foreshortening of the
  thighs A = (1 − cos²e·cos²az) / cos²e and of the shoulder+hip lines
  B = (1 − cos²e·sin²az) / cos²e give |azimuth| = ½·acos(B − A), whatever the elevation; which
  side and front/back come from the world landmarks' facing. Elevation from how far the near
  ends of those horizontal segments drop in the image: tan e ≈ D_thigh·cos az + D_lines·sin az.
* lying on the side: the world landmarks' own orientation (MediaPipe's world frame turns with
  the camera): the body's up is the top hip, its forward the chest's normal, its long axis the
  head direction. The azimuth averages that with an image cue (issue 12: the world cue read a
  camera 20° toward the head as 6–12°, among the front's readings): the bent top knee points
  at a front camera, so from a camera turned toward the head it shows toward the feet along
  the trunk by (thigh / trunk) · tan(azimuth); the thigh / trunk ratio from world lengths.
  It assumes the set-up's ~90° top hip (the check allows 70–110°: a hip bent 10° further
  from 90° reads as about 10° of azimuth, halved by the average).

Every cue is then mapped to degrees by a linear calibration fitted on the rendered truth clips
(`CALIBRATION`, refitted by `tools/calibrate/placement_fit.py`); their errors per clip are in
docs/accuracy.md. NaN wherever the torso (or, seated, a thigh) is not seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backbuddy.motion import landmarks as L
from backbuddy.motion.geometry import mid, seen, torso_seen, trunk_px, world
from backbuddy.motion.landmarks import MIN_VISIBILITY, BoolArray, FloatArray, Landmarks

#: A frame whose trunk leans more than this from image-up shows the receiver lying.
LYING_INCLINE_DEG = 45.0


@dataclass(frozen=True)
class Linear:
    """true ≈ slope · raw + offset (degrees)."""

    slope: float
    offset: float

    def __call__(self, raw: FloatArray) -> FloatArray:
        return np.asarray(self.slope * raw + self.offset)


#: Raw cue → degrees, per posture: fitted (least squares) on the still frames of the 2026-11-26
#: truth clips' correct set-ups by tools/calibrate/placement_fit.py --fit. Seated azimuth: the
#: foreshortening angle reads 20–28° from straight in front (the thighs slope and the elevation
#: adds) and 65–77° from the side. Lying: MediaPipe's world landmarks turn a lying body's up
#: about 26° toward the camera and shrink turns toward the head or feet.
CALIBRATION: dict[str, dict[str, Linear]] = {
    "seated": {"azimuth": Linear(1.63, -35.6), "elevation": Linear(0.87, 0.6)},
    "lying": {
        "azimuth": Linear(1.85, 7.3),
        "knee_azimuth": Linear(1.18, -1.6),
        "elevation": Linear(0.82, -17.0),
    },
}


IDENTITY = Linear(1.0, 0.0)


@dataclass(frozen=True)
class View:
    """Per-frame azimuth and elevation estimates (degrees, shape (T,); NaN = not seen)."""

    azimuth: FloatArray
    elevation: FloatArray
    lying: BoolArray


def _unit(v: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore"):  # a zero vector (points at one place): NaN, as meant
        return np.asarray(v / np.linalg.norm(v, axis=-1, keepdims=True))


def _reject(v: FloatArray, axis: FloatArray) -> FloatArray:
    return _unit(v - np.einsum("ij,ij->i", v, axis)[:, None] * axis)


def _length(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.asarray(np.linalg.norm(a - b, axis=-1))


def world_view(lm: Landmarks, lying: bool) -> tuple[FloatArray, FloatArray]:
    """Raw azimuth and elevation from the world landmarks' orientation (see the module doc).

    MediaPipe's world frame: x right, y down, z away from the camera; turned here to y up and
    z toward the camera, so the direction to the camera is +z.
    """
    # Only the shoulders and hips are read: turned alone, not all 33 points of every frame.
    ls, rs, lh, rh = 0, 1, 2, 3
    torso = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]
    w = world(lm)[:, torso] * np.array([1.0, -1.0, -1.0])
    axis = _unit(mid(w, ls, rs) - mid(w, lh, rh))
    left = (w[:, lh] - w[:, rh]) + (w[:, ls] - w[:, rs])
    if lying:
        up = _unit(left)
        px = lm.pixels()
        left_on_top = px[:, L.LEFT_HIP, 1] < px[:, L.RIGHT_HIP, 1]  # image y points down
        up = up * np.where(left_on_top, 1.0, -1.0)[:, None]
        forward = _reject(np.cross(_unit(left), axis), up)
        side = _reject(axis, up)  # toward the head
    else:
        up = axis
        side = _reject(left, up)  # toward the receiver's left
        forward = np.cross(side, up)
    azimuth = np.degrees(np.arctan2(side[:, 2], forward[:, 2]))
    elevation = np.degrees(np.arcsin(np.clip(up[:, 2], -1.0, 1.0)))
    return np.asarray(azimuth), np.asarray(elevation)


def _mean_seen(pair: list[FloatArray]) -> FloatArray:
    """Mean of the two sides where both are seen, the one seen otherwise, NaN if neither."""
    both = np.stack(pair)
    count = np.isfinite(both).sum(axis=0)
    total = np.nansum(both, axis=0)
    return np.asarray(np.where(count > 0, total / np.maximum(count, 1), np.nan))


def _seated_cues(lm: Landmarks) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Seated: foreshortening angle |az| (raw, 0–90), and the signed drops D_thigh, D_lines."""
    # zero lengths (every point at one place) read NaN, as meant: no warning
    with np.errstate(invalid="ignore"):
        px, w = lm.pixels(), world(lm)
        k = _length(mid(px, L.LEFT_SHOULDER, L.RIGHT_SHOULDER), mid(px, L.LEFT_HIP, L.RIGHT_HIP))
        k = k / _length(mid(w, L.LEFT_SHOULDER, L.RIGHT_SHOULDER), mid(w, L.LEFT_HIP, L.RIGHT_HIP))
        thighs = []
        drops = []
        for hip, knee in ((L.LEFT_HIP, L.LEFT_KNEE), (L.RIGHT_HIP, L.RIGHT_KNEE)):
            length = _length(w[:, hip], w[:, knee])
            ok = seen(lm, MIN_VISIBILITY, hip, knee)
            thighs.append(np.where(ok, _length(px[:, hip], px[:, knee]) / length, np.nan))
            drops.append(np.where(ok, (px[:, knee, 1] - px[:, hip, 1]) / length, np.nan))
        thigh, drop = _mean_seen(thighs), _mean_seen(drops)
        lines_w = _length(w[:, L.LEFT_SHOULDER], w[:, L.RIGHT_SHOULDER]) + _length(
            w[:, L.LEFT_HIP], w[:, L.RIGHT_HIP]
        )
        lines_px = _length(px[:, L.LEFT_SHOULDER], px[:, L.RIGHT_SHOULDER]) + _length(
            px[:, L.LEFT_HIP], px[:, L.RIGHT_HIP]
        )
        lines_drop = (
            px[:, L.LEFT_SHOULDER, 1] - px[:, L.RIGHT_SHOULDER, 1] + px[:, L.LEFT_HIP, 1]
        ) - px[:, L.RIGHT_HIP, 1]
        a = (thigh / k) ** 2
        b = (lines_px / lines_w / k) ** 2
        az = 0.5 * np.degrees(np.arccos(np.clip(b - a, -1.0, 1.0)))
        return np.asarray(az), np.asarray(drop / k), np.asarray(lines_drop / lines_w / k)


def _top(lm: Landmarks, left: int, right: int, top_left: BoolArray, xyz: FloatArray) -> FloatArray:
    return np.asarray(np.where(top_left[:, None], xyz[:, left], xyz[:, right]))


def knee_azimuth(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> FloatArray:
    """Lying: the raw azimuth from where the bent top knee shows along the trunk (module doc).

    Degrees, + toward the head; NaN where the top hip or knee is not seen.
    """
    px, w = lm.pixels(), world(lm)
    top_left = px[:, L.LEFT_HIP, 1] < px[:, L.RIGHT_HIP, 1]  # image y points down
    hip = _top(lm, L.LEFT_HIP, L.RIGHT_HIP, top_left, px)
    knee = _top(lm, L.LEFT_KNEE, L.RIGHT_KNEE, top_left, px)
    trunk = trunk_px(lm)
    length = np.linalg.norm(trunk, axis=1)
    with np.errstate(invalid="ignore"):  # a zero trunk length reads NaN, as meant
        along = np.einsum("ij,ij->i", knee - hip, trunk) / length**2  # image trunk lengths
    w_trunk = _length(mid(w, L.LEFT_SHOULDER, L.RIGHT_SHOULDER), mid(w, L.LEFT_HIP, L.RIGHT_HIP))
    thigh = _length(
        _top(lm, L.LEFT_HIP, L.RIGHT_HIP, top_left, w),
        _top(lm, L.LEFT_KNEE, L.RIGHT_KNEE, top_left, w),
    )
    with np.errstate(invalid="ignore"):
        az = np.degrees(np.arctan2(-along, thigh / w_trunk))
    ok = np.where(
        top_left,
        seen(lm, min_visibility, L.LEFT_HIP, L.LEFT_KNEE),
        seen(lm, min_visibility, L.RIGHT_HIP, L.RIGHT_KNEE),
    )
    return np.asarray(np.where(ok, az, np.nan))


def estimate_view(
    lm: Landmarks,
    lying: bool | None = None,
    min_visibility: float = MIN_VISIBILITY,
    calibration: dict[str, dict[str, Linear]] | None = None,
) -> View:
    """Per-frame camera azimuth and elevation relative to the body (module doc: convention).

    `lying` None decides the posture frame by frame (the trunk's image angle from upright
    above `LYING_INCLINE_DEG`), so a clip read whole and frame by frame give the same numbers;
    `calibration` replaces `CALIBRATION` (the fitting tool passes identity maps).
    """
    if len(lm) == 1 and lying is None and calibration is None:  # a live frame: on floats
        from backbuddy.motion.kinematics_one import ONE_FRAME_FAILS
        from backbuddy.motion.placement_one import estimate_view_one

        try:
            az1, el1, lying1 = estimate_view_one(lm, min_visibility)
            return View(np.array([az1]), np.array([el1]), np.array([lying1]))
        except ONE_FRAME_FAILS:
            pass  # a degenerate frame (a zero length): numpy's NaN below
    cal = calibration or CALIBRATION
    gate = torso_seen(lm, min_visibility)
    if lying is None:
        trunk = trunk_px(lm)
        per_frame = np.degrees(np.arctan2(np.abs(trunk[:, 0]), -trunk[:, 1])) > LYING_INCLINE_DEG
    else:
        per_frame = np.full(len(lm), lying)
    # Each frame is read on its own: only the posture(s) present are computed (a live camera
    # sends one frame at a time, seated or lying).
    all_lying = per_frame.size > 0 and bool(per_frame.all())
    if not all_lying:
        raw_az, _ = world_view(lm, lying=False)
        az, el = _seated(lm, raw_az, cal["seated"])
    if per_frame.any():
        raw_az_l, raw_el_l = world_view(lm, lying=True)
        lying_az = _mean_seen(
            [
                cal["lying"]["azimuth"](raw_az_l),
                cal["lying"].get("knee_azimuth", IDENTITY)(knee_azimuth(lm, min_visibility)),
            ]
        )
        lying_el = cal["lying"]["elevation"](raw_el_l)
        if all_lying:
            az, el = lying_az, lying_el
        else:
            az, el = np.where(per_frame, lying_az, az), np.where(per_frame, lying_el, el)
    az = np.where(gate, (az + 180.0) % 360.0 - 180.0, np.nan)
    return View(np.asarray(az), np.where(gate, el, np.nan), per_frame)


def _seated(
    lm: Landmarks, raw_az: FloatArray, cal: dict[str, Linear]
) -> tuple[FloatArray, FloatArray]:
    """Seated azimuth (magnitude from foreshortening, side and front/back from the world
    landmarks) and elevation (from the near ends' drop)."""
    mag, d_thigh, d_lines = _seated_cues(lm)
    mag = np.clip(cal["azimuth"](mag), 0.0, 90.0)
    behind = np.abs(raw_az) > 90.0
    az = np.where(behind, 180.0 - mag, mag) * np.where(raw_az < 0, -1.0, 1.0)
    rad = np.radians(az)
    # the near end of a horizontal segment drops in the image as the camera looks down
    tan_e = d_thigh * np.cos(rad) + d_lines * np.sin(rad)
    return np.asarray(az), cal["elevation"](np.degrees(np.arctan(tan_e)))


def summary(view: View) -> tuple[float, float] | None:
    """The median azimuth and elevation over the frames that have them, or None."""
    ok = np.isfinite(view.azimuth) & np.isfinite(view.elevation)
    if not ok.any():
        return None
    return float(np.median(view.azimuth[ok])), float(np.median(view.elevation[ok]))
