"""Reading audio: a WAV file (standard library) or the audio track of any video (PyAV).

Everything comes back as 16 kHz mono float32, the audio layer's one format.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import numpy as np

from backbuddy.audio.errors import AudioError
from backbuddy.audio.samples import RATE, Samples, to_int16, to_mono_16k

_WIDTH_DTYPE: dict[int, np.dtype[Any]] = {
    1: np.dtype(np.uint8),
    2: np.dtype("<i2"),
    4: np.dtype("<i4"),
}


def read_audio(path: Path | str) -> Samples:
    """The file's sound at 16 kHz mono; a WAV is read directly, anything else through FFmpeg."""
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such audio file")
    if path.suffix.lower() == ".wav":
        try:
            return _read_wav(path)
        except (wave.Error, EOFError) as err:
            if "unknown format" not in str(err):
                raise AudioError(f"{path}: not a readable WAV file ({err})") from None
    return _read_any(path)


def _read_wav(path: Path) -> Samples:
    with wave.open(str(path), "rb") as w:
        width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
        raw = w.readframes(w.getnframes())
    if width not in _WIDTH_DTYPE:
        raise AudioError(f"{path}: {8 * width}-bit WAV is not supported; use 16-bit PCM")
    data = np.frombuffer(raw, dtype=_WIDTH_DTYPE[width]).astype(np.float32)
    if width == 1:
        data = (data - 128.0) / 128.0
    else:
        data /= float(2 ** (8 * width - 1))
    return to_mono_16k(data.reshape(-1, channels), rate)


def _read_any(path: Path) -> Samples:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioError(f"{path}: has no audio track")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
            parts: list[np.ndarray] = []
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    parts.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                parts.append(out.to_ndarray().reshape(-1))
    except av.error.FFmpegError as err:
        raise AudioError(f"{path}: cannot decode audio ({err})") from None
    if not parts:
        raise AudioError(f"{path}: the audio track is empty")
    return np.concatenate(parts).astype(np.float32)


def write_wav(path: Path | str, samples: Samples, rate: int = RATE) -> Path:
    """16-bit PCM mono WAV (the clip set and the cue cache use it)."""
    path = Path(path)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(to_int16(samples).tobytes())
    return path
