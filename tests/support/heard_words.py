"""Whisper's words for the listening tests, each window over each utterance decoded once.

The listening tests ask Whisper about the same utterances (the labelled clips at 10 dB
room noise) several times: the full 30 s window, the 10 s glance, and `transcribe`, which
is the glance and then the full window again. `RememberingWords` is the real
`WhisperWords` (the same model, `transcribe`, `glance` and `full` unchanged); only a
decode it has already done, for the same mel features and the same window, is given
back from memory. Decoding is greedy on one thread, so the text is the same as a second
decode would give. One per test process (`shared_words`); the tests that share clips are
kept on one xdist worker (their module's `xdist_group`).
"""

from __future__ import annotations

import hashlib
from functools import cache

import numpy as np
from numpy.typing import NDArray

from backbuddy.adapters.words import WhisperWords


class RememberingWords(WhisperWords):
    """`WhisperWords` that decodes a (features, window) pair once per process."""

    def __init__(self) -> None:
        super().__init__()
        self._heard: dict[tuple[int, tuple[int, ...], bytes], str] = {}
        self.decoded = 0  # decodes the model really ran (the rest came from memory)

    def _hear(self, features: NDArray[np.float32], frames: int) -> str:
        used = np.ascontiguousarray(features[:, :frames], dtype=np.float32)
        key = (frames, used.shape, hashlib.blake2b(used.tobytes(), digest_size=16).digest())
        if key not in self._heard:
            self._heard[key] = super()._hear(features, frames)
            self.decoded += 1
        return self._heard[key]


@cache
def shared_words() -> RememberingWords:
    """The one Whisper of this test process (loaded on first use)."""
    return RememberingWords()
