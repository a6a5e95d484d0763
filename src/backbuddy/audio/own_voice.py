"""Our own voice in the microphone: when we were speaking, and a person's voice over it.

The page (or the terminal guide) knows when it plays a cue. A voice onset then is taken for
our own echo and does not pause; but the cues cover most of the movement, where nobody has a
free hand and the voice is the brake. So this also tells a person from our echo by level
(double talk): the level our own speech reaches in the microphone is learned where a voice
changes nothing (set-up before the hands go on, the rest, a pause: `learn`; not while
someone who began speaking while we were silent talks on), and while we speak, speech
windows clearly louder than it (`margin_db` over the `percentile` of what was learned) are a
person, not our echo: a voice onset. Our echo alone stays below its own high percentile plus
the margin, so it never pauses; a person quieter than our echo is not told apart (then only
a recognised stop halts, as before). Until enough of our speech was heard (`learn_min_s`)
nothing is told apart.

Without echo cancellation our echo is as loud as her voice (voice17): `loud` says so (her
voice, heard while we were silent, is not `margin_db` over our echo), and the cues where the
hands are on are then spoken in pieces with silences (`cue_speech.with_gaps`). In a silence
her voice is heard at once: an onset there is hers, and so is speech that goes on after our
echo has ended (the gate stays in speech past our last word and its tail: she began over us).

Pure and on the audio clock (seconds from the listener's first sample).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from backbuddy.audio.config import OwnVoiceConfig
from backbuddy.audio.heard import VoiceOnset

#: Spans older than this (s) are forgotten (an utterance is at most a few seconds long).
KEEP_SPANS_S = 10.0


@dataclass
class OwnVoice:
    """Where we spoke, what our echo's level is, and whether a voice over it is a person."""

    config: OwnVoiceConfig
    window_s: float = 0.032
    _spans: list[tuple[float, float]] = field(default_factory=list)
    _levels: deque[float] = field(default_factory=deque)
    _voice: deque[float] = field(default_factory=deque)  # her speech windows' levels
    _told: bool = False  # a person was already reported in this stretch of speech
    _theirs: bool = False  # this stretch of speech began while we were silent: a person's

    def mark(self, start: float, end: float) -> None:
        """We were speaking from `start` to `end` (audio time)."""
        if self._spans and start - self._spans[-1][1] < 0.05:
            self._spans[-1] = (self._spans[-1][0], end)
        else:
            self._spans.append((start, end))
        self._spans = [s for s in self._spans if s[1] > end - KEEP_SPANS_S]

    def echo(self, at: float) -> bool:
        """We were speaking at `at` (or our voice was still ringing)."""
        return any(a <= at <= b + self.config.echo_tail_s for a, b in self._spans)

    def learn(self, level_db: float) -> None:
        """The microphone's level (dBFS) in a window where we spoke and a voice changed nothing;
        not while a stretch of speech goes on that began while we were silent (a person talking
        on over our line, as in a pause: her level is not our echo's)."""
        if self._theirs:
            return
        self._levels.append(level_db)
        keep = round(self.config.keep_s / self.window_s)
        while len(self._levels) > keep:
            self._levels.popleft()

    @property
    def person_speaking(self) -> bool:
        """This stretch of speech was told a person's (`voices`), not our echo."""
        return self._told

    @property
    def ceiling_db(self) -> float | None:
        """The level our own speech reaches in the microphone; None until enough was heard."""
        if len(self._levels) < self.config.learn_min_s / self.window_s:
            return None
        return float(np.percentile(np.fromiter(self._levels, float), self.config.percentile))

    @property
    def voice_db(self) -> float | None:
        """A person's voice level (her speech heard while we were silent); None until enough."""
        if len(self._voice) < self.config.voice_min_s / self.window_s:
            return None
        v = np.fromiter(self._voice, float)
        return float(np.percentile(v, self.config.voice_percentile))

    @property
    def loud(self) -> bool:
        """Our echo is too loud to tell her voice from it by level: speak less. Once our echo
        is learned, that is until her voice was heard clearly louder (the safe side: a check
        skipped, nobody has spoken yet)."""
        ceiling = self.ceiling_db
        if ceiling is None:
            return False
        voice = self.voice_db
        return voice is None or voice < ceiling + self.config.margin_db

    def voices(
        self, onsets: list[VoiceOnset], t0: float, t1: float, level_db: float, speech: bool
    ) -> list[VoiceOnset]:
        """The voice onsets of the chunk [t0, t1) that are a person's: an onset while we
        were silent, or, while we speak, speech clearly louder than our echo (once per
        stretch of speech: the gate may be in speech already, on our echo, when she starts).
        `speech`: the voice-activity gate is in speech at the chunk's end."""
        theirs = [o for o in onsets if not self.echo(o.onset)]
        if theirs:
            self._told = self._theirs = True
            return theirs
        if not speech and not onsets:
            self._told = self._theirs = False
            return []
        if not self.echo(t0):
            if self._theirs and speech:
                self._voice.append(level_db)
                keep = round(self.config.keep_s / self.window_s)
                while len(self._voice) > keep:
                    self._voice.popleft()
            if self._told or not speech:
                return []
            # Speech began over our echo and goes on after it and its tail: hers.
            self._told = self._theirs = True
            return [VoiceOnset(t=t1, onset=t0)]
        if self._told:
            return []
        ceiling = self.ceiling_db
        if ceiling is None or level_db < ceiling + self.config.margin_db:
            return []
        self._told = True
        return [VoiceOnset(t=t1, onset=t0)]
