"""Engines with the settings durability needs (I7).

SQLite: WAL journal (readers never block the writer), `synchronous=FULL` (every
commit is fsynced, about 0.2 ms on this machine, so even power loss cannot take
a committed event; NORMAL would survive a process crash but not power loss),
foreign keys on, and BEGIN issued by us so migrations are transactional and
writers take the write lock up front instead of failing mid-transaction.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

#: libpq's limits for a PostgreSQL server that stops answering without closing the
#: connection (a dead host, a dark network: no RST). By default a write sent there waits
#: until the kernel gives up retransmitting (`tcp_retries2` = 15: ~15 minutes) and a
#: connect waits for ever. Here: data unacknowledged for 10 s fails the connection
#: (`tcp_user_timeout`, ms), a connect gives up after 5 s, and an idle pooled connection
#: to a dead host is found by keepalives within 10 + 3 x 3 s, so the pool's ping does not
#: hang on it. A live session in movement does not wait for these: its own bound is 1 s
#: (`services.store_wait`). A URL's own values win (`?connect_timeout=2`).
PG_TIMEOUTS = {
    "connect_timeout": "5",
    "tcp_user_timeout": "10000",
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "3",
    "keepalives_count": "3",
}

#: How long a SQLite write waits for another program's lock before it fails (seconds).
BUSY_S = 10.0

#: PostgreSQL server settings per connection: a row or table lock held by another program
#: (a `psql` left in a transaction, a backup) fails a statement after 10 s, as SQLite's busy
#: timeout does, instead of holding a request for ever; no statement runs over a minute.
#: Added to the URL's `options`, unless it sets them itself (`?options=-c lock_timeout=2s`).
PG_SETTINGS = {"lock_timeout": "10s", "statement_timeout": "60s"}

#: Execution option marking a connection that will write (SQLite: BEGIN IMMEDIATE).
WRITE = "backbuddy_write"


def create_engine(url: str, busy_s: float = BUSY_S) -> sa.Engine:
    """An engine for `url`; for SQLite, its folder is created and durability settings applied
    (`busy_s`: how long a write waits for another program's lock)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.get_backend_name() == "postgresql":
            given = parsed.query
            parsed = parsed.update_query_dict(
                {k: v for k, v in PG_TIMEOUTS.items() if k not in given} | _options(given)
            )
        return sa.create_engine(parsed, pool_pre_ping=True)
    memory = parsed.database in (None, "", ":memory:")
    if not memory:
        Path(str(parsed.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, poolclass=sa.StaticPool if memory else None)
    sa.event.listen(engine, "connect", partial(_sqlite_connect, busy_ms=round(busy_s * 1000)))
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _options(given: Any) -> dict[str, str]:
    """libpq's `options` with `PG_SETTINGS` added where the URL's own do not set them."""
    own = given.get("options", "")
    own = " ".join(own) if isinstance(own, tuple) else str(own)
    added = [f"-c {k}={v}" for k, v in PG_SETTINGS.items() if k not in own]
    return {"options": " ".join([own, *added]).strip()} if added else {}


def _sqlite_connect(dbapi_conn: Any, _record: Any, *, busy_ms: int) -> None:
    """Per connection: we issue BEGIN ourselves, so DDL and migrations are transactional too."""
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    for pragma in (
        f"busy_timeout = {busy_ms}",
        "foreign_keys = ON",
        "journal_mode = WAL",
        "synchronous = FULL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    """Writers take the write lock up front, so they wait their turn instead of failing."""
    write = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
