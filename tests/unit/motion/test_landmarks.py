"""Landmarks: shape checks, NaN for no person, round trip through plain arrays, mirroring."""

from __future__ import annotations

import numpy as np
import pytest

from backbuddy.motion import landmarks as L
from backbuddy.motion.landmarks import Landmarks, no_person, stack


def _frames(n: int) -> Landmarks:
    rng = np.random.default_rng(42)
    image = rng.uniform(0, 1, (n, 33, 4))
    return Landmarks(image, image.copy(), np.arange(n) / 30, (640, 480))


def test_arrays_are_float32_and_times_float64() -> None:
    lm = _frames(3)
    assert lm.image.dtype == np.float32
    assert lm.world.dtype == np.float32
    assert lm.t.dtype == np.float64
    assert len(lm) == 3


@pytest.mark.parametrize(
    ("image_shape", "t", "message"),
    [
        ((2, 32, 4), [0, 1], "must be \\(T, 33, 4\\)"),
        ((2, 33, 4), [0], "one entry per frame"),
        ((2, 33, 4), [1, 0], "never decrease"),
    ],
)
def test_malformed_arrays_are_refused(
    image_shape: tuple[int, ...], t: list[float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Landmarks(np.zeros(image_shape), np.zeros(image_shape), np.array(t, float), (10, 10))


def test_a_frame_without_a_person_is_all_nan_and_not_detected() -> None:
    frames = [(0.0, no_person(), no_person()), (0.1, np.ones((33, 4)), np.ones((33, 4)))]
    lm = stack(frames, (64, 48))
    assert np.isnan(lm.image[0]).all()
    assert lm.detected.tolist() == [False, True]
    assert lm.visibility()[0].tolist() == [0.0] * 33


def test_pixels_use_the_frame_size() -> None:
    lm = _frames(1)
    assert np.allclose(lm.pixels()[0, :, 0], lm.image[0, :, 0] * 640, atol=1e-4)
    assert np.allclose(lm.pixels()[0, :, 1], lm.image[0, :, 1] * 480, atol=1e-4)


def test_round_trip_through_plain_arrays() -> None:
    lm = _frames(4)
    back = Landmarks.from_arrays(lm.to_arrays())
    assert np.array_equal(back.image, lm.image)
    assert back.size == lm.size
    assert back.person == 0


def test_mirrored_exchanges_left_and_right_on_chosen_frames_only() -> None:
    lm = _frames(2)
    out = lm.mirrored(np.array([True, False]))
    assert np.array_equal(out.image[0, L.LEFT_HIP], lm.image[0, L.RIGHT_HIP])
    assert np.array_equal(out.image[0, L.NOSE], lm.image[0, L.NOSE])
    assert np.array_equal(out.image[1], lm.image[1])


def test_empty_and_take() -> None:
    assert len(Landmarks.empty((8, 8))) == 0
    assert len(_frames(5).take(slice(1, 3))) == 2


@pytest.mark.parametrize(("unsure", "covered"), [(False, False), (True, False), (False, True)])
def test_a_live_frame_made_at_once_is_the_general_constructors(unsure: bool, covered: bool) -> None:
    """`Landmarks.frame` (a live frame, no per-frame checks) gives what the constructor gives."""
    rng = np.random.default_rng(7)
    image, world = rng.uniform(0, 1, (2, 33, 4)).astype(np.float32)
    fast = Landmarks.frame(image, world, 1.25, (640, 480), unsure, covered)
    slow = Landmarks(image[None], world[None], [1.25], (640, 480), 0, [unsure], [covered])
    for name in ("image", "world", "t", "unsure", "covered"):
        a, b = getattr(fast, name), getattr(slow, name)
        assert a.dtype == b.dtype, name
        assert a.shape == b.shape, name
        assert (a == b).all(), name
    assert (fast.size, fast.person) == (slow.size, slow.person)
    assert fast.frame_floats() == slow.frame_floats()
    assert (fast.pixels() == slow.pixels()).all()


def test_a_live_frame_of_another_shape_or_size_goes_through_the_checks() -> None:
    image = np.zeros((33, 4), np.float32)
    with pytest.raises(ValueError, match="must be \\(T, 33, 4\\)"):
        Landmarks.frame(np.zeros((32, 4), np.float32), np.zeros((32, 4), np.float32), 0.0, (4, 4))
    with pytest.raises(ValueError, match="frame size must be positive"):
        Landmarks.frame(image, image, 0.0, (0, 4))
    widened = Landmarks.frame(image.astype(np.float64), image, 0.0, (4, 4))
    assert widened.image.dtype == np.float32
    assert widened.image.shape == (1, 33, 4)
