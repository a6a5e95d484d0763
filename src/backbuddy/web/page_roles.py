"""Who is who when pose runs in the page (issue 15, item 2): role frames and the unsure rules.

The page's pose model (MediaPipe PoseLandmarker, one person) follows whoever its
detector finds first, and with the assistant in view that is often the assistant. So,
with the two-person step on, the page also runs the people detector (MoveNet MultiPose
on `@litertjs/core`, `static/js/people_worker.js`) now and then and sends the people it
found (`schemas.RolePeopleIn`, checked by `role_people`; `PageRoles.place`). Where that
detector cannot run, it sends a small JPEG instead (`schemas.RoleFrameIn`, at most
`ROLE_MAX_SIDE` px on its long side), and the server runs the same detector on it, off
the event loop (`PageRoles.look`). Either way the server applies its role rule
(`motion.people.choose`) and answers (`schemas.RoleOut`) with the receiver's box and
keypoints and everyone else's keypoints, or "unsure", for the frame time it refers to.
The page then runs its model on a crop around the receiver with the others greyed out
(`static/js/roles.js`, the page's twin of `adapters/receiver_pose.py`). Role frames are
used for this answer only and are not kept.

How often (the server decides; each `role` answer says when the next role frame is
wanted, `next_ms`): every `SETTLE_MS` while the roles are not settled, then one every
`KEEPALIVE_MS`, and at once (`role_wanted`) when the landmarks break their continuity.
One role frame costs the server ~52–58 ms of CPU (MoveNet at 384 px); the page's people
cost it ~0.3 ms (checks and the role rule). (Measured 2026-11-27: one interpreter thread
instead of two costs the same CPU, 60 ms; 320 px costs 45 ms and 256 px 27 ms but finds
the receiver far less often, 51 % at 256 px; so the page runs 384 px too.)

`PageRoles.unsure` then judges each landmarks message. Its identity is "receiver" only
along a *chain*: a role answer that found the receiver is matched with the page's
landmarks of (nearly) the same moment (`MATCH_MS`), which must lie on the receiver
(`skeleton_is_receivers`: inside the receiver's padded box, nose and torso nearer the
receiver than anyone else); from that frame on, the identity is carried frame by frame
while the landmarks stay continuous (`motion.continuity`). It is "unsure" (the engine
gives no movement cue and pauses a movement, as for lost tracking: I3, I4) when

* the page says it had no receiver's box to crop to (`role_ms` missing), or
* no answer has anchored the chain, or the newest answer was "unsure", or the newest
  answer's frame did not lie on the receiver, or
* the landmarks broke their continuity since the anchoring frame (a jump, a gap, the
  torso unseen, nobody): a role frame is asked for at once, and the identity stays
  unsure until an answer for a frame taken at least `AFTER_BREAK_MS` after the break
  anchors a new chain, or
* the anchoring answer is older than `MAX_ANCHOR_MS` of page time (the page stopped
  sending role frames), or of server time since its role frame arrived (a page whose
  clock runs slow cannot stretch the limit), or the landmarks drifted more than
  `DRIFT_UNSURE` trunk lengths from the anchoring frame (a slow slide; beyond `DRIFT_ASK`
  a new role frame is asked for).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from backbuddy.motion import people as P
from backbuddy.motion.arms_cover import ARMS_BITS, near_mask
from backbuddy.motion.crop import PAD_BOTTOM, PAD_SIDE, PAD_TOP, Crop, keep_or_move
from backbuddy.motion.grey_mask import mask_rule
from backbuddy.web import schemas
from backbuddy.web.frames import FrameRate, FrameRejected, Points, check_frame
from backbuddy.web.role_chain import RoleChain, Timing
from backbuddy.web.role_people import PeopleRefused, RoleTimes, parse, to_people

Rgb = NDArray[np.uint8]
#: A role answer is matched with the page's landmarks at most this far away in page time.
MATCH_MS = 150.0
#: Role frames every this many ms (page time) while the roles are not settled…
SETTLE_MS = 400.0
#: …settled after this many answers in a row found the receiver and one anchored a chain…
SETTLE_ANSWERS = 3
#: …then one every this many ms, to bound the chain's age.
KEEPALIVE_MS = 2000.0
#: A chain is trusted this long after its anchoring answer (the keep-alive and a late answer).
MAX_ANCHOR_MS = 3500.0
#: Drift from the anchoring frame (trunk lengths) that asks for a new role frame, and that
#: makes the identity unsure (the receiver drifted at most 0.15 over 3.5 s on the truth clips).
DRIFT_ASK = 0.12
DRIFT_UNSURE = 0.3
#: The page's landmarks kept for matching with a late answer (page ms).
RECENT_MS = 3000.0
#: Role frames are at most this many pixels on their long side (MoveNet's own input size:
#: a larger frame gains nothing, a much smaller one loses people).
ROLE_MAX_SIDE = 384
#: The server refuses role frames larger than this on either side (a misbehaving page).
ROLE_REFUSE_SIDE = 640
#: A role frame's message (base64 JPEG inside JSON) may be this long; other text messages
#: keep the socket's 16 KiB limit.
MAX_ROLE_TEXT_BYTES = schemas.MAX_ROLE_JPEG_CHARS + 1024
#: Role frames a second at most (the settling rate; `FLOOD` a second are refused).
ROLE_FPS = 1000.0 / SETTLE_MS
ROLE_FLOOD = 8.0
#: The receiver's box grows by the crop's own padding (`motion.crop.PAD_SIDE`…) before the
#: skeleton is held to it: the page's landmarks cannot come from outside the crop.
#: Receiver answers whose box is remembered (the page crops to the newest it got).
SENT_KEPT = 32
#: The tolerance of `pose_is_receiver` is scaled by this (answer and landmarks at most
#: `MATCH_MS` apart). Measured with answers of the same frame on the ten two-person truth
#: clips: 2.0 accepted 98.7 % of the receiver's frames and 53 of 1,324 frames of the page's
#: model on the assistant; 1.5 accepted 98.3 % and 28; 1.0 86.6 % and 28.
DRIFT_SCALE = 1.5
#: After a break, a chain is anchored only on landmarks this long after it: the page's model
#: smooths its landmarks, so for a few frames after a switch they lie between the two people
#: (on the seated hug the assistant's frames 1–4 after the switch passed the check).
AFTER_BREAK_MS = 250.0
TIMING = Timing(
    MATCH_MS,
    SETTLE_MS,
    SETTLE_ANSWERS,
    KEEPALIVE_MS,
    MAX_ANCHOR_MS,
    DRIFT_ASK,
    DRIFT_UNSURE,
    RECENT_MS,
    AFTER_BREAK_MS,
)
#: MediaPipe's nose, shoulders and hips (the points `people.ANCHORS` names, in its numbering).
MP_ANCHORS = (0, 11, 12, 23, 24)
#: A landmark is held to the box when its visibility is at least this.
MIN_VISIBILITY = 0.5


class RoleFrameRefused(ValueError):
    """A role frame the server will not look at; `code` is the protocol error code (non-fatal)."""

    def __init__(self, code: schemas.ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: schemas.ErrorCode = code


class Detector(Protocol):
    def detect(self, rgb: Rgb) -> P.People: ...


@dataclass(frozen=True)
class RoleAnswer:
    """One role frame's verdict, normalised to the frame (0..1): the receiver's box
    (x0, y0, x1, y1) and keypoints (17 × x, y, score), the others' keypoints, or none."""

    ms: float
    identity: P.Identity
    reason: str
    box: tuple[float, float, float, float] | None
    receiver: tuple[tuple[float, float, float], ...] | None
    others: tuple[tuple[tuple[float, float, float], ...], ...]
    others_boxes: tuple[tuple[float, float, float, float], ...] = ()
    #: Page ms until the server wants the next role frame (`RoleChain.answered`).
    next_ms: float = SETTLE_MS
    #: The technique's grey fades (`VideoNeeds.grey_fades`: told with the mask's figures).
    fades: bool = False
    #: The assistant is greyed at all (`VideoNeeds.grey_assistant`: told with the figures too).
    grey: bool = True

    def message(self) -> dict[str, Any]:
        """The `role` message (schemas.RoleOut) the page gets."""
        box = None if self.box is None else tuple(round(v, 4) for v in self.box)
        return schemas.RoleOut(
            ms=self.ms,
            identity=self.identity,
            reason=self.reason,
            box=box,
            receiver=_rows(self.receiver),
            others=[_rows(o) or [] for o in self.others],
            others_boxes=[tuple(round(v, 4) for v in b) for b in self.others_boxes],
            next_ms=self.next_ms,
            mask=schemas.MaskRule(**mask_rule(self.fades, self.grey)),
        ).model_dump()


