"""`PoseMonitor.update` for one live frame, on plain values (issue 15: a server serves many).

A live session feeds its monitor one frame at a time; the whole-clip stages then spend most
of their time in numpy's per-call cost on arrays of one (~880 Python calls and ~60 small
arrays a frame). This runs the same stages in the same order on floats, through the one-frame
paths the stages already have (`angles_one`, `placement_one`, `kinematics_one`, the identity
guard's `_step`, `ViewWatch.scan_one`, `PlacementGate.update_one`), each falling back to the
vectorised code on a degenerate frame as before, and hands the stages' shared quantities (the
torso points, the view, the measures as floats) down instead of reading them again. The
arrays of one the `Trace` holds are made once, at the end. Every output is bit for bit the
whole-stream code's: tests/unit/motion/test_monitor_one_frame.py feeds random real streams
both ways, and the golden monitor output (tests/unit/web/test_monitor_golden.py) holds.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from backbuddy.motion import (
    angles,
    angles_one,
    arms_cover,
    checks,
    joints,
    kinematics,
    placement,
    placement_gate,
)
from backbuddy.motion import landmarks as L
from backbuddy.motion.kinematics_one import ONE_FRAME_FAILS, track_one
from backbuddy.motion.placement_one import estimate_view_one
from backbuddy.motion.tracking import _step as identity_step
from backbuddy.motion.view_watch import Frame

if TYPE_CHECKING:
    from backbuddy.motion.landmarks import Landmarks
    from backbuddy.motion.monitors import PoseMonitor, Trace


def update_one(m: PoseMonitor, lm: Landmarks) -> Trace:
    """`m.update(lm)` for the one frame in `lm` (`m.live`): the same numbers and state."""
    from backbuddy.motion import monitors

    s = m._s
    thr = m.min_visibility
    unsure_a = lm.identity_unsure
    unsure = bool(unsure_a[0])
    t = float(lm.t[0])
    detected = math.isfinite(float(lm.image[0, L.NOSE, 0]))
    if unsure:
        lm = monitors._blank_frame(lm, unsure_a)
    px, _, _ = lm.frame_floats()
    lh, rh, ls, rs = px[L.LEFT_HIP], px[L.RIGHT_HIP], px[L.LEFT_SHOULDER], px[L.RIGHT_SHOULDER]
    hx, hy = (lh[0] + rh[0]) / 2, (lh[1] + rh[1]) / 2  # `tracking.torso_points`
    sx, sy = (ls[0] + rs[0]) / 2, (ls[1] + rs[1]) / 2
    same = False
    if math.isfinite(hx) and math.isfinite(hy) and math.isfinite(sx) and math.isfinite(sy):
        same, s.identity = identity_step(s.identity, t, hx, hy, sx, sy)
    segment = s.identity.segment
    jump = math.isfinite(hx + sx) and math.isfinite(hy + sy) and not same
    az, el = _view(lm, thr)
    # the camera-move watch (`PoseMonitor._watch`)
    length = float(np.hypot(sx - hx, sy - hy))
    one = angles_one.One(lm)  # the frame's floats, shared by the view and every measure
    cos = _one(one, lm, thr, "view_cos") if same else math.nan
    frame = Frame(t, same, segment, (hx, hy), length, az, el, cos, (ls[0], ls[1], rs[0], rs[1]))
    relooking, gain_cos, epoch, moved = m.view_watch.scan_one(frame)
    epoch_segment = segment + epoch
    values = _measures(m, lm, one, same)
    gain = 1.0
    if m.base in angles.SAGITTAL:
        gain = angles.view_gain(gain_cos) if gain_cos == gain_cos else 1.0
    read = values[m.base] * gain
    periodic = m.base in angles.PERIODIC
    try:  # `kinematics.track` of one sample (`kinematics_one`)
        primary, s.history = track_one(read, t, epoch_segment, periodic, m.filter, s.history)
    except ONE_FRAME_FAILS:  # a degenerate sample: the general code gives numpy's NaN or inf
        primary, s.history = kinematics.track(
            np.array([read]),
            lm.t,
            np.array([epoch_segment], np.int64),
            periodic=periodic,
            filt=m.filter,
            history=s.history,
        )
    measures = {name: np.array([v]) for name, v in values.items()}
    same_a, seg_a = np.array([same]), np.array([segment], np.int64)
    traces = _evaluate(m, values, measures)
    present = np.array([detected])
    covered = lm.wrists_covered
    gated_side = placement_gate.top_side_of(m.technique.placement) is not None
    side = math.nan
    if gated_side or (m._sided and any(cid in m._reads for cid in traces)):
        side = float(joints.top_side(lm, thr)[0])
    near = int(lm.near_bits[0])
    traces, s.alone = checks.cover(
        traces,
        _covered(m, near, side, traces),
        same_a,
        present,
        seg_a,
        lm.t,
        s.alone,
        m.grace_s,
        elbows=_elbows(m, lm, one, same, traces),
    )
    held, fresh, s.checks = checks.held_pass(traces, m.active_checks, lm.t, same_a, s.checks)
    ok_now, sudden = _monitor(m, t, same, jump or unsure, epoch_segment, primary, bool(fresh[0]))
    tracked = (detected and not jump) if unsure else ok_now
    still = s.speed <= m.technique.limits.gentle_speed_deg_s
    view_covered = bool(near & arms_cover.VIEW_BITS) if m._view_alone else None
    gate = m.placement.update_one(
        az,
        el,
        still and same and not unsure,
        t,
        lm.size,
        moved,
        read,
        side if gated_side else math.nan,
        view_covered,
    )
    return monitors.Trace(
        t=lm.t,
        detected=present,
        same_person=same_a,
        jump=np.array([jump]),
        swapped=np.zeros(1, bool),
        segment=seg_a,
        measures=measures,
        primary=primary,
        checks=traces,
        placement=gate,
        region=m.technique.placement,
        video=m.technique.video,
        unsure=unsure_a,
        camera_moved=np.array([relooking]),
        tracked=np.array([tracked]),
        checks_ok=np.array([bool(held[0]) and ok_now]),
        speed=np.array([s.speed]),
        range=np.array([s.range]),
        baseline=np.array([s.baseline]),
        sudden=np.array([sudden]),
        active_checks=m.active_checks,
        covered=covered,
    )


def _covered(
    m: PoseMonitor, near: int, side: float, traces: dict[str, checks.CheckTrace]
) -> dict[str, np.ndarray]:
    """`PoseMonitor._covered` of one frame, on its `near` bit mask and top side (NaN: either)."""
    out: dict[str, np.ndarray] = {}
    for cid, (both, left, right) in m._reads.items():
        if cid in traces:
            mask = both | (left if not side < 0 else 0) | (right if not side > 0 else 0)
            out[cid] = _BOOL[bool(near & mask)]
    return out


#: One frame's covered arrays (read-only, shared).
_BOOL = (np.array([False]), np.array([True]))
for _b in _BOOL:
    _b.flags.writeable = False


def _monitor(
    m: PoseMonitor,
    t: float,
    same: bool,
    jump: bool,
    segment: int,
    primary: kinematics.Track,
    fresh: bool,
) -> tuple[bool, bool]:
    """`PoseMonitor._monitor`'s loop on its one frame (keep them alike): (tracked, sudden); the
    speed, range and baseline go into the monitor's state, as the loop leaves them."""
    s = m._s
    v, velocity = primary.value.tolist()[0], primary.velocity.tolist()[0]
    base, base_seg = s.baseline, s.baseline_segment
    cur_speed, cur_range = s.speed, s.range
    seen = same and v == v  # NaN != NaN
    if base_seg >= 0 and segment != base_seg:  # another person: a new baseline
        base, base_seg = math.nan, -1
    if seen:
        s.last_seen = t
    ok_now = t - s.last_seen <= m.grace_s and not jump
    if seen:
        if fresh and base != base:
            base, base_seg = v, segment
        cur_speed = abs(velocity) if velocity == velocity else 0.0  # not yet measurable: 0
        if base == base:
            cur_range = abs(v - base)
    jerk = seen and base == base and primary.step.tolist()[0] > m.sudden_step
    sudden = jerk and not s.sudden
    if not ok_now:
        cur_speed = 0.0
    s.speed, s.range, s.baseline, s.baseline_segment, s.sudden = (
        cur_speed,
        cur_range,
        base,
        base_seg,
        jerk,
    )
    return ok_now, sudden


