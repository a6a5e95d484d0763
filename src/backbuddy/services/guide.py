"""Starting a guided session and feeding it events: shared by the terminal guide and tests.

`start` enforces I1 (a valid screening from this sitting) before anything is
stored. Headless event files are read and checked whole before the session
starts, so a bad line means nothing is written at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain import session
from backbuddy.domain import techniques as tech
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import EventError, TransitionNotAllowed
from backbuddy.domain.ports import SessionStore
from backbuddy.domain.screening import ScreeningResult
from backbuddy.services.screening import check_allows, require_valid_screening, take_screening
from backbuddy.services.session_runner import SessionRunner, with_ticks


def screening_for(
    store: SessionStore,
    settings: Settings,
    technique: tech.Technique,
    now: datetime,
    answers: Mapping[str, object] | None = None,
) -> tuple[int | None, ScreeningResult]:
    """I1: take a screening from `answers`, or find this sitting's stored one; refuse blocks."""
    if answers is None:
        return require_valid_screening(store, technique.id, now)
    valid_for = timedelta(hours=settings.screening_valid_hours)
    sid, result = take_screening(store, technique.id, answers, now, valid_for=valid_for)
    check_allows(result, technique.id, now)
    return sid, result


def new_state(
    settings: Settings, technique: tech.Technique, screening: ScreeningResult
) -> session.SessionState:
    return session.new_session(technique, screening, settings.limits_for(technique))


def parse_lines(lines: Iterable[str], at: datetime) -> Iterator[ev.Event]:
    """JSONL → events; errors name the line. `begin` without `at` starts at `at`."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as err:
            raise EventError(f"line {number}: not valid JSON ({err.msg})") from None
        try:
            event = ev.from_dict(raw)
        except EventError as err:
            raise EventError(f"line {number}: {err}") from None
        if isinstance(event, ev.Begin) and event.at is None:
            event = replace(event, at=at + timedelta(seconds=event.t))
        yield event


def dry_run(state: session.SessionState, events: Iterable[ev.Event]) -> list[ev.Event]:
    """Run the pure engine over every event (with ticks) first; raise on the first bad one."""
    checked = list(with_ticks(events))
    for event in checked:
        try:
            state, _ = session.step(state, event)
        except (EventError, TransitionNotAllowed) as err:
            raise type(err)(f"event {event.kind!r} at t={event.t:g}: {err}") from None
    return checked


def run_events(
    runner: SessionRunner, events: Iterable[ev.Event], started_at: datetime
) -> Iterator[tuple[ev.Event, tuple[Cue, ...]]]:
    """Feed events (ticks included) to a stored session; yield each with its durable cues."""
    for event in events:
        now = started_at + timedelta(seconds=event.t)
        yield event, runner.handle(event, now)
