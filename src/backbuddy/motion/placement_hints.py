"""The placement gate's words and pictures: what the pair should change when the camera is not
where the technique's measures were shown valid, or its video is not good enough
(`placement_gate` judges; this module only says it)."""

from __future__ import annotations

import math

from backbuddy.domain.techniques import RATE_TOLERANCE, PlacementRegion, VideoNeeds
from backbuddy.motion.placement_gate import ENTER_MARGIN_DEG, large_enough, top_side_of

#: The hint when the truth run found no placement where the technique's measures hold.
NONE_VALID = (
    "From no camera placement tested so far can the camera follow this movement reliably, "
    "so the movement will not start with the camera watching."
)


#: The hint when the receiver lies on the side the region does not hold for.
OTHER_SIDE = (
    "Lie on your {side} side, facing the camera: the camera has been shown to follow this "
    "movement only that way round so far."
)


#: The hint when the gate shuts on readings that moved while the camera did not: it had been open
#: since the camera was last seen to move (`GateTrace.opened`), so the camera is where it was
#: accepted, and moving it would only move it from there (session 24: the assistant kneeling
#: in contact drifted the view read from her landmarks 7° to 8° in 2 s, the camera still; the
#: words asked to move it toward her head and raise it). `{pose}`: "lie" or "sit".
UNMOVED = (
    "The camera seems not to have moved, but its reading of the receiver has: leave the camera "
    "where it is, {pose} as at the start and hold still. With the assistant's hands on the "
    "receiver, the camera may not read them well enough to follow this movement."
)


#: The hint when the gate has no view read with the receiver apart since the camera last moved
#: and her shoulders or hips lie at the assistant's body (`VideoNeeds.view_read_alone`): his
#: hands on her move the view read from her, so it is read only with her apart (session 25).
LET_GO = (
    "The camera reads where it stands from the receiver alone: assistant, let go for a moment "
    "and move back, so the camera can see the receiver alone, then take hold again."
)


#: What each picture of the set-up page shows (static/img/camera-<kind>.svg): the change a hint
#: asks for, or `accepted` when the placement is one where the measures hold.
PICTURES = ("lower", "raise", "side", "forward", "toward_feet", "toward_head", "accepted")


#: The hint when the still receiver's measure jitters more than the technique allows.
UNSTEADY = (
    "The picture is too unsteady to read small movements: add light, hold the camera still "
    "(stand it on something firm), or move it closer to the receiver."
)


def video_hint(
    video: VideoNeeds,
    rate: float,
    landscape: bool,
    size: tuple[int, int] | None = None,
    jitter: float = math.nan,
) -> str | None:
    """What to change about the camera's picture or frame rate, in plain English; else None.
    `size`: the picture (width, height), for a technique that needs a large enough one;
    `jitter`: the still receiver's jitter of the primary measure (NaN: not known yet)."""
    if video.landscape and not landscape:
        return (
            "Turn the camera sideways, for a wide picture: lying down, the receiver is too "
            "small for the camera to follow in an upright one."
        )
    if size is not None and not large_enough(video, size):
        return (
            f"The camera's picture is {size[0]}×{size[1]} pixels; this technique needs at least "
            f"{video.min_short_side_px} on its shorter side for the camera to see the joints it "
            "checks. Choose a higher video resolution for the camera, or use another camera."
        )
    if video.min_fps > 0 and rate == rate and rate < video.min_fps * RATE_TOLERANCE:
        return (
            f"The camera sends about {round(rate)} pictures a second; this movement needs at "
            f"least {round(video.min_fps)} to be stopped in time. Add light (cameras slow down "
            "in the dark), close other apps on the phone, or use another camera."
        )
    if video.max_still_jitter_deg > 0 and jitter > video.max_still_jitter_deg:
        return UNSTEADY
    return None


def hint(
    region: PlacementRegion | None,
    estimate: tuple[float, float] | None,
    lying: bool,
    video: str | None = None,
    side: float = math.nan,
    opened: bool = False,
) -> str | None:
    """What to change, in plain English, when the estimate lies outside the region (after
    `video`, the picture's own hint, when there is one) or the receiver lies on the side the
    region does not hold for (`side`: `joints.top_side` as last seen); else None. `opened`:
    the gate has been open since the camera last moved (`hint_parts`)."""
    return _hint_of(hint_parts(region, estimate, lying, side, opened), video)


def _hint_of(parts: list[tuple[str, str]], video: str | None) -> str | None:
    place = " ".join(text for _, text in parts)
    return " ".join(p for p in (video, place) if p) or None


def _picture_of(parts: list[tuple[str, str]]) -> str | None:
    return parts[0][0] if parts and parts[0][0] in PICTURES else None


