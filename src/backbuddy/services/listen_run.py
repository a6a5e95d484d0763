"""Listening during a session: a recording on simulated time, or a microphone live.

Headless (`guide --events E.jsonl --audio A.wav`): audio time 0 is event time 0; all
of the recording is heard first (`hear_all`, deterministic), then what was heard is
merged into the event stream at the time it was decided, mapped onto the session's
phase at that moment (`run_with_audio`). Live (`--mic`, or `--audio` without `--events`): one thread
runs voice activity and the click detector on each chunk as it arrives, a second
recognises finished utterances, and the guide's loop drains what they heard as soon as
it is heard: `LiveListening.fileno()` becomes readable then (a pipe the loop selects on
beside the keyboard), so a stop waits for no tick.
"""

from __future__ import annotations

import queue
import select
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from backbuddy.audio import words as word_meaning
from backbuddy.audio.heard import AudioEvent, Heard, SpeechSoFar, Utterance
from backbuddy.audio.own_voice import OwnVoice
from backbuddy.audio.samples import RATE, Samples, level_dbfs
from backbuddy.domain import events as ev
from backbuddy.domain.errors import EventError, TransitionNotAllowed
from backbuddy.domain.rules import hands_on, learns_echo, own_stop_erased
from backbuddy.domain.state import SessionState
from backbuddy.services.guide import HeadlessRun
from backbuddy.services.listen import (
    Listener,
    Recogniser,
    Recognition,
    Sorted,
    chunks_of,
    hear_all,
    hear_over_own_voice,
    to_events,
)
from backbuddy.services.session_runner import with_ticks
from backbuddy.services.wake import Wake

Skipped = Callable[[ev.Event, TransitionNotAllowed], None]


def run_with_audio(
    run: HeadlessRun,
    reader: Iterable[ev.Event],
    heard: list[AudioEvent],
    audio_end: float,
    skipped: Skipped,
) -> HeadlessRun:
    """`run_headless` with a recording: what was heard is fed at the time it was decided,
    mapped onto the session's phase at that moment, and ticks go on until half a second
    after the recording ends, so its last words count.

    A line of the file that the session can no longer take because the voice stopped or
    paused it first is reported to `skipped` and left out; any other bad line ends the run
    as it does without audio.
    """
    pending = sorted(heard, key=lambda h: h.t)
    voice_acted = False
    try:
        for event in with_ticks(_until(reader, audio_end)):
            while pending and pending[0].t <= event.t and run.runner is not None:
                voice_acted |= _feed_heard(run, pending.pop(0))
            try:
                run.feed(event)
            except TransitionNotAllowed as err:
                if not voice_acted:
                    raise
                skipped(event, err)
    except (EventError, TransitionNotAllowed) as err:
        run.close(f"the events stopped at a bad event: {err}")
        raise type(err)(f"{err}; {run.kept()}") from None
    finally:
        run.close("the events ended first")
    return run


def _until(events: Iterable[ev.Event], end: float) -> Iterator[ev.Event]:
    last = 0.0
    for event in events:
        last = max(last, event.t)
        yield event
    if end > last:
        yield ev.Tick(round(end, 1))


def _feed_heard(run: HeadlessRun, item: AudioEvent) -> bool:
    """Feed one thing heard; True if it changed the session's mode (a pause or a halt)."""
    runner = run.runner
    assert runner is not None
    acted = False
    for event in to_events(item, runner.state.phase_id, max(item.t, runner.last_event_t)):
        if runner.finished and not isinstance(event, ev.Stop | ev.Pop):
            continue  # after the end only a stop or a pop still means something
        before = runner.state.mode
        run.feed(event)
        acted |= runner.state.mode != before
    return acted


def audio_end(samples: Samples) -> float:
    """How far the simulated clock must run for a recording (s)."""
    return samples.size / RATE + 0.5


def hear_recording(
    listener: Listener, recogniser: Recogniser | None, samples: Samples
) -> list[AudioEvent]:
    """Everything a recording says, decided on audio time (the headless path)."""
    return hear_all(listener, recogniser, chunks_of(samples))


@dataclass
class LiveView:
    """What the screen shows about listening: level, speaking, the last words heard."""

    level_dbfs: float = -120.0
    speaking: bool = False
    last_heard: str = ""
    error: str = ""


