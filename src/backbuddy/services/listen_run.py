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
from dataclasses import dataclass, field

from backbuddy.audio.heard import AudioEvent, Heard, SpeechSoFar, Utterance
from backbuddy.audio.samples import RATE, Samples, level_dbfs
from backbuddy.domain import events as ev
from backbuddy.domain.errors import EventError, TransitionNotAllowed
from backbuddy.services.guide import HeadlessRun
from backbuddy.services.listen import (
    Listener,
    Recogniser,
    Recognition,
    chunks_of,
    hear_all,
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
    `fileno()` is readable (select) whenever something is waiting there."""

    source: Iterable[tuple[float, Samples]]
    listener: Listener
    recogniser: Recogniser
    view: LiveView = field(default_factory=LiveView)
    _heard: queue.Queue[AudioEvent] = field(default_factory=queue.Queue)
    _utterances: queue.Queue[tuple[Utterance | SpeechSoFar, Samples] | None] = field(
        default_factory=queue.Queue
    )
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _wake: Wake = field(default_factory=Wake)

    def start(self) -> LiveListening:
        for target, name in ((self._listen, "listen"), (self._recognise, "words")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._utterances.put(None)

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

    def _listen(self) -> None:
        try:
            for _t, chunk in self.source:
                if self._stop.is_set():
                    break
                self.view.level_dbfs = level_dbfs(chunk)
                for item in self.listener.push(chunk):
                    if isinstance(item, Utterance | SpeechSoFar):
                        self._utterances.put((item, self.listener.clip(item)))
                    else:
                        self._put(item)
                self.view.speaking = self.listener.speaking
        except Exception as err:  # noqa: BLE001 - a dead microphone must show, not crash the guide
            self.view.error = f"listening stopped: {err}"
        finally:
            self._utterances.put(None)

    def _recognise(self) -> None:
        words = Recognition(self.recogniser, self.listener.config)
        while (job := self._utterances.get()) is not None:
            item, samples = job
            if isinstance(item, SpeechSoFar) and not self._utterances.empty():
                continue  # the end is already known: an early look would only delay it
            heard = words.hear(item, samples)
            if isinstance(heard, Heard):
                self.view.last_heard = heard.text
                self._put(heard)
