"""Starting a guided session and feeding it events: shared by the terminal guide and tests.

`start` enforces I1 (a valid screening from this sitting) before anything is
stored. Headless events are read one line at a time and run for real as they
come (each stored before its cues, I7). A bad line stops the run there: what came
before it stays stored and counts, so a STOP or symptom halt reached before the
bad line is in history (I8), and the session is marked interrupted unless it had
already ended. Nothing is stored when no event was accepted at all.

Bounds (a file is refused, or a stream stopped, with one clear error):
`t` ≤ `MAX_SIMULATED_S` (6 h; ticks every 0.1 s are simulated up to it) and at most
`MAX_EVENTS` events in one run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from backbuddy.domain import events as ev
from backbuddy.domain import session
from backbuddy.domain import techniques as tech
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import EventError, TransitionNotAllowed
from backbuddy.domain.ports import HistoryStore, SessionStore
from backbuddy.domain.screening import ScreeningResult, load_questions, session_technique
from backbuddy.services.screening import check_allows, require_valid_screening, take_screening
from backbuddy.services.session_runner import MAX_SIMULATED_S, SessionRunner, with_ticks


def screening_for(
    store: HistoryStore,
    valid_for: timedelta,
    technique: tech.Technique,
    now: datetime,
    answers: Mapping[str, object] | None = None,
) -> tuple[int | None, ScreeningResult]:
    """I1: take a screening from `answers` (valid for `valid_for`: the settings' validity), or
    find this sitting's stored one; refuse blocks.

    Either way the result carries every block in force on the person (domain.blocks).
    """
    if answers is None:
        return require_valid_screening(store, technique.id, now)
    sid, result = take_screening(store, technique.id, answers, now, valid_for=valid_for)
    check_allows(result, technique.id, now)
    return sid, result


def new_state(
    limits: tech.Limits, technique: tech.Technique, screening: ScreeningResult
) -> session.SessionState:
    """The session's start state under `limits` (the technique's, as the settings tightened
    them); several cautions narrow the technique's caution further."""
    narrowed = session_technique(load_questions(), technique, screening)
    return session.new_session(narrowed, screening, limits)


#: Events one headless run may hold: a 30-minute session with a camera pose at
#: 25 frames/s is 45,000 events.
MAX_EVENTS = 50_000


class EventReader:
    """JSONL → events, one line at a time; errors name the line.

    A `begin` without `at` starts at `at`. `line` is the number of the line read
    last, so a caller can name it when the engine refuses the event it held.
    """

    def __init__(self, lines: Iterable[str], at: datetime) -> None:
        self.lines = lines
        self.at = at
        self.line = 0
        self.count = 0

    def __iter__(self) -> Iterator[ev.Event]:
        for number, text in enumerate(self.lines, 1):
            self.line = number
            if not text.strip():
                continue
            self.count += 1
            if self.count > MAX_EVENTS:
                raise EventError(f"line {number}: {_too_many()}")
            yield self._event(number, text)

    def _event(self, number: int, text: str) -> ev.Event:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as err:
            raise EventError(f"line {number}: not valid JSON ({err.msg})") from None
        except RecursionError:
            raise EventError(f"line {number}: nested too deeply to be an event") from None
        try:
            event = ev.from_dict(raw)
        except EventError as err:
            raise EventError(f"line {number}: {err}") from None
        if event.t > MAX_SIMULATED_S:
            raise EventError(
                f"line {number}: event {event.kind!r} at t={event.t:g} s is past the end of any "
                f"session: 't' may be at most {MAX_SIMULATED_S:g} s ({MAX_SIMULATED_S / 3600:g} h)"
            )
        if isinstance(event, ev.Begin) and event.at is None:
            event = replace(event, at=self.at + timedelta(seconds=event.t))
        return event


def check_length(lines: Sequence[str], name: str) -> None:
    """A whole file over MAX_EVENTS is refused before anything runs: it cannot be one session."""
    count = sum(1 for line in lines if line.strip())
    if count > MAX_EVENTS:
        raise EventError(f"{name} has {count:,} events: {_too_many()}; nothing was stored")


def _too_many() -> str:
    return (
        f"a headless session takes at most {MAX_EVENTS:,} events "
        "(30 minutes of camera poses at 25 frames/s)"
    )


@dataclass
class HeadlessRun:
    """One headless run: where its events are stored, how many, and the event in hand."""

    store: SessionStore
    state: session.SessionState
    screening_id: int | None
    started_at: datetime
    show: Callable[[Cue], None]
    #: The start rules again under the store's start lock (`screening.recheck_start`).
    recheck: Callable[[], object] | None = None
    runner: SessionRunner | None = None
    stored: int = 0
    current: ev.Event | None = None
    _waiting: list[ev.Event] = field(default_factory=list)
    _probe: session.SessionState = field(init=False)

    def __post_init__(self) -> None:
        self._probe = self.state

    def feed(self, event: ev.Event) -> None:
        """Step, store, show. The session starts at the first non-tick event the engine takes."""
        self.current = event
        if self.runner is None:  # not started: check with the pure engine first
            self._probe, _ = session.step(self._probe, event)
            self._waiting.append(event)
            if isinstance(event, ev.Tick):
                return
            self.runner = SessionRunner.start(
                self.store,
                self.state,
                self.screening_id,
                self.started_at,
                recheck=self.recheck,
            )
            todo, self._waiting = self._waiting, []
        else:
            todo = [event]
        for item in todo:
            for cue in self.runner.handle(item, self.started_at + timedelta(seconds=item.t)):
                self.show(cue)
            self.stored += not isinstance(item, ev.Tick)
        self.current = None

    def close(self, reason: str) -> None:
        if self.runner is not None:
            at = self.started_at + timedelta(seconds=self.runner.last_event_t)
            self.runner.close(at, reason)

    def kept(self) -> str:
        """What a bad line left stored, for its error message."""
        if self.runner is None:
            return "nothing was stored"
        reason = self.runner.state.end_reason
        ended = f"it had ended: {reason}" if reason else "marked interrupted"
        return (
            f"the {self.stored} event(s) before it are stored in session "
            f"{self.runner.session_id} ({ended})"
        )


def run_headless(run: HeadlessRun, reader: EventReader) -> HeadlessRun:
    """Run the events (ticks included) for real, each stored before its cues are shown.

    A bad event — unreadable, out of bounds or refused by the engine — ends the run:
    what came before is kept, the session is closed as interrupted (unless it had
    ended), and the error is raised saying what was kept.
    """
    try:
        for event in with_ticks(reader):
            run.feed(event)
    except (EventError, TransitionNotAllowed) as err:
        message = _at_line(err, reader, run.current)
        run.close(f"the events stopped at a bad line: {message}")
        raise type(err)(f"{message}; {run.kept()}") from None
    finally:
        run.close("the events ended first")
    return run


def _at_line(err: Exception, reader: EventReader, event: ev.Event | None) -> str:
    """The error, naming the line (and the event, when the engine refused it)."""
    text = str(err)
    if text.startswith("line "):
        return text
    if event is None:
        return f"line {reader.line}: {text}"
    return f"line {reader.line}: event {event.kind!r} at t={event.t:g}: {text}"
