"""Every person in view, and which one is the receiver: the role rule and its tracker.

A multi-person detector (MoveNet MultiPose, 17 COCO keypoints) finds the people;
this module, numpy only, decides which of them is the receiver, or says it cannot
tell. Arrays are in **pixels** of the full frame (x right, y down) with a score
(0..1) per keypoint.

The role rule comes from both techniques' set-ups: the assistant stands behind the
seated receiver or kneels beside the lying one, so the assistant's head is always
above the receiver's. The receiver is therefore the person whose highest confident
keypoint is lowest in the image. Measured on the rendered two-person truth clips,
that rule picked the receiver on every frame where both people were found.

Where it cannot hold, the answer is "unsure", never a guess:

* the two highest points are too close (`MIN_MARGIN` of the receiver's box height), unless
  one of the two is clearly where the receiver was at the last sure look;
* only one person is seen and it is not the receiver seen before (it may be the
  assistant, or both bodies merged into one skeleton); a lone person is trusted only after
  `RELOCK_LOOKS` looks in place with nobody else seen lately, and, where the receiver lies
  (`RoleState.lying`: the side-lying rotation), only when it lies (`lies`): the kneeling
  assistant is the one the detector finds when it misses the lying receiver;
* where the receiver lies, a person in a new place is trusted only when it lies, even beside
  someone else (a receiver who sat up may hold her head above the kneeling assistant's);
* the receiver's box jumped since the last look (`track_cost`), until the new
  place has held for `RELOCK_LOOKS` looks: held *still*, each look near the place where it was
  first seen, so a passer-by walking across (each step small) never proves a place;
* a newcomer followed look to look from elsewhere (`RoleState.newcomer`) reaches the
  receiver's box: someone crossing in front of the pair hides her, and a track that passed
  to them would leave her place with them. A newcomer is only someone who came from outside
  her box while someone else was still at it, never her own jump: a lone receiver who bends
  quickly (MoveNet then splits her, or her box swings) taken for a newcomer was never sure
  again (session 15: the browser tests' set-up checklist stayed blank);

While a new place proves itself, the person still at the receiver's place (`RoleState.box`) is
never remembered as someone else: she is the receiver until the new place is
trusted, and remembering her as an other would, once a passer-by left, file her as "only the
assistant in view" for as long as she stayed put (tools/calibrate/room_attacks.py, `walker`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from backbuddy.domain.techniques import Technique

Identity = Literal["receiver", "unsure"]
F32 = NDArray[np.float32]

N_KEYPOINTS = 17
NOSE, LEFT_EAR, RIGHT_EAR = 0, 3, 4
HEAD = (0, 1, 2, 3, 4)
LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP = 5, 6, 11, 12
TORSO = (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP)
#: Below this the detector's own person score is noise (MoveNet, on the server or the page).
MIN_PERSON_SCORE = 0.15
#: A keypoint scored at least this is trusted (MoveNet's own demos use 0.3).
MIN_SCORE = 0.3
#: A person needs this many trusted keypoints, two of them on the torso.
MIN_KEYPOINTS = 5
MIN_TORSO = 2
#: Two skeletons whose trusted keypoints lie this close (box diagonals) are one person.
DUPLICATE_DIST = 0.12
#: …or whose boxes overlap this much (intersection over the smaller box) with the same head.
DUPLICATE_OVERLAP = 0.85
#: The receiver's highest point must be this much lower (its box heights) than anyone else's.
MIN_MARGIN = 0.04
#: A person is the tracked receiver when the boxes overlap this much (IoU)…
TRACK_IOU = 0.45
#: …or its centre moved at most this many box heights…
TRACK_SHIFT = 0.15
#: …and neither box is more than this factor taller than the other (a merge of both people
#: reaches up to the assistant's head).
TRACK_SCALE = 1.3
#: A receiver seen somewhere new is trusted after this many looks there in a row.
RELOCK_LOOKS = 4
#: A person lies when its shoulders-to-hips line is at least this many degrees from upright
#: (the side-lying receiver's is near 90°, the kneeling assistant's near 0°).
MIN_LYING_DEG = 45.0
#: The reason a candidate place becomes the receiver's (`Choice.reason`).
RELOCKED = "held still long enough"
#: A skeleton faces one way when its nose is this many trunk lengths beside its shoulders.
MIN_FACING = 0.15
#: Someone else is remembered for this many looks after last seen (about 20 s at 7 looks/s):
#: people in these set-ups stay put, while the detector blinks.
REMEMBER_LOOKS = 150
#: …and is not aged at all while at least this share of their box lies under someone found
#: now: they may be behind them, or merged into their skeleton (`_aged`).
COVERED_SHARE = 0.5
#: A candidate with less than this share of its box inside the receiver's came from outside it.
OUTSIDE_SHARE = 0.5


@dataclass(frozen=True)
class People:
    """The people one look found: keypoints (N, 17, 3) as x px, y px, score; boxes (N, 4) as
    x0, y0, x1, y1 px; scores (N,)."""

    keypoints: F32
    boxes: F32
    scores: F32

    def __len__(self) -> int:
        return int(self.scores.shape[0])

    def take(self, index: NDArray[np.intp] | list[int]) -> People:
        idx = np.asarray(index, dtype=np.intp)
        return People(self.keypoints[idx], self.boxes[idx], self.scores[idx])

    @classmethod
    def none(cls) -> People:
        return cls(
            np.zeros((0, N_KEYPOINTS, 3), np.float32),
            np.zeros((0, 4), np.float32),
            np.zeros(0, np.float32),
        )


@dataclass(frozen=True)
class Choice:
    """One look's verdict: the receiver's index in `people` (None when unsure), why."""

    people: People
    receiver: int | None
    identity: Identity
    reason: str
    #: Only someone else was found, where the receiver was tracked before: the pose model's
    #: own reading may still show the receiver there (`pose_is_receiver`).
    hidden: bool = False

    @property
    def others(self) -> list[int]:
        return [i for i in range(len(self.people)) if i != self.receiver]


@dataclass(frozen=True)
class Other:
    """Someone seen who is not the receiver: keypoints (17, 3), box (4,), looks since seen."""

    keypoints: F32
    box: F32
    age: int = 0


@dataclass(frozen=True)
class RoleState:
    """The receiver's box at the last sure look, a candidate place proving itself, and the
    other people seen lately."""

    box: tuple[float, float, float, float] | None = None
    keypoints: F32 | None = None  # the receiver's, at the last sure look
    candidate: tuple[float, float, float, float] | None = None
    candidate_looks: int = 0
    #: The candidate's box at the last look (`candidate` stays where it was first seen).
    candidate_box: tuple[float, float, float, float] | None = None
    #: The candidate came from outside the receiver's box while someone else was still at it,
    #: and was followed look to look since.
    newcomer: bool = False
    others: tuple[Other, ...] = ()
    #: The technique's receiver lies (side-lying): an upright person is never newly trusted.
    #: None: the technique is not known (`analyze` without one): a *lone* upright person is
    #: never newly trusted (she may be the kneeling assistant of a side-lying receiver the
    #: detector missed); beside another, as the hug (the lowest head decides).
    lying: bool | None = False


def real_people(people: People) -> People:
    """Drop detections that are not a whole enough person, then duplicate skeletons."""
    trusted = people.keypoints[:, :, 2] >= MIN_SCORE
    enough = (trusted.sum(axis=1) >= MIN_KEYPOINTS) & (
        trusted[:, list(TORSO)].sum(axis=1) >= MIN_TORSO
    )
    kept = people.take(np.flatnonzero(enough))
    order = np.argsort(-kept.scores, kind="stable")
    chosen: list[int] = []
    for i in order.tolist():
        if not any(_duplicate(kept, i, j) for j in chosen):
            chosen.append(i)
    return kept.take(sorted(chosen))


def _duplicate(people: People, i: int, j: int) -> bool:
    a, b = people.keypoints[i], people.keypoints[j]
    both = (a[:, 2] >= MIN_SCORE) & (b[:, 2] >= MIN_SCORE)
    box_i, box_j = people.boxes[i], people.boxes[j]
    diagonal = float(np.hypot(*(box_i[2:] - box_i[:2])))
    if both.sum() >= MIN_KEYPOINTS:
        dist = float(np.linalg.norm(a[both, :2] - b[both, :2], axis=1).mean())
        if dist <= DUPLICATE_DIST * max(diagonal, 1.0):
            return True
    top = top_y(people.take([i, j]))
    same_head = abs(float(top[0] - top[1])) <= DUPLICATE_DIST * diagonal
    return overlap_of_smaller(box_i, box_j) >= DUPLICATE_OVERLAP and same_head


def top_y(people: People) -> NDArray[np.float64]:
    """Per person, the image y of its highest trusted keypoint (smaller = higher)."""
    kp = people.keypoints
    y = np.where(kp[:, :, 2] >= MIN_SCORE, kp[:, :, 1], np.inf).astype(np.float64)
    return np.asarray(y.min(axis=1)) if len(people) else np.zeros(0)


def by_role_rule(people: People) -> tuple[int | None, float]:
    """The person whose highest trusted keypoint is lowest, and its margin over the next
    (in its own box heights; inf when alone). None without people."""
    if not len(people):
        return None, 0.0
    top = top_y(people)
    order = np.argsort(-top, kind="stable")
    receiver = int(order[0])
    if len(people) == 1:
        return receiver, float("inf")
    height = max(float(people.boxes[receiver, 3] - people.boxes[receiver, 1]), 1.0)
    return receiver, float(top[receiver] - top[int(order[1])]) / height


def choose(people: People, state: RoleState) -> tuple[Choice, RoleState]:
    """One look: which of `people` is the receiver, given what was seen before."""
    found = real_people(people)
    if not len(found):
        return Choice(found, None, "unsure", "nobody in view"), _aged(state, found, [])
    index, margin = by_role_rule(found)
    assert index is not None
    box = _box(found, index)
    if len(found) > 1 and margin < MIN_MARGIN:
        kept = _by_track(state, found)
        if kept is None:
            why = "two heads at the same height"
            return Choice(found, None, "unsure", why), _aged(state, found, [])
        index, box = kept, _box(found, kept)
    tracked = state.box is not None and track_matches(state.box, box)
    if _newcomer(state, found, index):
        why = "someone new where the receiver was"
        return _candidate(found, index, box, state, why, newcomer=True)
    if len(found) == 1 and _is_other(state, box):
        why = "only the assistant in view"
        return Choice(found, None, "unsure", why, hidden=True), _aged(state, found, [0])
    if len(found) == 1 and tracked and not _head_where_receiver_was(state, found):
        return _candidate(found, index, box, state, "one skeleton: both people merged?")
    if state.box is not None and not tracked:
        why = "the receiver moved too far at once"
        return _candidate(found, index, box, state, why, newcomer=True)
    if state.box is None and len(found) == 1:
        return _candidate(found, index, box, state, "one person: receiver or assistant?")
    if tracked and state.keypoints is not None and turned(state.keypoints, found.keypoints[index]):
        return _candidate(found, index, box, state, "the receiver turned round at once")
    why = _sure_why(len(found), margin)
    new = _sure(_aged(state, found, _all_but(found, index), index), found, index)
    return Choice(found, index, "receiver", why), new


def _sure_why(count: int, margin: float) -> str:
    if count == 1:
        return "the receiver, tracked"
    return "lowest head of two or more" if margin >= MIN_MARGIN else "heads level; tracked"


def _by_track(state: RoleState, found: People) -> int | None:
    """With the heads level, the one person clearly where the receiver was (the best track
    cost, under half the next one), else None."""
    if state.box is None:
        return None
    costs = sorted((track_cost(state.box, b), i) for i, b in enumerate(found.boxes))
    best, index = costs[0]
    if best == float("inf") or best >= costs[1][0] / 2:
        return None
    return index


def _newcomer(state: RoleState, found: People, index: int) -> bool:
    """Is person `index` the newcomer of the last look (`RoleState.newcomer`: the best match
    to its box)? Then they are neither the receiver nor anyone remembered: someone walking in
    front of the pair reaches her box step by step, hiding her, and the track must not pass to
    them; nor, alone in view over the assistant's place, may they take his memory with them
    (the grey would then follow them out, and leave him in her crop)."""
    if not state.newcomer or state.candidate_box is None:
        return False
    costs = [track_cost(state.candidate_box, b) for b in found.boxes]
    return costs[index] < float("inf") and costs[index] == min(costs)


def _at_receivers_place(state: RoleState, found: People, index: int) -> int | None:
    """The one person (not `index`) at the receiver's place (the best finite track cost to
    `RoleState.box`), else None. While a new place proves itself, she is not someone else."""
    rest = _all_but(found, index)
    if state.box is None or not rest:
        return None
    cost, at = min((track_cost(state.box, found.boxes[i]), i) for i in rest)
    return at if cost < float("inf") else None


def _outside(
    place: tuple[float, float, float, float], box: tuple[float, float, float, float]
) -> bool:
    """Does `box` lie mostly outside the receiver's `place` (under `OUTSIDE_SHARE` of it
    inside)? A piece of her own skeleton (MoveNet splits a bending body) lies inside."""
    inside = _intersection(np.asarray(place, np.float64), np.asarray(box, np.float64))
    return inside < OUTSIDE_SHARE * _area(np.asarray(box, np.float64))


def _sure(state: RoleState, found: People, index: int) -> RoleState:
    box = _box(found, index)
    return replace(
        state,
        box=box,
        keypoints=found.keypoints[index],
        candidate=None,
        candidate_looks=0,
        candidate_box=None,
        newcomer=False,
    )


def _head_where_receiver_was(state: RoleState, found: People) -> bool:
    """A lone person's highest point must not be clearly nearer (by `MIN_MARGIN` of its box
    height) where someone else's was than where the receiver's was: a skeleton merged from
    both people reaches up to the assistant's head."""
    if state.keypoints is None or not state.others:
        return True
    top = float(top_y(found)[0])
    margin = MIN_MARGIN * float(found.boxes[0, 3] - found.boxes[0, 1])
    mine = abs(top - float(top_y(_one(state.keypoints))[0]))
    return all(mine <= abs(top - float(top_y(_one(o.keypoints))[0])) + margin for o in state.others)


