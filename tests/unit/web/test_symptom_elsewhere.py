"""A symptom felt in one session stops the other sessions running for the same receiver
(I2, I8; red-team leftover 1): the store is one household's, so a sharp pain in the seated
technique on the laptop stops the lying technique running on another device as well, with
its referral and aftercare, never another movement cue. Across processes:
tests/integration/test_workers.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from tests.support.apart import run_apart
from tests.support.live_sessions import start_live

from backbuddy.bootstrap import open_store
from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain.errors import StoreError, TransitionNotAllowed
from backbuddy.domain.escalation import AftercareFact
from backbuddy.domain.screening import load_questions
from backbuddy.services.screening import take_screening
from backbuddy.web.registry import Registry

MOVEMENT = {"move", "step", "pace"}


def test_a_symptom_in_one_session_halts_the_other_running_one_with_its_referral(
    tmp_path: Path,
) -> None:
    settings = Settings(db=str(tmp_path / "web.sqlite3"))
    opened = open_store(settings)
    registry = Registry(settings, opened.store, None, grace_s=30.0)
    heard: list[dict[str, Any]] = []

    async def main() -> None:
        a_id, b_id = start_live(registry, [False, False])
        a, b = registry.sessions[a_id], registry.sessions[b_id]
        b.send = heard.append
        await b.apply(ev.Ready(b.clock()))
        await a.apply(ev.Sensation(a.clock(), sensation="numbness"), "felt")
        for _ in range(200):  # the look the symptom set off runs on the loop
            if b.over:
                break
            await asyncio.sleep(0.05)
        assert b.over
        assert b.runner.state.end_reason == "symptom"
        told = [m for m in heard if m["type"] == "error"]
        assert told[0]["code"] == "symptom_elsewhere"
        assert "Numbness" in told[0]["message"]
        assert f"session {a_id}" in told[0]["message"]
        kinds = [c["kind"] for m in heard if m["type"] == "cues" for c in m["cues"]]
        after = kinds[kinds.index("halt") :]  # the engine's symptom halt, then its referral
        assert {"refer", "aftercare"} <= set(after)
        assert not MOVEMENT & set(after)
        with pytest.raises(TransitionNotAllowed):  # nothing brings it back
            await b.apply(ev.Resume(b.clock()))
        for live in (a, b):
            await live.interrupt_now("the test is over")

    try:
        run_apart(main)
        a, b = opened.store.sessions()
        # The second stores where it was felt (the history, report and export say so).
        assert [(s.status, s.end_reason) for s in (a, b)] == [
            ("halted", "symptom"),
            ("halted", "symptom_elsewhere"),
        ]
        told = [e for e in opened.store.events(b.id) if isinstance(e, ev.Sensation)]
        assert [(e.sensation, e.elsewhere) for e in told] == [("numbness", f"in session {a.id}")]
    finally:
        opened.store.close()


def test_a_symptom_reported_in_an_aftercare_check_stops_a_running_session(
    tmp_path: Path,
) -> None:
    """An aftercare check answered on another page (the earlier session's) with a new
    weakness: the running session stops too (the watch sees the check, as a terminal's)."""
    settings = Settings(db=str(tmp_path / "web.sqlite3"))
    opened = open_store(settings)
    registry = Registry(settings, opened.store, None, grace_s=30.0)

    async def main() -> None:
        (b_id,) = start_live(registry, [False])
        b = registry.sessions[b_id]
        check = AftercareFact(at=b.started_at, check="after_session", symptoms=("weakness",))
        opened.store.save_aftercare(check)
        assert await registry.check_screenings(b.started_at) == [b_id]
        assert (b.over, b.runner.state.end_reason) == (True, "symptom")
        await b.interrupt_now("the test is over")

    try:
        run_apart(main)
    finally:
        opened.store.close()


def test_a_look_that_fails_after_the_marks_moved_is_made_again_next_turn(
    tmp_path: Path,
) -> None:
    """Red team, session 12: the watch kept the new marks before it read what they marked,
    so a read failing in between (a locked file, a restarting PostgreSQL server; the watch
    logs it and "retries next time") left every later turn seeing nothing new: the running
    session never stopped for a symptom another session stored."""
    settings = Settings(db=str(tmp_path / "web.sqlite3"))
    opened = open_store(settings)
    registry = Registry(settings, opened.store, None, grace_s=30.0)
    failing = {"left": 0}
    real = opened.store.aftercare

    def fails_once(since: Any = None) -> Any:  # the hook of this test: one failed read
        if failing["left"]:
            failing["left"] -= 1
            raise StoreError(f"{opened.store.where}: cannot read aftercare checks: busy")
        return real(since)

    opened.store.aftercare = fails_once  # type: ignore[method-assign]

    async def main() -> None:
        (b_id,) = start_live(registry, [False])
        b = registry.sessions[b_id]
        check = AftercareFact(at=b.started_at, check="after_session", symptoms=("weakness",))
        opened.store.save_aftercare(check)
        failing["left"] = 1
        with pytest.raises(StoreError):
            await registry.check_screenings(b.started_at)
        assert not b.over
        assert await registry.check_screenings(b.started_at) == [b_id]
        assert (b.over, b.runner.state.end_reason) == (True, "symptom")
        await b.interrupt_now("the test is over")

    try:
        run_apart(main)
    finally:
        opened.store.close()


def test_a_red_flag_whose_end_cannot_be_recorded_stops_the_session_for_good(
    tmp_path: Path,
) -> None:
    """Red team, session 12: the system's stop and end for a red flag answered elsewhere were
    dropped when the store refused them (a full disk, a restarting database), leaving the
    engine where it was, mid-attempt: once the store wrote again, the ticks went on with
    movement cues despite the red flag. Now the session stops (and is let go)."""
    settings = Settings(db=str(tmp_path / "web.sqlite3"))
    opened = open_store(settings)
    registry = Registry(settings, opened.store, None, grace_s=30.0)
    refusing = {"on": False}

    def refusing_while_on(write: Any) -> Any:  # the hook of this test: writes refused
        def refused(*args: Any, **kwargs: Any) -> Any:
            if refusing["on"]:
                raise StoreError(f"{opened.store.where}: cannot store: the disk is full")
            return write(*args, **kwargs)

        return refused

    store = opened.store
    store.append_steps = refusing_while_on(store.append_steps)  # type: ignore[method-assign]
    store.finish_session = refusing_while_on(store.finish_session)  # type: ignore[method-assign]

    async def main() -> None:
        (b_id,) = start_live(registry, [False])
        b = registry.sessions[b_id]
        heard: list[dict[str, Any]] = []
        b.page_back(heard.append, lambda: None)
        await b.apply(ev.Ready(b.clock()))
        await b.apply(ev.Ready(b.clock()))
        assert b.runner.state.mode == "attempt"
        flagged = {q.id: False for q in load_questions().questions} | {"chest_pain": True}
        take_screening(opened.store, "seated_hug_extension", flagged, b.started_at)
        refusing["on"] = True
        await registry.check_screenings(b.started_at)
        refusing["on"] = False  # the store writes again
        assert registry.get(b_id) is None, b.runner.state.mode  # not kept to go on moving
        assert [m["code"] for m in heard if m["type"] == "error"][-1] == "store_failed"
        await asyncio.sleep(0.3)  # its worker tried the interrupted record
        registry.record_unrecorded()

    try:
        run_apart(main)
        (record,) = opened.store.sessions()
        assert record.status == "interrupted"
    finally:
        opened.store.close()
