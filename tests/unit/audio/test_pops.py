"""The click detector around digital silence: a muted microphone, sound the server dropped, a
page's padding. Zeros are no background, so the room's quiet noise coming back is no click
(found on CI, session 14: it ended a movement as a pop); a real click after them still is."""

from __future__ import annotations

import numpy as np
from audio_clips import clip

from backbuddy.audio.config import load
from backbuddy.audio.pops import detect
from backbuddy.audio.samples import RATE

#: A quiet room as the page's int16 microphone sends it (about -60 dBFS).
ROOM = 1e-3


def room(seconds: float, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal(round(seconds * RATE)) * ROOM
    return (np.round(x * 32767) / 32767).astype(np.float32)


def zeros(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


def test_quiet_room_noise_coming_back_after_digital_silence_is_no_click() -> None:
    config = load().pops
    found = [
        (seed, c.t)
        for seed in range(12)
        for c in detect(np.concatenate([room(1.0, seed), zeros(0.3), room(1.0, seed + 99)]), config)
    ]
    assert found == []


def test_a_real_click_after_digital_silence_is_still_a_click() -> None:
    """pops_1.wav's loud labelled click (10.198 s, 24 dB over the breathing), its breathing
    around it, after the room then 0.3 s of zeros."""
    config = load().pops
    pop = clip("pops_1.wav")[round(9.5 * RATE) : round(10.7 * RATE)]
    x = np.concatenate([room(1.0, 7), zeros(0.3), pop])
    at = [c.t for c in detect(x, config)]
    assert any(abs(t - (1.3 + 0.698)) <= 0.02 for t in at), at
