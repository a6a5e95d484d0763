"""Are the receiver's hands at the assistant? Then her arms cannot be read from the image.

In the Seated Hug the assistant's arms are around hers, hands on her forearms. With them in
contact, the pose model draws her arms from both people's: on the page her hanging near arm
was drawn bent across her chest, and no landmark measure told crossed arms from hanging
ones there (session 13, docs/accuracy.md "The arms check with the assistant's arms around
hers"). So a check read from her hands (`Check.read_alone`) is not read while a wrist of hers
lies near another person's drawn body: within `NEAR` of the limbs of the grey the two-person
step paints over everyone but the receiver (`grey_mask`). The verdict read with her apart
counts instead (`checks.cover`).

Why near, not on: on the server's two-person landmarks (session 13) both wrists lay *on* the
assistant's drawn limbs on 93-100 % of the crossed clips' frames, but not on the 2 s still
set-up before them (the same picture, his drawn limbs a few pixels elsewhere, his forearm
keypoints scored 0.29-0.30 against the 0.3 that draws them): 1.2-1.45 half-widths away. A
frame read there, his arms around hers, would have been taken as hers alone. Within two
half-widths: every frame of every clip where MoveNet finds him apart, set-up included, arms
crossed or hanging; the clips where it does not find him apart are read as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from backbuddy.motion import landmarks as L
from backbuddy.motion.grey_mask import EDGES, LIMB, OTHERS_SCALE
from backbuddy.motion.landmarks import BoolArray
from backbuddy.motion.people import MIN_SCORE

#: One other person as the two-person step found them: keypoints (17 × x, y, score) and box
#: (x0, y0, x1, y1), in pixels.
Person = tuple[NDArray[np.floating], NDArray[np.floating]]
#: Near: within this many of the grey's limb half-widths (`LIMB` × `OTHERS_SCALE` of the
#: person's box, long side) of someone else's drawn limbs.
NEAR = 2.0
#: Her landmarks that must all be away from everyone else for a frame to be read as hers
#: alone: wrists, elbows and shoulders.
ARMS = (
    L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_SHOULDER, L.RIGHT_SHOULDER
)  # fmt: skip


#: The bits of `ARMS` in a `near_mask` (bit k: landmark k).
ARMS_BITS = sum(1 << k for k in ARMS)
#: Every landmark's bit: a `near_mask` lies within this.
ALL_BITS = (1 << L.N_LANDMARKS) - 1


def bits(landmarks: Sequence[int]) -> int:
    """The `near_mask` bits of these landmarks."""
    return sum(1 << k for k in set(landmarks))


_A = np.array([a for a, _ in EDGES])
_B = np.array([b for _, b in EDGES])


def _distances(points: NDArray[np.float64], kp: NDArray[np.float64]) -> NDArray[np.float64]:
    """(P, E): each point's distance to each drawn edge of `kp` (inf where an end is unseen).
    One numpy pass: it runs on every landmarks message of the page path (issue 15's budget)."""
    a, b = kp[_A, :2], kp[_B, :2]
    ab = b - a
    ap = points[:, None, :] - a[None]
    t = np.clip((ap * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-9), 0.0, 1.0)
    d = np.hypot(*(ap - t[..., None] * ab).transpose(2, 0, 1))
    drawn = (kp[_A, 2] >= MIN_SCORE) & (kp[_B, 2] >= MIN_SCORE)
    return np.where(drawn[None], d, np.inf)


def near_body(points: NDArray[np.float64], person: Person, near: float = NEAR) -> bool:
    """Does any of `points` (P, 2; pixels) lie within `near` half-widths of the person's limbs
    as the grey mask draws them (1: on them)? Unseen (NaN) points lie near nobody."""
    kp = np.asarray(person[0], np.float64)
    box = np.asarray(person[1], np.float64)
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if not (pts.size and np.isfinite(box).all()):
        return False
    reach = near * LIMB * OTHERS_SCALE * float(max(box[2] - box[0], box[3] - box[1]))
    with np.errstate(invalid="ignore"):
        return bool((_distances(pts, kp) <= reach).any())


#: The landmarks each measure a `read_alone` check may use reads: always (both sides), and
#: (left, right) pairs read on the receiver's top side only (`joints.top_side`; both where it is
#: not known). The hug's arms check keeps the arms' rule (`ARMS`: the landmarks session 13 chose,
#: bit for bit); the side-lying top knee reads the angle at her top hip between her top
#: shoulder and top knee (`joints.hip_flexion_deg`, world landmarks); lying on the side reads
#: the trunk from the shoulders' and hips' midpoints.
READS: dict[str, tuple[tuple[int, ...], tuple[tuple[int, int], ...]]] = {
    "wrist_to_opposite_shoulder_ratio": (ARMS, ()),
    "top_hip_flexion_deg": (
        (),
        (
            (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
            (L.LEFT_HIP, L.RIGHT_HIP),
            (L.LEFT_KNEE, L.RIGHT_KNEE),
        ),
    ),
    "trunk_incline_deg": ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP), ()),
}
#: The landmarks the placement gate's view is read from (`placement.estimate_view`: the
#: shoulders' and hips' widths and positions), for `VideoNeeds.view_read_alone`.
VIEW = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
VIEW_BITS = sum(1 << k for k in VIEW)


