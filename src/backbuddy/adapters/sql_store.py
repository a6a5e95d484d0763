"""The durable session store (I7) on SQLAlchemy Core: SQLite by default, PostgreSQL by URL.

Every method runs in its own transaction and commits before it returns, so an
event is on disk before its cues are shown; nothing is buffered here (the live
server groups pose events that caused no cue: `services.session_runner`; SQLite
settings: see `sql_engine`). `append_steps` writes events with the cues they
caused in one transaction: one commit per step, or per group of steps. Every
database failure becomes a StoreError that names the file and what to do; a wrong
argument (a naive datetime) is a ValueError, a programming mistake rather than a
user's problem. The journal of writes the database refused is `sql_kept`'s; a stored
step's rows are `sql_rows`'s; the history side is `sql_history`'s.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from backbuddy.adapters import process_owner, sql_migrate
from backbuddy.adapters import sql_schema as schema
from backbuddy.adapters.sql_engine import BUSY_S, WRITE, create_engine
from backbuddy.adapters.sql_errors import explain, where
from backbuddy.adapters.sql_group import GroupCommit
from backbuddy.adapters.sql_history import (
    HistoryQueries,
    aware,
    reason_from_json,
    reason_to_json,
)
from backbuddy.adapters.sql_journal import Finish, Unstored
from backbuddy.adapters.sql_kept import KeptWrites, journal_for
from backbuddy.adapters.sql_rows import (
    CUE_COLUMNS,
    EVENT_COLUMNS,
    Rows,
    cue_rows,
    cue_values,
    event_row,
    event_values,
)
from backbuddy.domain import cues as cue_codec
from backbuddy.domain import events as event_codec
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import StoreError
from backbuddy.domain.events import Event
from backbuddy.domain.ports import Forgotten, SessionEnd, SessionRecord, StoredStep
from backbuddy.domain.screening import ScreeningResult

#: A running session owned by another machine is taken as abandoned after this long.
OTHER_HOST_STALE = timedelta(hours=12)
#: PostgreSQL advisory lock key every session start takes (`start_session`); the schema
#: migration takes 20260701.
START_LOCK = 20261127


class SqlStore(KeptWrites, HistoryQueries):
    """`domain.ports.SessionStore` over any SQLAlchemy URL; opening it migrates the schema."""

    def __init__(self, url: str, *, journal: Path | None = None, busy_s: float = BUSY_S) -> None:
        """`journal`: where writes the database refused are kept (`sql_journal`); beside
        a SQLite file by default. `busy_s`: how long a write waits for a SQLite lock."""
        self.url = url
        self.where = where(url)
        self._journal = journal_for(url, journal)
        try:
            self._engine = create_engine(url, busy_s)
        except (sa.exc.SQLAlchemyError, OSError, ImportError) as err:
            raise explain(err, "open the database", self.where) from err
        parsed = self._engine.url
        self._memory = parsed.get_backend_name() == "sqlite" and parsed.database in (
            None,
            "",
            ":memory:",
        )
        self._writer = self._engine.execution_options(**{WRITE: True})
        #: This process's writes, one at a time (no busy-waiting on SQLite's lock among
        #: our own threads); event steps of concurrent sessions share commits.
        self._write_lock = threading.RLock()
        self._steps: GroupCommit[tuple[int, Sequence[StoredStep]]] = GroupCommit(
            self._write_steps, self._write_lock
        )
        #: The group commit's inserts, compiled once (`sql_rows`: ~5 commits a second a session).
        dialect = self._engine.dialect
        self._event_rows = Rows(schema.events, EVENT_COLUMNS, dialect)
        self._cue_rows = Rows(schema.cues, CUE_COLUMNS, dialect)
        try:
            self._migrate()
        except BaseException:
            self._engine.dispose()
            raise
        self.replay()

    def _migrate(self) -> None:
        """Create or upgrade the schema; one process at a time, all or nothing."""
        with self._transaction("open the database") as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(20260701)"))
            try:
                sql_migrate.upgrade(conn)
            except sql_migrate.NewerSchema as err:
                raise StoreError(
                    f"{self.where}: this database was written by a newer backbuddy (schema "
                    f"{err.revision}); update backbuddy, or choose another database with --db"
                ) from None

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save_screening(
        self, result: ScreeningResult, answers: Mapping[str, Any], *, role: str = "receiver"
    ) -> int:
        aware(result.taken_at, result.valid_until)
        reasons = [reason_to_json(r) for r in result.reasons]
        row = {
            "technique": result.technique,
            "outcome": result.outcome,
            "reasons": reasons,
            "answers": dict(answers),
            "role": role,
            "taken_at": result.taken_at,
            "valid_until": result.valid_until,
        }
        with self._transaction("save the screening") as conn:
            return _new_id(conn.execute(schema.screenings.insert().values(row)))

    def latest_screening(self, technique: str, at: datetime) -> tuple[int, ScreeningResult] | None:
        aware(at)
        c = schema.screenings.c
        query = (
            sa.select(schema.screenings)
            .where(c.technique == technique, c.taken_at <= at, c.valid_until >= at)
            .order_by(c.taken_at.desc(), c.id.desc())
            .limit(1)
        )
        with self._transaction("read screenings", write=False) as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        reasons = tuple(reason_from_json(r) for r in row.reasons)
        result = ScreeningResult(row.technique, row.outcome, reasons, row.taken_at, row.valid_until)
        return row.id, result

    def start_session(
        self,
        technique: str,
        screening_id: int | None,
        started_at: datetime,
        camera: bool,
        recheck: Callable[[], object] | None = None,
    ) -> int:
        """A new running session. With `recheck` the start is atomic across processes (two
        workers, a terminal guide beside the browser): it runs holding the start lock, then
        the insert in the same transaction. SQLite: the write lock (BEGIN IMMEDIATE) is taken
        first, so no other process commits until this one has, and `recheck` reads what every
        start before committed (WAL readers on other connections); PostgreSQL: a transaction
        advisory lock that every start takes. `recheck` must only read (a write would wait
        for this very lock)."""
        aware(started_at)
        row = {
            "technique": technique,
            "screening_id": screening_id,
            "started_at": started_at,
            "status": "running",
            "attempts": 0,
            "camera": camera,
            "owner": process_owner.current(),
        }
        if recheck is not None and self._memory:
            # Only this process sees an in-memory store: its own write lock is enough (and
            # its one connection cannot read inside a transaction it holds).
            with self._write_lock:
                recheck()
                with self._transaction("start the session") as conn:
                    return _new_id(conn.execute(schema.sessions.insert().values(row)))
        with self._transaction("start the session") as conn:
            if recheck is not None:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({START_LOCK})"))
                recheck()
            return _new_id(conn.execute(schema.sessions.insert().values(row)))

    def append_event(self, session_id: int, seq: int, event: Event) -> None:
        kept = [Unstored(session_id, (StoredStep(seq, event),))]
        action = f"store event {seq} of session {session_id}"
        with self._keeping(kept), self._transaction(action) as conn:
            conn.execute(schema.events.insert(), [event_row(session_id, seq, event)])

    def append_cues(self, session_id: int, seq: int, cues: Sequence[Cue]) -> None:
        rows = cue_rows(session_id, seq, cues)
        if not rows:
            return
        with self._transaction(f"store the cues of event {seq} of session {session_id}") as conn:
            conn.execute(schema.cues.insert(), rows)

    def append_steps(self, session_id: int, steps: Sequence[StoredStep]) -> None:
        """Events and their cues in one transaction: all or none. Sessions that write at
        the same time share one commit (`sql_group`); this returns once they are on disk."""
        if steps:
            self._steps.submit((session_id, tuple(steps)))

    def _write_steps(self, batch: Sequence[tuple[int, Sequence[StoredStep]]]) -> None:
        now = datetime.now(UTC)
        events = [event_values(sid, s.seq, s.event, now) for sid, steps in batch for s in steps]
        cues = [
            values
            for sid, steps in batch
            for s in steps
            for values in cue_values(sid, s.seq, s.cues)
        ]
        kept = [Unstored(sid, tuple(steps)) for sid, steps in batch]
        with self._keeping(kept), self._transaction(_what(batch)) as conn:
            self._event_rows.insert(conn, events)
            self._cue_rows.insert(conn, cues)

    def finish_session(
        self,
        session_id: int,
        status: SessionEnd,
        ended_at: datetime,
        attempts: int,
        end_reason: str | None = None,
        steps: Sequence[StoredStep] = (),
    ) -> None:
        """The steps and the finish in one transaction, outside the group commit (an end
        is rare): a process that dies after the ending event was stored has stored its end
        reason too, so every other process's watch sees a symptom halt (I2, I8)."""
        aware(ended_at)
        if status == "running":
            raise ValueError("finish_session needs a final status, not 'running'")
        values = {
            "status": status,
            "ended_at": ended_at,
            "attempts": attempts,
            "end_reason": end_reason,
        }
        events = [event_row(session_id, s.seq, s.event) for s in steps]
        cues = [row for s in steps for row in cue_rows(session_id, s.seq, s.cues)]
        end = Finish(status, ended_at, attempts, end_reason)
        with (
            self._keeping([Unstored(session_id, tuple(steps), end)]),
            self._transaction(f"finish session {session_id}") as conn,
        ):
            if events:
                conn.execute(schema.events.insert(), events)
            if cues:
                conn.execute(schema.cues.insert(), cues)
            done = conn.execute(
                schema.sessions.update().where(schema.sessions.c.id == session_id).values(values)
            )
            if done.rowcount != 1:
                raise StoreError(f"{self.where}: there is no session {session_id} to finish")

    def mark_interrupted(self, at: datetime) -> list[int]:
        """Mark running sessions whose process has ended as interrupted; return their ids.

        A session still run by a live process (another terminal, the web app) is
        left alone. `ended_at` becomes the time of its last stored event.
        """
        aware(at)
        c = schema.sessions.c
        last_event = (
            sa.select(sa.func.max(schema.events.c.recorded_at))
            .where(schema.events.c.session_id == c.id)
            .scalar_subquery()
        )
        with self._transaction("mark interrupted sessions") as conn:
            running = conn.execute(
                sa.select(c.id, c.owner, c.started_at).where(c.status == "running")
            )
            gone = [r.id for r in running if _abandoned(r.owner, r.started_at, at)]
            if gone:
                conn.execute(
                    schema.sessions.update()
                    .where(c.id.in_(gone), c.status == "running")
                    .values(
                        status="interrupted",
                        ended_at=sa.func.coalesce(last_event, c.started_at),
                        end_reason="backbuddy stopped before the session ended",
                    )
                )
        return gone

    def sessions(self, since: datetime | None = None) -> list[SessionRecord]:
        """Sessions in the order they started, oldest first."""
        rows = self._rows_since(schema.sessions, "started_at", since, "read sessions")
        return [
            SessionRecord(
                id=r.id,
                technique=r.technique,
                started_at=r.started_at,
                ended_at=r.ended_at,
                status=_status(r.status, r.end_reason),
                attempts=r.attempts,
                camera=bool(r.camera),
                screening_id=r.screening_id,
                end_reason=r.end_reason,
            )
            for r in rows
        ]

    def _stored_events(self, session_id: int) -> list[Event]:
        query = (
            sa.select(schema.events.c.payload)
            .where(schema.events.c.session_id == session_id)
            .order_by(schema.events.c.seq)
        )
        with self._transaction(f"read the events of session {session_id}", write=False) as conn:
            payloads = conn.execute(query).scalars().all()
        return [event_codec.from_dict(p) for p in payloads]

    def cues(self, session_id: int) -> list[tuple[int, Cue]]:
        query = (
            sa.select(schema.cues.c.seq, schema.cues.c.payload)
            .where(schema.cues.c.session_id == session_id)
            .order_by(schema.cues.c.seq, schema.cues.c.idx)
        )
        with self._transaction(f"read the cues of session {session_id}", write=False) as conn:
            rows = conn.execute(query).all()
        return [(r.seq, cue_codec.from_dict(r.payload)) for r in rows]

    def events_of_kind(
        self, kinds: Sequence[str], since: datetime | None = None
    ) -> list[tuple[int, Event]]:
        """The stored events of `kinds`, then the journal's not stored yet (any `since`:
        a symptom the database could not take still blocks, I8)."""
        found = super().events_of_kind(kinds, since)
        stored = list(found)
        for sid, step in self._kept():
            if step.event.kind in kinds and (sid, step.event) not in stored:
                found.append((sid, step.event))
        return found

    def events(self, session_id: int) -> list[Event]:
        """The session's stored events, then the journal's not stored yet."""
        found = self._stored_events(session_id)
        for sid, step in self._kept():
            if sid == session_id and step.event not in found:
                found.append(step.event)
        return found

    def forget(self) -> Forgotten:
        """Every record, and the journal's (with any torn line it set aside)."""
        gone = super().forget()
        if self._journal is not None:
            self._journal.path.unlink(missing_ok=True)
            self._journal.torn_path.unlink(missing_ok=True)
            self._journal.seen_path.unlink(missing_ok=True)
        return gone

    @contextmanager
    def _transaction(self, action: str, *, write: bool = True) -> Iterator[sa.Connection]:
        """One transaction, committed on leaving; any database failure becomes a StoreError."""
        if not write:
            with self._begin(self._engine, action) as conn:
                yield conn
            return
        with self._write_lock, self._begin(self._writer, action) as conn:
            yield conn

    @contextmanager
    def _begin(self, engine: sa.Engine, action: str) -> Iterator[sa.Connection]:
        try:
            with engine.begin() as conn:
                yield conn
        except (sa.exc.SQLAlchemyError, OSError) as err:
            raise explain(err, action, self.where) from err


def _what(batch: Sequence[tuple[int, Sequence[StoredStep]]]) -> str:
    """What a step write was doing, for its error: "store event 4–9 of session 2"."""
    if len(batch) > 1:
        return "store the events of sessions " + ", ".join(str(sid) for sid, _ in batch)
    sid, steps = batch[0]
    span = f"{steps[0].seq}" if len(steps) == 1 else f"{steps[0].seq}–{steps[-1].seq}"
    return f"store event {span} of session {sid}"


def _abandoned(owner: str | None, started_at: datetime, at: datetime) -> bool:
    alive = process_owner.is_alive(owner)
    if alive is None:
        return at - started_at > OTHER_HOST_STALE
    return not alive


def _new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _status(stored: str, end_reason: str | None) -> SessionEnd:
    """A session's status as this backbuddy names it: a store read without its upgrade to
    0004 (read-only) still holds backbuddy's end for a screening as `ended_by_pair`."""
    if stored == "ended_by_pair" and end_reason == "screening":
        return "screened_out"
    return stored  # type: ignore[return-value]
