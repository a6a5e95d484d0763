"""The people a page's own detector found, checked before the role rule sees them (issue 15,
item 2).

A page that runs MoveNet itself (`static/js/people_worker.js`) sends what it found in one
camera frame (`schemas.RolePeopleIn`) instead of the frame. The server does not take the
page's word for who is who: it applies its own role rule (`motion.people.choose`) and
the same identity chain to these people as to the ones its own detector finds in a role
frame (`PageRoles.place`), so the numbers and rules are the same whichever side ran the
model. The message passes the same gate as a role frame (the role-frame rate, at most
`ROLE_FLOOD` a second for both kinds together), then:

* its shape: at most six people of 17 keypoints [x, y, score], a box and a score (schema);
* its ranges: x and y within `XY` of the frame (MoveNet places points a little past its
  input, and the page pads the input up to a multiple of 32 px), scores in 0..1, boxes not
  inverted, and each person's box holding the keypoints drawn for them (`BOX_SLACK`): the
  box sets how far from his drawn limbs her hands count as at his body (`arms_cover`, the
  grey), so a point-sized box around the assistant's real keypoints read every frame of
  her hands on his arms as hers alone (red team, session 25: 58 and 67 frames of two
  recorded page walks passed checks the true box left covered);
* its time: strictly after the previous role message's `ms` (frame or people), and not
  ahead of the server's clock as the page's landmarks place it (`PageClock.ahead`).

A refused message is dropped with a non-fatal error (as a refused role frame): no answer
comes, the chain goes stale and the landmarks turn unsure, which is the safe side (I3, I4).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backbuddy.motion import people as P
from backbuddy.web import schemas

#: x and y of keypoints and boxes, in fractions of the frame. MoveNet's rows reach a little
#: past its input (−0.063..1.008 seen on the two-person truth clips, people under the noise
#: score included), and the input is the frame padded up to a multiple of 32 (up to ×1.4).
XY = (-0.5, 1.5)
#: A person's drawn keypoints (score >= `people.MIN_SCORE`) lie within their box grown by this
#: share of its long side on each side. MoveNet's own: at most 0.023 on the 1435 people of the
#: recorded server looks (`tests/data/two_people`), 0.019 on the page walks' role people.
BOX_SLACK = 0.1


class PeopleRefused(ValueError):
    """Role people the server will not use (non-fatal; the code says why)."""

    def __init__(self, code: schemas.ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: schemas.ErrorCode = code


def parse(raw: dict[str, Any]) -> schemas.RolePeopleIn:
    try:
        return schemas.RolePeopleIn.model_validate(raw)
    except ValueError as err:
        errors = getattr(err, "errors", None)
        where = str(err)
        if callable(errors):
            first = errors()[0]
            where = f"{'.'.join(str(p) for p in first['loc']) or 'message'}: {first['msg']}"
        raise PeopleRefused("bad_message", f"role people refused: {where}") from None


def to_people(message: schemas.RolePeopleIn) -> P.People:
    """The message's people in the frame's pixels (as `adapters.movenet` gives them), those
    under the detector's own noise score left out; PeopleRefused when out of range."""
    lo, hi = XY
    rows = message.people
    if not rows:
        return P.People.none()
    kp = np.array([r[0] for r in rows], np.float64)  # (N, 17, 3)
    boxes = np.array([r[1] for r in rows], np.float64)  # (N, 4)
    scores = np.array([r[2] for r in rows], np.float64)
    for name, values in (("keypoint x, y", kp[:, :, :2]), ("box", boxes)):
        if values.min() < lo or values.max() > hi:
            raise PeopleRefused("bad_message", f"role people: a {name} is outside {lo:g}..{hi:g}")
    for name, values in (("keypoint score", kp[:, :, 2]), ("person score", scores)):
        if values.min() < 0.0 or values.max() > 1.0:
            raise PeopleRefused("bad_message", f"role people: a {name} is outside 0..1")
    if (boxes[:, 2] < boxes[:, 0]).any() or (boxes[:, 3] < boxes[:, 1]).any():
        raise PeopleRefused("bad_message", "role people: a box ends before it starts")
    width, height = message.size
    keep = scores >= P.MIN_PERSON_SCORE
    kp, boxes, scores = kp[keep], boxes[keep], scores[keep]
    kp[:, :, 0] *= width
    kp[:, :, 1] *= height
    boxes *= np.array([width, height, width, height], np.float64)
    _boxes_hold_their_keypoints(kp, boxes)
    return P.People(kp.astype(np.float32), boxes.astype(np.float32), scores.astype(np.float32))


def _boxes_hold_their_keypoints(kp: np.ndarray, boxes: np.ndarray) -> None:
    """PeopleRefused when a person's drawn keypoints (pixels) lie outside their box (pixels)
    by more than `BOX_SLACK` of its long side."""
    slack = BOX_SLACK * np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    lo = boxes[:, None, :2] - slack[:, None, None]
    hi = boxes[:, None, 2:] + slack[:, None, None]
    drawn = kp[:, :, 2] >= P.MIN_SCORE
    outside = ((kp[:, :, :2] < lo) | (kp[:, :, :2] > hi)).any(axis=2) & drawn
    if outside.any():
        raise PeopleRefused(
            "bad_message",
            "role people: a person's box does not hold the keypoints drawn for them "
            f"(within {BOX_SLACK:g} of its long side)",
        )


class RoleTimes:
    """One socket's role messages (frames and people) in page time: strictly increasing."""

    def __init__(self) -> None:
        self.last_ms = -np.inf

    def check(self, ms: float) -> None:
        if ms <= self.last_ms:
            raise PeopleRefused(
                "bad_message",
                f"a role message at ms={ms:g} is not after the previous one "
                f"({self.last_ms:g}): times must increase",
            )
        self.last_ms = ms
