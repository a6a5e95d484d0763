"""A worker killed mid-session (kill -9, `serve --workers 2`): nothing its page was told is
lost (I7), the store stays whole, the other worker's session keeps every rule, and the next
start marks the dead worker's session interrupted (red-team pass of session 9).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest
from tests.support.page_socket import page, wait_for
from tests.support.servers import Server

from backbuddy.bootstrap import open_store
from backbuddy.config import Settings, db_url

from .test_workers import LYING, SEATED, screen, start, stop, two_workers  # noqa: F401

pytestmark = pytest.mark.slow


def test_a_worker_killed_mid_session_loses_nothing_told_and_the_other_keeps_the_rules(
    two_workers: tuple[Server, Server],  # noqa: F811
) -> None:
    busy, idle = two_workers
    screen(busy, SEATED)
    screen(busy, LYING)
    assert start(busy, LYING) == f"{idle.url}/session/2"
    with page(busy, 1) as one, page(idle, 2) as two:
        told = 0
        for ref in ("r1", "r2"):
            one.send(json.dumps({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": ref}))
            assert wait_for(one, lambda m, r=ref: m.get("ref") == r)["type"] == "cues"
            told += 1
        # One more in flight as the worker dies: it may be lost (I7 allows the one in
        # flight), nothing before it may.
        one.send(json.dumps({"v": 1, "type": "event", "event": {"event": "stop"}, "ref": "x"}))
        busy.kill()
        # The other worker's session keeps the rules: a STOP halts it at once …
        assert stop(two, "s")["cues"][0]["kind"] == "halt"
        # … and a red flag answered there still ends it (its own look at the store).
        screen(idle, LYING, chest_pain="yes")
        assert wait_for(two, lambda m: m["type"] == "error")["code"] == "screening_blocked"
    db = db_url(busy.db)
    with sqlite3.connect(str(busy.db)) as raw:  # the file is whole after the kill
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        orphans = raw.execute(
            "SELECT count(*) FROM cues c LEFT JOIN events e"
            " ON e.session_id = c.session_id AND e.seq = c.seq WHERE e.id IS NULL"
        ).fetchone()
        assert orphans == (0,)
    opened = open_store(Settings(db=db), datetime.now(UTC))  # the next start, anywhere
    with opened.store as store:
        assert opened.interrupted == [1]
        kinds = [e.kind for e in store.events(1)]
        assert kinds.count("ready") == told
        one_ended = {s.id: s for s in store.sessions()}[1]
        assert one_ended.status == "interrupted"
        assert one_ended.ended_at is not None
        two_events = [(e.kind, getattr(e, "source", None)) for e in store.events(2)]
        assert ("stop", "button") in two_events
        assert two_events[-1][0] == "end"
        assert {s.id: s.status for s in store.sessions()}[2] == "screened_out"