def _rows(kp: tuple[tuple[float, float, float], ...] | None) -> list[list[float]] | None:
    """Keypoints for the page, scores rounded *down*: rounded to the nearest, a score of
    0.2999 read 0.3 and the page greyed a limb the server does not trust (`people.MIN_SCORE`)."""
    if kp is None:
        return None
    return [[round(x, 4), round(y, 4), math.floor(s * 1000) / 1000] for x, y, s in kp]


def _norm(kp: NDArray[np.float32], w: int, h: int) -> tuple[tuple[float, float, float], ...]:
    return tuple((float(x) / w, float(y) / h, float(s)) for x, y, s in kp)


def decode_role_jpeg(data: str) -> bytes:
    """The JPEG bytes of a role frame's base64 text; RoleFrameRefused when it is not one we
    take (the same size and header checks as camera frames, and a smaller side limit)."""
    try:
        jpeg = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise RoleFrameRefused("bad_message", "role_frame.jpeg is not base64 text") from None
    try:
        width, height = check_frame(jpeg)
    except FrameRejected as err:
        code: schemas.ErrorCode = "too_big" if err.code == "too_big" else "not_an_image"
        raise RoleFrameRefused(code, f"role frame refused: {err}") from None
    if max(width, height) > ROLE_REFUSE_SIDE:
        raise RoleFrameRefused(
            "too_big",
            f"role frame of {width}×{height} pixels is over the {ROLE_REFUSE_SIDE}-pixel "
            f"limit; send at most {ROLE_MAX_SIDE} pixels on the long side",
        )
    return jpeg


