"""Opening the store: migrations, SQLite settings, clear errors when the database is unusable."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from backbuddy.adapters import sql_migrate
from backbuddy.adapters.sql_schema import metadata
from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain.errors import StoreError


def _revision(url: str) -> str | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sql_migrate.current_revision(conn)
    finally:
        engine.dispose()


def test_a_fresh_database_is_created_at_the_newest_schema(db_url: str) -> None:
    SqlStore(db_url).close()

    assert _revision(db_url) == sql_migrate.head_revision() == "0004"


def test_opening_twice_and_upgrading_again_is_harmless(db_url: str) -> None:
    with SqlStore(db_url) as store:
        session_id = store.start_session("seated_hug_extension", None, _now(), camera=False)
        store.append_event(session_id, 0, ev.Tick(0.0))
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(sql_migrate.alembic_config(connection=conn), "head")
    engine.dispose()

    with SqlStore(db_url) as store:
        assert store.events(session_id) == [ev.Tick(0.0)]
    assert _revision(db_url) == sql_migrate.head_revision()


def test_the_migrations_build_exactly_the_schema_the_code_reads(db_url: str) -> None:
    SqlStore(db_url).close()
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()

    assert differences == []


def test_sqlite_runs_in_wal_mode_with_full_sync_and_foreign_keys(sqlite_url: str) -> None:
    # The store's own connection: these settings are per connection.
    with SqlStore(sqlite_url) as store, store._engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys")
        }
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}


def test_the_data_folder_is_created_when_missing(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "backbuddy.sqlite3"
    SqlStore(f"sqlite:///{path}").close()

    assert path.is_file()


def test_a_damaged_file_gives_a_clear_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "backbuddy.sqlite3"
    path.write_bytes(b"this is not what a database looks like\x00\xff" * 200)

    with pytest.raises(StoreError) as caught:
        SqlStore(f"sqlite:///{path}")
    message = str(caught.value)
    assert str(path) in message
    assert "damaged" in message
    assert "move it aside" in message


def test_an_unwritable_place_gives_a_clear_error_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    path = blocker / "backbuddy.sqlite3"

    with pytest.raises(StoreError) as caught:
        SqlStore(f"sqlite:///{path}")
    assert str(path) in str(caught.value)
    assert "cannot be written" in str(caught.value)


def test_a_full_disk_gives_a_clear_error(sqlite_url: str) -> None:
    with SqlStore(sqlite_url) as store:
        session_id = store.start_session("seated_hug_extension", None, _now(), camera=False)
        # Reach into the store: new connections get a size limit a few pages away.
        store._engine.dispose()
        sa.event.listen(store._engine, "connect", _tiny_disk)
        with pytest.raises(StoreError, match="the disk is full; free some space"):
            _append_ticks(store, session_id, 10_000)


def _append_ticks(store: SqlStore, session_id: int, count: int) -> None:
    for seq in range(count):
        store.append_event(session_id, seq, ev.Tick(seq / 10))


def _tiny_disk(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
    dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 2}")


def test_a_database_from_a_newer_backbuddy_is_refused(db_url: str) -> None:
    SqlStore(db_url).close()
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()

    with pytest.raises(StoreError, match="newer backbuddy"):
        SqlStore(db_url)


def test_a_url_that_is_not_a_database_says_how_to_write_one() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        SqlStore("backbuddy-db")


def test_an_unreachable_server_is_named_without_its_password() -> None:
    with pytest.raises(StoreError) as caught:
        SqlStore("postgresql+psycopg://me:s3cret@127.0.0.1:1/backbuddy")
    assert "s3cret" not in str(caught.value)
    assert "cannot reach the database server" in str(caught.value)


def _now() -> datetime:
    return datetime.now(UTC)


def test_the_first_schema_downgrades_and_upgrades_cleanly(db_url: str) -> None:
    SqlStore(db_url).close()
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        command.downgrade(sql_migrate.alembic_config(connection=conn), "base")
    with engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()

    SqlStore(db_url).close()
    assert _revision(db_url) == sql_migrate.head_revision()


OPEN_AND_WRITE = """
import sys
from datetime import UTC, datetime
from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
store = SqlStore(sys.argv[1])
session_id = store.start_session("seated_hug_extension", None, datetime.now(UTC), camera=False)
for seq in range(50):
    store.append_event(session_id, seq, ev.Tick(seq / 10))
"""


def test_several_processes_can_open_a_fresh_database_and_write_at_once(db_url: str) -> None:
    children = [
        subprocess.Popen([sys.executable, "-c", OPEN_AND_WRITE, db_url], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [child.communicate(timeout=60)[1].decode() for child in children]

    assert [child.returncode for child in children] == [0, 0, 0, 0], errors
    with SqlStore(db_url) as store:
        sessions = store.sessions()
        assert len(sessions) == 4
        assert all(len(store.events(s.id)) == 50 for s in sessions)
