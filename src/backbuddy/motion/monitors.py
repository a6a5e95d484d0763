"""Monitors: from landmarks to the engine's `pose` events, for a whole clip or frame by frame.

`PoseMonitor.update(landmarks)` runs every stage on any number of new frames and
carries its state, so a clip analysed in one call and a camera fed one frame at a
time give the same numbers. Stages: left/right swaps spotted → identity guard →
measures → filtered primary measure (speed, velocity steps) → checks → the
monitors below, which fill each frame's `Pose` fields:

* tracked: the primary measure's landmarks seen by the same person; a gap of more
  than `grace_s` (300 ms) or any identity jump reads as tracking lost.
* identity: "unsure" on frames where the two-person step could not tell the receiver
  from the assistant (`Landmarks.unsure`); those frames are not measured at all (their
  landmarks may be the assistant's: speed 0, no checks, no baseline), and are tracked
  while someone is in view, so the engine pauses for identity, not for lost tracking.
* checks_ok: the active set-up checks all pass while tracked (a check hidden for up
  to `checks.HOLD_HIDDEN_S` keeps the verdict it had when last seen). A check read from the
  receiver's hands (`read_alone`) is not read on frames where a wrist of hers lies near the
  assistant's body (`Landmarks.covered`, `arms_cover`): the verdict seen with her alone
  counts there while she stays tracked, and without a pass seen then it does not pass
  (`checks.cover`).
* speed_deg_s: |angular velocity| of the primary measure, °/s.
* range_deg: |primary measure − baseline|, the baseline being the primary measure
  on the first frame where the active checks are all seen and pass (recaptured after
  an identity change).
* sudden: a velocity step above `sudden_step_deg_s` (15 °/s) within 200 ms, once a
  baseline exists; reported to the engine as a camera stop.
* failing: the active checks not passing on the frame (empty while checks_ok).
* placement_ok: the camera's view, read from the still set-up pose, lies where the technique's
  measures were shown valid (`placement_gate`; issue 12).
* camera_moved: the camera moved and its view is being read again (`view_watch`): the view
  gain, the baseline and the placement are taken afresh from the new still pose, and the
  speed fit restarts, so nothing compares readings from two views.
* covered: her arms lie on the assistant's body (`Landmarks.covered`); the engine waits for her
  landmarks to settle after it rises (`Technique.hold_settle_s`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from backbuddy.domain.events import Event, Pose
from backbuddy.domain.techniques import Check, PlacementRegion, Technique, VideoNeeds
from backbuddy.motion import (
    angles,
    arms_cover,
    checks,
    joints,
    kinematics,
    placement,
    placement_gate,
    placement_hints,
    tracking,
    view_watch,
)
from backbuddy.motion import landmarks as L
from backbuddy.motion.checks import Alone
from backbuddy.motion.landmarks import MIN_VISIBILITY, BoolArray, FloatArray, Landmarks

#: Landmarks unseen for longer than this means tracking is lost (issue 4).
GRACE_S = 0.3
#: A velocity change larger than this within 200 ms is sudden motion (clinical-facts §4).
SUDDEN_STEP_DEG_S = 15.0


@dataclass
class _State:
    swap: tracking.SwapState = field(default_factory=tracking.SwapState)
    identity: tracking.IdentityState = field(default_factory=tracking.IdentityState)
    facing: float = float("nan")
    history: kinematics.History = field(default_factory=kinematics.History.empty)
    last_seen: float = float("-inf")
    checks: checks.Memory = field(default_factory=checks.Memory)
    alone: dict[str, Alone] = field(default_factory=dict)
    speed: float = 0.0
    range: float = 0.0
    baseline: float = float("nan")
    baseline_segment: int = -1
    sudden: bool = False


@dataclass(frozen=True)
class Trace:
    """What the monitors saw on each of T frames (arrays of shape (T,) unless noted)."""

    t: FloatArray
    detected: BoolArray
    same_person: BoolArray
    jump: BoolArray
    swapped: BoolArray
    segment: NDArray[np.int64]
    measures: dict[str, FloatArray]
    primary: kinematics.Track
    checks: dict[str, checks.CheckTrace]
    tracked: BoolArray
    checks_ok: BoolArray
    speed: FloatArray
    range: FloatArray
    baseline: FloatArray
    sudden: BoolArray
    placement: placement_gate.GateTrace
    unsure: BoolArray
    camera_moved: BoolArray
    #: The set-up checks that gated `checks_ok` on these frames.
    active_checks: tuple[str, ...] = ()
    #: Her arms on the assistant's body (`Landmarks.covered`), passed on to the engine: its rise
    #: is a new hold, after which no attempt starts until her landmarks settle.
    covered: BoolArray | None = None
    region: PlacementRegion | None = None
    video: VideoNeeds = VideoNeeds()

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def pose(self, i: int) -> Pose:
        """The engine's `pose` event for frame `i` (t is the frame's time in seconds)."""
        return Pose(
            t=float(self.t[i]),
            tracked=bool(self.tracked[i]),
            checks_ok=bool(self.checks_ok[i]),
            speed_deg_s=float(self.speed[i]),
            range_deg=float(self.range[i]),
            sudden=bool(self.sudden[i]),
            failing=self.failing(i),
            placement_ok=bool(self.placement.ok[i]),
            identity="unsure" if self.unsure[i] else "receiver",
            camera_moved=bool(self.camera_moved[i]),
            covered=self.covered is not None and bool(self.covered[i]),
        )

    def failing(self, i: int) -> tuple[str, ...]:
        """The active checks not passing on frame `i` (none while `checks_ok`): a refused
        `ready` names the first."""
        if self.checks_ok[i]:
            return ()
        return tuple(c for c in self.active_checks if self.checks[c].status[i] != checks.PASS)

    def placement_hint(self, i: int) -> str | None:
        """What to change about the camera on frame `i` (None when its placement is fine)."""
        return self.placement_words(i)[0]

    def placement_picture(self, i: int) -> str | None:
        """The set-up page's picture for frame `i` (`placement_hints.picture`)."""
        return self.placement_words(i)[1]

    def placement_words(self, i: int) -> tuple[str | None, str | None]:
        """(`placement_hint(i)`, `placement_picture(i)`), the view and the changes to ask for
        worked out once (a live frame sends both): no words and "accepted" for an open gate. A
        gate shut after it had been open with the camera not seen to move since
        (`GateTrace.opened`) does not ask to move the camera (`placement_hints.UNMOVED`), nor
        one with no view read with her apart while the assistant holds her
        (`GateTrace.covered`, `placement_hints.LET_GO`)."""
        gate = self.placement
        if gate.ok[i]:
            return None, "accepted"
        opened = gate.opened is not None and bool(gate.opened[i])
        covered = gate.covered is not None and bool(gate.covered[i])
        return placement_hints.hint_and_picture(
            self.region, *self._view_at(i), self._video_at(i), self._side_at(i), opened, covered
        )

    def _side_at(self, i: int) -> float:
        """The receiver's top side as the gate last saw it on frame `i` (NaN: not asked)."""
        side = self.placement.side
        return float("nan") if side is None else float(side[i])

    def _view_at(self, i: int) -> tuple[tuple[float, float] | None, bool]:
        az, el = float(self.placement.azimuth[i]), float(self.placement.elevation[i])
        known = (az, el) if math.isfinite(az) and math.isfinite(el) else None
        # NaN (not seen) reads as upright, as `np.nan_to_num` makes it: NaN > x is False too
        incline = float(self.measures["trunk_incline_deg"][i])
        return known, incline > placement.LYING_INCLINE_DEG

    def _video_at(self, i: int) -> str | None:
        """What to change about the camera's picture or frame rate on frame `i`, if anything."""
        gate = self.placement
        rate = float(gate.rate[i]) if gate.rate is not None else float("nan")
        jitter = float(gate.jitter[i]) if gate.jitter is not None else float("nan")
        return placement_hints.video_hint(self.video, rate, gate.landscape, gate.size, jitter)

    def events(self, i: int) -> list[Event]:
        """Frame `i` as events: its `pose` (the engine judges a sudden jerk by phase)."""
        return [self.pose(i)]

    def all_events(self) -> Iterator[Event]:
        for i in range(len(self)):
            yield from self.events(i)


