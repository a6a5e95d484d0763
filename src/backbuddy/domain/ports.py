"""Protocols the outside world implements; services depend on these, not on adapters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from backbuddy.domain.cues import Cue
from backbuddy.domain.events import Event
from backbuddy.domain.screening import ScreeningResult

SessionEnd = Literal["running", "completed", "halted", "ended_by_pair", "interrupted"]


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
        self, technique: str, screening_id: int | None, started_at: datetime, camera: bool
    ) -> int: ...

    def append_event(self, session_id: int, seq: int, event: Event) -> None: ...

    def append_cues(self, session_id: int, seq: int, cues: Sequence[Cue]) -> None: ...

    def finish_session(
        self,
        session_id: int,
        status: SessionEnd,
        ended_at: datetime,
        attempts: int,
        end_reason: str | None = None,
    ) -> None: ...

    def mark_interrupted(self, at: datetime) -> list[int]:
        """Mark every session still 'running' as 'interrupted'; return their ids."""
        ...

    def sessions(self, since: datetime | None = None) -> list[SessionRecord]: ...

    def events(self, session_id: int) -> list[Event]: ...

    def cues(self, session_id: int) -> list[tuple[int, Cue]]: ...


class CueSink(Protocol):
    """Where cues go: a terminal, a web page, a speech engine, a test list."""

    def show(self, cues: Sequence[Cue]) -> None: ...
