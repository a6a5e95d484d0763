"""A process killed while it holds the start lock does not lock every later start out (red
team, session 10; the lock of `SqlStore.start_session`).

A real process opens the store, starts a session with a re-check that signals, then waits
inside the lock, and is killed there (kill -9: a worker the OOM killer took, a guide's
terminal closed). SQLite drops the dead process's write lock with its file handles;
PostgreSQL ends its transaction, and with it the advisory lock, when its connection drops.
Another process's start, which waited while the holder lived, then goes through within
seconds, and the dead one's start left no row behind (it never committed).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from datetime import UTC, datetime
from typing import Any

from backbuddy.adapters.sql_store import SqlStore

#: The live start must go through within this (SQLite waits up to 10 s for a lock).
WITHIN_S = 8.0


def _hold(url: str, inside: Any) -> None:
    store = SqlStore(url)

    def recheck() -> None:
        inside.set()
        time.sleep(120)

    store.start_session("seated_hug_extension", None, datetime.now(UTC), False, recheck)


def test_a_process_killed_inside_the_start_lock_leaves_no_start_locked_out(db_url: str) -> None:
    SqlStore(db_url).close()  # the schema, made before the holder starts
    ctx = mp.get_context("spawn")
    inside = ctx.Event()
    holder = ctx.Process(target=_hold, args=(db_url, inside))
    holder.start()
    started: list[object] = []
    done = threading.Event()

    def start() -> None:
        with SqlStore(db_url) as store:
            try:
                started.append(
                    store.start_session(
                        "seated_hug_extension", None, datetime.now(UTC), False, lambda: None
                    )
                )
            except Exception as err:  # noqa: BLE001 - said below
                started.append(err)
            finally:
                done.set()

    try:
        assert inside.wait(60), "the holder never reached the lock"
        threading.Thread(target=start, daemon=True).start()
        assert not done.wait(1.0), f"a start went through while another held the lock: {started}"
        killed = time.monotonic()
        os.kill(holder.pid or 0, signal.SIGKILL)
        holder.join(10)
    finally:
        if holder.is_alive():
            holder.kill()
    assert done.wait(WITHIN_S + 5), "a start after the kill still waits"
    assert isinstance(started[0], int), started[0]
    assert time.monotonic() - killed < WITHIN_S
    with SqlStore(db_url) as store:
        assert [s.id for s in store.sessions()] == [started[0]]