def _one(keypoints: F32) -> People:
    return People(keypoints[None], np.zeros((1, 4), np.float32), np.ones(1, np.float32))


def _is_other(state: RoleState, box: tuple[float, float, float, float]) -> bool:
    """Is `box` someone else seen lately, more like them than like the receiver?"""
    mine = float("inf") if state.box is None else track_cost(state.box, box)
    return any(track_cost(o.box, box) < mine for o in state.others)


def _aged(
    state: RoleState, found: People, others: list[int], *receiver: int | None, whole: bool = False
) -> RoleState:
    """Remember `others` (indices into `found`) as seen now; anyone remembered whom this look
    found again (never as a `receiver`: the one chosen, or the one still at her place) is
    refreshed; the rest age, unless `_covered` by someone found now, and are forgotten after
    `REMEMBER_LOOKS`. `whole` (a look while a
    new place proves itself): someone found only in part, inside the box they were remembered
    with, keeps that box (`_seen_again`)."""
    now = [_seen_again(state, found, i, whole) for i in others]
    kept: list[Other] = []
    for o in state.others:
        if any(track_matches(o.box, n.box) for n in now):
            continue
        again = [
            (iou(o.box, found.boxes[i]), i)
            for i in range(len(found))
            if i not in receiver and track_matches(o.box, found.boxes[i])
        ]
        if again:
            i = max(again)[1]
            kept.append(Other(found.keypoints[i], found.boxes[i]))
        elif _covered(o.box, found):
            kept.append(o)
        elif o.age + 1 < REMEMBER_LOOKS:
            kept.append(replace(o, age=o.age + 1))
    return replace(state, others=tuple(now + kept))


