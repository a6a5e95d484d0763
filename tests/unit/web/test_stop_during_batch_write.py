"""A STOP while the quiet poses' group commit is being written, and that write fails (issue 15).

The frame task hands the poses waiting to the session's worker as one batch and awaits
their write outside the session's lock (`LiveSession._hand_off`), so a STOP is stepped at
once and queued on the same FIFO worker behind the batch. Here the batch's write is held
until the STOP is queued, then fails: the STOP's own write must carry the batch first (a
locked database that lets go: poses, then the stop, seq gapless, the halt after both), or
fail too (a full disk: nothing lands after the failed batch); either way the frame task
hears the failure and the session stops (`store_failed`), as before the hand-off. No
timing: the write is held on an event until the STOP is queued behind it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from tests.support.apart import run_apart
from tests.support.live_sessions import start_live

from backbuddy.bootstrap import open_store
from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain.errors import StoreError
from backbuddy.domain.ports import StoredStep
from backbuddy.web.frames import FrameResult
from backbuddy.web.registry import Registry


class HeldDisk:
    """The real store. Once `armed`, the first write of only poses waits until `release`,
    then fails as a locked database would; with `full`, every write after it fails too (a
    full disk)."""

    def __init__(self, store: Any, full: bool) -> None:
        self.store = store
        self.full = full
        self.armed = False
        self.entered = threading.Event()
        self.release = threading.Event()
        self.failed = False
        #: The seqs of every transaction the store took, in order.
        self.taken: list[list[int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def append_steps(self, session_id: int, steps: Sequence[StoredStep]) -> None:
        if self.armed and not self.failed and steps and all(s.event.kind == "pose" for s in steps):
            self.entered.set()
            self.release.wait(timeout=60)
            self.failed = True
            raise StoreError("database is locked")
        if self.failed and self.full:
            raise StoreError("database or disk is full")
        self.store.append_steps(session_id, steps)
        self.taken.append([s.seq for s in steps])

    def finish_session(self, *args: Any, **kwargs: Any) -> None:
        if self.failed and self.full:
            raise StoreError("database or disk is full")
        self.store.finish_session(*args, **kwargs)


def quiet_frame(checks: tuple[str, ...]) -> FrameResult:
    """Page landmarks that showed nobody: a pose that changes nothing but what was seen."""
    return FrameResult(pose=ev.Pose(0.0), landmarks=None)


@pytest.mark.parametrize("full", [False, True], ids=["locked_then_free", "full_disk"])
def test_a_stop_queued_behind_a_failing_batch_write_is_never_stored_with_a_gap(
    tmp_path: Path, full: bool
) -> None:
    settings = Settings(db=str(tmp_path / "web.sqlite3"))
    opened = open_store(settings)
    disk = HeldDisk(opened.store, full)
    registry = Registry(settings, disk, None, grace_s=30.0)  # type: ignore[arg-type]
    shown: list[dict[str, Any]] = []

    async def main() -> None:
        (sid,) = start_live(registry, [True])
        live = registry.sessions[sid]
        live.page_back(shown.append)
        for seq in range(1, 6):  # the first pose changes what was seen; then they are quiet
            await live.watch_frame(quiet_frame, seq, here=True)
            if live.runner.pending:
                break
        assert live.runner.pending == 1  # waiting for the group commit
        written = [[s] for s in range(live.runner.seq - 1)]  # the begin and the first poses
        disk.armed = True
        live.t0 -= 1.0  # the group window is over: the next pose hands the batch off
        frame = asyncio.create_task(live.watch_frame(quiet_frame, 9, here=True))
        assert await asyncio.to_thread(disk.entered.wait, 30)  # the batch is being written
        assert not live.lock.locked()  # …outside the lock: a STOP goes straight in
        assert live.runner.pending == 0  # the batch left the runner
        seq_of_stop = live.runner.seq

        async def press() -> tuple[Any, ...] | StoreError:
            async with live.lock:
                try:
                    return await live.apply(ev.Stop(live.clock(), source="button"), "stop")
                except StoreError as err:
                    return err

        stop = asyncio.create_task(press())
        while not live.lock.locked():  # the STOP took the lock and, in the same step,
            await asyncio.sleep(0)  # went to the worker (`apply`)
        assert not stop.done()  # it waits for the batch on the worker, not for the lock
        disk.release.set()
        with pytest.raises(StoreError, match="database is locked"):
            await frame  # the frame task hears it…
        live.store_failed(StoreError("database is locked"))  # …and stops the session (socket)
        answer = await stop
        if full:
            assert isinstance(answer, StoreError)  # nothing lands after the failed batch
            assert disk.taken == written  # only what was written before the batch
        else:
            assert not isinstance(answer, StoreError)
            assert answer[0].kind == "halt"
            # The STOP's write carried the failed batch first: seq gapless, poses then stop.
            batch = [seq_of_stop - 2, seq_of_stop - 1]  # the two quiet poses
            assert disk.taken[: len(written) + 1] == [*written, [*batch, seq_of_stop]]
            cues = [m for m in shown if m["type"] == "cues"]
            assert cues[-1]["ref"] == "stop"
        assert [m for m in shown if m["type"] == "error"][0]["code"] == "store_failed"
        assert live.gone

    try:
        run_apart(main)
    finally:
        disk.release.set()
    stored = opened.store.events(opened.store.sessions()[-1].id)
    kinds = [e.kind for e in stored]
    if full:
        assert "stop" not in kinds
    else:
        assert kinds[-3:] == ["pose", "pose", "stop"]
    opened.store.close()