def _receiver_only(lm: Landmarks, unsure: BoolArray) -> Landmarks:
    """The landmarks with the frames of unsure identity blanked (no person): they may be the
    assistant's, so they feed no measure, baseline, speed or identity guard."""
    if not unsure.any():
        return lm
    if len(lm) == 1:  # a live frame of unsure identity: blank as a whole
        return _blank_frame(lm, unsure)
    image, world = lm.image.copy(), lm.world.copy()
    image[unsure] = np.nan
    world[unsure] = np.nan
    return Landmarks(image, world, lm.t, lm.size, lm.person, unsure, lm.covered, lm.near)


#: Blank live frames' derived arrays (pixels, world points, visibilities, torso points, the
#: frame's floats), per picture size: the same for every such frame (`_blank_frame`).
_BLANK: dict[tuple[int, int], Landmarks] = {}
#: One frame of nobody (all NaN), read-only: shared by every blank live frame.
_NOBODY = L.no_person()
_NOBODY.flags.writeable = False
#: Picture sizes whose blank frame is kept (a session sends one or two).
_BLANK_SIZES = 8


def _blank_frame(lm: Landmarks, unsure: BoolArray) -> Landmarks:
    """`_receiver_only` of one frame of unsure identity: nobody (all NaN), with the arrays
    every stage derives from it already worked out (read-only, shared by every blank frame of
    this picture size): the same numbers, without converting 33 NaN points a frame (issue 15:
    the two-person step's unsure frames, the bench's case)."""
    if lm.person == 0:  # a live camera's (`Landmarks.frame`: no per-frame checks)
        out = Landmarks.frame(
            _NOBODY,
            _NOBODY,
            float(lm.t[0]),
            lm.size,
            True,
            bool(lm.wrists_covered[0]),
            int(lm.near_bits[0]),
        )
    else:
        out = Landmarks(
            _NOBODY[None], _NOBODY[None], lm.t, lm.size, lm.person, unsure, lm.covered, lm.near
        )
    ref = _BLANK.get(out.size)
    if ref is None:
        ref = Landmarks(L.no_person()[None], L.no_person()[None], np.zeros(1), out.size)
        ref.pixels(), ref.world_xyz(), ref.visibility(), ref.frame_floats()
        tracking.torso_points(ref)
        for derived in ref._pixels.values():
            derived.flags.writeable = False
        if len(_BLANK) >= _BLANK_SIZES:
            _BLANK.clear()
        _BLANK[out.size] = ref
    out._pixels.update(ref._pixels)
    out._floats.extend(ref._floats)
    return out