def _covered(box: F32, found: People) -> bool:
    """Does someone found now cover `COVERED_SHARE` of `box`? Then whoever was remembered there
    may be hidden behind them or merged into their skeleton, and is not aged: while MoveNet
    sees the still pair as one skeleton, the assistant's memory is what greys him out of the
    receiver's crop; forgotten after `REMEMBER_LOOKS`, the server's pose model drifted onto him
    and was acted on with the gate open (tools/calibrate/room_attacks.py --tail 25: up to 19
    frames), then stayed on him, unsure, for as long as the pair stayed still."""
    area = _area(np.asarray(box, np.float64))
    return area > 0 and any(
        _intersection(np.asarray(box, np.float64), np.asarray(b, np.float64))
        >= COVERED_SHARE * area
        for b in found.boxes
    )


def _seen_again(state: RoleState, found: People, i: int, whole: bool) -> Other:
    """Person `i` as remembered from now on. With `whole`, when they lie inside (by
    `DUPLICATE_OVERLAP`) the larger box of someone remembered, that memory is kept, seen now:
    a passer-by in front of the assistant cuts his box down, and the grey drawn from that cut box
    (`receiver_grey.others_mask`) would leave most of him in the receiver's crop once they left
    (tools/calibrate/room_attacks.py, `walker`: the camera's view then read 90° for 68°)."""
    box = found.boxes[i]
    if whole:
        for o in state.others:
            inside = overlap_of_smaller(o.box, box) >= DUPLICATE_OVERLAP
            smaller = _area(np.asarray(box, np.float64)) < _area(np.asarray(o.box, np.float64))
            if track_matches(o.box, box) and inside and smaller:
                return replace(o, age=0)
    return Other(found.keypoints[i], box)


