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

import logging
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from session_strategies import start

from backbuddy.adapters.sql_journal import Journal, Unstored
from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain.errors import JournalError, StoreError
from backbuddy.domain.ports import StoredStep
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


#: Appends a write of 8 MiB to the journal again and again until it is killed: a SIGKILL
#: lands mid-write (the kernel stops a write between pages for a fatal signal).
APPENDER = """
import sys
from pathlib import Path
from backbuddy.adapters.sql_journal import Journal, Unstored
from backbuddy.domain.cues import Cue
from backbuddy.domain.events import Sensation
from backbuddy.domain.ports import StoredStep
cue = Cue(0.0, "say", "x" * (8 << 20))
big = Unstored(999, (StoredStep(0, Sensation(0.0, sensation="comfortable_stretch"), (cue,)),))
journal = Journal(Path(sys.argv[1]))
while True:
    journal.append(big)
"""


def _torn_by_sigkill(journal: Path) -> bytes:
    """The journal after a real process appending to it was killed mid-line."""
    start = journal.stat().st_size
    for _ in range(10):
        child = subprocess.Popen([sys.executable, "-c", APPENDER, str(journal)])
        try:
            while True:  # until an append is under way (the file ends mid-line) …
                assert child.poll() is None, "the appender ended by itself"
                size = journal.stat().st_size
                if size > start:
                    with journal.open("rb") as f:
                        f.seek(size - 1)
                        if f.read(1) != b"\n":
                            break
        finally:
            os.kill(child.pid, signal.SIGKILL)  # … then kill it
            child.wait()
        data = journal.read_bytes()
        if not data.endswith(b"\n"):
            return data
        start = len(data)  # it finished that line first: again
    raise AssertionError("ten SIGKILLs mid-append never left a line cut off")


def test_a_line_torn_by_sigkill_mid_append_is_set_aside_and_the_symptom_before_it_blocks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: a last line cut off stopped the store from opening (JournalError) until
    someone moved the file. A crash mid-append leaves exactly that; the whole lines before
    it are what was kept."""
    path = tmp_path / "backbuddy.sqlite3"
    url = f"sqlite:///{path}"
    journal = tmp_path / "backbuddy.sqlite3.unstored"
    torn_path = tmp_path / "backbuddy.sqlite3.unstored.torn"
    began = datetime.now(UTC).replace(microsecond=0)
    with SqlStore(url, busy_s=BUSY_S) as store:
        sid = _numb_under_lock(store, path, began)
    kept = journal.read_bytes()
    data = _torn_by_sigkill(journal)
    assert data.startswith(kept)
    torn = data[data.rfind(b"\n") + 1 :]
    assert 0 < len(torn) < (8 << 20)  # really cut off
    with caplog.at_level(logging.WARNING, "backbuddy.adapters.sql_journal"):
        reopened = SqlStore(url)  # opens; the numbness is replayed
    with reopened:
        assert "symptom" in _blocked(reopened, began + timedelta(minutes=30))
        (record,) = [s for s in reopened.sessions() if s.id == sid]
        assert record.status == "halted"
    assert journal.read_bytes() == b""
    assert torn_path.read_bytes() == torn + b"\n"  # nothing dropped unseen
    (warned,) = [r.getMessage() for r in caplog.records]
    assert "last line was cut off" in warned
    assert "a write of session 999" in warned
    assert str(torn_path) in warned
    caplog.clear()
    with SqlStore(url) as again, caplog.at_level(logging.WARNING):  # said once: set aside
        assert not caplog.records
        assert torn_path.read_bytes() == torn + b"\n"
        again.forget()  # the privacy note: forget deletes the torn bytes too
    assert not torn_path.exists()


def _kept_numbness(session_id: int) -> Unstored:
    step = StoredStep(1, ev.Sensation(1.0, sensation="numbness"))
    return Unstored(session_id, (step,))


def test_an_append_after_a_torn_line_starts_a_line_of_its_own(tmp_path: Path) -> None:
    """A process that had the store open when another one crashed mid-append: its next
    append sets the torn bytes aside first, so both writes stay readable."""
    journal = Journal(tmp_path / "kept.jsonl")
    journal.append(_kept_numbness(1))
    with journal.path.open("ab") as f:
        f.write(b'{"v":1,"session_id":2,"steps":[{"seq":')
    assert [w.session_id for w in journal.entries()] == [1]  # read as before, no warning
    journal.append(_kept_numbness(3))
    assert [w.session_id for w in journal.entries()] == [1, 3]
    assert journal.torn_path.read_bytes() == b'{"v":1,"session_id":2,"steps":[{"seq":\n'
    assert journal.path.read_bytes().endswith(b"\n")


def test_a_torn_line_that_is_still_a_whole_write_is_kept(tmp_path: Path) -> None:
    """Cut off just before its newline: nothing of it is lost, so it is kept, not set aside."""
    journal = Journal(tmp_path / "kept.jsonl")
    journal.append(_kept_numbness(1))
    journal.path.write_bytes(journal.path.read_bytes().rstrip(b"\n"))
    with journal.replaying() as kept:
        assert [w.session_id for w in kept] == [1]
    assert not journal.torn_path.exists()


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (b'{"v":1,"session_id":1,"ste\n', "line 2 is not a kept write"),  # torn, then more
        (b'{"v":1,"session_id":1,"steps":[],"finish":null,"x":\n', "line 2 is not a kept"),
        (b"\xff\xfe\n", "line 2 is not a kept write"),
    ],
    ids=["torn-then-more", "a-whole-line-not-a-write", "not-utf8"],
)
def test_damage_other_than_a_torn_last_line_still_refuses_the_store(
    tmp_path: Path, damage: bytes, why: str
) -> None:
    path = tmp_path / "backbuddy.sqlite3"
    url = f"sqlite:///{path}"
    SqlStore(url).close()
    journal = Journal(tmp_path / "backbuddy.sqlite3.unstored")
    journal.append(_kept_numbness(1))
    with journal.path.open("ab") as f:
        f.write(damage + b'{"v":1,"session_id":1,"steps":[],"finish":null}\n')
    with pytest.raises(JournalError, match=f"{why}.*physiotherapist"):
        SqlStore(url)
    assert not journal.torn_path.exists()


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