def reads_bits(measure: str) -> tuple[int, int, int]:
    """(bits read always, bits read with the left side on top, with the right side on top) of a
    measure in `READS` (a check read with her apart needs one: `KeyError` names it)."""
    if measure not in READS:
        raise KeyError(
            f"a read_alone check's measure {measure!r} has no landmarks listed in "
            "motion.arms_cover.READS: add the landmarks it reads there"
        )
    both, sided = READS[measure]
    left = bits([a for a, _ in sided])
    right = bits([b for _, b in sided])
    return bits(both), left, right


def covered_by(
    near: NDArray[np.int64], side: NDArray[np.floating] | None, plan: tuple[int, int, int]
) -> BoolArray:
    """Per frame: does one of the landmarks of `plan` (`reads_bits`) lie near someone else's
    body (`near`: `Landmarks.near` bit masks)? `side`: `joints.top_side` per frame (+1 left on
    top, −1 right, NaN not known: both sides count); None where no side is read."""
    both, left, right = plan
    if not (left or right) or side is None:
        mask = np.full(near.shape, both | left | right, np.int64)
    else:
        mask = np.where(
            side > 0, both | left, np.where(side < 0, both | right, both | left | right)
        )
    return np.asarray((near & mask) != 0)


#: The landmarks `near_mask` looks at: every one `READS` or `VIEW` names (a landmarks message
#: of the page path pays for each: issue 15's budget).
WATCHED = np.array(
    sorted(
        {k for both, sided in READS.values() for k in (*both, *(j for p in sided for j in p))}
        | set(VIEW)
    )
)


def near_mask(image_px: NDArray[np.floating], others: Sequence[Person]) -> int:
    """Which of the receiver's `WATCHED` landmarks (MediaPipe image landmarks, pixels) lie near
    someone else's drawn body (`near_body`'s rule, point by point): bit k set for landmark k.
    Its `ARMS_BITS` are set exactly where `wrists_covered` says True (the same distances and
    reach); a check read with her apart is covered where its own landmarks' bits are
    (`covered_by`)."""
    if not others:
        return 0
    pts = np.asarray(image_px, np.float64)[WATCHED, :2]
    near = np.zeros(pts.shape[0], bool)
    for kp_, box_ in others:
        kp = np.asarray(kp_, np.float64)
        box = np.asarray(box_, np.float64)
        if not np.isfinite(box).all():
            continue
        reach = NEAR * LIMB * OTHERS_SCALE * float(max(box[2] - box[0], box[3] - box[1]))
        with np.errstate(invalid="ignore"):
            near |= (_distances(pts, kp) <= reach).any(axis=1)
    near &= np.isfinite(pts).all(axis=1)
    return sum(1 << int(k) for k in WATCHED[near].tolist())


def wrists_covered(image_px: NDArray[np.floating], others: Sequence[Person]) -> bool:
    """Does a wrist, elbow or shoulder of the receiver's (MediaPipe image landmarks, pixels) lie
    near someone else's drawn body? Any of them: a frame is read as hers alone only when none
    does."""
    if not others:
        return False
    points = np.asarray(image_px, np.float64)[list(ARMS), :2]
    return any(near_body(points, o) for o in others)
