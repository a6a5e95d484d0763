"""The grey laid over everyone but the receiver on her crop (`ReceiverPose`'s picture).

MediaPipe's person detector starts from a face: with every other body greyed out, the only
face left is the receiver's. The grey is kept steady between looks (`steady_basis`: redrawn
only where a keypoint truly moved; a redrawn mask changed MediaPipe's image and its landmarks
jumped on a still receiver), her cut-out follows her in small moves (`follow_person`), new
grey fades in (`faded`, `ramped`) and, where the technique asks (`ReceiverPose.grey_fades`),
grey he left fades out, her cut-out is wide beside his arms (`cut_targets`) and takes no joint a
look gives her where the grey draws his same joint (`unclaimed`).
The page draws the same grey (src/backbuddy/web/static/js/mask.js, figures in
`motion/grey_mask.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np
from numpy.typing import NDArray

from backbuddy.motion import people as P
from backbuddy.motion.crop import Crop
from backbuddy.motion.grey_mask import (
    ARM_EDGES,
    EDGES,
    FADE_FRAMES,
    FADE_OUT_FRAMES,
    FOLLOW_MAX_SHARE,
    FOLLOW_SLACK,
    HEAD_R,
    LIMB,
    MASK_FORGET_S,
    MASK_SLACK,
    OTHERS_SCALE,
)

F32 = NDArray[np.float32]
Rgb = NDArray[np.uint8]

#: A look every this many frames, `ReceiverPose`'s cadence (MoveNet costs ~4 MediaPipe frames
#: at 384 px); the grey forgets in looks (`MASK_FORGET_LOOKS`).
EVERY = 4
GREY = 127
# `FADE_OUT_FRAMES` (grey he no longer covers fades out over it, `ramped`) and `ARM_EDGES` (where
# her cut-out is wide, `cut_targets`) are `grey_mask`'s: mask.js gets them with every answer.


def body_mask(
    kp: F32,
    box: F32,
    crop: Crop,
    scale: float = 1.0,
    edges: tuple[tuple[int, int], ...] = EDGES,
    head: bool = True,
) -> NDArray[np.bool_]:
    """Where a person's body is, in the crop: thick lines along the trusted skeleton `edges`
    and a disc on the head (sizes × `scale`)."""
    mask = np.zeros((crop.y1 - crop.y0, crop.x1 - crop.x0), np.uint8)
    length = float(max(box[2] - box[0], box[3] - box[1]))  # the body's long side, lying or not
    width = max(2, int(round(2 * LIMB * scale * length)))
    pts = (kp[:, :2] - (crop.x0, crop.y0)).round().astype(np.int32)
    ok = kp[:, 2] >= P.MIN_SCORE
    for a, b in edges:
        if ok[a] and ok[b]:
            cv2.line(
                mask, (int(pts[a, 0]), int(pts[a, 1])), (int(pts[b, 0]), int(pts[b, 1])), 1, width
            )
    heads = kp[list(P.HEAD)]
    seen = heads[heads[:, 2] >= P.MIN_SCORE]
    if head and len(seen):
        cx, cy = seen[:, :2].mean(axis=0) - (crop.x0, crop.y0)
        spread = float(np.ptp(seen[:, 0])) if len(seen) > 1 else 0.0
        radius = max(0.9 * spread, HEAD_R * length) * scale
        cv2.circle(mask, (int(round(cx)), int(round(cy))), max(2, int(round(radius))), 1, -1)
    return mask.astype(bool)


#: Mask keypoints unseen for `grey_mask.MASK_FORGET_S` are dropped: that many looks at the
#: camera's 30 frames/s (this side counts frames; the page counts its clock).
MASK_FORGET_LOOKS = round(MASK_FORGET_S * 30 / EVERY)


@dataclass(frozen=True)
class Drawn:
    """One person as the mask draws them: keypoints (17, 3), box (4,), and per keypoint the
    looks since MoveNet last trusted it."""

    keypoints: F32
    box: F32
    unseen: NDArray[np.int64]

    @classmethod
    def fresh(cls, keypoints: F32, box: F32) -> Drawn:
        return cls(keypoints, box, np.zeros(len(keypoints), np.int64))


def steady_person(
    drawn: Drawn, keypoints: F32, box: F32, slack: float = MASK_SLACK, share: float = 1.0
) -> Drawn:
    """`drawn` updated by a look's `keypoints`: a trusted keypoint within its `slack` of where
    it is drawn stays put; one that moved further moves `share` of the way to its new place;
    one not drawn takes its place; one no longer trusted keeps its last place for
    `MASK_FORGET_LOOKS`. The same object when nothing changed (the mask need not be redrawn)."""
    old = drawn.keypoints
    length = float(max(drawn.box[2] - drawn.box[0], drawn.box[3] - drawn.box[1]))
    now_ok = keypoints[:, 2] >= P.MIN_SCORE
    was_ok = old[:, 2] >= P.MIN_SCORE
    moved = now_ok & was_ok & (np.hypot(*(keypoints[:, :2] - old[:, :2]).T) > slack * length)
    take = now_ok & ~was_ok
    unseen = np.where(now_ok, 0, drawn.unseen + 1)
    drop = ~now_ok & was_ok & (unseen >= MASK_FORGET_LOOKS)
    if not (take.any() or moved.any() or drop.any()):
        return replace(drawn, unseen=unseen)
    out = old.copy()
    if share >= 1.0:
        out[moved] = keypoints[moved]
    else:
        out[moved, :2] += np.float32(share) * (keypoints[moved, :2] - old[moved, :2])
        out[moved, 2] = keypoints[moved, 2]
    out[take] = keypoints[take]
    out[drop, 2] = 0.0
    return Drawn(out, box, unseen)


#: The share of the way the receiver's cut-out moves per look (`FOLLOW_S` at 30 frames/s, a
#: look every `EVERY` frames: 0.30; the page's most per answer, `FOLLOW_MAX_SHARE`).
FOLLOW_SHARE = FOLLOW_MAX_SHARE


def follow_person(drawn: Drawn, keypoints: F32, box: F32) -> Drawn:
    """The receiver's cut-out after a look (`steady_person` with `FOLLOW_SLACK`, moving
    `FOLLOW_SHARE` of the way): a slow movement moves it a little each look, not in 3 % steps
    along the grey that borders the receiver; a still receiver's jitter does not move it."""
    return steady_person(drawn, keypoints, box, FOLLOW_SLACK, FOLLOW_SHARE)


