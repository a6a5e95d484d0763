"""`backbuddy report` and `export`: an existing file is kept unless --force; bad dates named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parents[2] / "data"
CLEAR = DATA / "screening" / "clear.yaml"
SESSION = [
    {"t": 0, "event": "begin"},
    {"t": 1, "event": "ready"},
    {"t": 2, "event": "ready"},
    {"t": 14, "event": "end"},
]


@pytest.fixture
def db(tmp_path: Path, backbuddy) -> str:  # type: ignore[no-untyped-def]
    """A real SQLite store holding one headless session."""
    url = f"sqlite:///{tmp_path / 'bb.sqlite3'}"
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(json.dumps(e) for e in SESSION) + "\n")
    args = ("guide", "seated_hug_extension", "--events", str(events))
    result = backbuddy(*args, "--screening-answers", str(CLEAR), "--json", "--db", url)
    assert result.exit_code == 0, result.output
    return url


def lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("command", "name"),
    [(("report",), "r.html"), (("export",), "x.json"), (("export", "--format", "json"), "x.json")],
)
def test_an_existing_file_is_kept_unless_force(tmp_path, db, backbuddy, command, name):
    target = tmp_path / name
    target.write_text("the only copy")
    refused = backbuddy(*command, "--out", str(target), "--db", db)
    assert refused.exit_code == 2
    (line,) = lines(refused.output)
    assert line == (
        f"error: {target} already exists; nothing was written. "
        "Give another --out, or add --force to replace it."
    )
    assert target.read_text() == "the only copy"

    forced = backbuddy(*command, "--out", str(target), "--force", "--db", db)
    assert forced.exit_code == 0, forced.output
    assert target.read_text() != "the only copy"


def test_a_new_file_needs_no_force(tmp_path, db, backbuddy):
    assert backbuddy("report", "--out", str(tmp_path / "new.html"), "--db", db).exit_code == 0
    assert backbuddy("export", "--out", str(tmp_path / "new.json"), "--db", db).exit_code == 0


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "20261120", "26-11-20"])
def test_a_bad_since_names_the_option_the_value_and_the_format(tmp_path, db, backbuddy, value):
    result = backbuddy("report", "--since", value, "--out", str(tmp_path / "r.html"), "--db", db)
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "'--since'" in text
    assert f"{value!r} is not a date; use YYYY-MM-DD (local time), e.g. --since " in text
    assert "Traceback" not in result.output
    assert not (tmp_path / "r.html").exists()


def test_a_good_since_is_taken(tmp_path, db, backbuddy):
    result = backbuddy(
        "report", "--since", "2000-01-31", "--out", str(tmp_path / "r.html"), "--db", db
    )
    assert result.exit_code == 0, result.output
    assert "1 sessions" in result.output


@pytest.mark.parametrize("command", ["report", "export"])
def test_help_says_an_existing_file_needs_force(backbuddy, command):
    text = " ".join(backbuddy(command, "--help").output.replace("│", " ").split())
    assert "--force" in text
    assert "An existing file is not replaced unless --force is given." in text
