"""Microphone audio from the page: what counts as an audio message, and how fast it may come.

The page's AudioWorklet sends 16 kHz mono 16-bit PCM as binary socket messages with
an 8-byte header (docs/protocol.md, "Audio"):

    bytes 0-3  b"BBA1"
    byte  4    flags: 1 = the page was speaking a cue, 2 = that cue contains a stop word
               (not listened to where a stop changes nothing: `rules.own_stop_erased`),
               4 = the microphone check is waiting
    byte  5    0
    bytes 6-7  sample rate, uint16 little-endian: must be 16000
    bytes 8-   samples, int16 little-endian, 1 to MAX_AUDIO_SAMPLES of them

A message that breaks these rules is dropped with a clear, non-fatal error (the
session goes on with buttons); a page sending audio faster than it can be spoken
is dropped the same way; a page flooding the socket with messages is cut off, as
for frames and presses.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from backbuddy.audio.samples import RATE, Samples, from_int16, to_int16
from backbuddy.web.throttle import MessageRate

MAGIC = b"BBA1"
HEADER = struct.Struct("<4sBBH")
#: The most samples one message may carry (0.256 s; the page sends 512 = 32 ms).
MAX_AUDIO_SAMPLES = 4096
MAX_AUDIO_BYTES = HEADER.size + 2 * MAX_AUDIO_SAMPLES
#: Flags in byte 4.
SPEAKING, SPEAKING_STOP_WORD, CHECKING = 1, 2, 4
KNOWN_FLAGS = SPEAKING | SPEAKING_STOP_WORD | CHECKING
#: Audio messages a socket may send at once, then per second (32 ms chunks are ~31 a second).
AUDIO_BURST, AUDIO_PER_S = 120, 60.0
#: Seconds of audio that may arrive at once, and per second of wall time after that.
AUDIO_AHEAD_S, AUDIO_SPEED = 3.0, 1.25


class AudioRejected(ValueError):
    """An audio message we do not take (protocol error `bad_audio`); says what is wrong."""


@dataclass(frozen=True)
class AudioChunk:
    """One checked audio message: float samples in [-1, 1] and the page's flags."""

    samples: Samples
    flags: int

    @property
    def seconds(self) -> float:
        return self.samples.size / RATE


def is_audio(data: bytes) -> bool:
    """A binary message that claims to be audio (frames start with a JPEG's FF D8)."""
    return data[:4] == MAGIC


def parse_audio(data: bytes) -> AudioChunk:
    """The samples and flags of an audio message, or AudioRejected saying what is wrong."""
    if len(data) < HEADER.size + 2:
        raise AudioRejected(f"an audio message needs an {HEADER.size}-byte header and samples")
    if len(data) > MAX_AUDIO_BYTES:
        raise AudioRejected(
            f"an audio message carries at most {MAX_AUDIO_SAMPLES} samples "
            f"({MAX_AUDIO_BYTES} bytes); got {len(data)} bytes",
        )
    magic, flags, reserved, rate = HEADER.unpack_from(data)
    if magic != MAGIC or reserved != 0 or flags & ~KNOWN_FLAGS:
        raise AudioRejected("the audio header is not BBA1 with known flags")
    if rate != RATE:
        raise AudioRejected(f"audio must be {RATE} Hz mono 16-bit PCM; this message says {rate} Hz")
    payload = data[HEADER.size :]
    if len(payload) % 2:
        raise AudioRejected("16-bit audio has an even number of bytes")
    samples = from_int16(np.frombuffer(payload, dtype="<i2"))
    return AudioChunk(samples, flags)


def audio_message(samples: Samples, flags: int = 0, rate: int = RATE) -> bytes:
    """An audio message as the page builds it (for tests and the benchmark)."""
    pcm = to_int16(np.asarray(samples, dtype=np.float32)).astype("<i2")
    return HEADER.pack(MAGIC, flags, 0, rate) + pcm.tobytes()


class AudioRate:
    """Messages per second (a flood is a misbehaving page) and audio seconds per second
    (audio faster than real time is dropped: nobody speaks that fast)."""

    def __init__(self) -> None:
        self.messages = MessageRate(AUDIO_BURST, AUDIO_PER_S)
        self._ahead = AUDIO_AHEAD_S
        self._at: float | None = None

    def flooded(self, now: float) -> bool:
        """Take one message at `now` (monotonic s): True when messages come too fast."""
        return self.messages.flooded(now)

    def too_fast(self, now: float, seconds: float) -> bool:
        """Take `seconds` of audio at `now`: True (and not taken) when ahead of real time."""
        if self._at is not None:
            self._ahead = min(AUDIO_AHEAD_S, self._ahead + (now - self._at) * AUDIO_SPEED)
        self._at = now
        if seconds > self._ahead:
            return True
        self._ahead -= seconds
        return False
