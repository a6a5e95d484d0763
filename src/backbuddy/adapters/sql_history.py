"""The store's history side (issue 6): screenings, aftercare, notices, reads for reports, forget.

A mixin of `SqlStore`, kept apart so each file stays one subject; it uses the
store's `_transaction`, `_engine` and `where`. See `domain.ports.HistoryStore`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from backbuddy.adapters import process_owner
from backbuddy.adapters import sql_schema as schema
from backbuddy.adapters.sql_errors import explain
from backbuddy.domain import cues as cue_codec
from backbuddy.domain import events as event_codec
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import StoreError
from backbuddy.domain.escalation import AftercareFact, Notice, Seen
from backbuddy.domain.events import Event
from backbuddy.domain.ports import Forgotten, ScreeningRecord
from backbuddy.domain.screening import Reason

#: A running session owned by another machine is taken as abandoned after this long.
OTHER_HOST_STALE = timedelta(hours=12)


class HistoryQueries:
    """History reads and writes over the store's connection; mixed into `SqlStore`."""

    where: str
    _engine: sa.Engine

    def _transaction(
        self, action: str, *, write: bool = True
    ) -> AbstractContextManager[sa.Connection]:
        raise NotImplementedError  # pragma: no cover - SqlStore provides it

    def _rows_since(
        self, table: sa.Table, time: str, since: datetime | None, action: str
    ) -> Sequence[sa.Row[Any]]:
        """Every row of `table` (from `since` on, if given), oldest first by `time`, then id."""
        column = table.c[time]
        query = sa.select(table).order_by(column, table.c.id)
        if since is not None:
            query = query.where(column >= _utc(since))
        with self._transaction(action, write=False) as conn:
            return conn.execute(query).all()

    def screenings(self, since: datetime | None = None) -> list[ScreeningRecord]:
        """Screenings in the order they were taken, oldest first."""
        rows = self._rows_since(schema.screenings, "taken_at", since, "read screenings")
        return [
            ScreeningRecord(
                id=r.id,
                technique=r.technique,
                outcome=r.outcome,
                reasons=tuple(reason_from_json(x) for x in r.reasons),
                answers=dict(r.answers),
                role=r.role,
                taken_at=r.taken_at,
            )
            for r in rows
        ]

    def screenings_mark(self) -> tuple[int, int]:
        """(count, highest id) of the stored screenings: one indexed read that changes
        whenever any process stores (or forgets) a screening, so a running server can
        notice a red flag answered elsewhere (I1 during a session) without reading them."""
        c = schema.screenings.c
        query = sa.select(sa.func.count(c.id), sa.func.coalesce(sa.func.max(c.id), 0))
        with self._transaction("read screenings", write=False) as conn:
            count, top = conn.execute(query).one()
        return int(count), int(top)

    def symptoms_mark(self) -> tuple[int, int, int, int]:
        """(count, highest id) of the sessions that ended for a symptom, then of the aftercare
        checks: one cheap read that changes whenever any process stores a symptom halt (or an
        aftercare answer, which may report one), so a running server stops its other sessions
        for the same receiver (I2, I8) without reading the history every second."""
        s, a = schema.sessions.c, schema.aftercare.c
        felt = sa.select(sa.func.count(s.id), sa.func.coalesce(sa.func.max(s.id), 0)).where(
            s.end_reason == "symptom"
        )
        told = sa.select(sa.func.count(a.id), sa.func.coalesce(sa.func.max(a.id), 0))
        with self._transaction("read symptom halts", write=False) as conn:
            halts, top_halt = conn.execute(felt).one()
            checks, top_check = conn.execute(told).one()
        return int(halts), int(top_halt), int(checks), int(top_check)

    def save_aftercare(self, answer: AftercareFact) -> int:
        aware(answer.at)
        row = {
            "session_id": answer.session_id,
            "kind": answer.check,
            "answered_at": answer.at,
            "feel": answer.feel,
            "symptoms": list(answer.symptoms),
            "soreness_over_day": answer.soreness_over_day,
            "felt_need_most_days": answer.felt_need_most_days,
        }
        with self._transaction("save the aftercare check") as conn:
            return _new_id(conn.execute(schema.aftercare.insert().values(row)))

    def aftercare(self, since: datetime | None = None) -> list[AftercareFact]:
        rows = self._rows_since(schema.aftercare, "answered_at", since, "read aftercare checks")
        return [
            AftercareFact(
                at=r.answered_at,
                check=r.kind,
                feel=r.feel,
                symptoms=tuple(r.symptoms),
                soreness_over_day=r.soreness_over_day,
                felt_need_most_days=r.felt_need_most_days,
                session_id=r.session_id,
            )
            for r in rows
        ]

    def save_seen(self, seen: Seen) -> int:
        """Store the pair's record that a professional has seen the receiver."""
        aware(seen.recorded_at)
        row = {
            "seen_on": seen.seen_on,
            "recorded_at": seen.recorded_at,
            "statement": seen.statement,
        }
        with self._transaction("record the professional's visit") as conn:
            return _new_id(conn.execute(schema.seen.insert().values(row)))

    def seen(self, since: datetime | None = None) -> list[Seen]:
        """The records that a professional has seen the receiver, oldest first."""
        rows = self._rows_since(schema.seen, "recorded_at", since, "read professional visits")
        return [Seen(r.seen_on, r.recorded_at, r.statement) for r in rows]

    def record_notices(self, notices: Sequence[Notice], recorded_at: datetime) -> int:
        """Store the notices whose key is new, in one transaction; return how many."""
        aware(recorded_at, *(n.at for n in notices))
        if not notices:
            return 0
        c = schema.notices.c
        with self._transaction("record referral notices") as conn:
            keys = [n.key for n in notices]
            known = set(conn.execute(sa.select(c.key).where(c.key.in_(keys))).scalars())
            rows = [
                {
                    "key": n.key,
                    "rule": n.rule,
                    "reason": n.reason,
                    "advice": n.advice,
                    "urgency": n.urgency,
                    "blocks": n.blocks,
                    "raised_at": n.at,
                    "recorded_at": recorded_at,
                }
                for n in {n.key: n for n in notices}.values()
                if n.key not in known
            ]
            # Another process may raise the same notice between the look and the insert (two
            # refused starts racing: a unique-key error came back instead of the refusal), so
            # a key already stored is skipped by the database itself where it can.
            return sum(_insert_new(conn, schema.notices, row, "key") for row in rows)

    def notices(self, since: datetime | None = None) -> list[Notice]:
        rows = self._rows_since(schema.notices, "raised_at", since, "read referral notices")
        return [
            Notice(r.rule, r.reason, r.advice, r.key, r.raised_at, r.blocks, r.urgency)
            for r in rows
        ]

    def events_of_kind(
        self, kinds: Sequence[str], since: datetime | None = None
    ) -> list[tuple[int, Event]]:
        e, s = schema.events.c, schema.sessions.c
        query = (
            sa.select(e.session_id, e.payload)
            .join(schema.sessions, s.id == e.session_id)
            .where(e.kind.in_(list(kinds)))
            .order_by(e.session_id, e.seq)
        )
        if since is not None:
            query = query.where(s.started_at >= _utc(since))
        with self._transaction("read events", write=False) as conn:
            rows = conn.execute(query).all()
        return [(r.session_id, event_codec.from_dict(r.payload)) for r in rows]

    def cues_of_kind(
        self, kinds: Sequence[str], since: datetime | None = None
    ) -> list[tuple[int, Cue]]:
        q, s = schema.cues.c, schema.sessions.c
        query = (
            sa.select(q.session_id, q.payload)
            .join(schema.sessions, s.id == q.session_id)
            .where(q.kind.in_(list(kinds)))
            .order_by(q.session_id, q.seq, q.idx)
        )
        if since is not None:
            query = query.where(s.started_at >= _utc(since))
        with self._transaction("read cues", write=False) as conn:
            rows = conn.execute(query).all()
        return [(r.session_id, cue_codec.from_dict(r.payload)) for r in rows]

    def forget(self) -> Forgotten:
        """Delete every record in one transaction; refuse while a live process runs a session.

        On SQLite the file is then vacuumed and its journal truncated, so deleted
        records do not linger in free pages.
        """
        tables = (
            schema.cues,
            schema.events,
            schema.aftercare,
            schema.notices,
            schema.seen,
            schema.sessions,
            schema.screenings,
        )
        now = datetime.now(UTC)
        c = schema.sessions.c
        with self._transaction("delete every record") as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("LOCK TABLE sessions IN EXCLUSIVE MODE"))
            running = conn.execute(
                sa.select(c.id, c.owner, c.started_at).where(c.status == "running")
            ).all()
            live = [r.id for r in running if _running_live(r.owner, r.started_at, now)]
            if live:
                raise StoreError(
                    f"{self.where}: session {live[0]} is running right now; end it (press STOP "
                    "or close that window), then run forget again. Nothing was deleted."
                )
            counts = {t.name: conn.execute(t.delete()).rowcount for t in tables}
        if self._engine.dialect.name == "sqlite":
            self._vacuum()
        return Forgotten(self.where, counts)

    def _vacuum(self) -> None:
        raw = self._engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        except Exception as err:  # the records are gone already; a failed vacuum only wastes space
            raise explain(err, "compact the database after deleting", self.where) from err
        finally:
            raw.close()


