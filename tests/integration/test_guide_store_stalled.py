"""The terminal guide and a store that holds a write while the hands are on (session 15; I5, I7).

The web app stopped a moving session whose commit was held past 1 s (session 13); the
terminal guide called the store on its own thread, so another program holding the SQLite
file's write lock froze it mid-movement for the busy timeout (10 s) with no halt: a STOP
pressed then reached nobody. Now the guide calls the store on a worker thread and stops
at the bound (`services.store_wait.StoreWorker`). A second connection really holds the
file's write lock here (on PostgreSQL: an exclusive lock on the events table, as another
program's open transaction would); the guide really runs on a pseudo-terminal.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
import yaml
from session_strategies import NOW, start
from tests.support.terminal import CLEAR, Terminal

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain import rules
from backbuddy.domain.errors import StoreError
from backbuddy.services.screening import take_screening
from backbuddy.services.session_runner import GROUP_S, SessionRunner
from backbuddy.services.store_wait import STALL_S, StoreWorker, moving


@contextmanager
def _locked(path: Path) -> Iterator[sqlite3.Connection]:
    """Another program holding the file's write lock (readers still read: WAL)."""
    other = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield other
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


@contextmanager
def _held(url: str) -> Iterator[None]:
    """Another program holding the store's writes (readers still read): the SQLite file's
    write lock, or PostgreSQL's events table locked by another connection's transaction."""
    plain = sa.make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(plain) as other:
        other.execute("LOCK TABLE events IN EXCLUSIVE MODE")  # inserts wait; selects do not
        try:
            yield
        finally:
            other.rollback()


def _holding(url: str) -> AbstractContextManager[object]:
    path = sa.make_url(url).database
    return _locked(Path(str(path))) if url.startswith("sqlite") else _held(url)


def _screened(db: str) -> str:
    """A store whose receiver answered the screening clear just now, by URL (in this
    process: `backbuddy screen` in its own would cost seconds of start-up)."""
    with SqlStore(db) as store:
        answers = yaml.safe_load(CLEAR.read_text())
        take_screening(store, "seated_hug_extension", answers, datetime.now(UTC))
    return db


def test_a_stop_held_by_a_locked_file_stops_the_terminal_guide_at_the_bound(
    tmp_path: Path,
) -> None:
    path = tmp_path / "live.sqlite3"
    _guide_stopped_at_the_bound(_screened(f"sqlite:///{path}"))
    assert not (tmp_path / "live.sqlite3.unstored").exists()  # nothing left unstored
    with sqlite3.connect(str(path)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.postgres
def test_a_stop_held_by_a_locked_table_stops_the_terminal_guide_at_the_bound_on_postgres(
    pg_url: str,
) -> None:
    """The same bound on PostgreSQL, where a held write waited for `lock_timeout` (10 s)."""
    _guide_stopped_at_the_bound(_screened(pg_url))


def _guide_stopped_at_the_bound(db: str) -> None:
    term = Terminal("guide", "seated_hug_extension", "--no-voice", "--db", db)
    try:
        term.expect("Set-up: Receiver sits and crosses the arms")
        term.send("\r")
        term.expect("Set-up: Assistant steps in behind")
        term.send("\r")
        term.expect("BREATHE IN")  # moving, the hands on
        with _holding(db):
            term.send(" ")  # STOP: its write waits for the lock
            term.expect("STOPPED. Stop and release gently")
            # Said while the other program still holds the file (before: nothing for the
            # 10 s busy timeout, then "database is locked"), and for the bound.
            # Waited for as words: the panel's lines can arrive after "STOPPED" (seen once).
            term.expect(
                "did not take the last event within 1 s while the hands were on", words=True
            )
            assert term.proc.poll() is None  # the held write is still waited for
        term.expect("error: Stop and release gently")  # the lock let go: the write lands
        code = term.close()
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    assert code != 0
    with SqlStore(db) as store:
        (record,) = store.sessions()
        assert record.status == "interrupted"
        assert record.end_reason is not None
        assert "could not record the session" in record.end_reason
        paced = [c for _, c in store.cues(record.id) if c.kind == "pace"]
        assert paced  # the attempt really was under way


def _moving_runner(store: SqlStore) -> SessionRunner:
    """A session of the terminal guide in its first breath of the first attempt."""
    began = NOW  # the screening's sitting
    runner = SessionRunner.start(store, start("seated_hug_extension", "clear"), None, began)
    runner.group_s = GROUP_S
    t = 0.0
    runner.handle(ev.Begin(t, at=began), began)
    while runner.state.mode != "attempt":
        t += 1.0
        runner.handle(ev.Ready(t), began + timedelta(seconds=t))
    return runner


def test_the_worker_stops_a_moving_session_at_the_bound_and_its_write_lands_later(
    db_url: str,
) -> None:
    """On a SQLite file and on PostgreSQL (`db_url`)."""
    with SqlStore(db_url) as store:
        runner = _moving_runner(store)
        worker = StoreWorker(lambda: moving(runner.state), store.where)
        stop = ev.Stop(runner.last_event_t + 1.0, source="key")
        now = NOW + timedelta(seconds=stop.t)
        with _holding(db_url):
            said = time.monotonic()
            with pytest.raises(StoreError, match="within 1 s while the hands were on"):
                worker.call(lambda: runner.handle(stop, now))
            waited = time.monotonic() - said
            assert worker.stalled
            with pytest.raises(StoreError):  # nothing more is taken
                worker.call(lambda: None)
            print(f"STOP with the file locked: told after {waited:.2f} s")
        worker.settle()  # the lock gone: the held write goes through
        assert [e.kind for e in store.events(runner.session_id)][-1] == "stop"
        assert runner.state.mode == "halted"


def test_the_worker_lets_a_session_at_rest_wait_for_a_held_file_as_before(
    tmp_path: Path,
) -> None:
    """Nobody moving (the first set-up step): a write held past the bound still goes through
    and its cues come, rather than ending the session."""
    path = tmp_path / "backbuddy.sqlite3"
    with SqlStore(f"sqlite:///{path}") as store:
        began = NOW  # the screening's sitting
        runner = SessionRunner.start(store, start("seated_hug_extension", "clear"), None, began)
        runner.handle(ev.Begin(0.0, at=began), began)
        assert runner.state.mode == "setup"
        assert not rules.hands_on(runner.state)
        worker = StoreWorker(lambda: moving(runner.state), str(path))
        with _locked(path) as other:

            def let_go_after_the_bound() -> None:
                time.sleep(1.5 * STALL_S)
                other.execute("ROLLBACK")

            letting_go = threading.Thread(target=let_go_after_the_bound)
            letting_go.start()
            said = time.monotonic()
            cues = worker.call(lambda: runner.handle(ev.Ready(1.0), began))
            waited = time.monotonic() - said
            letting_go.join()
        worker.settle()
        assert waited >= STALL_S  # it really waited past the bound …
        assert [c.kind for c in cues] == ["step"]  # … and was answered, not stopped
        assert not worker.stalled
