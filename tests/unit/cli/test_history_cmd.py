"""`backbuddy history` shows past sessions, says which were interrupted, and fails in one line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.cli.main import build_app, run
from backbuddy.domain import events as ev

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A database with three sessions: halted, ended by the pair, and one cut short by a crash."""
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    with SqlStore(url) as store:
        first = store.start_session("seated_hug_extension", None, T0, camera=True)
        store.finish_session(first, "halted", T0 + timedelta(minutes=3), 2, "sharp pain")
        second = store.start_session("side_lying_rotation", None, T0 + timedelta(days=1), False)
        store.finish_session(second, "ended_by_pair", T0 + timedelta(days=1, minutes=5), 3)
        third = store.start_session("seated_hug_extension", None, T0 + timedelta(days=2), False)
        store.append_event(third, 0, ev.Begin(0.0))
    _forget_owner(url)  # as if the process that ran the third session had died
    return url


def _forget_owner(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE sessions SET owner = NULL"))
    engine.dispose()


def test_history_lists_sessions_newest_first_with_how_they_ended(db: str) -> None:
    result = runner.invoke(build_app(), ["history", "--db", db], env={"COLUMNS": "120"})

    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "2026-05-0" in line]
    assert "interrupted" in rows[0]
    assert "ended by the pair" in rows[1]
    assert "side_lying_rotation" in rows[1]
    assert "halted: sharp pain" in rows[2]
    assert "yes" in rows[2]
    assert "session 3 was interrupted" in result.stderr


def test_history_as_json_for_scripts(db: str) -> None:
    result = runner.invoke(build_app(), ["history", "--db", db, "--json"])

    assert result.exit_code == 0, result.output
    sessions = json.loads(result.stdout)
    assert [(s["id"], s["status"], s["attempts"], s["camera"]) for s in sessions] == [
        (3, "interrupted", 0, False),
        (2, "ended_by_pair", 3, False),
        (1, "halted", 2, True),
    ]
    assert sessions[2]["started_at"] == "2026-05-01T09:00:00+00:00"
    assert sessions[2]["end_reason"] == "sharp pain"


def test_the_database_can_come_from_the_environment(db: str) -> None:
    result = runner.invoke(build_app(), ["history", "--json"], env={"BACKBUDDY_DB": db})

    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 3


def test_no_sessions_yet_says_how_to_start_one(tmp_path: Path) -> None:
    result = runner.invoke(build_app(), ["history", "--db", str(tmp_path / "new.sqlite3")])

    assert result.exit_code == 0, result.output
    assert "No sessions yet" in result.stdout
    as_json = runner.invoke(
        build_app(), ["history", "--db", str(tmp_path / "new.sqlite3"), "--json"]
    )
    assert as_json.stdout.strip() == "[]"


def test_a_damaged_database_is_one_clear_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "damaged.sqlite3"
    path.write_bytes(b"\x00garbage" * 1000)

    with pytest.raises(SystemExit) as exited:
        run(["history", "--db", str(path)])

    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert str(path) in err.replace("\n", "")
    assert "damaged" in err
