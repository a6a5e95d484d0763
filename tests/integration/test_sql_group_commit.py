"""One transaction per event step, and concurrent sessions sharing commits (issue 15).

The real store on SQLite and PostgreSQL. A step's event and cues are written
together or not at all; sessions that write while another commit is in progress
are written together in the next one, each in its own order, and one session's
bad rows fail only that session.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import StoreError
from backbuddy.domain.ports import StoredStep

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def commits(store: SqlStore) -> list[int]:
    """A counter of the store's committed transactions from now on."""
    count = [0]
    sa.event.listen(store._engine, "commit", lambda conn: count.__setitem__(0, count[0] + 1))
    return count


def step(seq: int, *cues: str) -> StoredStep:
    return StoredStep(seq, ev.Ready(seq / 10), tuple(Cue(seq / 10, "say", c) for c in cues))


def test_an_event_and_its_cues_are_one_transaction(db_url: str) -> None:
    with SqlStore(db_url) as store:
        sid = store.start_session("seated_hug_extension", None, NOW, camera=False)
        count = commits(store)
        store.append_steps(sid, [step(0, "breathe in", "now out")])
        assert count[0] == 1
        assert store.events(sid) == [ev.Ready(0.0)]
        assert [(seq, c.text) for seq, c in store.cues(sid)] == [(0, "breathe in"), (0, "now out")]


def test_a_step_that_cannot_be_written_leaves_neither_its_event_nor_its_cues(db_url: str) -> None:
    with SqlStore(db_url) as store:
        sid = store.start_session("seated_hug_extension", None, NOW, camera=False)
        store.append_steps(sid, [step(0)])
        with pytest.raises(StoreError, match=f"store event 1–0 of session {sid}"):
            store.append_steps(sid, [step(1, "new"), step(0, "again")])  # seq 0 is taken
        assert store.events(sid) == [ev.Ready(0.0)]
        assert store.cues(sid) == []


def _hold_until_queued(store: SqlStore, writers: list[threading.Thread]) -> None:
    """Start `writers` while this thread holds the store's write lock; release once all wait."""
    with store._write_lock:
        for w in writers:
            w.start()
        while store._steps.queued < len(writers):
            time.sleep(0.001)
    for w in writers:
        w.join(timeout=30)


def test_sessions_writing_at_once_share_one_commit_each_in_its_own_order(db_url: str) -> None:
    with SqlStore(db_url) as store:
        sids = [store.start_session("seated_hug_extension", None, NOW, False) for _ in range(6)]
        before = store._steps.commits
        writers = [
            threading.Thread(
                target=store.append_steps, args=(sid, [step(0, "a"), step(1), step(2, "b", "c")])
            )
            for sid in sids
        ]
        _hold_until_queued(store, writers)
        assert store._steps.commits - before == 1
        for sid in sids:
            assert [e.t for e in store.events(sid)] == [0.0, 0.1, 0.2]
            assert [(seq, c.text) for seq, c in store.cues(sid)] == [(0, "a"), (2, "b"), (2, "c")]


def test_a_bad_write_in_a_shared_commit_fails_only_its_own_session(db_url: str) -> None:
    with SqlStore(db_url) as store:
        good, bad = (store.start_session("seated_hug_extension", None, NOW, False) for _ in "ab")
        store.append_steps(bad, [step(0)])
        errors: dict[int, Exception] = {}

        def write(sid: int) -> None:
            try:
                store.append_steps(sid, [step(0, "stop")])  # a duplicate for `bad`
            except StoreError as err:
                errors[sid] = err

        _hold_until_queued(store, [threading.Thread(target=write, args=(s,)) for s in (good, bad)])
        assert set(errors) == {bad}
        assert f"session {bad}" in str(errors[bad])
        assert [c.text for _, c in store.cues(good)] == ["stop"]


def test_the_group_commit_stores_what_core_stores_byte_for_byte(db_url: str) -> None:
    """The group commit's lean insert (`sql_rows`: issue 15) writes the same SQL values as
    SQLAlchemy Core's insert: JSON text, times, floats and words outside ASCII alike."""
    from backbuddy.adapters import sql_schema as schema
    from backbuddy.adapters.sql_rows import cue_rows, event_row

    steps = [
        StoredStep(0, ev.Pose(0.1, True, True, 1.25, 3.5, False, ("arms_crossed",))),
        StoredStep(1, ev.Ready(1 / 3), (Cue(1 / 3, "say", "breathe in — slowly, «gently»"),)),
        StoredStep(2, ev.Stop(2.0), (Cue(2.0, "halt", "stop"), Cue(2.0, "say", "release"))),
    ]
    with SqlStore(db_url) as store:
        lean = store.start_session("seated_hug_extension", None, NOW, camera=True)
        core = store.start_session("seated_hug_extension", None, NOW, camera=True)
        event_values, cue_values = _values(lean, steps)
        with store._transaction("write both ways") as conn:
            store._event_rows.insert(conn, event_values)
            store._cue_rows.insert(conn, cue_values)
            events = [{**event_row(core, s.seq, s.event), "recorded_at": NOW} for s in steps]
            conn.execute(schema.events.insert(), events)
            cues = [row for s in steps for row in cue_rows(core, s.seq, s.cues)]
            conn.execute(schema.cues.insert(), cues)
        text = "TEXT" if store._engine.dialect.name == "sqlite" else "text"
        with store._engine.connect() as conn:
            rows = {
                table: {
                    sid: conn.exec_driver_sql(
                        f"SELECT {', '.join(f'CAST({c} AS {text})' for c in columns)} "
                        f"FROM {table} WHERE session_id = {sid} ORDER BY seq, {columns[1]}"
                    ).all()
                    for sid in (lean, core)
                }
                for table, columns in (
                    ("events", ("seq", "t", "kind", "payload", "recorded_at")),
                    ("cues", ("seq", "idx", "t", "kind", "payload")),
                )
            }
        assert rows["events"][lean] == rows["events"][core]
        assert len(rows["events"][lean]) == 3
        assert rows["cues"][lean] == rows["cues"][core]
        assert len(rows["cues"][lean]) == 3
        assert store.events(lean) == store.events(core) == [s.event for s in steps]


def _values(sid: int, steps: list[StoredStep]) -> tuple[list[Any], list[Any]]:
    from backbuddy.adapters.sql_rows import cue_values, event_values

    events = [event_values(sid, s.seq, s.event, NOW) for s in steps]
    return events, [v for s in steps for v in cue_values(sid, s.seq, s.cues)]
