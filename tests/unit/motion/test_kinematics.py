"""The adaptive speed filter: exact on clean lines, quiet and unbiased when slow, quick when fast,
and the same frame by frame as over the whole sequence."""

from __future__ import annotations

import numpy as np
import pytest
from tests.fixtures.poses import FPS, profile
from tools.calibrate import halts

from backbuddy.motion import kinematics as K
from backbuddy.motion.kinematics import History, SpeedFilter, track, unwrap_deg

RNG_SEED = 42


def _noisy(speed: float, sigma: float, seed: int = RNG_SEED, **kw: float):
    t, angle, velocity = profile(speed, **kw)
    return t, angle + np.random.default_rng(seed).normal(0, sigma, t.size), velocity


def test_a_clean_straight_line_gives_its_exact_slope() -> None:
    t = np.arange(90) / FPS
    out, _ = track(3.0 + 7.5 * t, t)
    settled = np.isfinite(out.velocity)
    assert settled[16:].all()
    assert not settled[:3].any()
    assert np.allclose(out.velocity[settled], 7.5)
    assert np.allclose(out.value[settled], 3.0 + 7.5 * t[settled])


@pytest.mark.parametrize("speed", [5.0, 10.0])
@pytest.mark.parametrize("sigma", [0.15, 0.25, 0.4])
def test_slow_rotations_read_within_one_degree_per_second(speed: float, sigma: float) -> None:
    t, x, velocity = _noisy(speed, sigma, duration_s=12.0, move_s=6.0)
    out, _ = track(x, t)
    moving = (t > 2.6) & (t < 7.6)  # steady part of the movement
    assert np.nanmean(np.abs(out.speed - velocity)[moving]) < 0.5
    assert np.nanmean(np.abs(out.speed - velocity)[t > 0.5]) < 1.0
    assert np.nanmax(out.step) < 15.0, "slow motion must never look like a jerk"


@pytest.mark.parametrize("sigma", [0.15, 0.25, 0.4])
def test_a_fast_rotation_is_seen_within_two_frames(sigma: float) -> None:
    t, x, velocity = _noisy(40.0, sigma, duration_s=4.0)
    out, _ = track(x, t)
    seen = (out.speed > 30.0) | (out.step > 15.0)
    judged = halts.halt_outcome(velocity, seen)  # a flag before the rise is no early halt
    assert not judged.false_halt
    assert judged.latency <= 2


@pytest.mark.parametrize(("step", "within_frames"), [(20.0, 7), (40.0, 3)])
def test_a_velocity_step_is_measured_within_about_200_ms(step: float, within_frames: int) -> None:
    t = np.arange(150) / FPS
    velocity = np.where(t >= 3.0, 5.0 + step, 5.0)
    x = np.concatenate([[0.0], np.cumsum(velocity[1:]) / FPS])
    x += np.random.default_rng(RNG_SEED).normal(0, 0.25, t.size)
    out, _ = track(x, t)
    onset = int(np.argmax(t >= 3.0))
    assert np.nanmax(out.step[: onset - 1]) < 15.0
    assert np.nanmax(out.step[onset : onset + within_frames + 1]) > 15.0


def test_frame_by_frame_equals_whole_sequence_with_gaps_and_segments() -> None:
    t, x, _ = _noisy(10.0, 0.25)
    x[50:62] = np.nan
    segment = np.where(np.arange(t.size) >= 150, 1, 0)
    whole, _ = track(x, t, segment)
    history = History.empty()
    parts = []
    for i in range(t.size):
        out, history = track(x[i : i + 1], t[i : i + 1], segment[i : i + 1], history=history)
        parts.append((out.value[0], out.velocity[0], out.step[0], out.noise[0]))
    live = np.array(parts)
    for column, batch in enumerate((whole.value, whole.velocity, whole.step, whole.noise)):
        assert np.allclose(live[:, column], batch, equal_nan=True)


def test_no_fit_spans_two_segments() -> None:
    t = np.arange(120) / FPS
    x = np.where(t < 2.0, 0.0, 50.0)  # a new person, 50° away
    out, _ = track(x, t, (t >= 2.0).astype(np.int64))
    assert np.nanmax(out.speed) < 1e-6


def test_unseen_samples_give_nan_and_are_skipped() -> None:
    t = np.arange(60) / FPS
    x = 2.0 * t
    x[30:33] = np.nan
    out, _ = track(x, t)
    assert np.isnan(out.velocity[30:33]).all()
    assert np.isnan(out.noise[30:33]).all()
    assert out.velocity[40] == pytest.approx(2.0)


def test_the_jitter_estimate_matches_white_noise() -> None:
    rng = np.random.default_rng(RNG_SEED)
    t = np.arange(600) / FPS
    out, _ = track(rng.normal(0, 0.3, t.size), t)
    assert np.median(out.noise[100:]) == pytest.approx(0.3, rel=0.15)


def test_unwrap_removes_full_turns_and_continues_from_the_last_value() -> None:
    values = np.array([170.0, 179.0, -178.0, np.nan, -170.0])
    assert np.allclose(unwrap_deg(values), [170, 179, 182, np.nan, 190], equal_nan=True)
    assert np.allclose(unwrap_deg(np.array([-179.0]), last=179.0), [181.0])


def test_windows_scale_with_the_frame_rate() -> None:
    assert SpeedFilter.for_fps(30).windows == (3, 5, 9, 17, 31)
    assert SpeedFilter.for_fps(15).windows[-1] == 16
    assert SpeedFilter.for_fps(float("nan")).windows == (3, 5, 9, 17, 31)


def test_the_clip_wide_jitter_medians_are_numpys_bit_for_bit() -> None:
    """The noise estimate's medians, taken for a whole clip at once (rows sorted), are exactly
    `np.median` of each window's seen samples: odd and even counts, ties, gaps, an infinity."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        rows = np.round(np.abs(rng.normal(size=(6, int(rng.integers(1, 61))))), 2)
        rows[rng.random(rows.shape) < rng.random()] = np.nan
        rows[rng.random(rows.shape) < 0.02] = np.inf
        got = K._row_medians(rows)
        for row, value in zip(rows, got, strict=True):
            seen = row[~np.isnan(row)]
            if seen.size:
                assert np.float64(value).tobytes() == np.float64(np.median(seen)).tobytes()
