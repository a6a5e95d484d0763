"""Runs one guided session against a store: the engine decides, the store remembers.

Order for every event (I7): step the pure engine, commit the event together with
its cues (one transaction; the step that ends the session, with its finish and end
reason, which other processes watch for a symptom halt), and only then hand the cues
back to be shown. A crash
loses at most the event in flight; a session never finished is marked interrupted
at next start.

Group commit (the live server and the live terminal guide, `group_s > 0`): a pose
event that caused no cue and left the mode as it was carries a measurement, not a
decision, so it waits in memory and is written with the next step that must be
stored, or once the oldest waiting pose is `group_s` session seconds old (a quiet
tick checks too). Every other event — stop, symptom, pop, ready, resume, end, any
halt, pause or cue — is committed at once, with everything waiting before it, in
order, before its cues are returned. So a crash can lose only poses of the last
`group_s` (+ one tick) that changed nothing anyone was told; never a stop, a halt,
a symptom or a pause. At 30 poses a second this is ~5 commits a second instead of 30.

Hand-off (the live server, issue 15): the server steps quiet poses and ticks on its event
loop and must not hold the session's lock while the writer thread commits the poses
waiting, or a STOP waits for that commit and then for the lock. So when the group commit
is due it takes the waiting poses out as one batch (`take`: the runner starts a new one)
and has the writer thread write it (`write`), on the same one-at-a-time FIFO thread as
every other write: a STOP stepped meanwhile is written after the batch, so its cues still
come after every pose before it is durable (I7), and the sequence numbers stay gapless and
in order in the store (the batch holds the lower ones; poses stepped meanwhile wait in the
new batch). A write that fails leaves its steps to the next write, as `_pending` always has
(`_unwritten`: a failed batch, carried first by every later write on the writer thread,
so none lands with a gap before it: it stores them too, or fails too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from backbuddy.domain import session
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import EventError, StoreError
from backbuddy.domain.events import SYMPTOMS, Event, Pose, Sensation, Tick
from backbuddy.domain.ports import SessionEnd, SessionStore, StoredStep
from backbuddy.domain.session import SessionState

#: Headless runs and the live loop tick at this interval (seconds).
TICK_S = 0.1
#: Simulated time a headless run may cover. A session of one technique lasts minutes
#: (set-up, at most three breath-paced attempts, rest); six hours is far beyond any
#: real one, so a later `t` is a mistake. It also bounds the ticks a run can make.
MAX_SIMULATED_S = 6 * 3600.0
MAX_TICKS = round(MAX_SIMULATED_S / TICK_S)
#: The live loops' group commit window for quiet poses, server and terminal (session
#: seconds; see above).
GROUP_S = 0.2

#: Said when the store fails under a session (the page's and the terminal's words alike).
UNRECORDABLE = (
    "Stop and release gently: backbuddy can no longer record this session, so it cannot guide it"
)

#: What a pose changes in the state by being seen: the last pose and its timing
#: (`session.seen`), and since when the set-up checks have held.
_SEEN = ("t", "last_pose", "frame_times", "checks_since", "unsteady")

_STATUS: dict[str, SessionEnd] = {
    "completed": "completed",
    "pop": "completed",
    "symptom": "halted",
    "speed": "halted",
    "ended_by_pair": "ended_by_pair",
    "stopped": "ended_by_pair",
    # Ended by backbuddy: a screening answered since refuses or narrows it (I1). Its own
    # status; like the pair's end, one with no attempt does not count (`escalation`).
    "screening": "screened_out",
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
    #: Group commit window for quiet poses, session seconds; 0: every event committed alone.
    group_s: float = 0.0
    #: The end reason as stored: the engine's, but "symptom_elsewhere" for a symptom felt in
    #: another session (`Sensation.elsewhere`) until one is felt here too.
    stored_reason: str | None = None
    _pending: list[StoredStep] = field(default_factory=list)
    #: A batch handed off (`take`) whose write failed: every later write carries it first
    #: (`_waiting`). Read and written only on the writer thread (`write`, `handle`, `close`).
    _unwritten: list[StoredStep] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        store: SessionStore,
        state: SessionState,
        screening_id: int | None,
        started_at: datetime,
        camera: bool = False,
        recheck: Callable[[], object] | None = None,
    ) -> SessionRunner:
        """Store a new running session; `recheck`: the start rules again, under the store's
        start lock (`SessionStore.start_session`), so racing starts start one."""
        sid = store.start_session(state.technique.id, screening_id, started_at, camera, recheck)
        return cls(store=store, state=state, session_id=sid)

    @property
    def pending(self) -> int:
        """Quiet poses stepped but not yet written (group commit)."""
        return len(self._pending)

    def handle(self, event: Event, now: datetime) -> tuple[Cue, ...]:
        """Apply one event; the returned cues are already durable, with every event before.

        A tick that changes nothing is not stored: it carries no information. A quiet
        pose may wait for the group commit (module docstring). If the store fails, no
        cue is returned: a session that cannot be recorded cannot be guided (I7), so
        the caller must halt.
        """
        new, cues = session.step(self.state, event)
        reason = self._reason(event, new.end_reason)
        # A symptom felt after the end still counts as a symptom halt (I8).
        ends = new.mode == "ended" and (not self.finished or reason != self.stored_reason)
        if ends:
            # The ending step and the finish in one transaction: other processes notice a
            # symptom halt by the stored end reason, so it must not lag the event.
            stored = not isinstance(event, Tick) or bool(cues)  # a quiet tick is not (above)
            ending = [*self._waiting(), *([StoredStep(self.seq, event, cues)] if stored else [])]
            status = _STATUS[new.end_reason or "ended_by_pair"]
            self._finish(now, status, reason, ending, new.attempts)
            self.seq += stored
            self.state = new
            self.last_event_t = event.t
            return cues
        if isinstance(event, Tick) and not cues:
            if self._pending and event.t - self._pending[0].event.t >= self.group_s:
                self.flush()
        elif self._waits(event, cues, new):
            self._pending.append(StoredStep(self.seq, event))
            self.seq += 1
            if event.t - self._pending[0].event.t >= self.group_s:
                self.flush()
        else:
            self._write([*self._waiting(), StoredStep(self.seq, event, cues)])
            self.seq += 1
        self.state = new
        self.last_event_t = event.t
        return cues

    def _reason(self, event: Event, engine: str | None) -> str | None:
        """The end reason to store: the engine's, told apart for a symptom felt elsewhere
        (the history says where it was felt; the rules read both as a symptom halt)."""
        if engine != "symptom":
            return engine
        felt_here = self.stored_reason == "symptom"
        if isinstance(event, Sensation) and event.sensation in SYMPTOMS and not felt_here:
            return "symptom_elsewhere" if event.elsewhere else "symptom"
        return self.stored_reason if self.stored_reason == "symptom_elsewhere" else "symptom"

    def handle_quiet(self, event: Pose | Tick, defer: bool = False) -> bool:
        """Step a pose or tick when it writes nothing now: it causes no cue, ends nothing,
        the group commit is not due, and a pose changes nothing but what was seen
        (`_waits`). Then the runner is as `handle` would have left it (the pose waiting to
        be written, the tick not stored), and True; otherwise nothing changed, False, and
        the event must take `handle`. For the live server, which steps such an event on its
        event loop instead of handing it to the writer thread (a round trip between threads
        for every pose and tick: issue 15).

        `defer`: one at which the group commit is due is stepped too (True); the caller
        then has what waits written (`flush`, on the writer thread) before anything else,
        as `handle` would have (`due_at` says so). `handle` would have stepped it the same
        way first: the writer is spared stepping it a second time."""
        new, cues = session.step(self.state, event)
        ends = new.mode == "ended" and (
            not self.finished or new.end_reason != self.state.end_reason
        )
        if cues or ends:
            return False
        first_t = self._pending[0].event.t if self._pending else event.t
        due = event.t - first_t >= self.group_s and not defer
        if isinstance(event, Pose):
            if not self._waits(event, cues, new) or due:
                return False
            self._pending.append(StoredStep(self.seq, event))
            self.seq += 1
        elif due:  # a quiet tick that writes what waits
            return False
        self.state = new
        self.last_event_t = event.t
        return True

    def due_at(self, t: float) -> bool:
        """Is the group commit due at `t` (quiet poses waiting since `group_s` or more)?"""
        return bool(self._pending) and t - self._pending[0].event.t >= self.group_s

    def _waits(self, event: Event, cues: tuple[Cue, ...], new: SessionState) -> bool:
        """A pose that told nobody anything and changed nothing but what it saw may wait."""
        if self.group_s <= 0 or not isinstance(event, Pose) or cues:
            return False
        old = self.state
        seen = {f: getattr(old, f) for f in _SEEN}
        # `replace(new, **seen) == old` without building the state: the fields' dicts compared
        # in C (each value by identity, then ==, as the dataclass's tuples are). SessionState
        # keeps its fields in `__dict__` (no slots: domain/state.py refuses them at import).
        return {**new.__dict__, **seen} == old.__dict__

    def flush(self) -> None:
        """Write the poses waiting for the group commit now (one transaction)."""
        if self._pending or self._unwritten:
            self._write(self._waiting())

    def take(self) -> list[StoredStep]:
        """Give up the poses waiting as one batch and start a new one (the hand-off, module
        docstring): the caller has the writer thread `write` it before any later write.
        The state, `seq` and `last_event_t` stay: the batch was stepped, only not stored."""
        batch, self._pending = self._pending, []
        return batch

    def write(self, batch: list[StoredStep]) -> None:
        """On the writer thread: store a batch from `take` (one transaction), after any batch
        whose write failed (`_unwritten`). If it fails too, both wait for the next write:
        StoreError, and the caller stops the session (as for any failed write)."""
        steps = [*self._unwritten, *batch]
        if not steps:
            return
        try:
            self.store.append_steps(self.session_id, steps)
        except StoreError as err:
            self._unwritten = steps  # the next write carries them first
            raise type(err)(f"{UNRECORDABLE} ({err})") from err  # a JournalError stays one
        self._unwritten = []

    def _waiting(self) -> list[StoredStep]:
        """What the next write carries before its own step: a failed batch, then the poses
        waiting, in `seq` order."""
        return [*self._unwritten, *self._pending]

    def _write(self, steps: list[StoredStep]) -> None:
        try:
            self.store.append_steps(self.session_id, steps)
        except StoreError as err:
            raise type(err)(f"{UNRECORDABLE} ({err})") from err  # a JournalError stays one
        self._pending.clear()  # every write carries all that was waiting
        self._unwritten = []

    def close(self, now: datetime, reason: str = "the session was left unfinished") -> None:
        """Write what is waiting; mark a session that never reached its end as interrupted."""
        if self.finished:
            self.flush()
        else:
            self._finish(now, "interrupted", reason, self._waiting(), self.state.attempts)

    def _finish(
        self,
        now: datetime,
        status: SessionEnd,
        reason: str | None,
        steps: list[StoredStep],
        attempts: int,
    ) -> None:
        """Store `steps` and the finish in one transaction (`SessionStore.finish_session`)."""
        try:
            self.store.finish_session(self.session_id, status, now, attempts, reason, steps)
        except StoreError as err:
            raise type(err)(f"{UNRECORDABLE} ({err})") from err  # a JournalError stays one
        self._pending.clear()  # what waited was in `steps`
        self._unwritten = []
        self.finished = True
        self.stored_reason = reason


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
