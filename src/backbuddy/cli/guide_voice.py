"""The terminal guide's voice: spoken cues (`--voice`), a live microphone (`--mic`) or a
recording replayed as if live (`--audio FILE`), and a listening line on the screen.

Anything missing (no audio device, no microphone, no model) gives one plain line and
the guide goes on with captions and keys; the spoken line about stopping then tells
the pair to say stop to each other, not to backbuddy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from backbuddy import bootstrap
from backbuddy.audio.errors import ListeningUnavailable, SpeechUnavailable
from backbuddy.domain import events as ev
from backbuddy.domain.cues import Cue
from backbuddy.domain.state import SessionState

if TYPE_CHECKING:  # numpy, scipy and the models load only when voice is asked for
    from backbuddy.audio.heard import AudioEvent
    from backbuddy.services.cue_speech import CueVoice
    from backbuddy.services.listen_run import LiveListening

VoiceOption = Annotated[
    bool | None,
    typer.Option(
        "--voice/--no-voice",
        help="Speak the cues aloud with an offline voice (default: on in the live guide).",
    ),
]
MicOption = Annotated[
    bool,
    typer.Option(
        "--mic",
        help="Listen with the local microphone: speech pauses the movement, "
        "'stop', 'ouch' or 'pain' stop the session, a click is heard as a pop.",
    ),
]
AudioOption = Annotated[
    Path | None,
    typer.Option(
        "--audio",
        metavar="FILE.wav",
        help="Listen to a recording as if it were the microphone. With --events, audio time 0 "
        "is event time 0 and both run on the simulated clock.",
    ),
]


@dataclass
class GuideVoice:
    """Speech and listening for one live session; each part may be absent."""

    voice: CueVoice | None = None
    listening: LiveListening | None = None
    closers: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def on_cues(self, cues: Iterable[Cue], state: SessionState | None = None) -> None:
        """Say `cues`; where our echo is as loud as a voice and the hands are on (`state`
        after them), in pieces with silences, as the page does (docs/voice.md)."""
        if self.voice is None:
            return
        gap = None if self.listening is None else self.listening.speak_less_s(state)
        self.voice.on_cues(cues, gap)

    def poll(self, t: float, state: SessionState) -> list[ev.Event]:
        """What was heard, as events at `t`; the listening threads learn the session's state
        (where our own spoken stop word is not listened to, where our echo's level is learned)."""
        if self.listening is None:
            return []
        from backbuddy.services.listen import to_events

        self.listening.state = state
        items = self.listening.poll()
        return [e for item in items for e in to_events(item, state.phase_id, t)]

    def voice_open(self) -> bool:
        """A person's voice under way or waiting for its words (`LiveListening.voice_open`)."""
        return self.listening is not None and self.listening.voice_open()

    def fileno(self) -> int | None:
        """Readable the moment something was heard (the guide's loop wakes on it)."""
        return None if self.listening is None else self.listening.fileno()

    def line(self) -> Text:
        """One line for the screen: is backbuddy listening, how loud, what it heard."""
        if self.listening is None:
            return Text("not listening: say stop to your partner, or press space", style="dim")
        view = self.listening.view
        if view.error:
            return Text(f"microphone: {view.error} — press space to stop", style="bold red")
        bars = max(0, min(10, round((view.level_dbfs + 60) / 5)))
        state = "speech" if view.speaking else "listening"
        heard = f"   heard: {view.last_heard}" if view.last_heard else ""
        return Text(f"mic {'▮' * bars}{'▯' * (10 - bars)} {state}{heard}", style="green")

    def close(self) -> None:
        if self.listening is not None:
            self.listening.close()
        for closer in reversed(self.closers):
            closer()


def open_voice(
    speak: bool, mic: bool, audio: Path | None, console: Console, texts: list[str] | None = None
) -> GuideVoice:
    """Start what was asked for; print one line for each part that cannot run. `texts` (the
    session's fixed sentences) are rendered ahead in the background."""
    out = GuideVoice()
    if mic or audio is not None:
        from backbuddy.services.listen_run import LiveListening

        try:
            source = bootstrap.sound_in(audio).__enter__()  # first: no microphone, no models
            out.closers.append(lambda: source.__exit__(None, None, None))
            listener, words = bootstrap.listener_and_words()
            out.listening = LiveListening(source, listener, words).start()
        except ListeningUnavailable as err:
            out.notes.append(f"Not listening: {err}. Say stop to your partner, or press space.")
    if speak:
        from backbuddy.services.cue_speech import CueVoice

        try:
            player = bootstrap.speech_out()
            out.closers.append(player.close)
            player.cache.warm(texts or [])
            out.voice = CueVoice(player, listening=out.listening is not None)
            if out.listening is not None:
                out.listening.saying = player.saying  # our own voice is marked, as in the page
        except SpeechUnavailable as err:
            out.notes.append(f"No spoken cues: {err}. The guide goes on with captions.")
    for note in out.notes:
        console.print(f"[yellow]{note}[/]")
    return out


def hear_file(audio: Path, console: Console) -> tuple[list[AudioEvent], float]:
    """Headless: everything the recording says (audio time = event time), and how far the
    simulated clock must run. No model: one line, nothing heard, the session still runs."""
    from backbuddy.services.listen_run import audio_end, hear_recording

    samples = bootstrap.read_audio(audio)
    try:
        listener, words = bootstrap.listener_and_words()
    except ListeningUnavailable as err:
        console.print(f"[yellow]Not listening to {audio}: {err}[/]")
        return [], audio_end(samples)
    return hear_recording(listener, words, samples), audio_end(samples)
