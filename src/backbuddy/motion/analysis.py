"""A clip's analysis: flagged moments and the JSON summary (`backbuddy analyze --json`).

Moments are rising edges of what the monitors saw, in time order:

* ``tracking_lost`` / ``tracking_back``: the engine would pause (I4);
* ``identity_jump``: the tracker followed someone else for a while;
* ``identity_unsure``: the two-person step could not tell the receiver from the assistant
  (the engine gives no move cue and pauses a movement);
* ``left_right_swap``: the model exchanged left and right (not read as motion);
* ``baseline``: the set-up checks passed; range is measured from here;
* ``too_fast``: speed above the gentle limit (the engine says "slower");
* ``over_speed_limit``: speed above the hard limit (the engine halts, I5);
* ``sudden_motion``: a velocity step > 15 °/s within 200 ms (a camera stop);
* ``over_range``: farther than `max_range_deg` from the baseline (the engine pauses, I5);
* ``pop``: a click heard in the clip's sound, away from speech (the attempt would end, I6).

A moment repeats only after its condition has been clear for `REARM_S`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from backbuddy.domain.techniques import Limits, Technique
from backbuddy.motion import angles
from backbuddy.motion.landmarks import BoolArray, Landmarks
from backbuddy.motion.monitors import Trace
from backbuddy.motion.placement import LYING_INCLINE_DEG

#: A moment of the same kind is flagged again only after this long without it.
REARM_S = 0.5
#: Identity moments re-arm at once: a stretch measured between two unsure ones may be someone
#: else's (Sports2D's demo: the measured person changed inside an unsure stretch that began
#: 0.3 s after the last, unmarked once the pose model's settling made such stretches common).
REARM_IDENTITY_S = 0.0
#: Kinds that stop or pause the movement in a session: marked on the plots, shown as snapshots.
FLAGGED = (
    "tracking_lost",
    "identity_jump",
    "identity_unsure",
    "over_speed_limit",
    "sudden_motion",
    "over_range",
    "pop",
)


@dataclass(frozen=True)
class Moment:
    """Something worth a line in the report: when, which frame, what kind, and the numbers."""

    t: float
    frame: int
    kind: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"t": round(self.t, 3), "kind": self.kind, "detail": self.detail}


@dataclass(frozen=True)
class Analysis:
    """Everything `analyze` learnt about one clip or image."""

    source: str
    fps: float | None
    still: bool
    technique: Technique
    landmarks: Landmarks
    trace: Trace
    processing_fps: float
    moments: tuple[Moment, ...]
    #: How many frames the file's header promised (None: a still, a camera, or not said).
    header_frames: int | None = None
    #: The technique was named (`--technique`), not chosen from the posture afterwards.
    technique_named: bool = True

    @property
    def cut_short(self) -> bool:
        """The file ended well before its header said: cut off in a copy, or damaged.
        (Headers estimate a little; a tenth and at least 3 frames missing is not an estimate.)"""
        n, promised = len(self.trace), self.header_frames
        return promised is not None and promised - n >= max(3, 0.1 * promised)

    @property
    def primary_values(self) -> np.ndarray:
        """The technique's primary measure per frame (relative ones: change from baseline)."""
        tr = self.trace
        value = tr.primary.value
        if self.technique.primary_measure in angles.RELATIVE:
            return np.asarray(value - tr.baseline)
        return np.asarray(value)


def _edges(mask: BoolArray, t: np.ndarray, rearm_s: float = REARM_S) -> list[int]:
    """Frames where `mask` turns on, ignoring returns within `rearm_s` of its last frame on."""
    out: list[int] = []
    last_on = -math.inf
    was = False
    for i, (on, ti) in enumerate(zip(mask.tolist(), t.tolist(), strict=True)):
        if on and not was and ti - last_on > rearm_s:
            out.append(i)
        if on:
            last_on = ti
        was = on
    return out


def flag_moments(trace: Trace, limits: Limits, primary: str) -> list[Moment]:
    """Every moment (see the module docstring), in time order."""
    t = trace.t
    seen = trace.tracked & np.isfinite(trace.primary.value)
    step = np.nan_to_num(trace.primary.step)
    lost_why = np.where(
        trace.unsure,
        "receiver or assistant? cannot tell",
        np.where(trace.jump, "another person in view", "the body is hidden or out of view"),
    )
    rows: list[tuple[str, BoolArray, Any]] = [
        ("tracking_lost", ~trace.tracked & _ever(trace.tracked), lambda i: lost_why[i]),
        ("tracking_back", trace.tracked & _ever(~trace.tracked & _ever(trace.tracked)), None),
        ("identity_jump", trace.jump, lambda i: "a torso jumped faster than a body moves"),
        (
            "identity_unsure",
            trace.unsure,
            lambda i: "cannot tell the receiver from the assistant",
        ),
        ("left_right_swap", trace.swapped, lambda i: "left and right landmarks exchanged"),
        (
            "too_fast",
            seen & (trace.speed > limits.gentle_speed_deg_s),
            lambda i: f"{trace.speed[i]:.1f} °/s > gentle {limits.gentle_speed_deg_s:g} °/s",
        ),
        (
            "over_speed_limit",
            seen & (trace.speed > limits.hard_speed_deg_s),
            lambda i: f"{trace.speed[i]:.1f} °/s > limit {limits.hard_speed_deg_s:g} °/s",
        ),
        ("sudden_motion", trace.sudden, lambda i: f"velocity step {step[i]:.1f} °/s in 200 ms"),
        (
            "over_range",
            seen & (trace.range > limits.max_range_deg),
            lambda i: f"{trace.range[i]:.1f}° from baseline > {limits.max_range_deg:g}°",
        ),
    ]
    moments = [
        Moment(float(t[i]), i, kind, describe(i) if describe else "")
        for kind, mask, describe in rows
        for i in _edges(mask, t, REARM_IDENTITY_S if kind == "identity_unsure" else REARM_S)
    ]
    base = np.flatnonzero(np.isfinite(trace.baseline))
    if base.size:
        i = int(base[0])
        detail = f"set-up checks passed; {primary} baseline {trace.baseline[i]:.1f}"
        moments.append(Moment(float(t[i]), i, "baseline", detail))
    return sorted(moments, key=lambda m: (m.t, m.kind))


