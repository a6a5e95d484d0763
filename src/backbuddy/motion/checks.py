"""Posture checks: a technique's set-up checks, evaluated on every frame.

A check (from the technique YAML) names a measure and a tolerance [min, max].
Each frame gets a status (pass, low, high, or not visible when the landmarks the
measure needs are hidden) and the measured value, so the pair can be told
"Bring your top knee a little higher (now 62°, aim 70–110°)".
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from backbuddy.domain.techniques import Check, Technique
from backbuddy.motion import angles
from backbuddy.motion.landmarks import MIN_VISIBILITY, BoolArray, FloatArray, Landmarks

Status = Literal["pass", "low", "high", "not_visible", "covered"]
#: A check hidden for up to this long keeps the verdict it had when last seen, while the
#: receiver stays tracked: in the seated hug the assistant's hands cover the receiver's
#: wrists for the whole movement (seen on the rendered truth clips), which must not read
#: as "arms not crossed". Longer than a mobilise + hold phase (4 + 3 s).
HOLD_HIDDEN_S = 10.0
#: A covered check's readings over this long (their median) may say the hands moved away under
#: the assistant's (`Check.covered_fails_above`): one frame of a hand drawn on his arm does not.
COVERED_MEDIAN_S = 0.5
#: Her elbows' covered readings over this long (their median, spanning at least half of it) may
#: say her arms were let down (`Check.covered_elbows_rise_above`): short, as the elbows stay
#: seen where the wrists are dim, so the drop is read as it happens, not 1.4 s after it ended.
COVERED_ELBOWS_S = 0.2
#: Two readings with her apart this close (s) give the reading's rate for `Check.rising_per_s`
#: (consecutive frames down to 10 frames/s; a gap longer than this reads no rate).
RISING_GAP_S = 0.1
#: Status codes stored per frame, in this order. "covered": a check read from the receiver's
#: hands while they lie on the assistant's body, with no pass seen while she was alone
#: (`cover`): the image cannot tell, so it does not pass.
STATUSES: tuple[Status, ...] = ("pass", "low", "high", "not_visible", "covered")
PASS, LOW, HIGH, NOT_VISIBLE, COVERED = range(5)


@dataclass(frozen=True)
class CheckTrace:
    """One check over T frames: measured value (NaN when not visible) and status code."""

    check: Check
    value: FloatArray
    status: NDArray[np.int8]

    @property
    def passed(self) -> BoolArray:
        return np.asarray(self.status == PASS)

    @property
    def visible(self) -> BoolArray:
        return np.asarray(self.status != NOT_VISIBLE)

    def at(self, i: int) -> CheckResult:
        """The result on frame `i`, with its message for the pair."""
        value = float(self.value[i])
        status = STATUSES[int(self.status[i])]
        return CheckResult(
            self.check.id,
            status,
            None if np.isnan(value) else value,
            describe(self.check, value, status),
        )


@dataclass(frozen=True)
class CheckResult:
    """One check on one frame: what to show the pair."""

    id: str
    status: Status
    value: float | None
    message: str

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def status_of(check: Check, values: FloatArray) -> NDArray[np.int8]:
    """Status code per frame for `values` of the check's measure (NaN → not visible)."""
    if values.shape == (1,):  # a live frame: the same code from a float (numpy costs more)
        return np.array([_status_one(check, float(values[0]))], np.int8)
    status = np.full(values.shape, PASS, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        status[values < check.min] = LOW
        status[values > check.max] = HIGH
    status[~np.isfinite(values)] = NOT_VISIBLE
    return status


def _status_one(check: Check, v: float) -> int:
    """`status_of` for one value; its later rules win: not visible, then high, then low."""
    if not math.isfinite(v):
        return NOT_VISIBLE
    if v > check.max:
        return HIGH
    return LOW if v < check.min else PASS


def _fmt(check: Check, value: float) -> str:
    if check.unit == "ratio":
        return f"{value:.2f}"
    return f"{value:.0f}°"


#: How the assistant's hold covers a `read_alone` check, per measure, in a "covered" check's
#: words (default: "hands are on the receiver").
_HOLDS = {"wrist_to_opposite_shoulder_ratio": "arms are around the receiver's"}


def describe(check: Check, value: float, status: Status) -> str:
    """Plain words for one result, e.g. 'Straighten your bottom leg. (now 41°, aim 0–30°)'."""
    if status == "not_visible":
        return f"{check.text}: the camera cannot see this; keep the whole body in view."
    if status == "covered":
        hold = _HOLDS.get(angles.base_measure(check.measure), "hands are on the receiver")
        return (
            f"{check.text}: the camera cannot check this while the assistant's {hold}. "
            "Assistant, let go for a moment so the camera can see the receiver "
            "alone, then take hold again."
        )
    aim = f"aim {_fmt(check, check.min)}–{_fmt(check, check.max)}".replace("°–", "–")
    now = f"(now {_fmt(check, value)}, {aim})"
    if status == "pass":
        return f"{check.text}: good {now}"
    hint = check.hint_low if status == "low" else check.hint_high
    return f"{hint} {now}"


def measures_for(technique: Technique) -> tuple[str, ...]:
    """The absolute measures a technique needs: its checks' and its primary measure's base."""
    names = [angles.base_measure(c.measure) for c in technique.checks]
    names.append(angles.base_measure(technique.primary_measure))
    return tuple(dict.fromkeys(names))


def evaluate(
    technique: Technique,
    lm: Landmarks | None = None,
    *,
    measures: Mapping[str, FloatArray] | None = None,
    check_ids: Sequence[str] | None = None,
    min_visibility: float = MIN_VISIBILITY,
) -> dict[str, CheckTrace]:
    """Every named check (default: all of the technique's) over all frames.

    Pass precomputed `measures` (name → values) to avoid computing them twice;
    otherwise they are computed from `lm`.
    """
    ids = technique_check_ids(technique) if check_ids is None else tuple(check_ids)
    out: dict[str, CheckTrace] = {}
    for cid in ids:
        check = technique.check(cid)
        name = angles.base_measure(check.measure)
        if measures is not None and name in measures:
            values = np.asarray(measures[name], dtype=np.float64)
        elif lm is not None:
            values = angles.compute(lm, name, min_visibility)
        else:
            raise ValueError(f"no landmarks and no precomputed measure {name!r}")
        out[cid] = CheckTrace(check, values, status_of(check, values))
    return out


def technique_check_ids(technique: Technique) -> tuple[str, ...]:
    return tuple(c.id for c in technique.checks)


def all_pass(traces: Mapping[str, CheckTrace], ids: Sequence[str]) -> tuple[BoolArray, BoolArray]:
    """(all pass, all visible) per frame over the checks `ids` (both True when `ids` is empty)."""
    if not ids:
        n = len(next(iter(traces.values())).value) if traces else 0
        return np.ones(n, bool), np.ones(n, bool)
    passed = np.logical_and.reduce([traces[i].passed for i in ids])
    visible = np.logical_and.reduce([traces[i].visible for i in ids])
    return np.asarray(passed), np.asarray(visible)


@dataclass(frozen=True)
class Memory:
    """Each check's last seen verdict and when it was seen (s), carried between calls."""

    seen: dict[str, tuple[bool, float]] = field(default_factory=dict)


def held_pass(
    traces: Mapping[str, CheckTrace],
    ids: Sequence[str],
    t: FloatArray,
    person: BoolArray,
    memory: Memory | None = None,
    hold_s: float = HOLD_HIDDEN_S,
) -> tuple[BoolArray, BoolArray, Memory]:
    """Per frame: (all pass, a hidden check counting with its last seen verdict for up to
    `hold_s`; all pass and all are seen on this very frame), and the memory to carry on.

    `person` marks frames where the receiver is seen at all; a check counts as seen only
    there. A check never seen, or hidden for longer than `hold_s`, does not pass.
    """
    mem = memory or Memory()
    n = t.shape[0]
    if n == 1:  # a live frame: the same rules on scalars (numpy's per-call cost dominates)
        return _held_pass_one(traces, ids, float(t[0]), bool(person[0]), mem, hold_s)
    held, fresh = np.ones(n, bool), np.ones(n, bool)
    seen_now = dict(mem.seen)
    for cid in ids:
        trace = traces[cid]
        seen = trace.visible & person
        last = np.maximum.accumulate(np.where(seen, np.arange(n), -1)) if n else np.zeros(0, int)
        before = mem.seen.get(cid, (False, -np.inf))
        safe = np.maximum(last, 0)
        verdict = np.where(last >= 0, trace.passed[safe], before[0])
        when = np.where(last >= 0, t[safe], before[1])
        held &= verdict & (t - when <= hold_s)
        fresh &= seen & trace.passed
        if n and last[-1] >= 0:
            seen_now[cid] = (bool(trace.passed[last[-1]]), float(t[last[-1]]))
    return held, fresh, Memory(seen_now)


def _held_pass_one(
    traces: Mapping[str, CheckTrace],
    ids: Sequence[str],
    t: float,
    person: bool,
    mem: Memory,
    hold_s: float,
) -> tuple[BoolArray, BoolArray, Memory]:
    """`held_pass` for one frame at time `t`, in plain Python (same verdicts)."""
    held = fresh = True
    seen_now = dict(mem.seen)
    for cid in ids:
        status = int(traces[cid].status[0])
        passed = status == PASS
        seen = status != NOT_VISIBLE and person
        verdict, when = (passed, t) if seen else mem.seen.get(cid, (False, -np.inf))
        held = held and verdict and t - when <= hold_s
        fresh = fresh and seen and passed
        if seen:
            seen_now[cid] = (passed, t)
    return np.array([held]), np.array([fresh]), Memory(seen_now)


@dataclass(frozen=True)
class Alone:
    """A `read_alone` check's verdict as last read with the receiver apart (her arms away from
    everyone else's body): passed, its value, the identity segment, when she was last seen as
    herself, and when anyone was last in view; `covered`: the readings (time, value) of the
    covered frames since, over the last `COVERED_MEDIAN_S`; `elbows`: her elbows' drop read
    apart (`joints.elbow_drop`), and `elbow_reads` its covered readings since, over the last
    `COVERED_ELBOWS_S`; `read_t`: when `value` was read apart."""

    passed: bool
    value: float
    segment: int
    seen_t: float
    present_t: float
    covered: tuple[tuple[float, float], ...] = ()
    elbows: float = math.nan
    elbow_reads: tuple[tuple[float, float], ...] = ()
    read_t: float = math.nan


def cover(
    traces: Mapping[str, CheckTrace],
    covered: BoolArray | Mapping[str, BoolArray],
    person: BoolArray,
    present: BoolArray,
    segment: NDArray[np.int64],
    t: FloatArray,
    memory: Mapping[str, Alone],
    forget_s: float,
    hold_s: float = HOLD_HIDDEN_S,
    elbows: FloatArray | None = None,
) -> tuple[dict[str, CheckTrace], dict[str, Alone]]:
    """The traces with each `read_alone` check's covered frames (the landmarks it reads near the
    assistant: `covered`, one array for every check or one per check id) read as seen with the
    receiver apart: a pass seen then passes (its value shown), anything else is "covered" and
    does not pass (I3: no movement cue on arms the camera never saw crossed, nor a top knee it
    never saw at 90°, with her apart).

    `person`: frames where she is seen as herself; `present`: frames where anyone is in view
    (her identity may be unsure there). The verdict is kept while she stays the same person:
    it is forgotten when nobody is in view for longer than `forget_s` (she left: tracking
    lost), when she is not seen as herself for longer than `hold_s` (an unsure identity while
    the assistant steps in is tolerated that long, as a hidden check is), on another identity
    segment, and with the memory (a new monitor: a new session). `elbows`: her elbows' drop
    per frame (`joints.elbow_drop`; None: not read), for `covered_elbows_rise_above`.
    Returns the new traces and the memory to carry on.
    """
    out = dict(traces)
    mem = dict(memory)
    seen_l, seg_l = person.tolist(), segment.tolist()
    present_l = present.tolist()
    elbow_l = [math.nan] * len(seen_l) if elbows is None else elbows.tolist()
    for cid, trace in traces.items():
        if not trace.check.read_alone:
            continue
        value, status = trace.value.copy(), trace.status.copy()
        cov = (covered if isinstance(covered, np.ndarray) else covered[cid]).tolist()
        alone = mem.get(cid)
        for i, ti in enumerate(t.tolist()):
            alone = _kept(alone, ti, seg_l[i], present_l[i], forget_s, hold_s)
            if not seen_l[i]:
                continue
            if not cov[i] and status[i] != NOT_VISIBLE:
                status[i], alone = _apart(
                    trace.check, alone, int(status[i]), float(value[i]), seg_l[i], ti, elbow_l[i]
                )
            elif alone is not None:
                alone = _times(alone, ti, alone.present_t)
            if cov[i] and alone is not None and alone.passed:
                alone = _moved_away(trace.check, alone, ti, float(value[i]))
                alone = _elbows_down(trace.check, alone, ti, elbow_l[i])
            if cov[i]:
                held = alone is not None and alone.passed
                status[i] = PASS if held else COVERED
                value[i] = alone.value if held and alone is not None else np.nan
        if alone is None:
            mem.pop(cid, None)
        else:
            mem[cid] = alone
        out[cid] = CheckTrace(trace.check, value, status)
    return out, mem


def _apart(
    check: Check,
    alone: Alone | None,
    status: int,
    value: float,
    segment: int,
    t: float,
    elbows: float,
) -> tuple[int, Alone]:
    """A frame read with her apart (not covered, seen): its status (a pass taken away by
    `_rising`) and the verdict it leaves, with her elbows' reading apart (the last finite one
    on this segment)."""
    same = alone is not None and alone.segment == segment
    before = alone.elbows if alone is not None and same else None
    apart = elbows if math.isfinite(elbows) or before is None else before
    if status == PASS and same and alone is not None:
        status = _rising(check, alone, t, value)
    return status, Alone(status == PASS, value, segment, t, t, (), apart, (), t)


def _rising(check: Check, alone: Alone, t: float, value: float) -> int:
    """The status of a passing reading `value` with her apart at `t`: while it rises faster than
    the check's `rising_per_s` since the previous reading apart (`alone.value` at
    `alone.read_t`, within `RISING_GAP_S`), a pass needs it `rising_margin` under max, else it
    reads high. It only ever takes a pass away. The hug's wrists as her arms fall fast: the
    reading lags the truth's crossing of the limit by a frame (docs/accuracy.md "Arms let down
    fast, read a frame late")."""
    margin, per_s = check.rising_margin, check.rising_per_s
    dt = t - alone.read_t
    if margin is None or per_s is None or not 0.0 < dt <= RISING_GAP_S:
        return PASS
    fast = (value - alone.value) / dt > per_s  # NaN (no reading before) is not fast
    return HIGH if fast and value > check.max - margin else PASS


def _moved_away(check: Check, alone: Alone, t: float, value: float) -> Alone:
    """The alone verdict after a covered reading `value` at `t`: a pass is forgotten (passed
    False, so the frame is "covered" and the pair is asked to let go) once the readings over
    the last `COVERED_MEDIAN_S`, spanning most of it, have a median above the check's
    `covered_fails_above`. The guide's assistant grasps the receiver's crossed forearms: arms
    let down under his hold are a wrong set-up that a pass seen earlier must not hide."""
    limit = check.covered_fails_above
    if limit is None:
        return alone
    recent, median = _recent_median(alone.covered, t, value, COVERED_MEDIAN_S, 0.8)
    alone = replace(alone, covered=recent)
    if median > limit:
        return replace(alone, passed=False, value=math.nan)
    return alone


def _elbows_down(check: Check, alone: Alone, t: float, elbows: float) -> Alone:
    """The alone verdict after a covered elbow reading at `t`: a pass is forgotten once her
    elbows' drop, as the median of the readings over the last `COVERED_ELBOWS_S` (spanning at
    least half of it), lies more than the check's `covered_elbows_rise_above` above its reading
    with her alone. Her wrists are dim or on his arms there; her elbows are not (session 17)."""
    rise = check.covered_elbows_rise_above
    if rise is None or not math.isfinite(alone.elbows):
        return alone
    recent, median = _recent_median(alone.elbow_reads, t, elbows, COVERED_ELBOWS_S, 0.5)
    alone = replace(alone, elbow_reads=recent)
    if median > alone.elbows + rise:
        return replace(alone, passed=False, value=math.nan)
    return alone


Reads = tuple[tuple[float, float], ...]


def _recent_median(
    reads: Reads, t: float, value: float, window_s: float, share: float
) -> tuple[Reads, float]:
    """The covered readings of the last `window_s` with `value` (if finite) at `t` added, and
    their median once they span `share` of the window (-inf before: too few to forget a pass
    on). One covered frame's reading jitters; the median over a span does not."""
    recent = tuple((u, v) for u, v in reads if t - u < window_s)
    if math.isfinite(value):
        recent += ((t, value),)
    span = recent[-1][0] - recent[0][0] if recent else 0.0
    if span < share * window_s:
        return recent, -math.inf
    return recent, statistics.median(v for _, v in recent)


def _kept(
    alone: Alone | None, t: float, segment: int, present: bool, forget_s: float, hold_s: float
) -> Alone | None:
    """The alone verdict as it stands at time `t` (None: forgotten, by `cover`'s rules)."""
    if alone is None:
        return None
    if segment != alone.segment or t - alone.present_t > forget_s or t - alone.seen_t > hold_s:
        return None
    return _times(alone, alone.seen_t, t) if present else alone


def _times(alone: Alone, seen_t: float, present_t: float) -> Alone:
    """`alone` with these times (`dataclasses.replace`, which costs ~10 times more: it runs
    every live frame)."""
    a = alone
    return Alone(
        a.passed,
        a.value,
        a.segment,
        seen_t,
        present_t,
        a.covered,
        a.elbows,
        a.elbow_reads,
        a.read_t,
    )
