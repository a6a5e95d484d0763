"""A process killed mid-session loses no committed event; its session reads back interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev

#: Starts a session, stores 50 events (each with a cue), says so, then waits to be killed.
CHILD = """
import sys, time
from datetime import UTC, datetime
from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain.cues import Cue
store = SqlStore(sys.argv[1])
session_id = store.start_session("seated_hug_extension", None, datetime.now(UTC), camera=False)
for seq in range(50):
    store.append_event(session_id, seq, ev.Tick(seq / 10))
    store.append_cues(session_id, seq, [Cue(seq / 10, "say", "breathe")])
print(session_id, flush=True)
time.sleep(60)
"""


def _run_and_kill(db_url: str, *, reap: bool) -> tuple[int, subprocess.Popen[str]]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    session_id = int(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    if reap:
        child.wait(timeout=10)
    else:  # wait until it has exited, but leave it unreaped: a zombie
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
    return session_id, child


def test_killed_session_keeps_its_events_and_reads_back_interrupted(db_url: str) -> None:
    session_id, _ = _run_and_kill(db_url, reap=True)

    with SqlStore(db_url) as store:
        assert store.mark_interrupted(datetime.now(UTC)) == [session_id]
        assert store.events(session_id) == [ev.Tick(seq / 10) for seq in range(50)]
        assert len(store.cues(session_id)) == 50
        (record,) = store.sessions()
        assert record.status == "interrupted"
        assert record.ended_at is not None
        assert record.ended_at >= record.started_at
        assert store.mark_interrupted(datetime.now(UTC)) == []


def test_a_killed_process_not_yet_reaped_counts_as_gone(db_url: str) -> None:
    """A zombie still has a pid; it must not keep its session 'running'."""
    session_id, child = _run_and_kill(db_url, reap=False)
    try:
        with SqlStore(db_url) as store:
            assert store.mark_interrupted(datetime.now(UTC)) == [session_id]
    finally:
        child.wait(timeout=10)
