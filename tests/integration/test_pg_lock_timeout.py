"""A PostgreSQL row lock held by another program fails a write in plain words (red team,
session 14; I7).

At rest no bound applied: a `psql` left in a transaction holding the session's row hung the
request for ever. Every connection now carries `lock_timeout` and `statement_timeout`
(`adapters.sql_engine.PG_SETTINGS`), a URL's own value winning; the test's URL sets 0.3 s so
it takes about a second, and checks that the default is there without one.
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
import sqlalchemy as sa

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain.errors import StoreError

pytestmark = pytest.mark.postgres


def test_a_row_held_by_another_program_fails_the_write_with_plain_words(pg_url: str) -> None:
    now = datetime.now(UTC)
    with SqlStore(pg_url) as store, store._engine.connect() as conn:  # noqa: SLF001
        assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "10s"
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "1min"
    own = sa.make_url(pg_url).update_query_dict({"options": "-c lock_timeout=300ms"})
    url = own.render_as_string(hide_password=False)
    with SqlStore(url, journal=None) as store:
        sid = store.start_session("seated_hug_extension", None, now, camera=False)
        plain = sa.make_url(pg_url).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(plain) as other:
            other.execute("SELECT id FROM sessions WHERE id = %s FOR UPDATE", (sid,))
            with pytest.raises(StoreError, match="another program is holding the records"):
                store.finish_session(sid, "completed", now, 0)
            other.rollback()
        store.finish_session(sid, "completed", now, 0)
        assert [s.status for s in store.sessions()] == ["completed"]
