"""A store that holds a write while the hands are on (red team, session 13; I2, I5, I7).

Another program holding the SQLite file's write lock (`BEGIN EXCLUSIVE` in a second
process, as a backup tool or a second copy of backbuddy would) held every cue for the
busy timeout: a voice STOP mid-movement (the brake when nobody has a free hand) reached
the page 10 s later, or never. Now a write that waits longer than `STALL_S` while the
hands are on is a store failure: the page is told to stop and release at once, the
session is over, and the worker's write goes through once the lock is let go (the
stop and the interrupted record are stored).
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.support.apart import run_apart
from tests.support.live_sessions import start_live

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain import rules
from backbuddy.domain.errors import StoreError
from backbuddy.services.store_wait import STALL_S
from backbuddy.web.registry import Registry

#: Takes the write lock on a first line on stdin and holds it until a second (or 30 s).
HOLDER = """
import select, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
sys.stdin.readline()
db.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
select.select([sys.stdin], [], [], 30)
db.execute("ROLLBACK")
"""


def test_a_voice_stop_held_by_a_locked_file_stops_the_page_at_once_and_is_stored_later(
    tmp_path: Path,
) -> None:
    path = tmp_path / "backbuddy.sqlite3"
    url = f"sqlite:///{path}"
    store = SqlStore(url)
    registry = Registry(Settings(db=url), store, None, grace_s=30.0)
    heard: list[tuple[str, dict[str, Any]]] = []
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    lock = {"held": False}

    def hear(message: dict[str, Any]) -> None:
        heard.append(("held" if lock["held"] else "free", message))

    async def main() -> None:
        (sid,) = start_live(registry, [False])
        live = registry.sessions[sid]
        live.page_back(hear, lambda: None)
        while live.runner.state.mode != "attempt":  # the readies: set-up done, moving
            await live.apply(ev.Ready(live.clock()))
        assert holder.stdin is not None
        holder.stdin.write("take\n")
        holder.stdin.flush()
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        lock["held"] = True
        said = time.monotonic()
        try:
            async with live.lock:
                with pytest.raises(StoreError) as failed:
                    await live.apply(ev.Stop(live.clock(), source="voice"))
            live.store_failed(failed.value)  # as the socket does
            waited = time.monotonic() - said
        finally:
            lock["held"] = False
            assert holder.stdin is not None
            holder.stdin.write("go\n")
            holder.stdin.close()
            holder.wait(timeout=30)
        print(f"voice STOP with the file locked: the page told after {waited:.2f} s")
        assert registry.get(sid) is None  # over: a page coming back finds nothing to go on with
        for _ in range(150):  # the worker's own write, then the interrupted record
            if store.sessions()[0].status != "running":
                break
            await asyncio.sleep(0.1)

    try:
        run_apart(main)
        told = [(when, m) for when, m in heard if m["type"] == "error"]
        assert told, heard
        when, error = told[0]
        # Told while the lock was still held (before: the cues or the error came only after
        # the busy timeout, 10 s, with the file held all along).
        assert when == "held"
        assert (error["code"], error["fatal"]) == ("store_failed", True)
        assert error["message"].startswith("Stop and release gently")
        assert "did not take" in error["message"], error["message"]
        # The stop the worker kept trying is stored once the lock went (I7: nothing lost),
        # and the session is recorded interrupted.
        (record,) = store.sessions()
        assert record.status == "interrupted"
        assert [e.kind for e in store.events(record.id)][-1] == "stop"
        # Nothing after the stop: no movement cue once the page was told.
        after = heard[heard.index((when, error)) + 1 :]
        assert not [m for _, m in after if m["type"] == "cues" and m["cues"]], after
    finally:
        if holder.poll() is None:
            holder.kill()
        store.close()
        with sqlite3.connect(str(path)) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_session_at_rest_waits_for_a_held_file_as_before(tmp_path: Path) -> None:
    """Nobody moving (the first set-up step): a write held longer than the bound still goes
    through and its cues come, rather than ending the session (a slow store is not cut
    short where nothing is at stake: session 12's starved red-flag end)."""
    path = tmp_path / "backbuddy.sqlite3"
    url = f"sqlite:///{path}"
    store = SqlStore(url)
    registry = Registry(Settings(db=url), store, None, grace_s=30.0)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    seen: dict[str, Any] = {}

    async def main() -> None:
        (sid,) = start_live(registry, [False])
        live = registry.sessions[sid]
        live.page_back(lambda m: None, lambda: None)
        assert live.runner.state.mode == "setup"
        assert not rules.hands_on(live.runner.state)
        assert holder.stdin is not None
        assert holder.stdout is not None
        holder.stdin.write("take\n")
        holder.stdin.flush()
        assert holder.stdout.readline() == "held\n"

        def let_go() -> None:  # after the bound has passed, well within the busy timeout
            assert holder.stdin is not None
            holder.stdin.write("go\n")
            holder.stdin.close()

        asyncio.get_running_loop().call_later(2 * STALL_S, let_go)
        said = time.monotonic()
        async with live.lock:
            seen["cues"] = [c.kind for c in await live.apply(ev.Ready(live.clock()))]
        seen["waited_s"] = time.monotonic() - said
        seen["live"] = registry.get(sid) is not None

    try:
        run_apart(main)
        holder.wait(timeout=30)
        assert seen["waited_s"] >= STALL_S  # it really waited past the bound …
        assert seen["cues"] == ["step"]  # … and was answered, not stopped
        assert seen["live"]
    finally:
        if holder.poll() is None:
            holder.kill()
        store.close()