def _all_but(found: People, index: int) -> list[int]:
    return [i for i in range(len(found)) if i != index]


def _candidate(
    found: People,
    index: int,
    box: tuple[float, float, float, float],
    state: RoleState,
    why: str,
    newcomer: bool = False,
) -> tuple[Choice, RoleState]:
    """Not sure yet: count looks at this place; after `RELOCK_LOOKS` in a row, trust it, but
    a lone person only while nobody else has been seen lately (it may be the assistant), and
    where the receiver lies, only a lying one, alone or not (a receiver who sat up can have
    her head above the kneeling assistant's: the lower head is then the assistant's).

    A candidate away from the receiver's box (`newcomer`) becomes a newcomer
    (`RoleState.newcomer`) when it lies mostly outside her box while someone else is still at
    it (`_outside`), and stays one while followed look to look; her own jump, however often
    seen, is not one (a lone receiver bending quickly was never sure again)."""
    same = state.candidate is not None and track_matches(state.candidate, box)
    looks = state.candidate_looks + 1 if same else 1
    place = state.candidate if same and state.candidate is not None else box
    alone = len(found) == 1
    at = _at_receivers_place(state, found, index)
    others = [i for i in _all_but(found, index) if i != at]
    followed = state.candidate_box is not None and track_matches(state.candidate_box, box)
    arrived = at is not None and state.box is not None and _outside(state.box, box)
    newcomer = newcomer and ((state.newcomer and followed) or arrived)
    aged = _aged(state, found, others, index, at, whole=True)
    unsafe = state.lying or (state.lying is None and alone)
    upright = bool(unsafe) and not lies(found.keypoints[index])
    if looks >= RELOCK_LOOKS and not upright and not (alone and aged.others):
        new = _sure(aged, found, index)
        return Choice(found, index, "receiver", RELOCKED), new
    new = replace(
        aged, candidate=place, candidate_looks=looks, candidate_box=box, newcomer=newcomer
    )
    return Choice(found, None, "unsure", why), new


