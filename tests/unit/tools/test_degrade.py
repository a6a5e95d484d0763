"""Phone-like versions of the truth clips (tools/calibrate/degrade.py): seeded, complete, and
each step does what a phone and the app's page do."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import degrade  # noqa: E402

RNG_SEED = 42


def _frame(w: int = 360, h: int = 480) -> np.ndarray:
    rng = np.random.default_rng(RNG_SEED)
    img = np.full((h, w, 3), 200, np.uint8)
    img[100:380, 120:240] = rng.integers(0, 255, (280, 120, 3), dtype=np.uint8)  # a "person"
    return img


def test_the_matrix_is_every_frame_rate_resolution_and_orientation() -> None:
    seen = {(d.fps, d.resolution, d.portrait) for d in degrade.MATRIX.values()}
    assert seen == set(itertools.product((15.0, 24.0, 30.0), ("720p", "1080p"), (True, False)))
    sizes = {d.size for d in degrade.MATRIX.values()}
    assert sizes == {(720, 1280), (1280, 720), (1080, 1920), (1920, 1080)}
    for d in degrade.MATRIX.values():
        assert d.camera_quality is not None
        assert 70 <= d.camera_quality <= 85
        assert (d.send_side, d.send_quality) == (480, 70)  # the page's own (camera.js)
        assert d.exposure == pytest.approx(1 / d.fps)


def test_frame_rates_keep_the_source_frames_own_times() -> None:
    fifteen = degrade.picks(61, 15.0)
    assert fifteen.tolist() == list(range(0, 61, 2))
    assert np.allclose(np.diff(degrade.times(fifteen)), 1 / 15)
    twenty_four = degrade.picks(61, 24.0)
    assert len(twenty_four) == 49  # 2 s at 24 fps
    gaps = np.diff(degrade.times(twenty_four))
    # a dropped source frame every 4: the time says so, it is not smeared over 1/24 s
    assert set(np.round(gaps * 30).astype(int).tolist()) == {1, 2}
    assert np.allclose(degrade.times(twenty_four), twenty_four / 30.0)
    assert degrade.picks(61, 30.0).tolist() == list(range(61))


def test_the_frame_is_cut_where_the_body_fits_and_widened_where_it_does_not() -> None:
    lying = (480, 360)
    body = (100.0, 120.0, 380.0, 240.0)
    x0, y0, w, h = degrade.frame_window(lying, body, 16 / 9)  # landscape: cut top and bottom
    assert (w, h) == (480, 270)
    assert y0 <= body[1]
    assert y0 + h >= body[3]
    x0, y0, w, h = degrade.frame_window(lying, body, 9 / 16)  # portrait: the body is too wide
    assert (w, h) == (480, 853)
    assert y0 < 0  # widened past the render's edges, the receiver the same size
    seated = (360, 480)
    x0, y0, w, h = degrade.frame_window(seated, (110.0, 60.0, 250.0, 450.0), 9 / 16)
    assert (w, h) == (270, 480)
    assert x0 <= 110
    assert x0 + w >= 250


def test_a_reframed_frame_has_the_phone_size_and_the_render_edge_colour() -> None:
    out = degrade.reframe(_frame(), (-246, 0, 853, 480), (1920, 1080))
    assert out.shape == (1080, 1920, 3)
    assert (out[:, :100] == 200).all()


def test_motion_blur_follows_the_image_speed() -> None:
    img = np.zeros((64, 64, 3), np.uint8)
    img[32, 32] = 255
    assert np.array_equal(degrade.motion_blur(img, np.array([0.0, 0.0]), 1 / 30), img)
    for speed in (120.0, 240.0):  # px/s over 1/30 s: 4 and 8 px streaks along u
        out = degrade.motion_blur(img, np.array([speed, 0.0]), 1 / 30)
        row = out[32, :, 0] > 0
        assert abs(int(row.sum()) - speed / 30) <= 2
        assert (out[:, 32, 0] > 0).sum() <= 2  # across the motion: still sharp


def test_sensor_noise_is_seeded_and_grows_with_brightness() -> None:
    dark = np.full((200, 200, 3), 20, np.uint8)
    bright = np.full((200, 200, 3), 200, np.uint8)
    a = degrade.sensor_noise(bright, 3.0, 0.15, np.random.default_rng(7))
    b = degrade.sensor_noise(bright, 3.0, 0.15, np.random.default_rng(7))
    assert np.array_equal(a, b)
    sd_dark = degrade.sensor_noise(dark, 3.0, 0.15, np.random.default_rng(1)).std()
    sd_bright = a.std()
    assert sd_dark == pytest.approx(np.sqrt(9 + 0.15 * 20), rel=0.1)
    assert sd_bright == pytest.approx(np.sqrt(9 + 0.15 * 200), rel=0.1)


def test_jpeg_quality_costs_detail_in_order() -> None:
    img = _frame()
    err = {q: np.abs(degrade.jpeg(img, q).astype(int) - img).mean() for q in (85, 70)}
    assert 0 < err[85] < err[70]


def test_the_page_scales_the_shorter_side_down_to_480_and_never_up() -> None:
    big = np.zeros((1080, 1920, 3), np.uint8)
    assert degrade.page_frame(big, 480).shape == (480, 853, 3)
    assert degrade.page_frame(big.transpose(1, 0, 2), 480).shape == (853, 480, 3)
    assert degrade.page_frame(big, None, width=480).shape == (270, 480, 3)  # the old page
    small = np.zeros((360, 300, 3), np.uint8)
    assert degrade.page_frame(small, 480).shape == small.shape


def test_a_degraded_frame_is_what_the_server_receives() -> None:
    d = degrade.MATRIX["phone_24fps_1080p_portrait"]
    out = degrade.degrade_frame(_frame(), d, np.random.default_rng(d.seed), np.zeros(2))
    assert out.shape == (853, 480, 3)
    again = degrade.degrade_frame(_frame(), d, np.random.default_rng(d.seed), np.zeros(2))
    assert np.array_equal(out, again)
    assert not np.array_equal(out, degrade.degrade_frame(_frame(), d, np.random.default_rng(1)))


def test_each_clip_gets_its_own_stable_noise_seed() -> None:
    d = degrade.MATRIX["phone_15fps_720p_landscape"]
    assert degrade.clip_seed("a", d) == degrade.clip_seed("a", d)
    assert degrade.clip_seed("a", d) != degrade.clip_seed("b", d)


@pytest.mark.slow
def test_a_real_clip_degrades_the_same_way_twice_after_a_still_pre_roll() -> None:
    clip = "side_correct_jerk_front_table_f71"  # 54 frames, 480×360
    d = degrade.MATRIX["phone_15fps_720p_landscape"]
    first = list(degrade.frames(clip, d))
    second = list(degrade.frames(clip, d))
    pre = int(round(degrade.PRE_ROLL_S * d.fps))
    index = np.array([i for i, _, _ in first])
    t = np.array([ti for _, ti, _ in first])
    assert (index[:pre] == -1).all()
    assert (index[pre:] >= 0).all()
    assert np.allclose(np.diff(t), 1 / 15)  # the pre-roll runs into the clip's first frame
    assert t[pre] == 0.0
    assert first[-1][2].shape == (480, 853, 3)
    assert all(np.array_equal(a[2], b[2]) for a, b in zip(first, second, strict=True))
