"""16 kHz mono float32: conversion, resampling, levels and mixing at a signal-to-noise ratio."""

from __future__ import annotations

import numpy as np
import pytest

from backbuddy.audio.samples import RATE, from_int16, level_dbfs, mix_at_snr, to_int16, to_mono_16k


def tone(hz: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_resampling_44k1_stereo_keeps_duration_and_pitch():
    x = tone(440, 1.0, 44_100)
    y = to_mono_16k(np.stack([x, x], axis=1), 44_100)
    assert y.size == RATE
    spectrum = np.abs(np.fft.rfft(y))
    assert np.argmax(spectrum) * RATE / y.size == pytest.approx(440, abs=2)


def test_int16_round_trip():
    x = np.array([0.0, 0.5, -0.5, -1.0], dtype=np.float32)
    assert np.allclose(from_int16(to_int16(x)), x, atol=1e-4)
    assert np.allclose(from_int16(to_int16(x).tobytes()), x, atol=1e-4)


def test_levels_in_dbfs():
    assert level_dbfs(np.zeros(100, dtype=np.float32)) == -120.0
    assert level_dbfs(tone(1000, 0.1, RATE)) == pytest.approx(-9.03, abs=0.05)  # 0.5 sine


def test_mixing_at_a_snr_scales_the_noise_against_the_speech_not_its_silences():
    rng = np.random.default_rng(0)
    speech = np.concatenate([np.zeros(RATE, np.float32), tone(300, 1.0, RATE)])
    noise = rng.standard_normal(RATE).astype(np.float32)
    mixed = mix_at_snr(speech, noise, 10.0)
    added = mixed - speech
    p_speech = np.mean(tone(300, 1.0, RATE) ** 2)
    assert 10 * np.log10(p_speech / np.mean(added**2)) == pytest.approx(10.0, abs=0.3)
