"""Monitors: from landmarks to the engine's `pose` events, for a whole clip or frame by frame.

`PoseMonitor.update(landmarks)` runs every stage on any number of new frames and
carries its state, so a clip analysed in one call and a camera fed one frame at a
time give the same numbers. Stages: left/right swaps spotted → identity guard →
measures → filtered primary measure (speed, velocity steps) → checks → the
monitors below, which fill each frame's `Pose` fields:

* tracked: the primary measure's landmarks seen by the same person; a gap of more
  than `grace_s` (300 ms) or any identity jump reads as tracking lost.
* checks_ok: the active set-up checks all pass (a check hidden for up to
  `grace_s` keeps its last verdict).
* speed_deg_s: |angular velocity| of the primary measure, °/s.
* range_deg: |primary measure − baseline|, the baseline being the primary measure
  on the first frame where the active checks pass (recaptured after an identity change).
* sudden: a velocity step above `sudden_step_deg_s` (15 °/s) within 200 ms, once a
  baseline exists; reported to the engine as a camera stop.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from backbuddy.domain.events import Event, Pose, Stop
from backbuddy.domain.techniques import Technique
from backbuddy.motion import angles, checks, kinematics, tracking
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
    last_checks_seen: float = float("-inf")
    checks_verdict: bool = False
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
        )

    def events(self, i: int) -> list[Event]:
        """Frame `i` as events: a `pose`, preceded by a camera `stop` when sudden motion began."""
        pose = self.pose(i)
        if self.sudden[i]:
            return [Stop(t=pose.t, source="camera"), pose]
        return [pose]

    def all_events(self) -> Iterator[Event]:
        for i in range(len(self)):
            yield from self.events(i)


class PoseMonitor:
    """Watches one receiver doing one technique; feed it landmarks, read `Trace`s.

    `active_checks` are the set-up checks that gate `checks_ok` and the baseline
    (default: the technique's first set-up step); a live session sets them from the
    engine's current step. `fps` sizes the filter windows.
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
    ) -> None:
        self.technique = technique
        self.primary = technique.primary_measure
        self.base = angles.base_measure(self.primary)
        self.measure_names = checks.measures_for(technique)
        self.filter = kinematics.SpeedFilter.for_fps(fps)
        default = technique.setup[0].checks
        self.active_checks: tuple[str, ...] = tuple(
            default if active_checks is None else active_checks
        )
        self.min_visibility = min_visibility
        self.grace_s = grace_s
        self.sudden_step = sudden_step_deg_s
        self._s = _State()

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
        s = self._s
        upper, lower, s.swap = tracking.find_swaps(lm, s.swap)
        swapped = upper | lower
        same, segment, s.identity = tracking.guard_identity(lm, s.identity)
        hip, shoulder = tracking.torso_points(lm)
        jump = np.isfinite(hip + shoulder).all(axis=1) & ~same
        measures = self._measures(lm, same)
        primary, s.history = kinematics.track(
            measures[self.base],
            lm.t,
            segment,
            periodic=self.base in angles.PERIODIC,
            filt=self.filter,
            history=s.history,
        )
        traces = checks.evaluate(self.technique, measures=measures, check_ids=self._all_check_ids())
        passed, visible = checks.all_pass(traces, self.active_checks)
        out = self._monitor(lm.t, same, jump, segment, primary, passed, visible)
        return Trace(
            t=lm.t,
            detected=lm.detected,
            same_person=same,
            jump=jump,
            swapped=swapped,
            segment=segment,
            measures=measures,
            primary=primary,
            checks=traces,
            **out,
        )

    def _all_check_ids(self) -> tuple[str, ...]:
        return checks.technique_check_ids(self.technique)

    def _measures(self, lm: Landmarks, same: BoolArray) -> dict[str, FloatArray]:
        thr = self.min_visibility
        facing = angles.facing_sign(lm, thr)
        if np.isfinite(self._s.facing):
            facing = np.where(np.isnan(facing), self._s.facing, facing)
        known = facing[np.isfinite(facing)]
        if known.size:
            self._s.facing = float(known[-1])
        out: dict[str, FloatArray] = {}
        for name in dict.fromkeys(("trunk_incline_deg", *self.measure_names)):
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
        passed: BoolArray,
        visible: BoolArray,
    ) -> dict[str, np.ndarray]:
        """The per-frame monitors: a plain loop over scalars (cheap, and stateful by nature)."""
        s = self._s
        n = t.shape[0]
        tracked = np.zeros(n, bool)
        checks_ok = np.zeros(n, bool)
        sudden = np.zeros(n, bool)
        speed = np.zeros(n)
        rng = np.zeros(n)
        baseline = np.full(n, np.nan)
        value, velocity, step = (
            primary.value.tolist(),
            primary.velocity.tolist(),
            primary.step.tolist(),
        )
        grace, limit = self.grace_s, self.sudden_step
        for i, ti in enumerate(t.tolist()):
            seg = int(segment[i])
            seen = bool(same[i]) and value[i] == value[i]  # NaN != NaN
            if seg != s.baseline_segment and s.baseline_segment >= 0:
                s.baseline, s.baseline_segment = float("nan"), -1
            if seen:
                s.last_seen = ti
            if visible[i] and same[i]:
                s.last_checks_seen, s.checks_verdict = ti, bool(passed[i])
            elif ti - s.last_checks_seen > grace:
                s.checks_verdict = False
            ok_now = ti - s.last_seen <= grace and not jump[i]
            if seen and s.checks_verdict and visible[i] and s.baseline != s.baseline:
                s.baseline, s.baseline_segment = value[i], seg
            if seen:  # not yet measurable (tracking just began) reads 0, not a stale value
                s.speed = abs(velocity[i]) if velocity[i] == velocity[i] else 0.0
            if seen and s.baseline == s.baseline:
                s.range = abs(value[i] - s.baseline)
            jerk = seen and s.baseline == s.baseline and step[i] > limit
            sudden[i] = jerk and not s.sudden
            s.sudden = jerk
            tracked[i] = ok_now
            if not ok_now:
                s.speed = 0.0
            checks_ok[i] = s.checks_verdict and ok_now
            speed[i], rng[i], baseline[i] = s.speed, s.range, s.baseline
        return {
            "tracked": tracked,
            "checks_ok": checks_ok,
            "speed": speed,
            "range": rng,
            "baseline": baseline,
            "sudden": sudden,
        }
