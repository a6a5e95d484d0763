"""Starts racing in several processes over one store (`serve --workers N`, a terminal guide
beside the browser) start one session, not one each (I8: one a day; red-team leftover of
session 8: the start was check-then-insert, each process checking before any had inserted).

Each process opens its own store on the same file (as each worker does) and its own
`Registry`, waits at a barrier with the others, then starts the same technique at the same
moment through `Registry.start`, the web app's one place a session starts (I1 and the
history rules checked). Exactly one starts; every other is refused with the limit's reason.
The terminal guide's start (`services.guide`, `cli.guide_cmd`) takes the same atomic path.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
from datetime import UTC, datetime
from typing import Any

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain.screening import load_questions
from backbuddy.services.screening import take_screening

RACERS = 6
TECHNIQUE = "seated_hug_extension"


def _race(url: str, barrier: Any, results: Any) -> None:
    from backbuddy.config import Settings
    from backbuddy.domain import techniques as tech
    from backbuddy.domain.errors import BackbuddyError
    from backbuddy.web.registry import Registry

    store = SqlStore(url)
    registry = Registry(Settings(db=url), store, None, grace_s=30.0)
    technique = tech.get(TECHNIQUE)

    async def main() -> str:
        barrier.wait(timeout=60)
        try:
            live = registry.start(technique, False, datetime.now(UTC))
        except BackbuddyError as err:
            return f"refused: {type(err).__name__}: {err}"
        await live.interrupt_now("the race is over")
        return f"started {live.id}"

    try:
        results.put(asyncio.run(main()))
    finally:
        store.close()


def race(url: str) -> list[str]:
    with SqlStore(url) as store:
        take_screening(
            store, TECHNIQUE, {q.id: False for q in load_questions().questions}, datetime.now(UTC)
        )
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(RACERS)
    results = ctx.Queue()
    procs = [ctx.Process(target=_race, args=(url, barrier, results)) for _ in range(RACERS)]
    for p in procs:
        p.start()
    said = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return said


def test_starts_racing_in_several_processes_start_one_session(db_url: str) -> None:
    said = race(db_url)
    started = [s for s in said if s.startswith("started")]
    assert len(started) == 1, said
    refused = [s for s in said if s.startswith("refused")]
    assert len(refused) == RACERS - 1
    assert all("StartBlocked" in s and "limit is 1 a day" in s for s in refused), refused
    with SqlStore(db_url) as store:
        assert len(store.sessions()) == 1