def _elbows(
    m: PoseMonitor,
    lm: Landmarks,
    one: angles_one.One,
    same: bool,
    traces: dict[str, checks.CheckTrace],
) -> np.ndarray | None:
    """`PoseMonitor._elbows` of the frame, where `checks.cover` reads it: a frame of her seen
    as herself (`same`), with a check read with her alone active (else None: not read)."""
    if not (m._elbow_checks and same and any(c.check.read_alone for c in traces.values())):
        return None
    try:
        return np.array([angles_one.elbow_drop(one, m.min_visibility)])
    except ONE_FRAME_FAILS:  # a zero trunk: numpy's NaN
        return m._elbows(lm)


def _view(lm: Landmarks, thr: float) -> tuple[float, float]:
    """(azimuth, elevation) of the frame (`placement.estimate_view`)."""
    try:
        az, el, _ = estimate_view_one(lm, thr)
    except ONE_FRAME_FAILS:  # a degenerate frame (a zero length): numpy's NaN
        view = placement.estimate_view(lm, min_visibility=thr)
        return float(view.azimuth[0]), float(view.elevation[0])
    return az, el


def _measures(m: PoseMonitor, lm: Landmarks, one: angles_one.One, same: bool) -> dict[str, float]:
    """`PoseMonitor._measures` of one frame, as floats."""
    s = m._s
    thr = m.min_visibility
    facing = _one(one, lm, thr, "facing_sign")
    if math.isfinite(s.facing) and math.isnan(facing):
        facing = s.facing
    if math.isfinite(facing):
        s.facing = facing
    names = m._names.get(m.active_checks)
    if names is None:  # once per set of active checks (a live session: per step)
        names = tuple(dict.fromkeys(("trunk_incline_deg", m.base, *m._measure_names())))
        m._names[m.active_checks] = names
    if not same:
        # nobody, an unsure identity blanked, a jump: every measure reads NaN, none is computed
        return dict.fromkeys(names, math.nan)
    out: dict[str, float] = {}
    for name in names:
        if name == "trunk_lean_deg":
            out[name] = angles_one.trunk_lean_deg(one, thr, facing)
        else:
            out[name] = _one(one, lm, thr, name)
    return out


