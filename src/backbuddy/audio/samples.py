"""Samples: conversion to 16 kHz mono float32, levels, and mixing at a signal-to-noise ratio.

Every array here is float32 in [-1, 1], mono, 16 kHz unless a rate is named.
"""

from __future__ import annotations

from math import gcd

import numpy as np
from numpy.typing import NDArray

#: The one rate the audio layer works at (Silero VAD and Whisper both want it).
RATE = 16_000
Samples = NDArray[np.float32]


def from_int16(pcm: NDArray[np.int16] | bytes) -> Samples:
    """Signed 16-bit PCM (array or little-endian bytes) → float32 in [-1, 1)."""
    data = np.frombuffer(pcm, dtype="<i2") if isinstance(pcm, bytes | bytearray) else pcm
    return (np.asarray(data, dtype=np.float32) / 32768.0).astype(np.float32)


def to_int16(samples: Samples) -> NDArray[np.int16]:
    """float32 → 16-bit PCM, clipped."""
    return np.asarray(np.clip(samples, -1.0, 32767 / 32768) * 32768.0, dtype=np.int16)


def to_mono_16k(samples: NDArray[np.floating], rate: int) -> Samples:
    """Any rate, mono (n,) or channels last (n, c) → 16 kHz mono float32 (polyphase resampling)."""
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if rate == RATE:
        return x.astype(np.float32, copy=False)
    from scipy.signal import resample_poly  # scipy loads only when resampling is needed

    g = gcd(int(rate), RATE)
    return np.asarray(resample_poly(x, RATE // g, int(rate) // g), dtype=np.float32)


def level_dbfs(samples: Samples) -> float:
    """RMS level in dB full scale (-120 for silence): the live microphone meter."""
    if samples.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(-120.0, 20.0 * float(np.log10(rms + 1e-12)))


def mix_at_snr(signal: Samples, noise: Samples, snr_db: float) -> Samples:
    """`signal` plus `noise` (looped or cut to length) scaled so the signal is `snr_db` louder.

    The signal's power is taken over its active part (above -50 dBFS in 20 ms frames),
    so silence around a word does not lower it.
    """
    n = np.resize(noise, signal.shape).astype(np.float32)
    frames = signal[: signal.size // 320 * 320].reshape(-1, 320)
    power = np.mean(np.square(frames, dtype=np.float64), axis=1)
    active = power[power > 1e-5]
    p_signal = float(active.mean()) if active.size else float(power.mean())
    p_noise = float(np.mean(np.square(n, dtype=np.float64))) or 1e-12
    gain = np.sqrt(p_signal / (p_noise * 10 ** (snr_db / 10)))
    return np.asarray(signal + gain * n, dtype=np.float32)
