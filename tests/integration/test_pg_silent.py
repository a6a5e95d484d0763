"""A PostgreSQL server that stops answering without closing its connections (red team,
session 13; I7): a dead host or a dark network, no RST. The real server of the test run
behind a proxy that starts swallowing everything (`tests.support.tcp_proxy`).

What the app sees then is silence: its kernel still has a peer. Before, a write waited
for ever (here, where the proxy's kernel acknowledges) or until the kernel gave up
retransmitting (a real dead host: `tcp_retries2` = 15, ~15 minutes), and a session in
movement waited with it, its cues held. Now the session in movement stops within
`STALL_S` with words a person can act on; a new connection gives up after
`connect_timeout`; and the connections carry libpq's keepalives and `tcp_user_timeout`,
so a real dead host fails a write after 10 s instead of 15 minutes.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest
import sqlalchemy as sa
from tests.support.apart import run_apart
from tests.support.live_sessions import start_live
from tests.support.tcp_proxy import SilentProxy

from backbuddy.adapters.sql_engine import create_engine
from backbuddy.adapters.sql_store import SqlStore
from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain.errors import StoreError
from backbuddy.web.registry import Registry

pytestmark = pytest.mark.postgres


def _through(proxy: SilentProxy, pg_url: str) -> str:
    """`pg_url` by way of the proxy; libpq's shortest connect timeout (2 s) keeps it cheap."""
    url = sa.make_url(pg_url).set(host="127.0.0.1", port=proxy.port)
    return url.update_query_dict({"connect_timeout": "2"}).render_as_string(hide_password=False)


def test_a_server_gone_silent_stops_a_moving_session_at_once_and_a_new_connect_gives_up(
    pg_url: str,
) -> None:
    target = sa.make_url(pg_url)
    proxy = SilentProxy(str(target.host), int(target.port or 5432))
    url = _through(proxy, pg_url)
    store = SqlStore(url)
    registry = Registry(Settings(db=url), store, None, grace_s=30.0)
    heard: list[dict[str, Any]] = []
    seen: dict[str, Any] = {}

    async def main() -> None:
        (sid,) = start_live(registry, [False])
        live = registry.sessions[sid]
        live.page_back(heard.append, lambda: None)
        while live.runner.state.mode != "attempt":
            await live.apply(ev.Ready(live.clock()))
        proxy.swallow()
        said = time.monotonic()
        async with live.lock:
            with pytest.raises(StoreError) as failed:
                await live.apply(ev.Stop(live.clock(), source="voice"))
        live.store_failed(failed.value)  # as the socket does
        seen["told_s"] = time.monotonic() - said
        assert registry.get(sid) is None  # over: nothing for a page to go on with
        # A new connection while it is silent gives up with the hint, not for ever.
        with pytest.raises(StoreError) as refused:
            await asyncio.to_thread(SqlStore, url)
        seen["connect"] = str(refused.value)
        proxy.cut()  # the server is reachable again: the stuck write fails, the record goes
        for _ in range(100):
            if store.sessions()[0].status != "running":
                break
            await asyncio.sleep(0.1)

    try:
        run_apart(main)
        print(f"voice STOP with the server silent: the page told after {seen['told_s']:.2f} s")
        (error,) = [m for m in heard if m["type"] == "error"]
        assert (error["code"], error["fatal"]) == ("store_failed", True)
        assert error["message"].startswith("Stop and release gently")
        assert "the database server stopped answering" in error["message"]
        assert "cannot reach the database server" in seen["connect"], seen["connect"]
        (record,) = store.sessions()
        assert record.status == "interrupted"  # recorded once the server answered again
        assert "did not take" in str(record.end_reason)
    finally:
        proxy.close()
        store.close()


def test_connections_to_postgresql_carry_a_bound_on_silence(pg_url: str) -> None:
    """The options reach the real socket: unacknowledged data fails the connection after
    10 s (not ~15 minutes of retransmits), and idle ones are probed from 10 s on."""
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            sock = socket.socket(fileno=raw.pgconn.socket)
            try:
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 10_000
                assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 10
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
            finally:
                sock.detach()  # libpq's socket: not ours to close
    finally:
        engine.dispose()
