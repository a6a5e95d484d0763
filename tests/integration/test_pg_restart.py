"""The PostgreSQL server restarted under a running session (red team, session 12; I7): the real
server of the test run, stopped and started with pg_ctl while a live session (the web app's
`Registry`) runs on it.

- Restarted between two events: the next event is stored on a new connection (the pool
  pings first) and the session goes on; nothing stored before is lost.
- Down when an event must be stored: the session stops at once, the page is told in words
  a person can act on, and it is over here (nothing goes on unrecorded). Once the server is
  back, the same backbuddy process reads and writes again without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from tests.integration.conftest import PgCluster
from tests.support.apart import run_apart
from tests.support.live_sessions import start_live

from backbuddy.adapters.sql_errors import explain
from backbuddy.adapters.sql_store import SqlStore
from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain.errors import StoreError
from backbuddy.domain.screening import load_questions
from backbuddy.services.screening import take_screening
from backbuddy.web.registry import Registry

pytestmark = pytest.mark.postgres


@contextlib.contextmanager
def _down(cluster: PgCluster) -> Iterator[None]:
    """The server stopped for the block; started again after it, whatever happened."""
    cluster.stop()
    try:
        yield
    finally:
        cluster.start()


def test_a_restart_between_events_goes_unnoticed_and_one_during_a_write_stops_the_session(
    pg_cluster: PgCluster, pg_url: str
) -> None:
    store = SqlStore(pg_url)
    registry = Registry(Settings(db=pg_url), store, None, grace_s=30.0)
    heard: list[dict[str, Any]] = []

    async def main() -> None:
        (sid,) = start_live(registry, [False])
        live = registry.sessions[sid]
        live.page_back(heard.append, lambda: None)
        await live.apply(ev.Ready(live.clock()))
        with _down(pg_cluster):
            pass  # a restart while nothing had to be stored
        await live.apply(ev.Ready(live.clock()))
        assert live.runner.state.mode == "attempt"
        stored = len(store.events(sid))
        with _down(pg_cluster):
            await asyncio.sleep(0)
            felt = ev.Sensation(live.clock(), sensation="comfortable_stretch")
            with pytest.raises(StoreError) as failed:
                await live.apply(felt)
            live.store_failed(failed.value)  # as the socket does (`session_socket._on_event`)
        assert registry.get(sid) is None  # over: a page coming back finds nothing to go on with
        assert len(store.events(sid)) == stored  # the server is back: nothing stored was lost
        answers = {q.id: False for q in load_questions().questions}
        take_screening(store, "seated_hug_extension", answers, datetime.now(UTC))  # writes again
        await asyncio.sleep(0.5)  # the session's worker tried its interrupted record: refused
        # The watch's next turn writes it (before the fix: "running" for the server's life).
        assert await asyncio.to_thread(registry.record_unrecorded) == 0

    try:
        run_apart(main)
        (error,) = [m for m in heard if m["type"] == "error"]
        assert (error["code"], error["fatal"]) == ("store_failed", True)
        assert "cannot reach the database server" in error["message"], error["message"]
        # Said once (before: "…so it has stopped: Stop and release gently: backbuddy can no
        # longer record…", the runner's words inside the page's own).
        assert error["message"].startswith("Stop and release gently: backbuddy can no longer")
        assert error["message"].count("record this session") == 1, error["message"]
        (record,) = store.sessions()
        assert record.status == "interrupted"
        assert "could not record" in str(record.end_reason)
        assert "Stop and release" not in str(record.end_reason)  # the cause, not the advice
    finally:
        store.close()


def test_a_connection_the_server_terminated_gets_the_hint(pg_url: str) -> None:
    """The real driver's error after the real server ended the connection (the admin's command)."""
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with engine.connect() as admin:
                admin.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
            with pytest.raises(sa.exc.OperationalError) as failed:
                conn.exec_driver_sql("SELECT 1")
        message = str(explain(failed.value, "record the event", "here"))
        assert "the database server stopped, restarted or dropped the connection" in message
    finally:
        engine.dispose()
