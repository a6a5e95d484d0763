"""The receiver's pose with the assistant in view: find everyone, measure only the receiver.

MediaPipe Pose follows one person, and with the assistant behind the receiver it
followed the assistant in most frames of the rendered two-person clips. So, per
frame:

1. Every `every`-th frame (a *look*), MoveNet MultiPose finds every person and the
   role rule (`motion.people.choose`) says which one is the receiver, or "unsure".
2. The frame is cropped around the receiver (the crop is kept while the receiver
   stays inside it, so MediaPipe's video-mode tracking and smoothing see a steady
   image), and every other person's body is greyed out: MediaPipe's person detector
   starts from a face, and the only face left is the receiver's. The grey mask is
   steady too (`steady_basis`): everyone else is redrawn only where a keypoint truly
   moved, not on every look's detector jitter or a keypoint's score flickering across the
   threshold (a redrawn mask changes MediaPipe's image, and its landmarks jumped by up to
   2.4° of trunk lean on a still receiver: a false halt, docs/accuracy.md); the receiver's
   cut-out follows the receiver in small moves (`follow_person`: held by the slack, it moved
   in steps along the grey at the receiver's back, and so did the landmarks). New grey fades
   in over a few frames (`faded`, `ramped`); grey where the receiver moved to clears at once,
   grey he left (a keypoint moved or forgotten) fades out over a second (`FADE_OUT`), and her
   cut-out is wider where it borders his drawn arms (`CUT_ARMS`).
3. MediaPipe (the same bundled full model as the single-person path) runs on the
   crop; its 33 landmarks are mapped back to the full frame, its world landmarks
   (metres, hip-centred) need no mapping.
4. On a look, MediaPipe's torso must sit on the receiver's MoveNet torso; if it sits
   on someone else's, the frame is "unsure" and MediaPipe starts afresh.
5. Where the detector runs is `looks` (`adapters/looks.py`): in line (files, photos) or on
   its own thread (a live camera: MediaPipe never waits for it). Either way a frame is
   "unsure" when the roles it is measured by are older than `max_age` frames, or when
   MediaPipe's torso has left the crop (the receiver moved beyond what it covers).

`identity` says what the last `estimate` saw: "receiver", or "unsure" (the engine
then gives no move cue and pauses a movement, as for lost tracking).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from backbuddy.adapters.looks import InLine, Looks
from backbuddy.adapters.receiver_grey import EVERY as EVERY  # the look cadence, with the grey
from backbuddy.adapters.receiver_grey import (
    F32,
    GREY,
    MaskBasis,
    Rgb,
    body_mask,
    cut_targets,
    faded,
    masked,
    others_mask,
    ramped,
    steady_basis,
)
from backbuddy.motion import people as P
from backbuddy.motion.arms_cover import ARMS_BITS, near_mask
from backbuddy.motion.crop import Crop, keep_or_move
from backbuddy.motion.crop import crop_around as crop_around  # its callers import it here
from backbuddy.motion.grey_mask import (
    CUT_SCALE,
    FADE_FRAMES,
    OTHERS_SCALE,
)
from backbuddy.motion.landmarks import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER
from backbuddy.motion.people import pose_is_receiver

#: The frame rate `every` counts at during a movement when the frames come with their times: a
#: look every `every / LOOK_FPS` seconds (0.13 s: every 4th frame at 30 frames/s, every 2nd at
#: 15), so the receiver's cut-out follows her in time (`FOLLOW_S`), not in frames. Counted in
#: frames, at 15 frames/s the cut-out followed her half as fast, the grey at her back held the
#: 60° hug's jerk, and MediaPipe read it 3 frames (0.2 s) late (docs/accuracy.md, "the frame
#: rate a jerk needs"). MoveNet then runs as often a second at any frame rate. Outside a
#: movement (`ReceiverPose.moving`: the set-up before the assistant takes hold) a look stays
#: every `every`-th frame: at 15 frames/s a look every 2nd frame restarted MediaPipe so often
#: on a scene whose crop moves (a person jumping, a bystander) that the set-up's checklist was
#: sure on ~1 frame in 10 and took a minute to show a verdict (session 22).
LOOK_FPS = 30.0
#: Roles older than this many look periods make a frame "unsure".
MAX_AGE_LOOKS = 3
#: After MediaPipe looks afresh (the first crop, a moved crop, a restart) its landmarks are
#: "unsure" for this many frames: they start where its detector put the body and settle over
#: its smoothing. Where the assistant stands right behind the receiver (the hug from the floor
#: at 75°, a short assistant hidden behind a tall receiver, one skeleton to MoveNet) its hips
#: started between the two people's, nearer the assistant's, for the first 9 frames after the
#: restart (frames 3-11 of `hug_correct_slow_side_75_floor_m26_with_f71`), then settled on the
#: receiver's; 12 leaves 3 frames' margin (0.4 s at 30 frames/s; a pause, as for lost tracking).
#: Given the frames' times it is that time (`SETTLE_FRAMES / LOOK_FPS`, 0.4 s) at any rate:
#: counted in frames, at 15 frames/s it was 0.8 s, and with looks every 0.13 s a scene whose
#: crop moves on most looks (a person jumping, a bystander: the browser test's clip) never
#: settled, while at 15 frames/s no two-person truth clip reads off the receiver for it
#: (docs/accuracy.md, "the frame rate a jerk needs", session 21).
SETTLE_FRAMES = 12
#: Default-off knob (session 21, follow21; docs/accuracy.md "The cut-out drawn every frame"):
#: the grey is drawn every frame (`ramped`), her cut-out `CUT_SCALE` wide, his grey fading out
#: over `FADE_OUT_FRAMES`, and her cut-out following her between looks by `FRAME_GAIN` of
#: MediaPipe's own landmarks' steps (`ReceiverPose._follow`). On the seven two-person hug clips
#: × 15/20/24/30 frames/s × 4 look phases it halted every jerk within 2 frames with no false
#: stop, but the 75° floor jerk's placement gate read shut (a view 8–10° off): not taken.
FOLLOW_FRAMES = False
#: (`CUT_SCALE`, `FADE_OUT_FRAMES`, `ARM_EDGES`: `grey_mask`'s, which mask.js gets too.)
#: Part (a) of `FOLLOW_FRAMES` (session 22, follow22): grey of his that a look no longer draws
#: (a keypoint moved, or forgotten after `MASK_FORGET_S`) fades out over `FADE_OUT_FRAMES`
#: (`ramped`, stepped only while a fade is under way); grey her cut-out moves onto still clears
#: at once. His forgotten forearm cleared 580 pixels at her back in one frame: the slow 60°
#: hug's false stop (docs/accuracy.md, "His grey fades out, her cut-out wide beside his arms").
FADE_OUT = True
#: Part (b): her cut-out `CUT_SCALE` wide only where it borders his drawn arms (`ARM_EDGES`),
#: as a look draws it beside his torso and head. With both, over the seven two-person hug clips
#: × 15/20/24/30 frames/s × 4 look phases every jerk halted within 2 frames, one slow hug of 64
#: falsely stopped (8 without; 0 with `OWN_JOINTS`), the 75° floor jerk's gate open (wide all round,
#: `FOLLOW_FRAMES`, it read shut). Both are the technique's choice (`grey_fades`: the hug's), and
#: the page's mask.js draws both when told (`MaskRule.fades`).
CUT_ARMS = True
#: Part (c) (session 23): her cut-out takes no joint it does not draw where a look puts it on
#: his same joint as the grey draws it (`receiver_grey.unclaimed`): one skeleton MoveNet made
#: of the pair gave her his elbow, her cut-out took it and cleared his forearm at her back, the
#: last false stop of the 112 runs (docs/accuracy.md, session 23). The hug's (`grey_fades`
#: turns it on with (a) and (b)); off unless told: on the side-lying jerk m58 with f34 it left
#: her unsure on more frames than measured (0.37 of 54, 0.32 allowed; `--variant ownjoints` of
#: `tools/calibrate/page_halts.py` measures it on).
OWN_JOINTS = False
#: The share of MediaPipe's step between looks her cut-out takes: 0, measured and not taken
#: (1 and 0.5 halted the 60° jerk at 30 frames/s within 2 frames at every phase but falsely
#: stopped the slow 60° hug: her landmarks moved into the grey the cut-out cleared, a loop).
FRAME_GAIN = 0.0
#: Per frame, a cut-out keypoint moves at most this share of her box's long side…
FRAME_STEP = 0.03
#: …and never further than this from where the last look found that keypoint (MoveNet's own;
#: or than the look left it, if further): the per-frame follow cannot walk onto the assistant,
#: whose arms are on her.
FRAME_REACH = 0.10
#: MediaPipe's landmarks followed from this visibility up.
FRAME_VIS = 0.5
#: MediaPipe's landmark for each COCO keypoint (nose, eyes, ears, shoulders, elbows, wrists,
#: hips, knees, ankles).
COCO_FROM_MP = [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]


class Detector(Protocol):
    def detect(self, rgb: Rgb) -> P.People: ...


class LooksFactory(Protocol):
    def __call__(self, detector: Detector, /) -> Looks: ...


class CropEstimator(Protocol):
    def estimate(self, rgb: Rgb, t: float | None = ...) -> tuple[F32, F32]: ...

    def close(self) -> None: ...


def to_frame(image: F32, crop: Crop, width: int, height: int) -> F32:
    """Landmarks normalised to the crop → normalised to the full frame (z scales with x)."""
    out = image.copy()
    cw, ch = crop.x1 - crop.x0, crop.y1 - crop.y0
    out[:, 0] = (image[:, 0] * cw + crop.x0) / width
    out[:, 1] = (image[:, 1] * ch + crop.y0) / height
    out[:, 2] = image[:, 2] * cw / width
    return out


#: MediaPipe's nose, left/right shoulder, left/right hip: the same points as `people.ANCHORS`.
_MP_ANCHORS = [0, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP]


def pose_anchors(image_px: NDArray[np.float64]) -> NDArray[np.float64]:
    """MediaPipe's anchor points (5, 2) from its landmarks in pixels (33, 2)."""
    return np.asarray(image_px[_MP_ANCHORS], np.float64)


