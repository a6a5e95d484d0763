"""A block answered during a session is told to its page once (I1 during a session).

Two callers look for it: the screening form's route, right after storing the answers, and
the store's watch (`Registry.watch_screenings`), which sees the new screening at its next
turn. Both used to find the session still running while the other was ending it (a page
busy applying a frame holds the session's lock), and the page was told twice.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.apart import run_apart
from tests.support.live_sessions import TECHNIQUE, start_live

from backbuddy.bootstrap import open_store
from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain.screening import load_questions
from backbuddy.services.screening import take_screening
from backbuddy.web.registry import Registry


def test_the_forms_route_and_the_watch_tell_a_block_once(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "web.sqlite3"))
    opened = open_store(settings)
    registry = Registry(settings, opened.store, None, grace_s=30.0)
    heard: list[dict[str, Any]] = []

    async def main() -> None:
        (live_id,) = start_live(registry, [False])
        live = registry.sessions[live_id]
        live.send = heard.append
        await live.apply(ev.Ready(live.clock()))
        answers = {q.id: False for q in load_questions().questions} | {"chest_pain": True}
        take_screening(registry.store, TECHNIQUE, answers, datetime.now(UTC))

        def told() -> int:
            return sum(m.get("code") == "screening_blocked" for m in heard)

        now = datetime.now(UTC)
        async with live.lock:  # the page is applying a frame: the end waits for it
            by_route = asyncio.create_task(registry.halt_where_blocked(now))
            while told() == 0:
                await asyncio.sleep(0.01)
            by_watch = asyncio.create_task(registry.check_screenings(now))
            while told() < 2 and not by_watch.done():
                await asyncio.sleep(0.01)
        assert await by_route == [live_id]
        await by_watch
        assert told() == 1
        assert by_watch.result() == []  # the route ended it; the watch found it ending
        assert (live.over, live.runner.state.end_reason) == (True, "screening")

    try:
        run_apart(main)
    finally:
        opened.store.close()