@dataclass
class LiveListening:
    """Two threads over a live source of `(t, chunk)`; `poll()` drains what they heard, and
    `fileno()` is readable (select) whenever something is waiting there.

    Our own voice: `saying()` gives the sentence our speaker is playing now (None when quiet)
    and the guide keeps `state` current. As in the web page (`web.audio_socket`), a voice
    onset over our own speech is our echo unless clearly louder than it (`OwnVoice`), words
    heard over it count only if they stop, and a sentence of ours that says a stop word is
    not listened to where a stop changes nothing (`rules.own_stop_erased`): the guide's own
    "Say stop out loud…" through the speakers must not halt it."""

    source: Iterable[tuple[float, Samples]]
    listener: Listener
    recogniser: Recogniser
    view: LiveView = field(default_factory=LiveView)
    saying: Callable[[], str | None] | None = None
    state: SessionState | None = None
    own: OwnVoice | None = None
    _heard: queue.Queue[AudioEvent] = field(default_factory=queue.Queue)
    _utterances: queue.Queue[tuple[Utterance | SpeechSoFar, Samples, bool] | None] = field(
        default_factory=queue.Queue
    )
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _wake: Wake = field(default_factory=Wake)
    _loud: bool = False
    _theirs: bool = False  # a person's speech is under way (the listening thread says)
    _recognising: int = 0  # a person's utterances queued for their words, not yet heard
    _counting: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> LiveListening:
        for target, name in ((self._listen, "listen"), (self._recognise, "words")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._utterances.put(None)

    def join(self, timeout: float) -> None:
        """Wait for both threads to end (a recording heard to its end)."""
        for thread in self._threads:
            thread.join(timeout)

    def fileno(self) -> int:
        """A descriptor that select() finds readable while heard items wait for `poll`."""
        return self._wake.fileno()

    def close(self) -> None:
        """Stop listening and release the wake-up pipe."""
        self.stop()
        self._wake.close()

    def wait(self, timeout: float) -> bool:
        """Block until something was heard or `timeout` passed; True if something was heard."""
        ready, _, _ = select.select([self._wake.fileno()], [], [], max(0.0, timeout))
        return bool(ready)

    def poll(self) -> list[AudioEvent]:
        self._wake.clear()  # the pipe only wakes the loop; the queue holds the items
        out: list[AudioEvent] = []
        while True:
            try:
                out.append(self._heard.get_nowait())
            except queue.Empty:
                return out

    def _put(self, item: AudioEvent) -> None:
        self._heard.put(item)
        self._wake.set()

    def voice_open(self) -> bool:
        """A person's voice is under way, or her utterance waits for its words: where the
        hands go on meanwhile it pauses at once, as a voice begun there (the guide's `_feed`,
        as the web's `AudioStream.voice_open`). Our own speech is not a person's."""
        return self._theirs or self._recognising > 0

    def speak_less_s(self, state: SessionState | None) -> float | None:
        """The silence to leave after each piece of a cue (docs/voice.md, "Speaking less"):
        where our echo is as loud as a voice (`OwnVoice.loud`) and the hands are on; else None."""
        if state is None or not self._loud or not hands_on(state):
            return None
        return self.listener.config.own_voice.gap_s

    def _listen(self) -> None:
        if self.own is None:
            self.own = OwnVoice(self.listener.config.own_voice)
        own = self.own
        try:
            for _t, chunk in self.source:
                if self._stop.is_set():
                    break
                self.view.level_dbfs = level_dbfs(chunk)
                for item, echo in self._hear(own, chunk):
                    if isinstance(item, Utterance | SpeechSoFar):
                        if isinstance(item, Utterance) and not echo:
                            with self._counting:
                                self._recognising += 1
                        self._utterances.put((item, self.listener.clip(item), echo))
                    else:
                        self._put(item)
                self.view.speaking = self.listener.speaking
                self._theirs = self.listener.speaking and own.person_speaking
                self._loud = own.loud  # (read by the guide's thread: `speak_less_s`)
        except Exception as err:  # noqa: BLE001 - a dead microphone must show, not crash the guide
            self.view.error = f"listening stopped: {err}"
        finally:
            self._theirs = False  # no sound comes any more: nothing is under way
            self._utterances.put(None)

    def _hear(self, own: OwnVoice, chunk: Samples) -> Sorted:
        saying = None if self.saying is None else self.saying()
        state = self.state
        stop_word = saying is not None and self._says_stop(saying)
        return hear_over_own_voice(
            self.listener,
            own,
            chunk,
            speaking=saying is not None,
            learn=state is None or learns_echo(state),
            erase=stop_word and (state is None or own_stop_erased(state)),
        )

    def _says_stop(self, text: str) -> bool:
        return word_meaning.meaning(text, self.listener.config.words) == "stop"

    def _recognise(self) -> None:
        words = Recognition(self.recogniser, self.listener.config)
        while (job := self._utterances.get()) is not None:
            item, samples, echo = job
            if isinstance(item, SpeechSoFar) and not self._utterances.empty():
                continue  # the end is already known: an early look would only delay it
            try:
                heard = words.hear(item, samples)
                if isinstance(heard, Heard) and (not echo or heard.meaning == "stop"):
                    self.view.last_heard = heard.text
                    self._put(replace(heard, during_speech=echo))
            finally:
                if isinstance(item, Utterance) and not echo:  # after its words are queued
                    with self._counting:
                        self._recognising = max(self._recognising - 1, 0)