class RoleRate:
    """Refuses role frames beyond `ROLE_FLOOD` a second (non-fatal: they are dropped, the
    answer goes stale and the landmarks turn unsure, which is the safe side)."""

    def __init__(self) -> None:
        self._rate = FrameRate(ROLE_FLOOD)

    def check(self, now: float) -> None:
        if self._rate.flooded(now):
            raise RoleFrameRefused(
                "too_many_frames",
                f"role frames are arriving faster than {ROLE_FLOOD:g} a second; "
                f"this one was dropped (send about {ROLE_FPS:g} a second)",
            )


class PageRoles:
    """The receiver's place for one session whose page runs pose itself.

    `look` runs on a worker thread (one at a time: its caller queues role frames);
    `unsure` may run on another thread at the same time, so the newest answer is
    swapped under a lock. The detector opens on the first role frame.
    """

    def __init__(
        self,
        open_detector: Callable[[], Detector],
        decode: Callable[[bytes], Rgb],
        clock: Callable[[], float] = time.monotonic,
        *,
        lying: bool = False,
        fades: bool = False,
        grey: bool = True,
    ) -> None:
        """`lying`: the technique's receiver lies (`receiver_lies`; the role rule then never
        trusts a lone upright person, `people.RoleState.lying`). `fades`: its grey fades
        (`VideoNeeds.grey_fades`; each answer tells the page's mask.js, `MaskRule.fades`).
        `grey`: the assistant is greyed at all (`VideoNeeds.grey_assistant`,
        `MaskRule.grey_assistant`)."""
        self._open = open_detector
        self.decode = decode
        self.lying = lying
        self.fades = fades
        self.grey = grey
        self._detector: Detector | None = None
        self._state = P.RoleState(lying=lying)
        self._lock = threading.Lock()
        self._answer: RoleAnswer | None = None
        self.chain = RoleChain(TIMING, clock)
        self.looks = 0
        #: Page ms → the receiver's box as sent (0..1), for the answers that found one.
        self._sent: dict[float, tuple[float, ...]] = {}
        self._page_crop: Crop | None = None  # where the page crops, followed from `role_ms`
        self._role_ms: float | None = None
        self._settled_at = -math.inf  # page ms: the page's model settled after a new crop

    @property
    def answer(self) -> RoleAnswer | None:
        with self._lock:
            return self._answer

    def prepare(self) -> Detector:
        """Open the detector now (a worker thread, while the page loads its own model), so
        its loading does not fall on the page's first frames."""
        if self._detector is None:
            self._detector = self._open()
        return self._detector

    def look(self, rgb: Rgb, ms: float, arrived_s: float | None = None) -> RoleAnswer:
        """Everyone in one role frame, and which one is the receiver (`arrived_s`: the
        server's clock when the frame arrived, now if None; the chain's age counts from it)."""
        detector = self.prepare()
        height, width = rgb.shape[:2]
        return self.place(detector.detect(rgb), (width, height), ms, arrived_s)

    def place(
        self, people: P.People, size: tuple[int, int], ms: float, arrived_s: float | None = None
    ) -> RoleAnswer:
        """Which of `people` (found in a frame of `size` px at page `ms`, by the server's
        detector or the page's own: `role_people`) is the receiver, by the role rule
        (`arrived_s`: as for `look`)."""
        width, height = size
        choice, self._state = P.choose(people, self._state)
        self.looks += 1
        found = choice.people
        # Everyone else seen lately, not only on this look: the detector blinks, people stay.
        others = tuple(_norm(o.keypoints, width, height) for o in self._state.others)
        scale = np.array([width, height, width, height], np.float64)
        boxes = tuple(
            tuple(float(v) for v in np.asarray(o.box, np.float64) / scale)
            for o in self._state.others
        )
        if choice.receiver is None:
            answer = RoleAnswer(ms, "unsure", choice.reason, None, None, others, boxes)  # type: ignore[arg-type]
        else:
            x0, y0, x1, y1 = (float(v) for v in found.boxes[choice.receiver])
            box = (x0 / width, y0 / height, x1 / width, y1 / height)
            kp = _norm(found.keypoints[choice.receiver], width, height)
            answer = RoleAnswer(ms, "receiver", choice.reason, box, kp, others, boxes)  # type: ignore[arg-type]
        answer = replace(answer, fades=self.fades, grey=self.grey)
        with self._lock:
            if self._answer is None or ms > self._answer.ms:
                self._answer = answer
            if answer.box is not None:
                self._sent[ms] = tuple(round(v, 4) for v in answer.box)  # as `message` sends it
                while len(self._sent) > SENT_KEPT:
                    del self._sent[min(self._sent)]
        judge = None if answer.box is None else _judge(answer, (width, height))
        wait = self.chain.answered(ms, answer.identity == "receiver", judge, arrived_s)
        return replace(answer, next_ms=wait)

    def unsure(
        self,
        image: Points | None,
        size: tuple[int, int],
        ms: float | None,
        role_ms: float | None,
    ) -> bool:
        """Is this landmarks message's identity unsure (the rules in the module docstring)?
        Every message with a time goes through the chain, so its continuity is judged."""
        if role_ms is not None and role_ms != self._role_ms and ms is not None:
            self._follow_crop(role_ms, size, ms)
        carried = ms is not None and self.chain.frame(
            None if image is None else np.asarray(image, np.float64), size, ms
        )
        # Nobody in view breaks the chain too (whoever the model finds next must be placed
        # again); unsure with nobody seen reads as tracking lost, at once (monitors).
        settling = ms is not None and bool(ms < self._settled_at)
        return image is None or role_ms is None or not carried or settling

    def _follow_crop(self, role_ms: float, size: tuple[int, int], ms: float) -> None:
        """The page crops to the answer of `role_ms` now (roles.js `cropFor`, the same rule as
        the server's, `motion.crop`); where that moves its crop, its model looks afresh, and
        its first landmarks start where its detector put the body and settle over a few
        frames (on the hug from the floor at 75°, a short assistant hidden behind the
        receiver, its hips sat between the two people's, nearer the assistant's, on the first
        two frames at 10 and 15 frames/s). Those frames are unsure for `AFTER_BREAK_MS`."""
        with self._lock:
            box = self._sent.get(role_ms)
        self._role_ms = role_ms
        if box is None:  # an answer this server did not give: the chain judges it as it is
            return
        width, height = size
        px = np.asarray(box, np.float64) * (width, height, width, height)
        crop = keep_or_move(self._page_crop, px, width, height)
        if crop != self._page_crop:
            self._page_crop = crop
            self._settled_at = ms + AFTER_BREAK_MS

    def covered(self, image: Points | None, size: tuple[int, int]) -> bool:
        """Does a wrist of this landmarks message lie near someone else's body as the newest
        role answer drew it (the page's grey, `motion.arms_cover`)? Then checks read from the
        receiver's hands are not read from this frame (`motion.checks.cover`)."""
        return bool(self.near(image, size) & ARMS_BITS)

    def near(self, image: Points | None, size: tuple[int, int]) -> int:
        """Which of this landmarks message's points lie near someone else's body as the newest
        role answer drew it (`arms_cover.near_mask`, bit k: landmark k; 0 without others)."""
        answer = self.answer
        if image is None or answer is None or not answer.others:
            return 0
        scale = np.array(size, np.float64)
        boxes = np.array(answer.others_boxes, np.float64).reshape(-1, 4) * np.tile(scale, 2)
        others = [(_pixels(o, scale), b) for o, b in zip(answer.others, boxes, strict=False) if o]
        points = np.asarray(image, np.float64).reshape(-1, 4)[:, :2] * scale
        return near_mask(points, others)

    def wanted(self) -> str | None:
        """Why the server wants a role frame now (a break, a drift, an old chain), or None."""
        return self.chain.take_want()


