"""Runs one guided session against a store: the engine decides, the store remembers.

Order for every event (I7): step the pure engine, commit the event, commit its
cues, and only then hand the cues back to be shown. A crash loses at most the
event in flight; a session never finished is marked interrupted at next start.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from backbuddy.domain import session
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import EventError, StoreError
from backbuddy.domain.events import Event, Tick
from backbuddy.domain.ports import SessionEnd, SessionStore
from backbuddy.domain.session import SessionState

#: Headless runs and the live loop tick at this interval (seconds).
TICK_S = 0.1
#: Simulated time a headless run may cover. A session of one technique lasts minutes
#: (set-up, at most three breath-paced attempts, rest); six hours is far beyond any
#: real one, so a later `t` is a mistake. It also bounds the ticks a run can make.
MAX_SIMULATED_S = 6 * 3600.0
MAX_TICKS = round(MAX_SIMULATED_S / TICK_S)

_STATUS: dict[str, SessionEnd] = {
    "completed": "completed",
    "pop": "completed",
    "symptom": "halted",
    "speed": "halted",
    "ended_by_pair": "ended_by_pair",
    "stopped": "ended_by_pair",
}


@dataclass
class SessionRunner:
    """One session's loop state: the engine state plus where it is stored."""

    store: SessionStore
    state: SessionState
    session_id: int
    seq: int = 0
    finished: bool = False
    last_event_t: float = 0.0
    _history: list[Cue] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        store: SessionStore,
        state: SessionState,
        screening_id: int | None,
        started_at: datetime,
        camera: bool = False,
    ) -> SessionRunner:
        sid = store.start_session(state.technique.id, screening_id, started_at, camera)
        return cls(store=store, state=state, session_id=sid)

    def handle(self, event: Event, now: datetime) -> tuple[Cue, ...]:
        """Apply one event; the returned cues are already durable.

        A tick that changes nothing is not stored: it carries no information.
        If the store fails, no cue is returned: a session that cannot be
        recorded cannot be guided (I7), so the caller must halt.
        """
        new, cues = session.step(self.state, event)
        if not (isinstance(event, Tick) and not cues):
            try:
                self.store.append_event(self.session_id, self.seq, event)
                if cues:
                    self.store.append_cues(self.session_id, self.seq, cues)
            except StoreError as err:
                raise StoreError(
                    "Stop and release gently: backbuddy can no longer record this session, "
                    f"so it cannot guide it ({err})"
                ) from err
            self.seq += 1
        reason_changed = new.end_reason != self.state.end_reason
        self.state = new
        self.last_event_t = event.t
        if new.mode == "ended" and (not self.finished or reason_changed):
            # A symptom felt after the end still counts as a symptom halt (I8).
            self._finish(now, _STATUS[new.end_reason or "ended_by_pair"], new.end_reason)
        return cues

    def close(self, now: datetime, reason: str = "the session was left unfinished") -> None:
        """Mark a session that never reached its end as interrupted."""
        if not self.finished:
            self._finish(now, "interrupted", reason)

    def _finish(self, now: datetime, status: SessionEnd, reason: str | None) -> None:
        self.store.finish_session(self.session_id, status, now, self.state.attempts, reason)
        self.finished = True


def with_ticks(
    events: Iterable[Event], start: float = 0.0, max_ticks: int = MAX_TICKS
) -> Iterator[Event]:
    """Insert a tick every TICK_S seconds between events: simulated time for headless runs.

    At most `max_ticks` ticks in all: an event whose gap would need more raises
    EventError before any of its ticks, so a huge `t` never spins forever.
    """
    last = start
    made = 0
    for event in events:
        if made + (event.t - last) / TICK_S - 1 > max_ticks + 1e-6:  # inf for t=1e308
            raise EventError(
                f"event {event.kind!r} at t={event.t:g} s is too far ahead: simulated time "
                f"covers at most {MAX_SIMULATED_S:g} s ({MAX_SIMULATED_S / 3600:g} h) "
                f"of ticks every {TICK_S:g} s"
            )
        k = 1
        while last + k * TICK_S < event.t - 1e-9:
            yield Tick(round(last + k * TICK_S, 6))
            k += 1
        made += k - 1
        yield event
        last = max(last, event.t)
