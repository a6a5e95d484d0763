"""Protocols the outside world implements; services depend on these, not on adapters."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from backbuddy.domain.cues import Cue
from backbuddy.domain.escalation import AftercareFact, Notice, Seen
from backbuddy.domain.events import Event
from backbuddy.domain.screening import Reason, ScreeningResult

SessionEnd = Literal[
    "running", "completed", "halted", "ended_by_pair", "interrupted", "screened_out"
]


@dataclass(frozen=True)
class SessionRecord:
    """One stored session as history sees it."""

    id: int
    technique: str
    started_at: datetime
    ended_at: datetime | None
    status: SessionEnd
    attempts: int
    camera: bool
    screening_id: int | None
    end_reason: str | None = None


@dataclass(frozen=True)
class StoredStep:
    """One event as the store keeps it: its number in the session, and the cues it caused."""

    seq: int
    event: Event
    cues: tuple[Cue, ...] = ()


class SessionStore(Protocol):
    """Durable, append-only record of screenings, sessions, events and cues (I7).

    Every method commits before it returns: what it was given is on disk.
    """

    def save_screening(
        self, result: ScreeningResult, answers: Mapping[str, Any], *, role: str = "receiver"
    ) -> int: ...

    def latest_screening(self, technique: str, at: datetime) -> tuple[int, ScreeningResult] | None:
        """The newest screening for `technique` still valid at `at`, if any."""
        ...

    def start_session(
        self,
        technique: str,
        screening_id: int | None,
        started_at: datetime,
        camera: bool,
        recheck: Callable[[], object] | None = None,
    ) -> int:
        """A new running session's id. `recheck` (the start rules, read-only) is called
        holding the store's start lock, which every process's start takes: what it raises
        starts nothing, and no other start can slip in between it and the insert."""
        ...

    def append_event(self, session_id: int, seq: int, event: Event) -> None: ...

    def append_cues(self, session_id: int, seq: int, cues: Sequence[Cue]) -> None: ...

    def append_steps(self, session_id: int, steps: Sequence[StoredStep]) -> None:
        """Each step's event, then its cues, in order, all in one transaction: all or none."""
        ...

    def finish_session(
        self,
        session_id: int,
        status: SessionEnd,
        ended_at: datetime,
        attempts: int,
        end_reason: str | None = None,
        steps: Sequence[StoredStep] = (),
    ) -> None:
        """Finish the session, writing `steps` (the step that ended it, with what waited)
        in the same transaction: the ending event and the end reason other processes
        watch for (`HistoryStore.symptoms_mark`) are stored together or not at all."""
        ...

    def mark_interrupted(self, at: datetime) -> list[int]:
        """Mark sessions still 'running' whose process has ended as 'interrupted'; return ids.

        A session run by a live process (another terminal, the web app) is left alone.
        """
        ...

    def sessions(self, since: datetime | None = None) -> list[SessionRecord]: ...

    def events(self, session_id: int) -> list[Event]: ...

    def cues(self, session_id: int) -> list[tuple[int, Cue]]: ...


@dataclass(frozen=True)
class ScreeningRecord:
    """One stored screening with the answers it was given."""

    id: int
    technique: str
    outcome: str
    reasons: tuple[Reason, ...]
    answers: Mapping[str, Any]
    role: str
    taken_at: datetime


@dataclass(frozen=True)
class Forgotten:
    """What `forget` deleted, and where it lived."""

    where: str
    counts: Mapping[str, int]


class HistoryStore(SessionStore, Protocol):
    """The store as history, aftercare, reports, export and forget need it (I8)."""

    where: str

    def screenings(self, since: datetime | None = None) -> list[ScreeningRecord]: ...

    def screenings_mark(self) -> tuple[int, int]:
        """(count, highest id) of the stored screenings: changes when any process stores one."""
        ...

    def symptoms_mark(self) -> tuple[int, int, int, int]:
        """(count, highest id) of symptom-halted sessions, then of aftercare checks: changes
        when any process stores a symptom halt or an aftercare answer."""
        ...

    def save_aftercare(self, answer: AftercareFact) -> int: ...

    def aftercare(self, since: datetime | None = None) -> list[AftercareFact]: ...

    def save_seen(self, seen: Seen) -> int:
        """Store the pair's record that a professional has seen the receiver."""
        ...

    def seen(self, since: datetime | None = None) -> list[Seen]: ...

    def record_notices(self, notices: Sequence[Notice], recorded_at: datetime) -> int:
        """Store notices not stored before (by key); return how many were new."""
        ...

    def notices(self, since: datetime | None = None) -> list[Notice]: ...

    def events_of_kind(
        self, kinds: Sequence[str], since: datetime | None = None
    ) -> list[tuple[int, Event]]:
        """(session id, event) for events of these kinds, of sessions started since `since`."""
        ...

    def cues_of_kind(
        self, kinds: Sequence[str], since: datetime | None = None
    ) -> list[tuple[int, Cue]]: ...

    def forget(self) -> Forgotten:
        """Delete every stored record; refuse while a live process runs a session."""
        ...

    def set_aside(self) -> list[str]:
        """A notice for each kept write a crash cut off mid-line (it may have held a symptom),
        not yet marked read; said on the home page."""
        ...

    def set_aside_read(self) -> None:
        """Those notices have been read: not said again."""
        ...


class CueSink(Protocol):
    """Where cues go: a terminal, a web page, a speech engine, a test list."""

    def show(self, cues: Sequence[Cue]) -> None: ...
