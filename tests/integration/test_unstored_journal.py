"""A symptom the database never took still blocks the next session (red team, session 14; I7, I8).

While a movement runs, a held write ends the session and goes on in the background
(`services.store_wait`); when it finally failed (the SQLite file locked past the busy timeout,
a dead PostgreSQL host, a full disk) the numbness it carried was gone: the next start was
allowed and the history showed nothing. Now the refused write is kept in a journal beside
the file (`adapters.sql_journal`), read with the stored events, and replayed into the
database when it opens again. Another connection really holds the file's write lock here;
the busy timeout is 0.3 s instead of 10 s so each test takes about a second.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from session_strategies import start

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain.errors import JournalError, StoreError
from backbuddy.services import escalation
from backbuddy.services.session_runner import SessionRunner

BUSY_S = 0.3


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Another program holding the file's write lock (readers still read: WAL)."""
    other = sqlite3.connect(str(path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def _numb_under_lock(store: SqlStore, path: Path, began: datetime) -> int:
    """A session whose receiver reports numbness while the file is locked: the halt's write
    (the symptom event and the session's end) fails after the busy timeout."""
    runner = SessionRunner.start(store, start("seated_hug_extension", "clear"), None, began)
    with _locked(path), pytest.raises(StoreError, match="kept in"):
        runner.handle(ev.Sensation(1.0, sensation="numbness"), began + timedelta(seconds=1))
    return runner.session_id


def _blocked(store: SqlStore, at: datetime) -> str:
    """What the next screening is refused for, about the person (I1, I8)."""
    return " ".join(f"{b.kind}: {b.what}" for b in escalation.person_blocks(store, at, UTC))


def test_a_symptom_the_locked_file_never_took_blocks_the_next_start_then_is_stored(
    tmp_path: Path,
) -> None:
    path = tmp_path / "backbuddy.sqlite3"
    url = f"sqlite:///{path}"
    began = datetime.now(UTC).replace(microsecond=0)
    later = began + timedelta(minutes=30)
    with SqlStore(url, busy_s=BUSY_S) as store:
        sid = _numb_under_lock(store, path, began)
        # The same server's next start (the lock is gone, nothing replayed yet).
        assert "symptom" in _blocked(store, later)
        assert any(isinstance(e, ev.Sensation) for e in store.events(sid))
    with SqlStore(url) as reopened:  # replayed on open
        assert (path.parent / "backbuddy.sqlite3.unstored").read_text() == ""
        assert "symptom" in _blocked(reopened, later)
        felt = [e for e in reopened.events(sid) if isinstance(e, ev.Sensation)]
        assert len(felt) == 1
        (record,) = [s for s in reopened.sessions() if s.id == sid]
        assert record.status == "halted"
    with SqlStore(url) as again, sqlite3.connect(str(path)) as raw:  # idempotent
        assert raw.execute("SELECT count(*) FROM events WHERE kind = 'sensation'").fetchone() == (
            1,
        )
        assert "symptom" in _blocked(again, later)
        again.forget()  # the privacy note: forget deletes the journal too
    assert not (path.parent / "backbuddy.sqlite3.unstored").exists()


def _numb_then_killed(url: str, path: str, began: datetime) -> None:
    store = SqlStore(url, busy_s=BUSY_S)
    try:
        _numb_under_lock(store, Path(path), began)
    finally:
        os.kill(os.getpid(), signal.SIGKILL)


def test_the_kept_symptom_survives_the_process_killed_after_the_store_refused_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "backbuddy.sqlite3"
    url = f"sqlite:///{path}"
    began = datetime.now(UTC).replace(microsecond=0)
    SqlStore(url).close()
    child = mp.get_context("spawn").Process(target=_numb_then_killed, args=(url, str(path), began))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL, child.exitcode
    with SqlStore(url) as store:
        assert "symptom" in _blocked(store, began + timedelta(minutes=30))
        assert [s.status for s in store.sessions()] == ["halted"]


def test_a_torn_journal_is_a_clear_error_not_a_pass(tmp_path: Path) -> None:
    path = tmp_path / "backbuddy.sqlite3"
    url = f"sqlite:///{path}"
    SqlStore(url).close()
    (tmp_path / "backbuddy.sqlite3.unstored").write_text('{"v":1,"session_id":1,"ste')
    with pytest.raises(JournalError, match="line 1 was cut off.*physiotherapist"):
        SqlStore(url)


def test_when_neither_the_file_nor_the_journal_can_take_it_the_error_says_both(
    tmp_path: Path,
) -> None:
    path = tmp_path / "backbuddy.sqlite3"
    folder = tmp_path / "kept"
    began = datetime.now(UTC).replace(microsecond=0)
    store = SqlStore(f"sqlite:///{path}", busy_s=BUSY_S, journal=folder / "kept.jsonl")
    runner = SessionRunner.start(store, start("seated_hug_extension", "clear"), None, began)
    folder.write_text("")  # the journal's folder cannot be made now
    with _locked(path), pytest.raises(JournalError, match="cannot keep what the database"):
        runner.handle(ev.Sensation(1.0, sensation="numbness"), began + timedelta(seconds=1))
    store.close()