def hint_and_picture(
    region: PlacementRegion | None,
    estimate: tuple[float, float] | None,
    lying: bool,
    video: str | None = None,
    side: float = math.nan,
    opened: bool = False,
    covered: bool = False,
) -> tuple[str | None, str | None]:
    """(`hint`, `picture` of a gate not open) of one frame, its changes worked out once (a live
    frame asks for both)."""
    parts = hint_parts(region, estimate, lying, side, opened, covered)
    return _hint_of(parts, video), _picture_of(parts)


def picture(
    region: PlacementRegion | None,
    estimate: tuple[float, float] | None,
    lying: bool,
    ok: bool,
    side: float = math.nan,
    opened: bool = False,
) -> str | None:
    """The set-up page's picture for this hint: the first change asked for, `accepted` when the
    gate is open, None when nothing is known yet, no placement is valid or the camera is not to
    move (`UNMOVED`: no picture of a change, and not the tick, whose caption says the camera can
    follow the movement while the gate is shut) (`PICTURES`)."""
    if ok:
        return "accepted"
    return _picture_of(hint_parts(region, estimate, lying, side, opened))


def hint_parts(
    region: PlacementRegion | None,
    estimate: tuple[float, float] | None,
    lying: bool,
    side: float = math.nan,
    opened: bool = False,
    covered: bool = False,
) -> list[tuple[str, str]]:
    """The changes to ask for, each as (picture kind, words); empty when nothing is to change.

    `covered`: the receiver's view landmarks lie at the assistant's body on this frame and the
    view is read only with her apart (`GateTrace.covered`): with no view read yet (`estimate`
    None) the assistant is asked to let go for a moment (`LET_GO`), not to move the camera.

    `opened`: the gate has been open since the camera was last seen to move (`GateTrace.opened`).
    A view outside the region then moved with the body, not the camera: `UNMOVED` says so, in
    place of asking to move a camera that was where it was accepted.

    A reading inside the region by less than `ENTER_MARGIN_DEG` cannot open the gate either:
    there, each side it is too near is named (before, the gate stayed shut there and said
    nothing: the hug's high 45° placement reads at the region's edge). A reading outside is
    told only the sides it is outside of."""
    if region is not None and region.none_valid:
        return [("none_valid", NONE_VALID)]
    want = top_side_of(region)
    if want is not None and side == -want and region is not None:
        # the views read are of the other side's picture: only the side is worth saying
        return [("other_side", OTHER_SIDE.format(side=region.lying_side))]
    if estimate is None and covered and region is not None:
        return [("let_go", LET_GO)]
    if region is None or estimate is None or region.contains(*estimate, margin=ENTER_MARGIN_DEG):
        return []
    m = ENTER_MARGIN_DEG if region.contains(*estimate) else 0.0
    az, el = estimate
    parts = [] if _az_inside(region, az, m) else [_azimuth_hint(region, az, lying)]
    e_lo, e_hi = region.elevation_deg or (0.0, 0.0)
    if el > e_hi - m:
        parts.append(
            (
                "lower",
                "Move the camera lower: stand it on the floor in front of the receiver, facing "
                "their chest (a camera higher up cannot see a sudden twist in time)."
                if lying
                else "Move the camera lower, to about the seated receiver's chest height.",
            )
        )
    elif el < e_lo + m:
        parts.append(
            (
                "raise",
                "Raise the camera a little, to the height of the mat the receiver lies on, in "
                "front of them."
                if lying
                else "Raise the camera a little, to about the seated receiver's chest height.",
            )
        )
    if opened and parts:
        return [("unmoved", UNMOVED.format(pose="lie" if lying else "sit"))]
    return parts


def _five(deg: float) -> int:
    """Degrees rounded to 5, for people."""
    return int(5 * round(deg / 5))


def _az_inside(region: PlacementRegion, az: float, margin: float = 0.0) -> bool:
    lo, hi = region.azimuth_deg or (0.0, 0.0)
    return lo + margin <= (abs(az) if region.mirrored else az) <= hi - margin


def _azimuth_hint(region: PlacementRegion, az: float, lying: bool) -> tuple[str, str]:
    """Toward the region from the side of its middle the reading is on (outside the region, or
    inside it by less than the gate's entry margin)."""
    lo, hi = region.azimuth_deg or (0.0, 0.0)
    low = (abs(az) if region.mirrored else az) < (lo + hi) / 2
    if lying:
        if not low:
            return (
                "toward_feet",
                "Move the camera toward the receiver's feet, so it faces their chest.",
            )
        return (
            "toward_head",
            "Move the camera toward the receiver's head, so it faces their chest.",
        )
    if low:
        return (
            "side",
            "Move the camera further to the receiver's side (about "
            f"{_five(lo)} to {_five(hi)} degrees round from straight in front).",
        )
    return (
        "forward",
        "Move the camera further forward: to the receiver's side, a little in front, not behind.",
    )