def _one(one: angles_one.One, lm: Landmarks, thr: float, name: str) -> float:
    """Measure `name` of the frame: on floats where `angles_one` has it (`angles._one_frame`),
    else (or on a degenerate frame) the vectorised measure's one value."""
    fn = angles_one.ONE_FRAME.get(name)
    if fn is not None:
        try:
            return float(fn(one, thr))
        except ONE_FRAME_FAILS:
            pass
    whole = angles.facing_sign if name == "facing_sign" else angles.MEASURES[name]
    return float(whole(lm, thr)[0])


def _evaluate(
    m: PoseMonitor, values: dict[str, float], measures: dict[str, np.ndarray]
) -> dict[str, checks.CheckTrace]:
    """`checks.evaluate` of the active checks on one frame's measures."""
    plan = m._check_plan.get(m.active_checks)
    if plan is None:  # once per set of active checks (a live session: per step)
        found = (m.technique.check(cid) for cid in m.active_checks)
        plan = tuple((c.id, c, angles.base_measure(c.measure)) for c in found)
        m._check_plan[m.active_checks] = plan
    out: dict[str, checks.CheckTrace] = {}
    for cid, check, name in plan:
        status = checks._status_one(check, values[name])
        out[cid] = checks.CheckTrace(check, measures[name], np.array([status], np.int8))
    return out
