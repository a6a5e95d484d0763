"""The live camera's one-frame filter (`kinematics_one`) gives bit for bit what the vectorised
filter gives over the whole sequence: value, velocity, jitter, window and velocity step, through
gaps, a new segment, a wrapping periodic measure, a jerk and the filter's start."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.fixtures.poses import FPS, profile

from backbuddy.motion.kinematics import History, SpeedFilter, track


def _one_by_one(x: np.ndarray, t: np.ndarray, seg: np.ndarray, **kw: object) -> np.ndarray:
    history = History.empty()
    rows = []
    for i in range(t.size):
        out, history = track(x[i : i + 1], t[i : i + 1], seg[i : i + 1], history=history, **kw)
        rows.append((out.value[0], out.velocity[0], out.noise[0], out.window[0], out.step[0]))
    return np.array(rows)


def _whole(x: np.ndarray, t: np.ndarray, seg: np.ndarray, **kw: object) -> np.ndarray:
    out, _ = track(x, t, seg, **kw)
    return np.stack([out.value, out.velocity, out.noise, out.window, out.step], axis=1)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal as stored floats: NaN where NaN, and 0.0 and -0.0 told apart."""
    return a.tobytes() == b.tobytes()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_frame_at_a_time_is_bit_for_bit_the_whole_sequence(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t, angle, _ = profile(10.0, duration_s=12.0, move_s=4.0)
    t = t + rng.uniform(-0.004, 0.004, t.size)  # a real camera's uneven frame times
    t.sort()
    x = angle + rng.normal(0, 0.3, t.size)
    x[40:52] = np.nan  # tracking lost for 0.4 s
    x[200] = np.nan  # one frame
    x[250:] += np.where(np.arange(t.size - 250) > 5, 25.0, 0.0)  # a jerk
    seg = np.where(np.arange(t.size) >= 300, 1, 0).astype(np.int64)  # a new person
    assert _same_bits(_one_by_one(x, t, seg), _whole(x, t, seg))


def test_a_wrapping_periodic_measure_is_unwrapped_the_same_way() -> None:
    t = np.arange(240) / FPS
    x = (150.0 + 40.0 * t + 180.0) % 360.0 - 180.0  # crosses ±180 twice
    x[100:104] = np.nan
    seg = np.zeros(t.size, np.int64)
    assert _same_bits(_one_by_one(x, t, seg, periodic=True), _whole(x, t, seg, periodic=True))


def test_other_frame_rates_and_a_still_measure_match_too() -> None:
    filt = SpeedFilter.for_fps(15.0)
    t = np.arange(150) / 15.0
    x = np.full(t.size, 12.5)  # perfectly still: zero jitter, the noise floor
    x[70:] = 12.5 - 0.0  # still
    seg = np.zeros(t.size, np.int64)
    assert _same_bits(_one_by_one(x, t, seg, filt=filt), _whole(x, t, seg, filt=filt))


def test_a_one_frame_history_read_by_the_vectorised_filter_is_the_same() -> None:
    """The one-frame filter's history makes its arrays only when read (`History(None, …)`):
    a batch of frames after a stretch of single frames (the vectorised filter reading that
    history) gives bit for bit what the whole sequence gives."""
    rng = np.random.default_rng(5)
    t, angle, _ = profile(10.0, duration_s=6.0, move_s=2.0)
    x = angle + rng.normal(0, 0.3, t.size)
    seg = np.zeros(t.size, np.int64)
    history = History.empty()
    for i in range(90):  # single frames: the one-frame filter
        _, history = track(x[i : i + 1], t[i : i + 1], seg[i : i + 1], history=history)
    assert history.t.tolist() == t[:90][-history.t.size :].tolist()
    out, _ = track(x[90:], t[90:], seg[90:], history=history)  # then a batch
    whole = _whole(x, t, seg)[90:]
    batch = np.stack([out.value, out.velocity, out.noise, out.window, out.step], axis=1)
    assert _same_bits(batch, whole)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    unseen=st.floats(0.0, 0.9),
    periodic=st.booleans(),
    segments=st.integers(1, 4),
)
def test_random_streams_with_unseen_samples_match_bit_for_bit(
    seed: int, unseen: float, periodic: bool, segments: int
) -> None:
    """Unseen samples (NaN) take the one-frame filter's short path (`_unseen_one`): on random
    streams, mostly unseen or barely, of several segments, wrapping or not, every output is
    still the whole sequence's."""
    rng = np.random.default_rng(seed)
    n = 120
    t = np.cumsum(rng.uniform(0.02, 0.05, n))
    x = np.cumsum(rng.normal(0, 3.0, n)) + (170.0 if periodic else 0.0)
    if periodic:
        x = (x + 180.0) % 360.0 - 180.0
    x[rng.random(n) < unseen] = np.nan
    seg = np.sort(rng.integers(0, segments, n)).astype(np.int64)
    kw = {"periodic": periodic}
    assert _same_bits(_one_by_one(x, t, seg, **kw), _whole(x, t, seg, **kw))


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
@pytest.mark.parametrize("periodic", [False, True])
def test_an_infinite_measure_value_is_read_alike_frame_by_frame_and_whole(
    bad: float, periodic: bool
) -> None:
    """An infinite value is not seen (as NaN): its second differences are no jitter samples
    for either filter. The whole-sequence median once counted them (as the largest) while the
    one-frame filter dropped them, so the jitter, and from it the window, the velocity and the
    velocity step, differed for the next 2 s (found in session 18)."""
    rng = np.random.default_rng(7)
    t = np.arange(150) / FPS
    x = np.cumsum(rng.normal(0, 0.3, t.size))
    x[40], x[80], x[81] = bad, -bad, bad
    seg = np.zeros(t.size, np.int64)
    kw = {"periodic": periodic}
    one, whole = _one_by_one(x, t, seg, **kw), _whole(x, t, seg, **kw)
    assert _same_bits(one, whole)
    assert np.isnan(whole[41:60, 1]).sum() < 19  # the velocity is read again after it
