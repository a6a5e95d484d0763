"""Engines with the settings durability needs (I7).

SQLite: WAL journal (readers never block the writer), `synchronous=FULL` (every
commit is fsynced, about 0.2 ms on this machine, so even power loss cannot take
a committed event; NORMAL would survive a process crash but not power loss),
foreign keys on, and BEGIN issued by us so migrations are transactional and
writers take the write lock up front instead of failing mid-transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

#: Execution option marking a connection that will write (SQLite: BEGIN IMMEDIATE).
WRITE = "backbuddy_write"


def create_engine(url: str) -> sa.Engine:
    """An engine for `url`; for SQLite, its folder is created and durability settings applied."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=True)
    memory = parsed.database in (None, "", ":memory:")
    if not memory:
        Path(str(parsed.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, poolclass=sa.StaticPool if memory else None)
    sa.event.listen(engine, "connect", _sqlite_connect)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    """Per connection: we issue BEGIN ourselves, so DDL and migrations are transactional too."""
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    for pragma in (
        "busy_timeout = 10000",
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
