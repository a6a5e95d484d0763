"""Analysing a recorded clip or a still: frames → pose → monitors → flagged moments.

The frames and the pose estimator come in as arguments (the CLI passes OpenCV and
MediaPipe adapters, tests can pass fakes), so this module does no I/O itself.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from backbuddy.audio.heard import PopHeard
from backbuddy.audio.samples import Samples
from backbuddy.domain import techniques as tech
from backbuddy.motion import angles, kinematics
from backbuddy.motion.analysis import FLAGGED, Analysis, Moment, flag_moments
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor
from backbuddy.motion.people import tell_technique
from backbuddy.services.listen import Listener, VadModel, chunks_of, hear_all

#: Median trunk incline above which a clip is taken to show the side-lying rotation.
LYING_INCLINE_DEG = 45.0


class FrameLike(Protocol):
    """One decoded frame: index in the source, time in seconds, RGB pixels."""

    @property
    def index(self) -> int: ...
    @property
    def t(self) -> float: ...
    @property
    def rgb(self) -> NDArray[np.uint8]: ...


class SourceInfo(Protocol):
    """What the frames come from."""

    @property
    def source(self) -> str: ...
    @property
    def fps(self) -> float: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def still(self) -> bool: ...
    @property
    def frames(self) -> int | None: ...


class Estimator(Protocol):
    """A pose model: one RGB frame → (image (33, 4), world (33, 4)), NaN without a person."""

    def estimate(
        self, rgb: NDArray[np.uint8]
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]: ...


@runtime_checkable
class KnowsIdentity(Protocol):
    """An estimator that tells whether the last frame's pose is surely the receiver's (the
    two-person step: "receiver" or "unsure")."""

    identity: str


def estimate_at(
    estimator: Estimator, rgb: NDArray[np.uint8], t: float
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """The estimator on one frame. One that says `takes_time` (the two-person step,
    `adapters.receiver_pose.ReceiverPose`) also gets the frame's time, for MediaPipe's smoothing
    on the receiver's crop; one-person estimators do not (their truth figures were measured
    with MediaPipe's own 33 ms steps)."""
    if getattr(estimator, "takes_time", False):
        return estimator.estimate(rgb, t)  # type: ignore[call-arg]
    return estimator.estimate(rgb)


def identity_unsure(estimator: object) -> bool:
    """Did the estimator's last frame leave the receiver's identity unsure?

    `isinstance(estimator, KnowsIdentity)` means exactly "has `identity`"; asked directly, as
    here, it costs a fraction of the protocol check (called on every live frame)."""
    return getattr(estimator, "identity", None) == "unsure"


def sees_hold(estimator: object) -> bool:
    """Does the estimator report the assistant's hold (`covered`: the two-person step,
    `adapters.receiver_pose.ReceiverPose`)? The engine then waits for a hold seen before the
    step where he takes hold is done (`Begin.sees_hold`)."""
    return hasattr(estimator, "covered")


def wrists_covered(estimator: object) -> bool:
    """Did the estimator's last frame find both of the receiver's wrists on the assistant's
    body (`adapters.receiver_pose.ReceiverPose.covered`; False for one-person estimators)?"""
    return bool(getattr(estimator, "covered", False))


def near_bits(estimator: object) -> int | None:
    """Which of the receiver's landmarks the estimator's last frame found near someone else's
    drawn body (`ReceiverPose.near`, `arms_cover.near_mask`); None for one-person estimators
    (`Landmarks.near` then follows `covered`)."""
    near = getattr(estimator, "near", None)
    return None if near is None else int(near)


def estimate_all(
    frames: Iterable[FrameLike],
    info: SourceInfo,
    estimator: Estimator,
    on_frame: Callable[[int], None] | None = None,
) -> Landmarks:
    """Run the estimator over every frame; `on_frame(index)` after each (for a progress bar)."""
    t: list[float] = []
    image: list[NDArray[np.float32]] = []
    world: list[NDArray[np.float32]] = []
    unsure: list[bool] = []
    covered: list[bool] = []
    near: list[int | None] = []
    for frame in frames:
        a, b = estimate_at(estimator, frame.rgb, frame.t)
        t.append(frame.t)
        image.append(a)
        world.append(b)
        unsure.append(identity_unsure(estimator))
        covered.append(wrists_covered(estimator))
        near.append(near_bits(estimator))
        if on_frame is not None:
            on_frame(frame.index)
    size = (info.width, info.height)
    if not t:
        return Landmarks.empty(size)
    return Landmarks(
        np.stack(image),
        np.stack(world),
        np.array(t),
        size,
        unsure=np.array(unsure),
        covered=np.array(covered),
        near=None if None in near else np.array(near, np.int64),
    )