class PoseMonitor:
    """Watches one receiver doing one technique; feed it landmarks, read `Trace`s.

    `active_checks` are the set-up checks that gate `checks_ok` and the baseline
    (default: the technique's first set-up step); a live session sets them from the
    engine's current step. `fps` sizes the filter windows. `live`: only what a live session's
    pose events need, frame by frame (issue 15: a server serves many): the active checks
    alone are evaluated, and left/right swaps are not looked for (`Trace.swapped` stays
    False; reports of recorded clips are made with `live=False`). The pose events are the same.
    """

    def __init__(
        self,
        technique: Technique,
        *,
        fps: float = 30.0,
        active_checks: Sequence[str] | None = None,
        min_visibility: float = MIN_VISIBILITY,
        grace_s: float = GRACE_S,
        sudden_step_deg_s: float = SUDDEN_STEP_DEG_S,
        live: bool = False,
    ) -> None:
        self.technique = technique
        self.primary = technique.primary_measure
        self.base = angles.base_measure(self.primary)
        self.measure_names = checks.measures_for(technique)
        self.filter = kinematics.SpeedFilter.for_fps(fps)
        if self.base in angles.NOISE_FLOOR:
            self.filter = replace(self.filter, noise_floor_deg=angles.NOISE_FLOOR[self.base])
        default = technique.setup[0].checks
        self.active_checks: tuple[str, ...] = tuple(
            default if active_checks is None else active_checks
        )
        self.min_visibility = min_visibility
        self._elbow_checks = any(c.covered_elbows_rise_above is not None for c in technique.checks)
        #: Per `read_alone` check: the bits of the landmarks its measure reads
        #: (`arms_cover.reads_bits`; a measure not listed there is refused here).
        self._reads = {
            c.id: arms_cover.reads_bits(angles.base_measure(c.measure))
            for c in technique.checks
            if c.read_alone
        }
        self._sided = any(left or right for _, left, right in self._reads.values())
        self._view_alone = technique.video.view_read_alone
        self.grace_s = grace_s
        self.sudden_step = sudden_step_deg_s
        self.placement = placement_gate.PlacementGate(
            technique.placement, fps=fps, video=technique.video
        )
        self.view_watch = view_watch.ViewWatch(fps=fps)
        self.live = live
        self._s = _State()
        #: The measures `_measures` computes, per tuple of active checks.
        self._names: dict[tuple[str, ...], tuple[str, ...]] = {}
        #: Per tuple of active checks: each check's id, the check and its measure's name.
        self._check_plan: dict[tuple[str, ...], tuple[tuple[str, Check, str], ...]] = {}

    @property
    def baseline(self) -> float | None:
        """The primary measure's baseline (its own units), or None before it is captured."""
        b = self._s.baseline
        return None if np.isnan(b) else b

    def reset_baseline(self) -> None:
        """Capture a new baseline the next time the active checks pass."""
        self._s.baseline = float("nan")
        self._s.baseline_segment = -1

    def update(self, lm: Landmarks) -> Trace:
        """Run every stage on the new frames `lm` (one or many) and return their trace."""
        if self.live and len(lm) == 1:  # a live frame: plain values (issue 15)
            from backbuddy.motion.monitor_one import update_one

            return update_one(self, lm)
        s = self._s
        unsure = lm.identity_unsure
        detected = lm.detected
        lm = _receiver_only(lm, unsure)
        if self.live:
            swapped = np.zeros(len(lm), bool)
        else:
            upper, lower, s.swap = tracking.find_swaps(lm, s.swap)
            swapped = upper | lower
        same, segment, s.identity = tracking.guard_identity(lm, s.identity)
        hip, shoulder = tracking.torso_points(lm)
        jump = np.isfinite(hip + shoulder).all(axis=1) & ~same
        view = placement.estimate_view(lm, min_visibility=self.min_visibility)
        watch = self._watch(lm, same, segment, hip, shoulder, view)
        # A moved camera's re-read starts a new epoch: a new speed fit and a new baseline.
        # Both counters only grow, so their sum changes exactly when either does.
        epoch_segment = segment + watch.epoch
        measures = self._measures(lm, same)
        gain = self._view_gain(watch.cos)
        read = measures[self.base] * gain
        primary, s.history = kinematics.track(
            read,
            lm.t,
            epoch_segment,
            periodic=self.base in angles.PERIODIC,
            filt=self.filter,
            history=s.history,
        )
        traces = checks.evaluate(self.technique, measures=measures, check_ids=self._all_check_ids())
        side = None
        if self._sided or placement_gate.top_side_of(self.technique.placement) is not None:
            side = joints.top_side(lm, self.min_visibility)
        traces, s.alone = checks.cover(
            traces,
            self._covered(lm, side, traces),
            same,
            detected,
            segment,
            lm.t,
            s.alone,
            self.grace_s,
            elbows=self._elbows(lm),
        )
        held, fresh, s.checks = checks.held_pass(traces, self.active_checks, lm.t, same, s.checks)
        # A frame of unsure identity is measured as none: no speed, range, checks or baseline
        # from it. It counts as tracked while people are in view, so the engine's words say
        # "who is the receiver?" (identity), not "can't see" (tracking).
        out = self._monitor(lm.t, same, jump | unsure, epoch_segment, primary, held, fresh)
        out["tracked"] = np.where(unsure, detected & ~jump, out["tracked"])
        still = out["speed"] <= self.technique.limits.gentle_speed_deg_s
        if placement_gate.top_side_of(self.technique.placement) is None:
            side = None
        gate = self.placement.update(
            view,
            still & same & ~unsure,
            lm.t,
            lm.size,
            forget=watch.moved,
            measure=read,
            side=side,
            covered=(lm.near_bits & arms_cover.VIEW_BITS) != 0 if self._view_alone else None,
        )
        return Trace(
            t=lm.t,
            detected=detected,
            same_person=same,
            jump=jump,
            swapped=swapped,
            segment=segment,
            measures=measures,
            primary=primary,
            checks=traces,
            placement=gate,
            region=self.technique.placement,
            video=self.technique.video,
            unsure=unsure,
            camera_moved=watch.relooking,
            **out,
            active_checks=self.active_checks,
            covered=lm.wrists_covered,
        )

    def _watch(
        self,
        lm: Landmarks,
        same: BoolArray,
        segment: NDArray[np.int64],
        hip: FloatArray,
        shoulder: FloatArray,
        view: placement.View,
    ) -> view_watch.WatchTrace:
        """The camera-move watch over these frames (`view_watch`)."""
        length = np.hypot(*(shoulder - hip).T)
        # NaN wherever the person is not the same one: not computed when that is every frame.
        cos = (
            np.where(same, angles.view_cos(lm, self.min_visibility), np.nan)
            if same.any()
            else np.full(same.shape, np.nan)
        )
        px = lm.pixels()
        sides = np.concatenate([px[:, L.LEFT_SHOULDER], px[:, L.RIGHT_SHOULDER]], axis=1)
        columns = view_watch.Columns(
            lm.t, same, segment, hip, length, view.azimuth, view.elevation, cos, sides
        )
        return self.view_watch.scan_columns(columns)

    def _view_gain(self, cos: FloatArray) -> FloatArray:
        """Per frame, the gain that undoes the view's shrinking of a sagittal primary measure.

        1 for other measures. The view is read on the first `view_watch.VIEW_S` of frames where the
        torso is seen (the median so far), then kept until the camera moves (`view_watch`:
        a gain that changed during the movement would read as speed).
        """
        if self.base not in angles.SAGITTAL:
            return np.ones(cos.shape[0])
        return angles.view_gains(cos)

    def _covered(
        self, lm: Landmarks, side: FloatArray | None, traces: dict[str, checks.CheckTrace]
    ) -> dict[str, BoolArray]:
        """Per `read_alone` check evaluated: its covered frames, where a landmark its measure
        reads lies near someone else's body (`arms_cover.covered_by`)."""
        near = lm.near_bits
        return {
            cid: arms_cover.covered_by(near, side, plan)
            for cid, plan in self._reads.items()
            if cid in traces
        }

    def _all_check_ids(self) -> tuple[str, ...]:
        return self.active_checks if self.live else checks.technique_check_ids(self.technique)

    def _measure_names(self) -> tuple[str, ...]:
        if not self.live:
            return self.measure_names
        return tuple(
            angles.base_measure(self.technique.check(c).measure) for c in self.active_checks
        )

    def _elbows(self, lm: Landmarks) -> FloatArray | None:
        """Her elbows' drop (`joints.elbow_drop`), read on every frame where a check uses it
        (the hug's): the covered rule compares its covered readings with the reading of the
        last frame **apart**, so that frame must be read too. Session 21: read only on covered
        frames, a live session (one frame per call) never had a reading apart and the rule
        never fired (the late drop passed for 54 frames frame by frame, 0 in one call)."""
        if not self._elbow_checks:
            return None
        return joints.elbow_drop(lm, self.min_visibility)

    def _measures(self, lm: Landmarks, same: BoolArray) -> dict[str, FloatArray]:
        thr = self.min_visibility
        facing = angles.facing_sign(lm, thr)
        if np.isfinite(self._s.facing):
            facing = np.where(np.isnan(facing), self._s.facing, facing)
        known = facing[np.isfinite(facing)]
        if known.size:
            self._s.facing = float(known[-1])
        out: dict[str, FloatArray] = {}
        names = self._names.get(self.active_checks)
        if names is None:  # once per set of active checks (a live session: per step)
            names = tuple(dict.fromkeys(("trunk_incline_deg", self.base, *self._measure_names())))
            self._names[self.active_checks] = names
        if not same.any():
            # No frame of the same person (nobody, an unsure identity blanked, a jump): every
            # measure reads NaN whatever it computes (below), so none is computed (the facing
            # above is still read and carried: it is kept across frames).
            return {name: np.full(same.shape, np.nan) for name in names}
        for name in names:
            if name == "trunk_lean_deg":
                values = angles.trunk_lean_deg(lm, thr, facing=facing)
            else:
                values = angles.MEASURES[name](lm, thr)
            out[name] = np.where(same, values, np.nan)
        return out

    def _monitor(
        self,
        t: FloatArray,
        same: BoolArray,
        jump: BoolArray,
        segment: NDArray[np.int64],
        primary: kinematics.Track,
        held: BoolArray,
        fresh: BoolArray,
    ) -> dict[str, np.ndarray]:
        """The per-frame monitors: a plain loop over scalars (cheap, and stateful by nature).

        State lives in locals during the loop (attribute access costs more than the
        arithmetic) and goes back into `self._s` at the end.
        """
        s = self._s
        n = t.shape[0]
        tracked, checks_ok, sudden = [False] * n, [False] * n, [False] * n
        speed, rng, baseline = [0.0] * n, [0.0] * n, [0.0] * n
        value, velocity = primary.value.tolist(), primary.velocity.tolist()
        step = primary.step.tolist()
        same_l, jump_l, seg_l = same.tolist(), jump.tolist(), segment.tolist()
        held_l, fresh_l = held.tolist(), fresh.tolist()
        grace, limit = self.grace_s, self.sudden_step
        last_seen = s.last_seen
        cur_speed, cur_range, base, base_seg, was_sudden = (
            s.speed,
            s.range,
            s.baseline,
            s.baseline_segment,
            s.sudden,
        )
        for i, ti in enumerate(t.tolist()):
            v = value[i]
            seen = same_l[i] and v == v  # NaN != NaN
            if base_seg >= 0 and seg_l[i] != base_seg:  # another person: a new baseline
                base, base_seg = math.nan, -1
            if seen:
                last_seen = ti
            ok_now = ti - last_seen <= grace and not jump_l[i]
            if seen:
                if fresh_l[i] and base != base:
                    base, base_seg = v, seg_l[i]
                vel = velocity[i]  # not yet measurable (tracking just began) reads 0
                cur_speed = abs(vel) if vel == vel else 0.0
                if base == base:
                    cur_range = abs(v - base)
            jerk = seen and base == base and step[i] > limit
            sudden[i] = jerk and not was_sudden
            was_sudden = jerk
            if not ok_now:
                cur_speed = 0.0
            tracked[i] = ok_now
            checks_ok[i] = held_l[i] and ok_now
            speed[i], rng[i], baseline[i] = cur_speed, cur_range, base
        # (`monitor_one.update_one` repeats this loop's body for a live frame: keep them alike)
        s.last_seen = last_seen
        s.speed, s.range, s.baseline, s.baseline_segment, s.sudden = (
            cur_speed,
            cur_range,
            base,
            base_seg,
            was_sudden,
        )
        return {
            "tracked": np.array(tracked, bool),
            "checks_ok": np.array(checks_ok, bool),
            "speed": np.array(speed),
            "range": np.array(rng),
            "baseline": np.array(baseline),
            "sudden": np.array(sudden, bool),
        }
