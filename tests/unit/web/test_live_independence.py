"""One session's slow store write never holds up another session's STOP (issues 11 and 15).

Each live session steps and writes on its own worker thread, so while session A's
write is stuck, the event loop goes on and session B's STOP is stepped, stored and
answered with its halt. No timing: A's write is held until B's halt is back, and
the order of the writes shows it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.support.apart import run_apart
from tests.support.live_sessions import start_live

from backbuddy.bootstrap import open_store
from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain.ports import StoredStep
from backbuddy.web.registry import Registry


class SlowDisk:
    """The real store; the writes of session `hold` wait until `release` is set."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.hold: int | None = None
        self.entered = threading.Event()
        self.release = threading.Event()
        self.order: list[tuple[int, list[str]]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def append_steps(self, session_id: int, steps: Sequence[StoredStep]) -> None:
        if session_id == self.hold:
            self.entered.set()
            self.release.wait(timeout=60)
        self.store.append_steps(session_id, steps)
        self.order.append((session_id, [s.event.kind for s in steps]))


def test_a_stuck_write_on_one_session_does_not_hold_up_another_sessions_stop(
    tmp_path: Path,
) -> None:
    settings = Settings(db=str(tmp_path / "web.sqlite3"))
    opened = open_store(settings)
    disk = SlowDisk(opened.store)
    registry = Registry(settings, disk, None, grace_s=30.0)  # type: ignore[arg-type]

    async def main() -> None:
        a_id, b_id = start_live(registry, [False, False])
        a, b = registry.sessions[a_id], registry.sessions[b_id]
        disk.hold = a_id
        a_ready = asyncio.create_task(a.apply(ev.Ready(a.clock()), "a"))
        assert await asyncio.to_thread(disk.entered.wait, 30)  # A's worker is stuck writing
        cues = await b.apply(ev.Stop(b.clock(), source="button"), "b")
        assert cues[0].kind == "halt"
        assert not a_ready.done()  # A is still waiting for its write…
        assert disk.order[-1] == (b_id, ["stop"])  # …while B's stop is stored and answered
        disk.release.set()
        assert [c.kind for c in await a_ready] == ["step"]
        assert disk.order[-1] == (a_id, ["ready"])
        for live in (a, b):
            await live.interrupt_now("the test is over")

    try:
        run_apart(main)
    finally:
        disk.release.set()
        opened.store.close()


def test_a_stop_stamped_before_a_pose_the_worker_stepped_meanwhile_still_halts(
    tmp_path: Path,
) -> None:
    """The page left while a frame step was on the worker (its wait cancelled, so the lock
    let the system's stop in, stamped a moment before the pose the step then stamped): the
    stop is stepped at the latest time and halts, never refused as time going backwards."""
    settings = Settings(db=str(tmp_path / "web.sqlite3"))
    opened = open_store(settings)
    registry = Registry(settings, opened.store, None, grace_s=30.0)  # type: ignore[arg-type]

    async def main() -> None:
        (sid,) = start_live(registry, [False])
        live = registry.sessions[sid]
        await live.apply(ev.Ready(live.clock()))
        early = live.clock()
        await live.apply(ev.Pose(early + 0.5))  # the worker's later pose
        cues = await live.apply(ev.Stop(early, source="system"))
        assert cues[0].kind == "halt"
        assert live.runner.state.t == early + 0.5
        await live.interrupt_now("the test is over")

    try:
        run_apart(main)
    finally:
        opened.store.close()
