"""The still receiver's jitter of the movement measure (`motion.still_jitter`): what the gate
reads to refuse a picture too unsteady for small movements (issue 12, item 1)."""

from __future__ import annotations

import numpy as np

from backbuddy.motion import still_jitter as sj

FPS = 30.0


def _noise(sigma: float, n: int = 150, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, sigma, n)


def test_white_noise_reads_its_standard_deviation() -> None:
    out = sj.JitterWatch(0.12, FPS).update(_noise(0.5), np.ones(150, bool))
    assert 0.4 < out.sigma[-1] < 0.6
    assert not out.steady[-1]


def test_a_steady_slow_drift_is_not_jitter() -> None:
    """A receiver settling slowly (or a slow movement read as still) has no second difference."""
    drift = np.arange(150) * (5.0 / FPS) + _noise(0.02)  # 5 °/s with a little noise
    out = sj.JitterWatch(0.12, FPS).update(drift, np.ones(150, bool))
    assert out.sigma[-1] < 0.05
    assert out.steady[-1]


def test_unknown_until_enough_still_frames_then_judged() -> None:
    out = sj.JitterWatch(0.12, FPS).update(np.zeros(90), np.ones(90, bool))
    known = np.flatnonzero(np.isfinite(out.sigma))
    assert known[0] >= round(sj.MIN_S * FPS)  # 1.5 s of second differences first
    assert not out.steady[: known[0]].any()
    assert out.steady[known[0] :].all()


def test_moving_frames_are_not_read_and_break_the_chain() -> None:
    """Only still frames count: a jump across frames the gate does not read as still is no
    second difference."""
    x = np.zeros(120)
    x[60:] = 30.0  # a movement between still stretches
    still = np.ones(120, bool)
    still[55:65] = False
    out = sj.JitterWatch(0.12, FPS).update(x, still)
    assert out.sigma[-1] == 0.0
    assert out.steady[-1]


def _zigzag(sigma: float, n: int) -> np.ndarray:
    """A reading whose |second difference| is the same on every frame: jitter `sigma` exactly."""
    return sigma * sj.MEDIAN_ABS_D2_PER_SIGMA / 4.0 * (-1.0) ** np.arange(n)


def test_hysteresis_keeps_a_steady_picture_open_near_the_limit() -> None:
    watch = sj.JitterWatch(0.12, FPS)
    assert watch.update(_zigzag(0.08, 120), np.ones(120, bool)).steady[-1]
    near = watch.update(_zigzag(0.125, 200), np.ones(200, bool))  # over 0.12, under 0.132
    assert abs(near.sigma[-1] - 0.125) < 1e-9
    assert near.steady.all()
    fresh = sj.JitterWatch(0.12, FPS).update(_zigzag(0.125, 200), np.ones(200, bool))
    assert not fresh.steady.any()  # a picture never judged steady is not opened by the margin
    worse = watch.update(_zigzag(0.14, 200), np.ones(200, bool))
    assert not worse.steady[-1]  # past the margin it shuts


def test_a_moved_camera_forgets_the_old_pictures_jitter() -> None:
    watch = sj.JitterWatch(0.12, FPS)
    watch.update(_noise(1.0), np.ones(150, bool))
    forget = np.zeros(10, bool)
    forget[0] = True
    out = watch.update(np.zeros(10), np.ones(10, bool), forget)
    assert np.isnan(out.sigma).all()  # not known again until 1.5 s of the new picture
    assert not out.steady.any()


def test_one_frame_at_a_time_reads_as_the_whole_clip() -> None:
    x, still = _noise(0.2), np.ones(150, bool)
    still[70:80] = False
    whole = sj.JitterWatch(0.12, FPS).update(x, still)
    live = sj.JitterWatch(0.12, FPS)
    frames = [live.update(x[i : i + 1], still[i : i + 1]) for i in range(150)]
    assert np.array_equal(np.concatenate([f.sigma for f in frames]), whole.sigma, equal_nan=True)
    assert np.array_equal(np.concatenate([f.steady for f in frames]), whole.steady)