def _judge(answer: RoleAnswer, size: tuple[int, int]) -> Callable[[NDArray[np.float64]], bool]:
    """Does a frame's landmarks (33 × 4, 0..1) lie on the receiver of `answer`? The frame
    must have the answer's size (the page's landmarks and its role frame share the frame)."""

    def judge(image: NDArray[np.float64]) -> bool:
        return skeleton_is_receivers(image, answer, size)

    return judge


def skeleton_is_receivers(
    image: NDArray[np.float64], answer: RoleAnswer, size: tuple[int, int]
) -> bool:
    """Do the page's landmarks (33 × x, y, z, visibility, 0..1) lie inside the receiver's
    padded box, and sit nearer the receiver than anyone else?"""
    assert answer.box is not None
    assert answer.receiver is not None
    points = image[list(MP_ANCHORS)]
    seen = points[:, 3] >= MIN_VISIBILITY
    if not seen.any():
        return False
    x0, y0, x1, y1 = answer.box
    w, h = x1 - x0, y1 - y0
    inside = (
        (points[:, 0] >= x0 - PAD_SIDE * w)
        & (points[:, 0] <= x1 + PAD_SIDE * w)
        & (points[:, 1] >= y0 - PAD_TOP * h)
        & (points[:, 1] <= y1 + PAD_BOTTOM * h)
    )
    if not inside[seen].all():
        return False
    scale = np.array(size, np.float64)  # judged in pixels: trunk lengths need true proportions
    pose = np.where(seen[:, None], points[:, :2] * scale, np.nan)
    receiver = _pixels(answer.receiver, scale)
    box = np.array(answer.box, np.float32) * np.tile(scale, 2).astype(np.float32)
    others = [_pixels(o, scale) for o in answer.others]
    return P.pose_is_receiver(pose, (receiver, box), others, scale=DRIFT_SCALE) is not False