def reason_to_json(reason: Reason) -> dict[str, Any]:
    """A screening reason as stored: the three fields, plus what an earlier block added."""
    out: dict[str, Any] = {"id": reason.id, "outcome": reason.outcome, "message": reason.message}
    if reason.until is not None:
        out["until"] = reason.until.astimezone(UTC).isoformat()
    if reason.held_since is not None:
        out["held_since"] = reason.held_since.astimezone(UTC).isoformat()
        out["held"] = reason.held
        out["contradicted"] = reason.contradicted
    return out


def reason_from_json(raw: dict[str, Any]) -> Reason:
    """A stored reason back; rows written before 0003 have only id, outcome and message."""
    times = {k: datetime.fromisoformat(raw[k]) for k in ("until", "held_since") if raw.get(k)}
    return Reason(
        raw["id"],
        raw["outcome"],
        raw["message"],
        until=times.get("until"),
        held_since=times.get("held_since"),
        held=raw.get("held"),
        contradicted=bool(raw.get("contradicted", False)),
    )


def _running_live(owner: str | None, started_at: datetime, at: datetime) -> bool:
    alive = process_owner.is_alive(owner)
    if alive is None:
        return at - started_at <= OTHER_HOST_STALE
    return alive


def _new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{value.isoformat()} has no time zone; the store keeps UTC")
    return value


def aware(*times: datetime) -> None:
    """Refuse naive times: the store keeps UTC and compares time-zone-aware values."""
    for value in times:
        _utc(value)


def _insert_new(conn: sa.Connection, table: sa.Table, row: dict[str, Any], key: str) -> int:
    """Insert `row` unless its `key` is stored already (INSERT … ON CONFLICT DO NOTHING on
    SQLite and PostgreSQL, a plain insert elsewhere); 1 if inserted, else 0."""
    name = conn.dialect.name
    if name in ("postgresql", "sqlite"):
        dialect = postgresql if name == "postgresql" else sqlite
        statement = (
            dialect.insert(table)
            .values(**row)
            .on_conflict_do_nothing(index_elements=[key])
            .returning(table.c[key])  # a row back only if inserted (rowcount may say -1)
        )
        return 0 if conn.execute(statement).first() is None else 1
    conn.execute(table.insert(), [row])
    return 1