@dataclass(frozen=True)
class MaskBasis:
    """The people a crop's grey mask is drawn from: the receiver and everyone else."""

    receiver: Drawn
    others: tuple[Drawn, ...]

    def same_drawing(self, other: MaskBasis) -> bool:
        return len(self.others) == len(other.others) and all(
            np.array_equal(a.keypoints, b.keypoints) and np.array_equal(a.box, b.box)
            for a, b in zip(
                (self.receiver, *self.others), (other.receiver, *other.others), strict=True
            )
        )


def steady_basis(
    kept: MaskBasis | None,
    receiver: tuple[F32, F32],
    others: list[tuple[F32, F32]],
    own_joints: bool = False,
) -> MaskBasis:
    """The mask's people after a look (each as keypoints, box): everyone else kept steady
    (`steady_person`) and the receiver's cut-out following (`follow_person`) while the same
    people are seen; afresh when someone comes or goes or moves by more than half their size.
    `own_joints`: her cut-out takes no joint that lies on his same joint (`unclaimed`)."""
    if kept is None or len(kept.others) != len(others):
        return _afresh(receiver, others, own_joints)
    pairs = []
    left = list(kept.others)
    for kp, box in others:
        j = min(range(len(left)), key=lambda k: _centre_gap(left[k].box, box))
        if _centre_gap(left[j].box, box) > 0.5:
            return _afresh(receiver, others, own_joints)
        pairs.append(steady_person(left.pop(j), kp, box))
    hers = receiver[0]
    if own_joints:
        theirs = [(o.keypoints, o.box) for o in pairs]
        hers = unclaimed(hers, kept.receiver.box, theirs, kept.receiver.keypoints)
    return MaskBasis(follow_person(kept.receiver, hers, receiver[1]), tuple(pairs))


def _afresh(
    receiver: tuple[F32, F32], others: list[tuple[F32, F32]], own_joints: bool
) -> MaskBasis:
    hers = unclaimed(receiver[0], receiver[1], others) if own_joints else receiver[0]
    return MaskBasis(Drawn.fresh(hers, receiver[1]), tuple(Drawn.fresh(*o) for o in others))


def unclaimed(
    keypoints: F32, box: F32, others: list[tuple[F32, F32]], drawn: F32 | None = None
) -> F32:
    """The receiver's keypoints from a look, not trusted where one her cut-out does not draw
    (`drawn`: her cut-out's keypoints; None: none yet) lies on the same joint of someone else as
    the grey draws them (within `MASK_SLACK` of her box's long side): one skeleton MoveNet made
    of the pair gave her his elbow (1.9 px from where his was drawn, at 0.77; hers untrusted
    for 4 s), her cut-out took it at once, cleared his forearm at her back and her lean read a
    `sudden` (the whole-flow slow hug at 30 frames/s; docs/accuracy.md, session 23). Her
    cut-out then leaves that keypoint undrawn (`steady_person`: as if the look did not trust
    it). A joint she has drawn follows her as ever, past his too: held there, it jumped."""
    length = float(max(box[2] - box[0], box[3] - box[1]))
    mine = keypoints[:, 2] >= P.MIN_SCORE
    if drawn is not None:
        mine &= drawn[:, 2] < P.MIN_SCORE
    claimed = np.zeros(len(keypoints), bool)
    for kp, _ in others:
        near = np.hypot(*(kp[:, :2] - keypoints[:, :2]).T) <= MASK_SLACK * length
        claimed |= mine & (kp[:, 2] >= P.MIN_SCORE) & near
    if not claimed.any():
        return keypoints
    out = keypoints.copy()
    out[claimed, 2] = 0.0
    return out


