"""After a symptom halt `guide` refuses (exit 3, one line), until `backbuddy seen` records a visit.

Issue 11 item 3, through the real console entry and a real SQLite file.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from backbuddy.adapters.sql_store import SqlStore

DATA = Path(__file__).parents[2] / "data"
CLEAR = DATA / "screening" / "clear.yaml"
TECH, OTHER = "seated_hug_extension", "side_lying_rotation"
HALT = [
    {"t": 0, "event": "begin"},
    {"t": 1, "event": "ready"},
    {"t": 2, "event": "sensation", "sensation": "numbness"},
]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bb.sqlite3'}"


@pytest.fixture
def halted(tmp_path: Path, db: str, backbuddy):  # type: ignore[no-untyped-def]
    path = tmp_path / "halt.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in HALT) + "\n")
    args = ("guide", TECH, "--events", str(path), "--screening-answers", str(CLEAR))
    assert backbuddy(*args, "--json", "--db", db).exit_code == 0
    return path


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def test_guide_exits_3_with_one_line_saying_why_and_what_to_do(halted, db, backbuddy):  # type: ignore[no-untyped-def]
    for args in (
        ("guide", OTHER, "--events", str(halted)),
        ("guide", OTHER, "--events", str(halted), "--screening-answers", str(CLEAR)),
    ):
        result = backbuddy(*args, "--db", db)
        assert result.exit_code == 3, result.output
        (line,) = error_lines(result.output)
        assert "stopped for a symptom" in line
        assert "until a physiotherapist, chiropractor or doctor has seen the receiver" in line
        assert "backbuddy seen --date YYYY-MM-DD" in line
    with SqlStore(db) as store:
        assert len(store.sessions()) == 1  # nothing new started


def test_seen_refuses_bad_dates_and_asks_before_recording(halted, db, backbuddy):  # type: ignore[no-untyped-def]
    today = date.today()
    future = backbuddy("seen", "--date", str(today + timedelta(days=1)), "--yes", "--db", db)
    assert future.exit_code == 2
    assert "in the future" in future.output
    before = backbuddy("seen", "--date", str(today - timedelta(days=1)), "--yes", "--db", db)
    assert before.exit_code == 2
    assert "before the block it should clear" in before.output
    bad = backbuddy("seen", "--date", "yesterday", "--db", db)
    assert bad.exit_code == 2
    told_no = backbuddy("seen", "--date", str(today), "--db", db, stdin="n\n")
    assert told_no.exit_code == 1
    assert "Nothing was recorded." in told_no.output
    with SqlStore(db) as store:
        assert store.seen() == []

    said_yes = backbuddy("seen", "--date", str(today), "--db", db, stdin="y\n")
    assert said_yes.exit_code == 0, said_yes.output
    assert "A physiotherapist, chiropractor or doctor has seen the receiver since" in (
        said_yes.output
    )
    with SqlStore(db) as store:
        (visit,) = store.seen()
        assert visit.seen_on == today

    again = backbuddy(
        "guide", OTHER, "--events", str(halted), "--screening-answers", str(CLEAR), "--db", db
    )
    assert again.exit_code == 3  # the daily limit still holds: a visit does not change it
    assert "limit is 1 a day" in again.output
    assert "stopped for a symptom" not in again.output


def test_history_shows_the_block_then_the_visit(halted, db, backbuddy):  # type: ignore[no-untyped-def]
    blocked = " ".join(backbuddy("history", "--db", db).output.split())
    assert "Blocking sessions now" in blocked
    assert "session 1 stopped for a symptom" in blocked
    assert "halted: a symptom" in blocked
    assert backbuddy("seen", "--date", str(date.today()), "--yes", "--db", db).exit_code == 0
    after = " ".join(backbuddy("history", "--db", db).output.split())
    assert "Blocking sessions now" not in after
    assert "Professional visits recorded" in after
    assert f"seen on {date.today()}" in after


def test_seen_with_nothing_to_clear_is_refused(db, backbuddy):  # type: ignore[no-untyped-def]
    result = backbuddy("seen", "--date", str(date.today()), "--yes", "--db", db)
    assert result.exit_code == 2
    assert "nothing waits for a professional's visit" in result.output
