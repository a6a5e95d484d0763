"""Sound in, as 16 kHz mono chunks: a local microphone (PortAudio via `sounddevice`), or a
recording replayed at its own pace as if it were live.

Both are iterables of `(t, samples)` where `t` is the audio time of the chunk's first
sample. A microphone that cannot be opened raises ListeningUnavailable with one plain
sentence; the session then goes on with keys.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import numpy as np

from backbuddy.adapters.audio_files import read_audio
from backbuddy.audio.errors import ListeningUnavailable
from backbuddy.audio.samples import RATE, Samples, to_mono_16k

CHUNK_S = 0.032


class Microphone:
    """The default (or a numbered) input device, read on PortAudio's own thread."""

    def __init__(self, device: int | None = None, chunk_s: float = CHUNK_S) -> None:
        self.device = device
        self.chunk_s = chunk_s
        self._queue: queue.Queue[Samples] = queue.Queue(maxsize=500)
        self._stream: object | None = None
        self._rate = RATE
        self._closed = threading.Event()

    def __enter__(self) -> Microphone:
        try:
            import sounddevice as sd
        except OSError as err:  # PortAudio itself is missing
            raise ListeningUnavailable(
                f"no microphone: PortAudio is not installed ({err})"
            ) from None
        try:
            info = sd.query_devices(self.device, "input")
            rate = RATE
            try:
                sd.check_input_settings(self.device, channels=1, samplerate=RATE, dtype="float32")
            except (sd.PortAudioError, ValueError):
                rate = int(info["default_samplerate"])
            self._rate = rate
            stream = sd.InputStream(
                device=self.device,
                channels=1,
                samplerate=rate,
                dtype="float32",
                blocksize=round(rate * self.chunk_s),
                callback=self._callback,
            )
            stream.start()
        except (sd.PortAudioError, ValueError) as err:
            raise ListeningUnavailable(f"no microphone could be opened ({err})") from None
        self._stream = stream
        return self

    def _callback(self, data: np.ndarray, frames: int, when: object, status: object) -> None:
        chunk = to_mono_16k(data[:, 0].copy(), self._rate)
        try:
            self._queue.put_nowait(chunk)
        except queue.Full:  # the listener fell far behind: drop the oldest audio, keep live
            self._queue.get_nowait()
            self._queue.put_nowait(chunk)

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closed.set()
        stream = self._stream
        if stream is not None:
            stream.stop()  # type: ignore[attr-defined]
            stream.close()  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[tuple[float, Samples]]:
        t = 0.0
        while not self._closed.is_set():
            try:
                chunk = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            yield t, chunk
            t += chunk.size / RATE


class Replay:
    """A recording played back in real time (or as fast as asked), in microphone-sized chunks."""

    def __init__(self, path: Path | str, speed: float = 1.0, chunk_s: float = CHUNK_S) -> None:
        self.samples = read_audio(path)
        self.speed = speed
        self.chunk = round(RATE * chunk_s)
        self._closed = threading.Event()

    def __enter__(self) -> Replay:
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()

    @property
    def duration(self) -> float:
        return self.samples.size / RATE

    def __iter__(self) -> Iterator[tuple[float, Samples]]:
        started = time.monotonic()
        for i in range(0, self.samples.size, self.chunk):
            if self._closed.is_set():
                return
            t = i / RATE
            due = started + (t + self.chunk / RATE) / self.speed
            time.sleep(max(0.0, due - time.monotonic()))
            yield t, self.samples[i : i + self.chunk]
