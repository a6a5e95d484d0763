"""What the audio layer reports: plain values stamped with the audio time they were decided at.

`t` is always the moment the listener had heard enough to say so (the end of the
window or utterance that settled it), in seconds of audio from the first sample; the
service maps them onto session time and into engine events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Meaning = Literal["stop", "okay", "other"]


@dataclass(frozen=True)
class VoiceOnset:
    """Someone started speaking; `onset` is where the first speech window began."""

    t: float
    onset: float


@dataclass(frozen=True)
class Utterance:
    """A stretch of speech has ended (or reached the longest piece): time to recognise it."""

    t: float
    start: float
    end: float


@dataclass(frozen=True)
class SpeechSoFar:
    """Speech still going on whose voice-activity probability has started to fall: an early,
    speculative look at the words so far (a stop there halts at once; nothing else counts)."""

    t: float
    start: float
    end: float


@dataclass(frozen=True)
class Heard:
    """The words recognised in an utterance and what they mean for the session.

    `during_speech`: the utterance began while the page itself was speaking (or its voice
    still rang), so the words may be its own echo: a stop still halts, but never confirms
    the microphone check.
    """

    t: float
    text: str
    meaning: Meaning
    start: float
    end: float
    during_speech: bool = False


@dataclass(frozen=True)
class PopHeard:
    """A click away from speech, at audio time `at`; `confidence` in (0, 1] grows with its rise.

    `t` is later than `at`: a click is only sure once no speech came near it.
    `during_speech`: heard while the page itself was speaking (or its voice still rang), so
    it may be the page's own sound; it is still a pop (a real one must not be lost).
    """

    t: float
    at: float
    confidence: float
    rise_db: float
    during_speech: bool = False


AudioEvent = VoiceOnset | Heard | PopHeard