def facing(keypoints: F32) -> float | None:
    """Which way a skeleton (17, 3) faces in the image: its nose's x from its trusted
    shoulders' middle, in trunk lengths (+ right); None when the nose, the shoulders or the
    hips are not trusted."""
    trusted = keypoints[:, 2] >= MIN_SCORE
    shoulders = [i for i in (LEFT_SHOULDER, RIGHT_SHOULDER) if trusted[i]]
    hips = [i for i in (LEFT_HIP, RIGHT_HIP) if trusted[i]]
    if not trusted[NOSE] or not shoulders or not hips:
        return None
    mid = keypoints[shoulders, :2].mean(axis=0)
    trunk = float(np.hypot(*(mid - keypoints[hips, :2].mean(axis=0))))
    return float(keypoints[NOSE, 0] - mid[0]) / max(trunk, 1.0)


def turned(before: F32, now: F32) -> bool:
    """Did the skeleton turn round between two looks: facing clearly one way (`MIN_FACING`
    trunk lengths) and then clearly the other? A seated or lying receiver does not, in a
    look's span; a merged pair whose two people changed places does (the tracked box barely
    moves, and the pose model read a skeleton between the two: tools/calibrate/room_attacks.py)."""
    a, b = facing(before), facing(now)
    return a is not None and b is not None and a * b < 0 and min(abs(a), abs(b)) >= MIN_FACING


