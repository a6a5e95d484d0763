"""Which words each cue speaks, and every fixed sentence a session can speak (to pre-render).

Captions always show the cue itself; speech says the same words, except the line
about stopping, which says honestly whether backbuddy is listening. A `pace` cue is
silent: the `say` cue that comes with it carries the words. Speech goes sentence by
sentence (the engine joins fixed sentences into longer cues), so every sentence can be
rendered once and cached; a property test runs the engine to prove none is missed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from backbuddy.audio.config import load as load_config
from backbuddy.domain import wording
from backbuddy.domain.cues import Cue
from backbuddy.domain.techniques import Technique

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
#: Speaking less (docs/voice.md): a long sentence is cut after a comma, semicolon or colon, and
#: before "and"/"as" in a piece of more than this many words (a silence within ~1.5 s).
PIECE_WORDS = 5

#: Said when the server can no longer guide the session (a fatal error ends the page's session).
STOP_RELEASE = "Stop and release gently."

#: Short lines the engine says that are not in `wording` (session.py, rules.py), and the one
#: the web page says on a fatal error.
ENGINE_LINES = (
    "Stop.",
    "Going on. Set up again, gently.",
    "Good. Stay with the breath.",
    STOP_RELEASE,
)


def spoken_parts(cue: Cue, listening: bool) -> list[str]:
    """The sentences to speak for `cue`, in order (each one cached on its own)."""
    if cue.kind == "pace":
        return []
    if cue.text == wording.STOP_ANY_TIME:
        say = load_config().say
        return sentences(say.listening if listening else say.not_listening)
    parts = sentences(cue.text)
    if cue.kind == "step" and cue.receiver:
        parts += sentences(f"Receiver: {cue.receiver}")
    if cue.kind == "step" and cue.assistant:
        parts += sentences(f"Assistant: {cue.assistant}")
    return parts


def sentences(text: str) -> list[str]:
    """`text` cut after each full stop, question or exclamation mark."""
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def pieces(sentence: str) -> list[str]:
    """`sentence` in short pieces, said with a silence after each where our echo is loud
    (docs/voice.md, "Speaking less"): cut after commas, semicolons and colons, and before
    "and"/"as" in a piece of more than PIECE_WORDS words. The words and their order are the
    guide's, unchanged."""
    out: list[str] = []
    for part in re.split(r"(?<=[,;:])\s+", sentence.strip()):
        words = part.split()
        if len(words) <= PIECE_WORDS:
            out.append(part)
            continue
        cuts = [i for i, w in enumerate(words) if i >= 2 and w in ("and", "as")]
        start = 0
        for i in cuts:
            if i - start >= 2 and len(words) - i >= 2:
                out.append(" ".join(words[start:i]))
                start = i
        out.append(" ".join(words[start:]))
    merged: list[str] = []
    for p in out:  # a one-word piece ("Assistant,") goes with a short next one
        if merged and len(merged[-1].split()) == 1 and len(p.split()) < PIECE_WORDS:
            merged[-1] = f"{merged[-1]} {p}"
        else:
            merged.append(p)
    return merged


#: The attempt counter, shown on screen and not said where we speak less.
_ATTEMPT = re.compile(r"^Attempt \d+ of \d+\.$")


def with_gaps(parts: list[str], gap_s: float) -> list[tuple[str, float]]:
    """Speaking less (docs/voice.md): the sentences of `parts` in pieces, each followed by
    `gap_s` of silence; the attempt counter is left to the screen."""
    return [(p, gap_s) for part in parts if not _ATTEMPT.match(part) for p in pieces(part)]


def spoken_with_gaps(cue: Cue, listening: bool, gap_s: float) -> list[tuple[str, float]]:
    """`spoken_parts` where we speak less: a phase's cue (`move`, or `say` with its `step`) or
    a set-up step's in pieces (`with_gaps`, each piece pre-rendered by `fixed_texts`), any
    other sentence whole; `gap_s` of silence after each."""
    parts = spoken_parts(cue, listening)
    if cue.kind in ("move", "step") or cue.step is not None:
        return with_gaps(parts, gap_s)
    return [(p, gap_s) for p in parts]


def fixed_texts(technique: Technique, attempts: int) -> list[str]:
    """Every sentence a session of `technique` can speak, the opening ones first."""
    say = load_config().say
    phases = technique.phases
    out = [
        wording.WELCOME,
        say.listening,
        say.not_listening,
        wording.DISCLAIMER,
        technique.caution.text,
    ]
    for step in technique.setup:
        out += [step.title, f"Receiver: {step.receiver.text}", f"Assistant: {step.assistant.text}"]
    out += [p.text for p in phases]
    mobilise = next((p for p in phases if p.id == "mobilise"), None)
    if mobilise is not None:
        out += [f"Attempt {i} of {attempts}. {mobilise.text}" for i in range(1, attempts + 1)]
    out += ENGINE_LINES
    # A set-up check the camera does not see yet, or not for long enough, named by its text.
    hold = technique.checks_hold_s
    out.append(wording.not_steady(None, hold))
    for check in technique.checks:
        out += [
            wording.held_for(check.text),
            wording.not_passing(check.text),
            wording.not_steady(check.text, hold),
        ]
    out += [v for k, v in vars(wording).items() if k.isupper() and isinstance(v, str)]
    out.append(say.loud_echo)
    said = list(dict.fromkeys(s for text in out for s in sentences(text)))
    # Where we speak less (our echo is loud, the hands are on), movement and set-up step cues
    # go in pieces (`spoken_with_gaps`), and the attempt counter is not said.
    cut = [p.text for p in phases]
    for st in technique.setup:
        cut += [st.title, f"Receiver: {st.receiver.text}", f"Assistant: {st.assistant.text}"]
    attempt = [f"Attempt {i} of {attempts}." for i in range(1, attempts + 1)]
    pieced = [piece for text in cut for s in sentences(text) for piece in pieces(s)]
    return list(dict.fromkeys([*said, *attempt, *pieced]))


class Speaker(Protocol):
    """Speech out: queue a sentence; cancel everything at once."""

    def say(self, text: str, gap_s: float = 0.0) -> None: ...
    def drop_pieces(self) -> None: ...
    def cancel(self) -> None: ...


class CueVoice:
    """Speaks cues as they come; a halt silences whatever was being said first."""

    def __init__(self, speaker: Speaker, listening: bool) -> None:
        self.speaker = speaker
        self.listening = listening

    def on_cues(self, cues: Iterable[Cue], gap_s: float | None = None) -> None:
        """Say `cues`; with `gap_s` (speaking less: our echo is loud, the hands are on) in
        pieces with a silence after each (`spoken_with_gaps`)."""
        cues = tuple(cues)
        if any(c.kind == "halt" for c in cues):
            self.speaker.cancel()
        if cues:
            self.speaker.drop_pieces()
        for cue in cues:
            if gap_s is None:
                for part in spoken_parts(cue, self.listening):
                    self.speaker.say(part)
            else:
                for part, gap in spoken_with_gaps(cue, self.listening, gap_s):
                    self.speaker.say(part, gap)