def _pixels(kp: tuple[tuple[float, float, float], ...], scale: NDArray[np.float64]) -> P.F32:
    a = np.array(kp, np.float32)
    a[:, :2] *= scale.astype(np.float32)
    return a


class RoleChannel:
    """The socket's side of role frames: each is checked as it arrives (a refused one is a
    non-fatal error), the newest waits, and one at a time is looked at on a worker thread
    (never on the event loop, and never on the session's engine thread, so a look cannot
    delay a stop); the answer goes to the page."""

    def __init__(
        self, roles: PageRoles, send: Callable[[dict[str, Any]], None], *, early: bool = True
    ) -> None:
        """`early`: open the people detector as the socket opens (while the page loads its own
        model), for a page that will send role frames; False when the page runs the detector
        itself (`page_pose.people_available`) or pose at all on the server: the detector then
        opens on the first role frame only (a page's fallback), and a socket that never sends
        one costs the server no people detector (~memory and a model load per session)."""
        self.roles = roles
        self.send = send
        self.early = early
        self.rate = RoleRate()
        self.times = RoleTimes()
        self._waiting: Callable[[], RoleAnswer] | None = None
        self._ready = asyncio.Event()
        #: Role messages answered, by kind (`role_frame`, `role_people`).
        self.taken = {"role_frame": 0, "role_people": 0}

    def offer(
        self, raw: dict[str, Any], why_not: Callable[[float], str | None] = lambda ms: None
    ) -> None:
        """Take one `role_frame` message; RoleFrameRefused says why not (nothing is kept).
        Its time as for role people (`offer_people`): after every role message's, and one
        the page's clock can place (`why_not`)."""
        arrived = time.monotonic()
        self.rate.check(arrived)
        try:
            message = schemas.RoleFrameIn.model_validate(raw)
        except ValueError as err:
            raise RoleFrameRefused("bad_message", f"role frame refused: {_first(err)}") from None
        jpeg = decode_role_jpeg(message.jpeg)
        ms = self._in_order(message.ms, why_not, "role frame")
        self._waiting = lambda: self._look(jpeg, ms, arrived)
        self.taken["role_frame"] += 1
        self._ready.set()

    def offer_people(self, raw: dict[str, Any], why_not: Callable[[float], str | None]) -> None:
        """Take one `role_people` message (the page ran the people detector): the same rate
        as role frames, then its shape, ranges and time (`role_people`); `why_not(ms)`: why
        the page's clock cannot place that page time (`PageClock.role_time`: not yet placed,
        or ahead of the server's clock), None when it can. RoleFrameRefused says why not."""
        arrived = time.monotonic()
        self.rate.check(arrived)
        try:
            message = parse(raw)
            people = to_people(message)
        except PeopleRefused as err:
            raise RoleFrameRefused(err.code, str(err)) from None
        size, ms = message.size, self._in_order(message.ms, why_not, "role people")
        self._waiting = lambda: self.roles.place(people, size, ms, arrived)
        self.taken["role_people"] += 1
        self._ready.set()

    def _in_order(self, ms: float, why_not: Callable[[float], str | None], what: str) -> float:
        """`ms` when it lies after the previous role message's (frame or people) and the
        page's clock can place it; RoleFrameRefused otherwise (nothing moves)."""
        try:
            reason = why_not(ms)
            if reason is not None:
                raise PeopleRefused("bad_message", f"the {what} at ms={ms:g} {reason}")
            self.times.check(ms)
        except PeopleRefused as err:
            raise RoleFrameRefused(err.code, str(err)) from None
        return ms

    async def run(self) -> None:
        if self.early:
            try:
                await asyncio.to_thread(self.roles.prepare)
            except Exception as err:  # noqa: BLE001 - said on the first role frame's look too
                message = f"the people detector could not open ({type(err).__name__}: {err})"
                self.send(schemas.ErrorOut(code="camera_failed", message=message).model_dump())
        while True:
            await self._ready.wait()
            self._ready.clear()
            if self._waiting is None:
                continue
            job, self._waiting = self._waiting, None
            try:
                answer = await asyncio.to_thread(job)
            except ValueError as err:  # the bytes passed the header check but do not decode
                self.send(schemas.ErrorOut(code="not_an_image", message=str(err)).model_dump())
                continue
            except Exception as err:  # noqa: BLE001 - no answer: the landmarks turn unsure
                message = (
                    f"the people detector failed on a role frame ({type(err).__name__}: {err})"
                )
                self.send(schemas.ErrorOut(code="camera_failed", message=message).model_dump())
                continue
            self.send(answer.message())

    def _look(self, jpeg: bytes, ms: float, arrived: float) -> RoleAnswer:
        return self.roles.look(self.roles.decode(jpeg), ms, arrived)


def _first(err: ValueError) -> str:
    errors = getattr(err, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "message"
        return f"{where}: {first['msg']}"
    return str(err)


def roles_of(analyzer: object) -> PageRoles | None:
    """The session's role keeper, when its camera watch has the two-person step."""
    roles = getattr(analyzer, "roles", None)
    return roles if isinstance(roles, PageRoles) else None
