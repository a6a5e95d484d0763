"""Opening the store through bootstrap reports the sessions a crash left running (I7)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from backbuddy.bootstrap import open_store
from backbuddy.config import load_settings


def test_open_store_marks_sessions_left_by_a_dead_process_and_returns_them(tmp_path: Path) -> None:
    settings = load_settings(db=str(tmp_path / "b.sqlite3"))
    store, interrupted = open_store(settings)
    with store:
        crashed = store.start_session("seated_hug_extension", None, datetime.now(UTC), False)
        live = store.start_session("seated_hug_extension", None, datetime.now(UTC), False)
        assert interrupted == []
    engine = sa.create_engine(settings.db)
    with engine.begin() as conn:  # as if the process running `crashed` had died
        conn.execute(sa.text("UPDATE sessions SET owner = NULL WHERE id = :id"), {"id": crashed})
    engine.dispose()

    store, interrupted = open_store(settings)
    with store:
        assert interrupted == [crashed]
        status = {r.id: r.status for r in store.sessions()}
    assert status == {crashed: "interrupted", live: "running"}
