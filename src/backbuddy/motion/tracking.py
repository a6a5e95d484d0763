"""Keeping hold of one person: identity jumps and left/right swaps.

Two ways a pose tracker lies, seen on real clips:

* It jumps to another person between frames (on the Sports2D demo a hip
  "moves" 4 trunk lengths in 33 ms). `guard_identity` treats a torso moving
  faster than a body can as tracking lost, and only trusts a new position once
  it has stayed put for `relock_s` (then it starts a new segment: no fit,
  baseline or speed spans two segments).
* It exchanges the left and right landmarks of the upper or the lower body (seen
  on the Pose2Sim clip filmed from behind, and while a person turns). `find_swaps`
  spots each exchange (each side lands where the other was) so it can be reported.
  Which labelling is right cannot be known from one camera, so nothing is
  "corrected"; instead the measures are built not to move when labels swap
  (midpoints, undirected lines, top and bottom leg chosen by geometry).

Both carry state, so frames can be fed one at a time with the same result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from backbuddy.motion import landmarks as L
from backbuddy.motion.landmarks import BoolArray, FloatArray, Landmarks

#: Fastest believable torso motion, in trunk lengths per second. Walking people on the
#: real clips stay below 7; a receiver sitting or lying moves far less.
MAX_TORSO_SPEED = 10.0
#: Slack for landmark jitter, in trunk lengths.
JUMP_MARGIN = 0.25
#: The trunk may not change length by more than this factor from one frame to the next.
MAX_SCALE_STEP = 1.4
#: A new position must stay put this long before it is trusted as the person.
RELOCK_S = 1.0
#: Pairs compared to spot a left/right swap of the upper and of the lower body: the rigid
#: shoulders and hips (swinging arms and legs cross each other for real).
_UPPER = ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER),)
_LOWER = ((L.LEFT_HIP, L.RIGHT_HIP),)
#: A swap is the exchanged fit being this much better than the direct one.
SWAP_RATIO = 0.5
#: …and the two sides being at least this far apart on average (trunk lengths).
SWAP_MIN_SEPARATION = 0.15
#: …and the frame compared against being at most this many frames back: MediaPipe's
#: smoothing spreads a swap over two frames, while a person turning round shows the
#: sides edge-on for several.
SWAP_MAX_GAP = 2


@dataclass(frozen=True)
class IdentityState:
    """Where the trusted torso was, and a candidate new one while it proves itself."""

    hip: tuple[float, float] | None = None
    shoulder: tuple[float, float] | None = None
    length: float = float("nan")
    t: float = float("nan")
    candidate: tuple[float, float, float, float, float] | None = None  # hx, hy, sx, sy, since
    candidate_t: float = float("nan")
    segment: int = 0


def torso_points(lm: Landmarks) -> tuple[FloatArray, FloatArray]:
    """Hip-mid and shoulder-mid in pixels, shape (T, 2) each (NaN without a person); kept
    with the landmarks' other cached arrays (the identity guard and the monitors both read
    them, once a live frame)."""
    cache = lm._pixels
    if "hip" not in cache:
        px = lm.pixels()
        cache["hip"] = (px[:, L.LEFT_HIP] + px[:, L.RIGHT_HIP]) / 2
        cache["shoulder"] = (px[:, L.LEFT_SHOULDER] + px[:, L.RIGHT_SHOULDER]) / 2
        cache["hip"].flags.writeable = cache["shoulder"].flags.writeable = False  # shared
    return cache["hip"], cache["shoulder"]


def guard_identity(
    lm: Landmarks, state: IdentityState | None = None
) -> tuple[BoolArray, np.ndarray, IdentityState]:
    """Per frame: is this still the same person? Returns (same (T,), segment (T,), state).

    `same` is False on frames without a torso and on frames whose torso jumped
    further than `MAX_TORSO_SPEED` allows since it was last trusted.
    """
    s = state or IdentityState()
    hips, shoulders = torso_points(lm)
    if len(lm) == 1:  # a live frame: the loop below on its one frame, without the arrays
        (hx, hy), (sx, sy) = hips[0].tolist(), shoulders[0].tolist()
        same_one = False
        if all(math.isfinite(v) for v in (hx, hy, sx, sy)):
            same_one, s = _step(s, float(lm.t[0]), hx, hy, sx, sy)
        return np.array([same_one]), np.array([s.segment], np.int64), s
    seen = np.isfinite(hips).all(axis=1) & np.isfinite(shoulders).all(axis=1)
    idx = np.flatnonzero(seen)
    easy = _easy_steps(hips[idx], shoulders[idx], lm.t[idx])  # vs the previous seen frame
    same = np.zeros(len(lm), bool)
    seg_at = np.full(len(lm), -1, np.int64)
    times = lm.t[idx].tolist()
    pending = -1  # a frame accepted on the fast path, not yet written into `s`
    accepted_last = False
    for k, i in enumerate(idx.tolist()):
        if accepted_last and easy[k] and s.candidate is None:
            same[i], pending = True, i  # the common case: a small, believable move
        else:
            if pending >= 0:
                s = _anchor(s, hips[pending], shoulders[pending], float(lm.t[pending]))
                pending = -1
            hx, hy = hips[i].tolist()
            sx, sy = shoulders[i].tolist()
            same[i], s = _step(s, times[k], hx, hy, sx, sy)
        accepted_last = bool(same[i])
        seg_at[i] = s.segment
    if pending >= 0:
        s = _anchor(s, hips[pending], shoulders[pending], float(lm.t[pending]))
    segment = (
        np.maximum.accumulate(np.where(seg_at >= 0, np.arange(len(lm)), -1)) if len(lm) else seg_at
    )
    filled = np.where(
        segment >= 0, seg_at[np.maximum(segment, 0)], (state or IdentityState()).segment
    )
    return same, filled, s


def _anchor(s: IdentityState, hip: FloatArray, shoulder: FloatArray, t: float) -> IdentityState:
    h, sh = (float(hip[0]), float(hip[1])), (float(shoulder[0]), float(shoulder[1]))
    length = math.hypot(sh[0] - h[0], sh[1] - h[1])
    return replace(s, hip=h, shoulder=sh, length=length, t=t, candidate=None)


def _easy_steps(hips: FloatArray, shoulders: FloatArray, t: FloatArray) -> BoolArray:
    """For consecutive seen frames: is frame k a believable move from frame k-1 (k ≥ 1)?"""
    easy = np.zeros(len(t), bool)
    if len(t) < 2:
        return easy
    length = np.hypot(*(shoulders - hips).T)
    moved = np.maximum(
        np.hypot(*(hips[1:] - hips[:-1]).T), np.hypot(*(shoulders[1:] - shoulders[:-1]).T)
    )
    dt = np.maximum(np.diff(t), 0.0)
    scale = np.maximum(length[:-1], 1e-6)
    ratio = length[1:] / scale
    near = moved <= (MAX_TORSO_SPEED * dt + JUMP_MARGIN) * scale
    easy[1:] = near & (ratio >= 1 / MAX_SCALE_STEP) & (ratio <= MAX_SCALE_STEP)
    return easy


def _step(
    s: IdentityState, t: float, hx: float, hy: float, sx: float, sy: float
) -> tuple[bool, IdentityState]:
    length = math.hypot(sx - hx, sy - hy)
    if s.hip is None or s.shoulder is None:
        return True, IdentityState((hx, hy), (sx, sy), length, t, segment=s.segment)
    # While someone else is in view, "back to ours" means near where ours was last seen;
    # otherwise ours may have moved for as long as it was out of view.
    dt = t - s.t if s.candidate is None else t - s.candidate_t
    if _plausible(s.hip, s.shoulder, s.length, dt, hx, hy, sx, sy, length):
        # (`replace` by hand: this is every live frame's path, and `replace` costs ~5 µs)
        return True, IdentityState((hx, hy), (sx, sy), length, t, None, s.candidate_t, s.segment)
    c = s.candidate
    if c is not None and _plausible(
        (c[0], c[1]), (c[2], c[3]), length, t - s.candidate_t, hx, hy, sx, sy, length
    ):
        if t - c[4] >= RELOCK_S:
            return True, IdentityState((hx, hy), (sx, sy), length, t, segment=s.segment + 1)
        return False, replace(s, candidate=(hx, hy, sx, sy, c[4]), candidate_t=t)
    return False, replace(s, candidate=(hx, hy, sx, sy, t), candidate_t=t)


def _plausible(
    hip: tuple[float, float],
    shoulder: tuple[float, float],
    length: float,
    dt: float,
    hx: float,
    hy: float,
    sx: float,
    sy: float,
    new_length: float,
) -> bool:
    scale = max(length, 1e-6)
    moved = max(
        math.hypot(hx - hip[0], hy - hip[1]), math.hypot(sx - shoulder[0], sy - shoulder[1])
    )
    if moved > (MAX_TORSO_SPEED * max(dt, 0.0) + JUMP_MARGIN) * scale:
        return False
    ratio = new_length / scale if scale > 1e-6 else 1.0
    return 1 / MAX_SCALE_STEP <= ratio <= MAX_SCALE_STEP or dt > RELOCK_S


@dataclass(frozen=True)
class SwapState:
    """Per body half (upper, lower): pair pixels of the last frame that could decide, and its
    age in frames at the end of the last call."""

    previous: tuple[FloatArray | None, FloatArray | None] = (None, None)
    age: tuple[int, int] = (0, 0)


def find_swaps(
    lm: Landmarks, state: SwapState | None = None
) -> tuple[BoolArray, BoolArray, SwapState]:
    """Frames on which the model exchanged left and right labels since the frame before.

    Returns (upper swapped (T,), lower swapped (T,), state): the model can swap the
    upper and the lower body separately (seen on the Pose2Sim clip filmed from behind).
    A swap event is a frame where putting each side where the other was fits the
    reference frame at least twice as well (`SWAP_RATIO`). Only frames whose two sides
    are `SWAP_MIN_SEPARATION` trunk lengths apart take part: MediaPipe's smoothing
    spreads a swap over two frames, and the half-way frame (sides on top of each
    other) must neither decide nor become the reference.
    """
    s = state or SwapState()
    hip, shoulder = torso_points(lm)
    trunk = np.linalg.norm(shoulder - hip, axis=1)
    upper, (up_prev, up_age) = _half(lm, _UPPER, trunk, s.previous[0], s.age[0])
    lower, (low_prev, low_age) = _half(lm, _LOWER, trunk, s.previous[1], s.age[1])
    return upper, lower, SwapState((up_prev, low_prev), (up_age, low_age))


def _half(
    lm: Landmarks,
    pairs: tuple[tuple[int, int], ...],
    trunk: FloatArray,
    previous: FloatArray | None,
    age: int,
) -> tuple[BoolArray, tuple[FloatArray | None, int]]:
    px = lm.pixels()
    left = px[:, [a for a, _ in pairs]]
    right = px[:, [b for _, b in pairs]]
    both = np.concatenate([left, right], axis=1)  # (T, 2P, 2)
    seen = np.isfinite(both).all(axis=(1, 2))
    apart = np.linalg.norm(left - right, axis=2).mean(axis=1)
    with np.errstate(invalid="ignore"):
        usable = seen & (apart > SWAP_MIN_SEPARATION * trunk)
    idx = np.flatnonzero(usable)
    if not idx.size:
        return np.zeros(len(lm), bool), (previous, age + len(lm))
    ref = np.full_like(both, np.nan)
    near = np.diff(idx) <= SWAP_MAX_GAP  # a turn passes through several edge-on frames
    ref[idx[1:][near]] = both[idx[:-1][near]]
    if previous is not None and age + idx[0] + 1 <= SWAP_MAX_GAP:
        ref[idx[0]] = previous
    n = len(pairs)
    direct = np.linalg.norm(both - ref, axis=2).sum(axis=1)
    crossed = np.concatenate([ref[:, n:], ref[:, :n]], axis=1)
    exchanged = np.linalg.norm(both - crossed, axis=2).sum(axis=1)
    with np.errstate(invalid="ignore"):
        event = usable & (exchanged < SWAP_RATIO * direct)
    return np.asarray(event), (both[idx[-1]].copy(), len(lm) - 1 - int(idx[-1]))