def lies(keypoints: F32) -> bool:
    """Does this skeleton (17, 3) lie: its trusted shoulders' middle and hips' middle at least
    `MIN_LYING_DEG` from one above the other? Not when either is not trusted (unknown)."""
    trusted = keypoints[:, 2] >= MIN_SCORE
    shoulders = [i for i in (LEFT_SHOULDER, RIGHT_SHOULDER) if trusted[i]]
    hips = [i for i in (LEFT_HIP, RIGHT_HIP) if trusted[i]]
    if not shoulders or not hips:
        return False
    dx, dy = keypoints[shoulders, :2].mean(axis=0) - keypoints[hips, :2].mean(axis=0)
    return bool(np.degrees(np.arctan2(abs(float(dx)), abs(float(dy)))) >= MIN_LYING_DEG)


def _box(people: People, i: int) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in people.boxes[i])
    return x0, y0, x1, y1


def track_cost(a: tuple[float, ...] | F32, b: tuple[float, ...] | F32) -> float:
    """How unlike box `a` box `b` is one look later (0 = the same box); inf when `b` cannot be
    the same body: it grew or shrank in height by more than `TRACK_SCALE` (widths swing with
    arms and legs), or neither overlaps enough
    (`TRACK_IOU`) nor stayed near enough (`TRACK_SHIFT` box heights: a walk, arms swung out)."""
    aa, bb = np.asarray(a, np.float64), np.asarray(b, np.float64)
    h_a, h_b = aa[3] - aa[1], bb[3] - bb[1]
    if (
        min(h_a, h_b, aa[2] - aa[0], bb[2] - bb[0]) <= 0
        or max(h_a, h_b) / min(h_a, h_b) > TRACK_SCALE
    ):
        return float("inf")
    overlap = iou(aa, bb)
    height = max(float(h_a), float(h_b), 1.0)
    shift = float(np.hypot(*((aa[:2] + aa[2:]) - (bb[:2] + bb[2:])) / 2)) / height
    if overlap < TRACK_IOU and shift > TRACK_SHIFT:
        return float("inf")
    return (1.0 - overlap) + shift


def track_matches(a: tuple[float, ...] | F32, b: tuple[float, ...] | F32) -> bool:
    """Is box `b` the same body as box `a` one look later (`track_cost` finite)?"""
    return track_cost(a, b) < float("inf")


def _area(box: NDArray[np.float64]) -> float:
    return float(max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0))


