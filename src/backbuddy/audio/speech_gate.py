"""Speech onsets and utterances from per-window voice-activity probabilities (hysteresis).

A window at or above `start_probability` starts speech (one `VoiceOnset`); speech
lasts while windows stay at or above `keep_probability`; `end_silence_s` below it
ends the utterance (an `Utterance` to recognise). An utterance longer than
`max_utterance_s` is cut into pieces, so a "stop" inside long talk is still heard.

With `early=True`, the first window of speech that has lasted `early_after_s` and whose
probability falls below `early_below_probability` also gives a `SpeechSoFar` (at most
`early_looks` per utterance): the words so far can be looked at while the end is still
being decided (~0.16-0.3 s sooner than the `Utterance`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backbuddy.audio.config import VadConfig
from backbuddy.audio.heard import SpeechSoFar, Utterance, VoiceOnset

#: Silero VAD looks at 512 samples (32 ms at 16 kHz) at a time.
WINDOW_S = 0.032


@dataclass
class SpeechGate:
    """Feed one probability per window, in order; get onsets and finished utterances."""

    config: VadConfig
    window_s: float = WINDOW_S
    early: bool = False
    speaking: bool = False
    start: float = 0.0
    last_speech_end: float = 0.0
    _speech_windows: list[tuple[float, float]] = field(default_factory=list)
    _previous: float = 0.0
    _looks: int = 0

    def push(
        self, t_start: float, probability: float
    ) -> list[VoiceOnset | Utterance | SpeechSoFar]:
        """The window starting at `t_start` had this speech probability."""
        c = self.config
        t_end = t_start + self.window_s
        out: list[VoiceOnset | Utterance | SpeechSoFar] = []
        previous, self._previous = self._previous, probability
        if probability >= c.start_probability:
            self._speech_windows.append((t_start, t_end))
        if not self.speaking:
            if probability >= c.start_probability:
                self.speaking, self.start, self.last_speech_end = True, t_start, t_end
                self._looks = 0
                out.append(VoiceOnset(t=t_end, onset=t_start))
            return out
        if probability >= c.keep_probability:
            self.last_speech_end = t_end
            if t_end - self.start >= c.max_utterance_s:
                out.append(Utterance(t=t_end, start=self.start, end=t_end))
                self.start, self._looks = t_end, 0
                return out
        elif t_end - self.last_speech_end >= c.end_silence_s:
            self.speaking = False
            out.append(Utterance(t=t_end, start=self.start, end=self.last_speech_end))
            return out
        if self.early and self._falling(previous, probability, t_end):
            self._looks += 1
            out.append(SpeechSoFar(t=t_end, start=self.start, end=t_end))
        return out

    def _falling(self, previous: float, probability: float, t_end: float) -> bool:
        """The first window of a fall below the early-look line, in speech long enough."""
        c = self.config
        below = c.early_below_probability
        return (
            probability < below <= previous
            and t_end - self.start >= c.early_after_s
            and self._looks < c.early_looks
        )

    def near_speech(self, t: float, guard: float) -> bool:
        """Was any window within `guard` seconds of `t` confidently speech?"""
        return any(a - guard <= t <= b + guard for a, b in self._speech_windows)

    def forget_before(self, t: float) -> None:
        """Drop speech windows that ended before `t` (keeps memory flat in long sessions)."""
        self._speech_windows = [w for w in self._speech_windows if w[1] >= t]