def _centre_gap(a: F32, b: F32) -> float:
    """Distance between two boxes' centres in units of the first box's long side."""
    length = float(max(a[2] - a[0], a[3] - a[1], 1.0))
    gap = np.hypot((a[0] + a[2] - b[0] - b[2]) / 2, (a[1] + a[3] - b[1] - b[3]) / 2)
    return float(gap) / length


def others_mask(
    receiver: tuple[F32, F32], others: list[tuple[F32, F32]], crop: Crop
) -> NDArray[np.bool_] | None:
    """Pixels of the crop on someone else's body and not on the receiver's; each person given
    as (keypoints (17, 3), box (4,))."""
    if not others:
        return None
    theirs = np.zeros((crop.y1 - crop.y0, crop.x1 - crop.x0), bool)
    for kp, box in others:
        theirs |= body_mask(kp, box, crop, scale=OTHERS_SCALE)
    return theirs & ~body_mask(*receiver, crop)


def cut_targets(
    receiver: tuple[F32, F32],
    others: list[tuple[F32, F32]],
    crop: Crop,
    scale: float = 1.0,
    arms_only: bool = False,
) -> tuple[NDArray[np.bool_] | None, NDArray[np.bool_] | None]:
    """Everyone else's drawn bodies and the receiver's cut-out, in the crop (grey: the first
    and not the second; None, None: nobody else). The cut-out `scale` wide; `arms_only`: that
    wide only where it borders their drawn arms (`ARM_EDGES`), as a look draws it elsewhere."""
    if not others:
        return None, None
    theirs = np.zeros((crop.y1 - crop.y0, crop.x1 - crop.x0), bool)
    for kp, box in others:
        theirs |= body_mask(kp, box, crop, scale=OTHERS_SCALE)
    if not arms_only:
        return theirs, body_mask(*receiver, crop, scale=scale)
    arms = np.zeros_like(theirs)
    for kp, box in others:
        arms |= body_mask(kp, box, crop, scale=OTHERS_SCALE, edges=ARM_EDGES, head=False)
    hers = body_mask(*receiver, crop) | (body_mask(*receiver, crop, scale=scale) & arms)
    return theirs, hers


def masked(image: Rgb, crop: Crop, mask: NDArray[np.bool_] | NDArray[np.float32] | None) -> Rgb:
    """The crop, with the masked pixels grey (a float mask: blended toward grey by it)."""
    out = image[crop.y0 : crop.y1, crop.x0 : crop.x1].copy()
    if mask is None:
        return out
    if mask.dtype == np.bool_:
        out[mask] = GREY
        return out
    alpha = mask[..., None]
    return np.rint(out * (1.0 - alpha) + GREY * alpha).astype(np.uint8)


def faded(
    old: NDArray[np.bool_] | NDArray[np.float32] | None, new: NDArray[np.bool_] | None, step: int
) -> NDArray[np.bool_] | NDArray[np.float32] | None:
    """The mask shown `step` frames (1, 2, …) after `old` was redrawn as `new`: new grey fades
    in; grey the new mask leaves off (where the receiver moved to) is cleared at once."""
    if step >= FADE_FRAMES or old is None or new is None or old.shape != new.shape:
        return new
    a = np.float32(step / FADE_FRAMES)
    grey = new.astype(np.float32)
    return (old.astype(np.float32) * (1 - a) + a) * grey  # what is no longer grey clears at once


def ramped(
    shown: NDArray[np.float32] | None,
    theirs: NDArray[np.bool_] | None,
    hers: NDArray[np.bool_] | None,
    near: NDArray[np.bool_] | None = None,
) -> NDArray[np.float32] | None:
    """The mask shown on a frame when it is redrawn every frame (`FOLLOW_FRAMES`): grey where
    `theirs` (everyone else's drawn bodies) and not `hers` (the receiver's cut-out). Each pixel
    of new grey fades in over `FADE_FRAMES` frames (as `faded` after one redraw); grey her
    cut-out moves onto clears at once (she is seen where she leans); grey that `theirs` no
    longer covers (one of his keypoints moved, or was forgotten) fades out as slowly as new grey
    fades in: his elbow forgotten cleared 580 pixels at her back at once and her lean read
    stepped 2.3° (the slow 60° hug falsely stopped at 30 frames/s). `near`: where grey clears
    at once, if not all of `hers` (`CUT_ARMS`: her cut-out as a look draws it; the band it gains
    beside his arms moves when his arm does, and fades out like his grey). No `shown` (a
    restart, a new crop): the target whole."""
    if theirs is None or hers is None:
        return None
    target = theirs & ~hers
    if shown is None or shown.shape != target.shape:
        return target.astype(np.float32)
    step, out_step = np.float32(1.0 / FADE_FRAMES), np.float32(1.0 / FADE_OUT_FRAMES)
    out: NDArray[np.float32] = np.where(
        target, np.minimum(shown + step, 1.0), np.maximum(shown - out_step, 0.0)
    ).astype(np.float32)
    out[hers if near is None else near] = 0.0
    return out
