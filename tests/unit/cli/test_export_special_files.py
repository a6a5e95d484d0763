"""`backbuddy export` / `report` to something that is not a regular file (a named pipe; a
device, as `--out /dev/stdout` resolves to the terminal): one red line, exit 2, and the
thing left as it was.

The file was written beside it and renamed over it, so a pipe became a plain file and, run
as root, `--out /dev/full` replaced the machine's device node.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

CLEAR = Path(__file__).parents[2] / "data" / "screening" / "clear.yaml"
SESSION = [{"t": 0, "event": "begin"}, {"t": 1, "event": "ready"}, {"t": 14, "event": "end"}]


@pytest.fixture
def db(tmp_path: Path, backbuddy: Callable[..., Result]) -> str:
    """A real SQLite store holding one headless session."""
    url = f"sqlite:///{tmp_path / 'bb.sqlite3'}"
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(json.dumps(e) for e in SESSION) + "\n")
    args = ("guide", "seated_hug_extension", "--events", str(events), "--json", "--db", url)
    result = backbuddy(*args, "--screening-answers", str(CLEAR))
    assert result.exit_code == 0, result.output
    return url


@pytest.mark.parametrize(("command", "name"), [("export", "pipe.json"), ("report", "pipe.html")])
def test_a_named_pipe_is_refused_and_kept(
    tmp_path: Path, db: str, backbuddy: Callable[..., Result], command: str, name: str
) -> None:
    pipe = tmp_path / name
    os.mkfifo(pipe)
    result = backbuddy(command, "--out", str(pipe), "--db", db)
    assert result.exit_code == 2, result.output
    (line,) = [x for x in result.output.splitlines() if x.strip()]
    assert line.startswith("error: ")
    assert "not a regular file" in line
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