def _intersection(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return float(max(w, 0.0) * max(h, 0.0))


def iou(a: NDArray[np.float64] | F32, b: NDArray[np.float64] | F32) -> float:
    aa, bb = np.asarray(a, np.float64), np.asarray(b, np.float64)
    inter = _intersection(aa, bb)
    union = _area(aa) + _area(bb) - inter
    return inter / union if union > 0 else 0.0


def overlap_of_smaller(a: NDArray[np.float64] | F32, b: NDArray[np.float64] | F32) -> float:
    aa, bb = np.asarray(a, np.float64), np.asarray(b, np.float64)
    small = min(_area(aa), _area(bb))
    return _intersection(aa, bb) / small if small > 0 else 0.0


#: The points a pose model's reading is held to, with how far each may stray (receiver trunk
#: lengths): nose, shoulders, hips. Measured on the two-person truth clips (MediaPipe on the
#: receiver vs MoveNet's receiver): the nose within 0.08, seated torso points within 0.12, but
#: a lying body's shoulders and hips up to 0.6 apart (MoveNet places them poorly on a body
#: lying on its side); a MediaPipe nose on a merged front-view pair strayed 0.17 or more.
ANCHORS = (NOSE, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP)
ANCHOR_TOLERANCE = (0.12, 0.7, 0.7, 0.7, 0.7)


def anchors(kp: F32) -> NDArray[np.float64]:
    """Nose, left/right shoulder, left/right hip (5, 2) px of a MoveNet person; NaN rows for
    points not trusted."""
    pts = kp[list(ANCHORS)]
    return np.where((pts[:, 2:3] >= MIN_SCORE), pts[:, :2], np.nan).astype(np.float64)


def body_length(kp: F32, box: F32) -> float:
    """A person's trunk length in px (shoulder-mid to hip-mid, each from the sides seen), or a
    third of the box's long side when shoulders or hips are unseen."""
    a = anchors(kp)
    shoulder, hip = a[1:3], a[3:5]
    seen_s, seen_h = np.isfinite(shoulder).all(axis=1), np.isfinite(hip).all(axis=1)
    if seen_s.any() and seen_h.any():
        gap = shoulder[seen_s].mean(axis=0) - hip[seen_h].mean(axis=0)
        return max(float(np.hypot(*gap)), 1.0)
    return max(float(max(box[2] - box[0], box[3] - box[1])) / 3, 1.0)


def _gaps(pose: NDArray[np.float64], ref: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per anchor, the distance from `pose` to `ref`; a left/right pair may be crossed (the two
    models can label sides differently), so each side takes the nearer of the two."""
    d: NDArray[np.float64] = np.linalg.norm(pose - ref, axis=1)
    for a, b in ((1, 2), (3, 4)):
        d[a] = np.fmin(d[a], np.linalg.norm(pose[a] - ref[b]))
        d[b] = np.fmin(d[b], np.linalg.norm(pose[b] - ref[a]))
    return d


def pose_is_receiver(
    pose: NDArray[np.float64],
    receiver: tuple[F32, F32],
    others: list[F32],
    scale: float = 1.0,
) -> bool | None:
    """Does a pose model's reading of the anchors (`pose`, (5, 2) px, as `ANCHORS`) belong to
    the receiver (MoveNet keypoints and box) rather than to any of `others` (keypoints)?

    Yes when each point seen on both lies within its `ANCHOR_TOLERANCE` (× `scale`) of the
    receiver's, in receiver trunk lengths, and, against anyone else, the nose and most torso
    points lie nearer the receiver's (a kneeling assistant's hip can sit on the receiver's in
    the image). None when fewer than two points can be compared.
    """
    ours = anchors(receiver[0])
    both: NDArray[np.bool_] = np.asarray(
        np.isfinite(ours).all(axis=1) & np.isfinite(pose).all(axis=1)
    )
    if both.sum() < 2:
        return None
    to_receiver = _gaps(pose, ours)
    limit = np.asarray(ANCHOR_TOLERANCE) * scale * body_length(*receiver)
    if (to_receiver[both] > limit[both]).any():
        return False
    for kp in others:
        nearer = np.asarray(_gaps(pose, anchors(kp)) <= to_receiver) & both  # NaN: False
        torso = int(both[1:].sum())
        if nearer[0] or (torso and 2 * int(nearer[1:].sum()) >= torso):
            return False
    return True


#: The set-up check that says the receiver lies (side_lying_rotation.yaml).
LYING_CHECK = "lying_on_side"


def receiver_lies(technique: Technique) -> bool:
    """Does the technique's receiver lie for its movement (its set-up checks her lying on
    her side)? Then the role rule never trusts a lone upright person (`RoleState.lying`)."""
    return any(LYING_CHECK in step.checks for step in technique.setup)


def tell_technique(estimator: object, technique: Technique | None) -> None:
    """Tell a pose estimator that keeps roles itself (the two-person step on the server,
    `ReceiverPose`) what the technique asks of it; others ignore it. Whether the receiver
    lies (`receiver_lies`; None: the technique is not known, `RoleState.lying`), and whether
    the assistant is greyed at all (`grey_assistant`, `VideoNeeds.grey_assistant`) and whether
    his grey fades (`grey_fades`, `VideoNeeds.grey_fades`); unknown: as built."""
    lies = getattr(estimator, "receiver_lies", None)
    if callable(lies):
        lies(None if technique is None else receiver_lies(technique))
    grey = getattr(estimator, "grey_assistant", None)
    if callable(grey) and technique is not None:
        grey(technique.video.grey_assistant)
    fades = getattr(estimator, "grey_fades", None)
    if callable(fades) and technique is not None:
        fades(technique.video.grey_fades)


def tell_moving(estimator: object, moving: bool) -> None:
    """Tell a pose estimator that keeps roles itself (the two-person step on the server,
    `ReceiverPose.moving`, or the camera watch holding it) whether a movement runs: it then
    looks every 0.13 s, in set-up every 4th frame; others ignore it."""
    tell = getattr(estimator, "moving", None)
    if callable(tell):
        tell(moving)
