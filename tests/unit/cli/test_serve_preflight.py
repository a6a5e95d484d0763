"""`backbuddy serve` that cannot serve: one red line and exit 2, before it says it is running.

A store that cannot be opened (a read-only or full folder, a path through a file) and a
port another program holds used to print "backbuddy is running at …", then uvicorn's
traceback or its own log line, and exit 3 or 1.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from click.testing import Result


def _one_red_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "is running" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    return lines[0]


def test_a_store_that_cannot_open_is_one_red_line(
    backbuddy: Callable[..., Result], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    db = blocker / "backbuddy.sqlite3"  # its folder is a file: no one can create it
    line = _one_red_line(backbuddy("serve", "--no-browser", "--port", "1", "--db", str(db)))
    assert "cannot open the database" in line


def test_a_port_in_use_is_one_red_line(backbuddy: Callable[..., Result], tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        db = str(tmp_path / "b.sqlite3")
        line = _one_red_line(backbuddy("serve", "--no-browser", "--port", str(port), "--db", db))
    assert f"127.0.0.1:{port}" in line
    assert "--port" in line
