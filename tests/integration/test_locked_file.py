"""Another program holding the SQLite file's write lock (red team, session 12; I4, I5, I7).

Every cue waits for its event's commit (I7), and a write waited up to 10 s for the lock: with
a backup or a stray `sqlite3` shell holding it, a STOP, a speed halt or a pause for lost
tracking (I4: within 0.5 s) reached nobody for 10 s while the pair went on moving. A running
session's writes now wait briefly (`SESSION_WAIT_MS`), then fail: the session stops at once
and says why. Other writes (a screening, an aftercare check) still wait their turn. A real
second process holds the lock (BEGIN EXCLUSIVE on the same file).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from session_strategies import start

from backbuddy.adapters.sql_engine import BUSY_MS
from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain.errors import StoreError
from backbuddy.domain.screening import load_questions
from backbuddy.services.screening import take_screening
from backbuddy.services.session_runner import SessionRunner

HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


@contextmanager
def _held(path: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_a_locked_file_stops_a_running_session_at_once_and_other_writes_wait(
    tmp_path: Path,
) -> None:
    path = tmp_path / "backbuddy.sqlite3"
    began = datetime.now(UTC)
    with SqlStore(f"sqlite:///{path}") as store:
        runner = SessionRunner.start(store, start("seated_hug_extension", "clear"), None, began)
        runner.handle(ev.Sensation(0.5, sensation="comfortable_stretch"), began)
        stored = store.events(runner.session_id)
        with _held(path, 60.0):
            asked = time.monotonic()
            with pytest.raises(StoreError, match="another program is holding the database"):
                runner.handle(ev.Stop(1.0, source="button"), began)
            waited = time.monotonic() - asked
        # Not the store's general wait: the stop failed, and the caller stopped the session
        # (generous: this is no speed test, only "did not wait for the lock like the rest").
        assert waited < BUSY_MS / 1000 / 2, waited
        assert store.events(runner.session_id) == stored  # nothing stored was lost
        answers = {q.id: False for q in load_questions().questions}
        with _held(path, 1.0):  # released within the general wait: the screening waits
            take_screening(store, "seated_hug_extension", answers, datetime.now(UTC))
        assert len(store.screenings()) == 1