def _ever(mask: BoolArray) -> BoolArray:
    """True from the first True on."""
    return np.asarray(np.logical_or.accumulate(mask)) if mask.size else mask


def _stats(values: np.ndarray) -> dict[str, float | None]:
    v = values[np.isfinite(values)]
    if not v.size:
        return {"min": None, "max": None, "mean": None}
    return {
        "min": round(float(v.min()), 2),
        "max": round(float(v.max()), 2),
        "mean": round(float(v.mean()), 2),
    }


def summarise(a: Analysis) -> dict[str, Any]:
    """The JSON summary printed by `analyze --json` and written to summary.json."""
    tr = a.trace
    detected = tr.detected
    n_detected = int(detected.sum())
    checks = {
        cid: round(float((c.passed & detected).sum() / n_detected), 4) if n_detected else 0.0
        for cid, c in tr.checks.items()
    }
    measures = {name: _stats(values) for name, values in tr.measures.items()}
    if a.technique.primary_measure not in measures:
        measures[a.technique.primary_measure] = _stats(a.primary_values)
    moving = tr.tracked & np.isfinite(tr.primary.velocity)
    max_speed = round(float(tr.speed[moving].max()), 2) if moving.any() and not a.still else None
    return {
        "source": a.source,
        "technique": a.technique.id,
        "frames": len(tr),
        "header_frames": a.header_frames,
        "cut_short": a.cut_short,
        "fps": None if a.fps is None or not math.isfinite(a.fps) else round(a.fps, 3),
        "detected_frames": n_detected,
        "processing_fps": round(a.processing_fps, 1),
        "checks": checks,
        "measures": measures,
        "max_speed_deg_s": max_speed,
        "placement": placement_summary(a),
        "hint": technique_hint(a),
        "events": [m.to_dict() for m in a.moments],
    }


def technique_hint(a: Analysis) -> str | None:
    """What to add when no technique was named and the two-person step left upright people
    unmeasured: without the technique it never trusts a lone upright person (she may be a
    side-lying receiver's kneeling assistant), so a clip of the hug's receiver alone reads as
    nobody measured, and nothing said why (red team, session 11). None when nothing to add."""
    if a.technique_named:
        return None
    lm = a.landmarks
    incline = angles.trunk_incline_deg(lm)
    with np.errstate(invalid="ignore"):
        upright = lm.identity_unsure & np.isfinite(incline) & (incline <= LYING_INCLINE_DEG)
    n = int(upright.sum())
    if not n:
        return None
    return (
        "No technique was named: without it an upright person is not taken for the receiver "
        "(she may be a side-lying receiver's kneeling assistant), so "
        f"{n} of {len(lm)} frames were not measured. If the clip shows the seated hug's "
        "receiver, add `--technique seated_hug_extension`."
    )


def cut_short_text(summary: dict[str, Any]) -> str:
    """The warning for a file that ended early: what was read, so nobody trusts the rest."""
    return (
        f"The file says it has {summary['header_frames']} frames but only {summary['frames']} "
        "could be read: it is cut short or damaged. Everything here covers those "
        f"{summary['frames']} frames only."
    )


def placement_summary(a: Analysis) -> dict[str, Any]:
    """Where the camera was (the placement gate's last estimate) and whether the technique's
    measures are valid from there (issue 12): numbers read from elsewhere are not to be trusted."""
    pl = a.trace.placement
    known = np.flatnonzero(np.isfinite(pl.azimuth))
    region = a.technique.placement
    if not known.size:
        return {"azimuth_deg": None, "elevation_deg": None, "valid": None, "hint": None}
    i = int(known[-1])
    return {
        "azimuth_deg": round(float(pl.azimuth[i]), 1),
        "elevation_deg": round(float(pl.elevation[i]), 1),
        "valid": bool(pl.ok[i]) if region is not None else None,
        "hint": a.trace.placement_hint(i),
    }