def choose_technique(lm: Landmarks) -> tech.Technique:
    """Lying (median trunk incline above 45°) → side-lying rotation; otherwise the seated hug."""
    incline = angles.trunk_incline_deg(lm)
    seen = incline[np.isfinite(incline)]
    lying = seen.size > 0 and float(np.median(seen)) > LYING_INCLINE_DEG
    return tech.get("side_lying_rotation" if lying else "seated_hug_extension")


def analyze(
    frames: Iterable[FrameLike],
    info: SourceInfo,
    estimator: Estimator,
    technique: tech.Technique | None = None,
    on_frame: Callable[[int], None] | None = None,
) -> Analysis:
    """Analyse a clip (or a still) for a technique (chosen from the posture when None).

    The two-person step keeps roles as the frames come, so it must know before the first
    whether the receiver lies (`people.RoleState.lying`). With no technique named, it is
    only chosen from the posture after every estimate, so the step runs on the safe side
    of both: a lone upright person is never trusted as the receiver (the side-lying
    receiver's kneeling assistant, when the detector misses the receiver, looks exactly
    like the hug's lone receiver); beside another person the lowest head decides, as for
    both techniques. A clip of the hug's receiver alone then stays unsure: name the
    technique (`--technique`) to measure it (red team, session 10)."""
    started = time.perf_counter()
    tell_technique(estimator, technique)  # the two-person step: does she lie, his grey fade?
    lm = estimate_all(frames, info, estimator, on_frame)
    chosen = technique or choose_technique(lm)
    fps = info.fps if math.isfinite(info.fps) and info.fps > 0 else None
    monitor = PoseMonitor(chosen, fps=fps or 30.0)
    trace = monitor.update(lm)
    moments = flag_moments(trace, chosen.limits, chosen.primary_measure)
    elapsed = max(time.perf_counter() - started, 1e-9)
    return Analysis(
        source=info.source,
        fps=fps,
        still=info.still,
        technique=chosen,
        landmarks=lm,
        trace=trace,
        processing_fps=len(lm) / elapsed,
        moments=tuple(moments),
        header_frames=None if info.still else info.frames,
        technique_named=technique is not None,
    )


def with_pops(a: Analysis, samples: Samples, vad: VadModel) -> Analysis:
    """The analysis with a `pop` moment at each click heard in the clip's sound (16 kHz mono),
    away from speech, as the live listener hears them; at the nearest frame."""
    heard = hear_all(Listener(vad), None, chunks_of(samples))
    t = a.trace.t
    pops = [
        Moment(
            h.at,
            int(np.argmin(np.abs(t - h.at))) if t.size else 0,
            "pop",
            f"click, confidence {h.confidence:.2f}",
        )
        for h in heard
        if isinstance(h, PopHeard)
    ]
    moments = sorted((*a.moments, *pops), key=lambda m: (m.t, m.kind))
    return dataclasses.replace(a, moments=tuple(moments))


def snapshot_frames(a: Analysis, limit: int = 6) -> list[tuple[int, str]]:
    """Frames worth a picture: the set-up (baseline, else the first frame with a person) and
    the first flagged moments, as (frame index, caption)."""
    out: list[tuple[int, str]] = []
    base = next((m for m in a.moments if m.kind == "baseline"), None)
    if base is not None:
        out.append((base.frame, f"set-up at {base.t:.2f} s: {base.detail}"))
    else:
        seen = np.flatnonzero(a.trace.detected)
        if seen.size:
            i = int(seen[0])
            out.append((i, f"set-up at {a.trace.t[i]:.2f} s (the set-up checks never all passed)"))
    shown = {i for i, _ in out}
    for m in a.moments:
        if len(out) >= limit:
            break
        if m.kind in FLAGGED and m.frame not in shown:
            out.append((m.frame, f"{m.kind.replace('_', ' ')} at {m.t:.2f} s: {m.detail}"))
            shown.add(m.frame)
    return out


def arrays(a: Analysis) -> dict[str, Any]:
    """Landmarks, per-frame monitor values, and every measure with its speed, for `np.savez`
    (landmarks.npz)."""
    tr = a.trace
    out: dict[str, Any] = dict(a.landmarks.to_arrays())
    out.update(
        tracked=tr.tracked,
        checks_ok=tr.checks_ok,
        speed_deg_s=tr.speed,
        range_deg=tr.range,
        baseline=tr.baseline,
        primary=a.primary_values,
        velocity_deg_s=tr.primary.velocity,
        sudden=tr.sudden,
        identity_jump=tr.jump,
        left_right_swap=tr.swapped,
    )
    filt = kinematics.SpeedFilter.for_fps(a.fps or 30.0)
    for name, values in tr.measures.items():
        out[f"measure_{name}"] = values
        track, _ = kinematics.track(
            values, tr.t, tr.segment, periodic=name in angles.PERIODIC, filt=filt
        )
        out[f"speed_{name}"] = track.speed  # °/s (ratio units/s for ratios)
    for cid, check in tr.checks.items():
        out[f"check_{cid}"] = check.status
    return out
