"""Listening: 16 kHz chunks in, what was heard out (onsets, words, clicks), on the audio clock.

`Listener.push(chunk)` runs voice activity (a `VadModel`) and the click detector over
the chunk and returns, in time order, voice onsets, utterances ready to be recognised
(`Utterance`), and clicks that no speech came near (`PopHeard`); with `early=True` also
`SpeechSoFar`, an early look while the end of speech is still being decided.
`Recognition` turns those into `Heard` words with a `Recogniser`: an utterance through
`transcribe`, an early look through the recogniser's quick `look_early`, which counts only
when it hears a stop (then the rest of that utterance needs no recognising). The live
guide does that on its own thread; `hear_all` does it in line, for replayed recordings
on simulated time.
`to_events` maps what was heard onto engine events; the engine decides what they mean.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

import numpy as np

from backbuddy.audio import words as word_meaning
from backbuddy.audio.config import AudioConfig
from backbuddy.audio.config import load as load_config
from backbuddy.audio.heard import AudioEvent, Heard, PopHeard, SpeechSoFar, Utterance, VoiceOnset
from backbuddy.audio.own_voice import OwnVoice
from backbuddy.audio.pops import Click, PopDetector
from backbuddy.audio.samples import RATE, Samples, level_dbfs
from backbuddy.audio.speech_gate import WINDOW_S, SpeechGate
from backbuddy.domain import events as ev
from backbuddy.domain.rules import MOVEMENT_PHASES

#: Audio kept for cutting utterances out (seconds), beyond the longest utterance.
KEEP_S = 2.0
#: A click is released once the voice-activity model has looked this far past it.
VAD_LAG_S = WINDOW_S


class VadModel(Protocol):
    """Speech probability per 512-sample window of the samples pushed so far."""

    def push(self, chunk: Samples) -> list[float]: ...


class Recogniser(Protocol):
    """The words in a short 16 kHz utterance."""

    def transcribe(self, samples: Samples) -> str: ...


@runtime_checkable
class EarlyLooker(Protocol):
    """A recogniser that can look quickly at speech not yet ended (Whisper's short window)."""

    def look_early(self, samples: Samples) -> str: ...


@dataclass
class Listener:
    """One stream of audio, from its first sample (audio time 0)."""

    vad: VadModel
    config: AudioConfig = field(default_factory=load_config)
    early: bool = False
    _gate: SpeechGate = field(init=False)
    _pops: PopDetector = field(init=False)
    _buffer: Samples = field(init=False)
    _buffer_start: int = 0
    _samples: int = 0
    _windows: int = 0
    _clicks: list[Click] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._gate = SpeechGate(self.config.vad, early=self.early)
        self._pops = PopDetector(self.config.pops)
        self._buffer = np.zeros(0, dtype=np.float32)

    @property
    def t(self) -> float:
        """Audio time heard so far (s)."""
        return self._samples / RATE

    @property
    def speaking(self) -> bool:
        return self._gate.speaking

    def push(self, chunk: Samples) -> list[VoiceOnset | Utterance | SpeechSoFar | PopHeard]:
        """Feed the next samples; return what became known, in time order."""
        chunk = np.asarray(chunk, dtype=np.float32)
        self._keep(chunk)
        out: list[VoiceOnset | Utterance | SpeechSoFar | PopHeard] = []
        for p in self.vad.push(chunk):
            out.extend(self._gate.push(self._windows * WINDOW_S, p))
            self._windows += 1
        self._clicks.extend(self._pops.push(chunk))
        out.extend(self._release_clicks())
        return sorted(out, key=lambda e: e.t)

    def _keep(self, chunk: Samples) -> None:
        self._buffer = np.concatenate([self._buffer, chunk])
        self._samples += chunk.size
        limit = round((self.config.vad.max_utterance_s + KEEP_S) * RATE)
        if self._buffer.size > limit:
            drop = self._buffer.size - limit
            self._buffer = self._buffer[drop:]
            self._buffer_start += drop

    def _release_clicks(self) -> list[PopHeard]:
        guard = self.config.pops.speech_guard_s
        seen = self._windows * WINDOW_S
        out: list[PopHeard] = []
        waiting: list[Click] = []
        for click in self._clicks:
            if click.t + guard + VAD_LAG_S > seen:
                waiting.append(click)
            elif not self._gate.near_speech(click.t, guard):
                t = round(click.t + guard + VAD_LAG_S, 4)
                out.append(PopHeard(t, click.t, click.confidence, click.rise_db))
        self._clicks = waiting
        self._gate.forget_before(seen - self.config.vad.max_utterance_s - KEEP_S)
        return out

    def clip(self, utterance: Utterance | SpeechSoFar) -> Samples:
        """The utterance's samples, with `pad_s` of audio on each side where still kept."""
        pad = self.config.vad.pad_s
        a = max(round((utterance.start - pad) * RATE) - self._buffer_start, 0)
        b = max(round((utterance.end + pad) * RATE) - self._buffer_start, 0)
        return self._buffer[a:b].copy()


#: What a chunk gave, once our own voice is accounted for: voice onsets that are a person's,
#: utterances and early looks with whether they began over our own voice, clicks (marked).
Sorted = list[tuple[VoiceOnset | Utterance | SpeechSoFar | PopHeard, bool]]


def hear_over_own_voice(
    listener: Listener,
    own: OwnVoice,
    chunk: Samples,
    *,
    speaking: bool,
    learn: bool,
    erase: bool,
) -> Sorted:
    """One chunk through `listener`, knowing whether we were speaking while it was heard.

    `speaking`: our own cue was playing; `learn`: a voice here changes nothing, so the
    chunk's level teaches `own` our echo's level; `erase`: our cue said a stop word where a
    stop changes nothing, so the chunk is not listened to (zeros). A voice onset over our
    own speech is dropped as our echo unless it is clearly louder than our echo
    (`OwnVoice.voices`); an utterance is marked when it began over our voice (its words then
    count only if they stop), a click too (still a pop, said as uncertain)."""
    start = listener.t
    end = start + chunk.size / RATE
    level = level_dbfs(chunk)
    if speaking:
        own.mark(start, end)
    items = listener.push(np.zeros_like(chunk) if erase else chunk)
    onsets = [i for i in items if isinstance(i, VoiceOnset)]
    out: Sorted = [(o, False) for o in own.voices(onsets, start, end, level, listener.speaking)]
    if speaking and learn:
        own.learn(level)  # (the level before any erasure: it is our echo's)
    for item in items:
        if isinstance(item, Utterance | SpeechSoFar):
            out.append((item, own.echo(item.start)))
        elif isinstance(item, PopHeard):
            echo = own.echo(item.at)
            out.append((replace(item, during_speech=echo), echo))
    return out


def recognise(
    utterance: Utterance, samples: Samples, recogniser: Recogniser, config: AudioConfig
) -> Heard | None:
    """Words and meaning of an utterance; None for a burst too short to be a word."""
    if utterance.end - utterance.start < config.vad.min_utterance_s:
        return None
    text = recogniser.transcribe(samples)
    meaning = word_meaning.meaning(text, config.words)
    return Heard(utterance.t, text, meaning, utterance.start, utterance.end)


def look_early(
    item: SpeechSoFar, samples: Samples, recogniser: Recogniser, config: AudioConfig
) -> Heard | None:
    """A stop in the words so far (the recogniser's quick look), or None: an early look that
    hears no stop decides nothing, the whole utterance is heard when it ends."""
    if not isinstance(recogniser, EarlyLooker):
        return None
    text = recogniser.look_early(samples)
    if word_meaning.meaning(text, config.words) != "stop":
        return None
    return Heard(item.t, text, "stop", item.start, item.end)


@dataclass
class Recognition:
    """Words for what a listener hands over, in the order it did (early looks, utterances)."""

    recogniser: Recogniser
    config: AudioConfig
    _stopped: float | None = None  # start of the utterance an early look already stopped

    def hear(self, item: Utterance | SpeechSoFar, samples: Samples) -> Heard | None:
        if isinstance(item, SpeechSoFar):
            heard = look_early(item, samples, self.recogniser, self.config)
            if heard is not None:
                self._stopped = item.start
            return heard
        if item.start == self._stopped:
            return None  # its early look stopped already; nothing it says can add to that
        return recognise(item, samples, self.recogniser, self.config)


def hear_all(
    listener: Listener, recogniser: Recogniser | None, chunks: Iterable[Samples]
) -> list[AudioEvent]:
    """Everything heard in a stream, recognising each utterance in line (simulated time)."""
    words = None if recogniser is None else Recognition(recogniser, listener.config)
    out: list[AudioEvent] = []
    for chunk in chunks:
        for item in listener.push(chunk):
            if isinstance(item, Utterance | SpeechSoFar):
                heard = None if words is None else words.hear(item, listener.clip(item))
                if heard is not None:
                    out.append(heard)
            else:
                out.append(item)
    return out


def to_events(item: AudioEvent, phase_id: str | None, t: float) -> list[ev.Event]:
    """Engine events for something heard at session time `t` in phase `phase_id`.

    A voice onset and recognised words are `voice` events (the engine pauses the
    movement on them); stop words add `stop` from the voice, which halts in every
    phase; a click becomes a `pop` heard by the microphone only during a movement or
    hold phase, where the engine ends the attempt and rests the region.
    """
    if isinstance(item, VoiceOnset):
        return [ev.Voice(t)]
    if isinstance(item, Heard):
        voice: list[ev.Event] = [ev.Voice(t, words=item.text or None)]
        return [ev.Stop(t, source="voice"), *voice] if item.meaning == "stop" else voice
    if phase_id in MOVEMENT_PHASES:
        return [
            ev.Pop(t, source="audio", confidence=item.confidence, during_speech=item.during_speech)
        ]
    return []


def chunks_of(samples: Samples, chunk_s: float = 0.032) -> Iterable[Samples]:
    """A recording in microphone-sized chunks."""
    step = round(RATE * chunk_s)
    for i in range(0, samples.size, step):
        yield samples[i : i + step]