class ReceiverPose:
    """An `Estimator` (RGB → image, world landmarks) that measures only the receiver.

    Not thread-safe; one per stream. `identity` and `choice` describe the last frame.
    """

    #: `estimate` takes the frame's time (`services.analyze.estimate_at`).
    takes_time = True

    def __init__(
        self,
        detector: Detector,
        open_pose: Callable[[], CropEstimator],
        *,
        every: int = EVERY,
        looks: LooksFactory = InLine,
        max_age: int | None = None,
        look_phase: float = 0.0,
        follow_frames: bool | None = None,
        moving: bool = True,
        fade_out: bool | None = None,
        cut_arms: bool | None = None,
        own_joints: bool | None = None,
        grey: bool = True,
    ) -> None:
        if not 0.0 <= look_phase < 1.0:
            raise ValueError(f"look_phase is a share of a look period (0 <= p < 1): {look_phase}")
        self.detector = detector
        #: Where the looks fall: the second look comes `look_phase` of a look period early
        #: (0: every `every`-th frame from the first). A measurement's knob (docs/accuracy.md,
        #: "Where the looks fall"): a jerk's latency and a slow hug's false stops depend on it.
        self.look_phase = look_phase
        #: A movement runs (`moving`): a look every `every / LOOK_FPS` seconds given the
        #: frames' times; otherwise every `every`-th frame. Nobody tells an offline stream (a
        #: clip analysed, the calibration tools, the benches): the movement's cadence throughout.
        self.movement = moving
        self._switched = 0  # the frame the cadence last changed on (it looks at once)
        self.open_pose = open_pose
        #: The cut-out follows her every frame from MediaPipe's landmarks (`FOLLOW_FRAMES`).
        self.follow_frames = FOLLOW_FRAMES if follow_frames is None else follow_frames
        #: His grey no longer drawn fades out (`FADE_OUT`); her cut-out wide by his arms
        #: (`CUT_ARMS`).
        self.fade_out = FADE_OUT if fade_out is None else fade_out
        self.cut_arms = CUT_ARMS if cut_arms is None else cut_arms
        #: Her cut-out takes no joint a look puts on his same joint (`OWN_JOINTS`).
        self.own_joints = OWN_JOINTS if own_joints is None else own_joints
        #: The assistant's drawn body is greyed over her crop (`grey_assistant`).
        self.grey = grey
        #: His drawn bodies, her cut-out and where grey clears at once (`ramped`), per redraw.
        self._target: tuple[
            NDArray[np.bool_] | None, NDArray[np.bool_] | None, NDArray[np.bool_] | None
        ] = (None, None, None)
        self._ramp_done = False  # the per-pixel mask reached `_target` (`fade_out`)
        self._cut: F32 | None = None  # her cut-out's keypoints (17, 3), pixels, this frame
        self._anchor: F32 | None = None  # MoveNet's keypoints of her on the last look
        self._prev: F32 | None = None  # MediaPipe's landmarks (33, 3: x, y px, vis) last frame
        self._ramp: NDArray[np.float32] | None = None  # the per-pixel mask last shown
        self.every = max(1, every)
        self.max_age = max_age if max_age is not None else MAX_AGE_LOOKS * self.every
        self.identity: P.Identity = "unsure"
        #: A wrist of the last frame's receiver near someone else's drawn body (`arms_cover`).
        self.covered = False
        #: Which of the last frame's receiver landmarks lie near someone else's drawn body
        #: (`arms_cover.near_mask`, bit k: landmark k; 0 unless her identity is sure).
        self.near = 0
        self.stale = 0  # frames made "unsure" by old roles or a receiver outside the crop
        self.settling = 0  # frames made "unsure" while MediaPipe settles after a restart
        self._fresh = 0  # frames still to settle after the last restart
        self._now: float | None = None  # this frame's time, when it has one
        self._settled_at: float | None = None  # given times: when the last restart has settled
        self.choice: P.Choice | None = None
        self.looks = 0
        self.restarts = 0  # times MediaPipe was made to look afresh (diagnostics)
        self._pose = open_pose()
        self._role = P.RoleState()
        self._crop: Crop | None = None
        self._mask: NDArray[np.bool_] | None = None
        self._basis: MaskBasis | None = None
        self._shown: NDArray[np.bool_] | NDArray[np.float32] | None = None  # on the last frame
        self._old_mask: NDArray[np.bool_] | NDArray[np.float32] | None = None  # fading from
        self._fade = FADE_FRAMES  # frames since the last redraw (FADE_FRAMES: done)
        self.redraws = 0  # times the grey mask was drawn (diagnostics)
        self._frame = 0
        self._t0: float | None = None  # the first timed frame's time (`_look_due`)
        self._slot: int | None = None  # the look period of the last timed frame
        self._looks = looks(detector)
        self._looked_at = -1  # the frame of the roles in use
        #: that frame's time, when it had one and was asked in a movement (the roles' age is
        #: then a time: `_roles_age`)
        self._looked_t: float | None = None
        self._asked: dict[int, float | None] = {}  # frames a look was asked on: `_looked_t`
        self._roles: P.Identity = "unsure"  # what the last look (and its check) said

    def receiver_lies(self, lying: bool | None) -> None:
        """Say whether the technique's receiver lies (the side-lying rotation): the role rule
        then never trusts a lone upright person (`people.RoleState.lying`: the kneeling
        assistant is who the detector finds when it misses the lying receiver). None: not
        known, so a lone upright person is not trusted either."""
        self._role = P.RoleState(lying=lying)

    def grey_fades(self, on: bool) -> None:
        """Say whether this technique's grey fades (`VideoNeeds.grey_fades`, the Seated Hug's):
        his grey a look no longer draws fades out, her cut-out is wide beside his arms and
        takes no joint of his (`fade_out`, `cut_arms`, `own_joints`); otherwise all off (the page's
        mask.js draws the first two when told, `MaskRule.fades`). Told before the first frame
        (`people.tell_technique`)."""
        self.fade_out = self.cut_arms = self.own_joints = on

    def grey_assistant(self, on: bool) -> None:
        """Say whether the assistant is greyed over her crop (`VideoNeeds.grey_assistant`; the
        page's mask.js when told, `MaskRule.grey_assistant`). False: MediaPipe sees her crop as
        the camera does; the looks, the crop, the identity guard and the near bits run as
        before. Told before the first frame (`people.tell_technique`)."""
        self.grey = on

    def moving(self, on: bool) -> None:
        """Say whether a movement runs (a live session tells it every frame from the engine's
        state: `people.tell_moving`, from the assistant's hold on, `rules.movement_watched`). In a
        movement, given the frames' times, a look comes every `every / LOOK_FPS` seconds and
        the roles' age is a time; otherwise a look every `every`-th frame and the age in frames
        (as before session 20). On a change the next frame looks at once, and the roles in use
        are judged by the cadence they were asked under until its answer comes, so the
        movement's first frames keep the receiver the set-up's looks found."""
        if on != self.movement:
            self.movement = on
            self._switched = self._frame
            self._t0 = self._slot = None

    def estimate(self, rgb: Rgb, t: float | None = None) -> tuple[F32, F32]:
        """`t`: the frame's time (s), passed to MediaPipe on the crop (`PoseModel.estimate`:
        its smoothing then follows the real frame rate; the hug's jerk at 20 frames/s was
        halted a frame late without it, docs/accuracy.md)."""
        height, width = rgb.shape[:2]
        frame = self._frame
        self._frame += 1
        self._now = t
        if (self._look_due(frame, t) or self._crop is None) and self._looks.submit(rgb, frame):
            self._asked[frame] = t if self.movement else None
        answer = self._looks.ready(frame)
        if answer is not None:
            self._look(answer, width, height)
            self._looked_t = self._asked.get(answer[0])
            self._asked = {k: v for k, v in self._asked.items() if k > answer[0]}
        self.covered = False
        self.near = 0
        if self._crop is None:  # no receiver yet: MediaPipe on the whole frame, for the view only
            self.identity = "unsure"
            return self._pose_at(rgb, t)
        crop = self._crop
        self._shown = self._mask_now(crop)
        image, world = self._pose_at(masked(rgb, crop, self._shown), t)
        image = to_frame(image, crop, width, height)
        anchors = pose_anchors(image[:, :2].astype(np.float64) * (width, height))
        if answer is not None:
            self._confirm(anchors)
        self.identity = self._roles
        if self._roles == "receiver" and (
            self._roles_age(frame, t) > self.max_age or not _inside(anchors, crop)
        ):
            self.identity = "unsure"
            self.stale += 1
        elif self._roles == "receiver" and self._settling(t):
            self.identity = "unsure"
            self.settling += 1
        self._fresh = max(0, self._fresh - 1)
        if self.follow_frames and FRAME_GAIN > 0:
            self._follow(image, width, height)
        # the others as the grey draws them (held still within `MASK_SLACK`), as measured
        others = [] if self._basis is None else [(o.keypoints, o.box) for o in self._basis.others]
        if self.identity == "receiver":
            self.near = near_mask(image[:, :2].astype(np.float64) * (width, height), others)
        self.covered = bool(self.near & ARMS_BITS)
        return image, world

    def _mask_now(self, crop: Crop) -> NDArray[np.bool_] | NDArray[np.float32] | None:
        """The grey shown on this frame: redrawn every frame (`follow_frames`), ramped while a
        fade runs (`fade_out`), or faded in after a look's redraw; none without the grey."""
        if not self.grey:
            return None
        if self.follow_frames:
            self._ramp = ramped(self._ramp, *self._follow_mask(crop))
            if self._ramp is not None and not ((self._ramp > 0) & (self._ramp < 1)).any():
                return self._ramp > 0.5  # no fade under way: the cheaper, same picture
            return self._ramp
        if self.fade_out:
            if self._ramp_done and self._ramp is not None:
                return self._shown
            self._ramp = ramped(self._ramp, *self._target)
            self._ramp_done = self._ramp is None or not ((self._ramp > 0) & (self._ramp < 1)).any()
            if self._ramp is not None and self._ramp_done:
                return self._ramp > 0.5  # the fades done: the cheaper, same picture
            return self._ramp
        self._fade = min(self._fade + 1, FADE_FRAMES)
        return faded(self._old_mask, self._mask, self._fade)

    def _roles_age(self, frame: int, t: float | None) -> float:
        """The age of the roles in use, in frames, or, given the frames' times and roles asked
        for in a movement, in frames of `LOOK_FPS` (`max_age` is then a time: 0.4 s at any
        frame rate, as at 30 frames/s)."""
        if t is None or self._looked_t is None:
            return float(frame - self._looked_at)
        return (t - self._looked_t) * LOOK_FPS - 1e-3

    def _settling(self, t: float | None) -> bool:
        """Is MediaPipe still settling after a restart: for `SETTLE_FRAMES` frames, or, given
        the frames' times, for as long as they last at `LOOK_FPS` (the same frames at 30)."""
        if t is None or self._settled_at is None:
            return self._fresh > 0
        return t < self._settled_at - 1e-3

    def _look_due(self, frame: int, t: float | None) -> bool:
        """Is a look due on this frame: every `every`-th frame, or, in a movement given the
        frames' times, on the first frame of each `every / LOOK_FPS` seconds since the first
        timed frame (the same frames at 30 frames/s); both counted from the last change of
        cadence (`moving`), which looks at once, and shifted by `look_phase` (the first frame
        always looks: there is no crop yet)."""
        if t is None or not self.movement:
            k = frame - self._switched
            return k == 0 or (k + round(self.look_phase * self.every)) % self.every == 0
        if self._t0 is None:
            self._t0 = t - self.look_phase * self.every / LOOK_FPS
        slot = math.floor((t - self._t0) * LOOK_FPS / self.every + 1e-3)
        due = slot != self._slot
        self._slot = slot
        return due

    def _pose_at(self, rgb: Rgb, t: float | None) -> tuple[F32, F32]:
        return self._pose.estimate(rgb) if t is None else self._pose.estimate(rgb, t)

    def _look(self, answer: tuple[int, P.People], width: int, height: int) -> None:
        self.looks += 1
        self._looked_at, found_people = answer
        choice, self._role = P.choose(found_people, self._role)
        relocked = self._roles == "unsure" and choice.reason == P.RELOCKED
        self.choice = choice
        self._roles = choice.identity
        if choice.receiver is None:
            return
        found = choice.people
        box = found.boxes[choice.receiver]
        crop = keep_or_move(self._crop, box, width, height)
        moved = crop != self._crop
        if moved or relocked:  # MediaPipe's tracked region belongs to the old image, or to
            self._restart()  # a scene the roles were unsure of: it looks afresh
        self._crop = crop
        receiver = (found.keypoints[choice.receiver], box)
        others = [(o.keypoints, o.box) for o in self._role.others]
        kept = self._basis
        if self.follow_frames and kept is not None and self._cut is not None:
            kept = replace(kept, receiver=replace(kept.receiver, keypoints=self._cut))
        basis = steady_basis(kept, receiver, others, self.own_joints)
        if self.follow_frames:  # the look corrects what the per-frame follow left over
            self._cut, self._anchor = basis.receiver.keypoints.copy(), receiver[0].copy()
        if self.grey and (moved or self._basis is None or not basis.same_drawing(self._basis)):
            drawn = [(o.keypoints, o.box) for o in basis.others]
            self._old_mask = None if moved else self._shown  # a new crop: MediaPipe restarts
            self._fade = 0
            hers = (basis.receiver.keypoints, basis.receiver.box)
            if self.fade_out or self.cut_arms:
                wide = CUT_SCALE if self.cut_arms else 1.0
                theirs, cut = cut_targets(hers, drawn, crop, wide, arms_only=self.cut_arms)
                near = body_mask(*hers, crop) if self.cut_arms else None
                self._target = (theirs, cut, near)
                self._mask = None if theirs is None or cut is None else theirs & ~cut
                self._ramp_done = False
            else:
                self._mask = others_mask(hers, drawn, crop)
            self.redraws += 1
        self._basis = basis

    def _follow_mask(self, crop: Crop) -> tuple[NDArray[np.bool_] | None, NDArray[np.bool_] | None]:
        """Everyone else's drawn bodies, and her cut-out where the per-frame follow has it."""
        if self._basis is None or not self._basis.others:
            return None, None
        receiver = self._basis.receiver
        cut = receiver.keypoints if self._cut is None else self._cut
        theirs = np.zeros((crop.y1 - crop.y0, crop.x1 - crop.x0), bool)
        for o in self._basis.others:
            theirs |= body_mask(o.keypoints, o.box, crop, scale=OTHERS_SCALE)
        return theirs, body_mask(cut, receiver.box, crop, scale=CUT_SCALE)

    def _follow(self, image: F32, width: int, height: int) -> None:
        """Move her cut-out by what MediaPipe's confident landmarks moved since the last frame
        (at most `FRAME_STEP` of her size a frame, within `FRAME_REACH` of the last look's
        keypoints), while she is the receiver and MediaPipe has settled."""
        now = np.column_stack((image[:, 0] * width, image[:, 1] * height, image[:, 3]))
        if self.identity != "receiver" or self._cut is None or self._anchor is None:
            self._prev = None
            return
        prev, self._prev = self._prev, now
        if prev is None or self._basis is None:
            return
        a, b = prev[COCO_FROM_MP], now[COCO_FROM_MP]
        box = self._basis.receiver.box
        length = float(max(box[2] - box[0], box[3] - box[1]))
        step = b[:, :2] - a[:, :2]
        ok = (
            np.isfinite(step).all(axis=1)
            & (a[:, 2] >= FRAME_VIS)
            & (b[:, 2] >= FRAME_VIS)
            & (self._cut[:, 2] >= P.MIN_SCORE)
            & (self._anchor[:, 2] >= P.MIN_SCORE)
        )
        if not ok.any():
            return
        step *= FRAME_GAIN
        size = np.hypot(step[:, 0], step[:, 1])
        step *= np.minimum(1.0, FRAME_STEP * length / np.maximum(size, 1e-9))[:, None]
        cut = self._cut.copy()
        was = np.hypot(*(cut[:, :2] - self._anchor[:, :2]).T)
        cut[ok, :2] += step[ok].astype(np.float32)
        off = cut[:, :2] - self._anchor[:, :2]
        far = np.hypot(off[:, 0], off[:, 1])
        # further than the reach only where the look left it further (never walks away)
        keep = np.minimum(1.0, np.maximum(FRAME_REACH * length, was) / np.maximum(far, 1e-9))
        cut[ok, :2] = self._anchor[ok, :2] + off[ok] * keep[ok, None].astype(np.float32)
        self._cut = cut

    def _confirm(self, pose: NDArray[np.float64]) -> None:
        """On a look: the pose model's reading must sit on the receiver, not on anyone else.
        It may also show the receiver where the detector only found the assistant."""
        choice, role = self.choice, self._role
        if choice is None:
            return
        others = [o.keypoints for o in role.others]
        if choice.identity == "receiver" and choice.receiver is not None:
            found = choice.people
            receiver = (found.keypoints[choice.receiver], found.boxes[choice.receiver])
            if pose_is_receiver(pose, receiver, others) is False:
                self._roles = "unsure"
                self._restart()
        elif choice.hidden and role.keypoints is not None and role.box is not None:
            last = (role.keypoints, np.asarray(role.box, np.float32))
            verdict = pose_is_receiver(pose, last, others, scale=2.0)
            if verdict:
                self._roles = "receiver"
            elif verdict is False:
                self._restart()

    def _restart(self) -> None:
        """Make MediaPipe look for the person afresh on the next frame. One blank frame drops
        its tracked region (it finds nobody there); reopening the graph would cost ~0.3 s."""
        self.restarts += 1
        self._fresh = SETTLE_FRAMES
        self._settled_at = None if self._now is None else self._now + SETTLE_FRAMES / LOOK_FPS
        self._fade = FADE_FRAMES  # MediaPipe looks afresh: the whole mask from now on
        self._ramp = None
        self._ramp_done = False
        self._prev = None
        self._pose.estimate(np.full((64, 64, 3), GREY, np.uint8))

    def close(self) -> None:
        self._looks.close()
        self._pose.close()

    def __enter__(self) -> ReceiverPose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _inside(anchors: NDArray[np.float64], crop: Crop) -> bool:
    """Do MediaPipe's seen anchor points (pixels) lie inside the crop?"""
    seen = anchors[np.isfinite(anchors).all(axis=1)]
    return bool(
        ((seen[:, 0] >= crop.x0) & (seen[:, 0] <= crop.x1)).all()
        and ((seen[:, 1] >= crop.y0) & (seen[:, 1] <= crop.y1)).all()
    )
