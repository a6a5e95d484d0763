"""Phone-like degradations of the truth clips (tools/calibrate/degrade.py): seeded, and each
does what its name says."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import degrade  # noqa: E402

RNG_SEED = 42


def _frame() -> np.ndarray:
    rng = np.random.default_rng(RNG_SEED)
    img = np.full((480, 360, 3), 200, np.uint8)
    img[100:380, 120:240] = rng.integers(0, 255, (280, 120, 3), dtype=np.uint8)  # a "person"
    return img


def test_frame_rates_pick_the_nearest_source_frames() -> None:
    assert degrade.picks(61, 15.0).tolist() == list(range(0, 61, 2))
    twenty_four = degrade.picks(61, 24.0)
    assert len(twenty_four) == 49
    assert twenty_four[-1] == 60
    assert np.all(np.diff(twenty_four) >= 1)
    assert degrade.picks(61, 30.0).tolist() == list(range(61))


def test_a_phone_frame_is_letterboxed_to_its_size_and_orientation() -> None:
    rng = np.random.default_rng(0)
    portrait = degrade.degrade_frame(_frame(), degrade.PHONE["720p_portrait"], rng)
    landscape = degrade.degrade_frame(_frame(), degrade.PHONE["1080p_landscape"], rng)
    assert portrait.shape == (1280, 720, 3)
    assert landscape.shape == (1080, 1920, 3)
    assert (landscape[:, :100] == 200).all()  # the side bars take the render's edge colour


def test_degradations_are_seeded_and_change_the_pixels() -> None:
    d = degrade.PHONE["phone_24fps_720p"]
    a = degrade.degrade_frame(_frame(), d, np.random.default_rng(d.seed))
    b = degrade.degrade_frame(_frame(), d, np.random.default_rng(d.seed))
    assert np.array_equal(a, b)
    for name in ("jpeg_q50", "noise_8", "blur_5px"):
        out = degrade.degrade_frame(_frame(), degrade.PHONE[name], np.random.default_rng(1))
        assert out.shape == _frame().shape
        assert not np.array_equal(out, _frame()), name
    noisy = degrade.degrade_frame(_frame(), degrade.PHONE["noise_8"], np.random.default_rng(1))
    flat = noisy[:50, :50].astype(float) - 200.0
    assert 6.0 < flat.std() < 10.0
