"""I1 during a session, across processes: a red flag (or a new caution) answered in a
terminal (`backbuddy screen`, its own process) ends the session a real web server is running
over the same store, SQLite file or PostgreSQL database.

The server looks at the store's screenings about once a second (`Registry.watch_screenings`);
the session's page hears the system's STOP and why, and the store holds the stop.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.support.page_socket import page, wait_for
from tests.support.servers import Server, start_server

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.config import db_url
from backbuddy.domain.screening import load_questions

pytestmark = pytest.mark.slow

TECHNIQUE = "seated_hug_extension"


def screen_in_a_terminal(url: str, tmp: Path, **answers: str) -> subprocess.CompletedProcess[str]:
    """`backbuddy screen` in its own process, answering from a file."""
    given = {q.id: "no" for q in load_questions().questions} | answers
    file = tmp / "answers.yaml"
    file.write_text(yaml.safe_dump(given))
    cli = Path(sys.executable).with_name("backbuddy")
    command = [str(cli), "screen", TECHNIQUE, "--answers", str(file), "--db", url]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def halted_by_a_red_flag_elsewhere(server: Server, url: str, tmp: Path) -> None:
    with page(server, 1) as ws:
        done = screen_in_a_terminal(url, tmp, chest_pain="yes")
        assert done.returncode != 0, done.stdout  # the terminal shows the emergency message
        seen: dict[str, dict[str, Any]] = {}

        def both(m: dict[str, Any]) -> bool:  # the reason is told, then the halt comes
            if m["type"] == "error" or (m["type"] == "cues" and m["cues"][:1] != []):
                seen.setdefault(m["type"], m)
            return len(seen) == 2

        wait_for(ws, both)
        assert seen["cues"]["cues"][0]["kind"] == "halt"
        told = seen["error"]
        assert told["code"] == "screening_blocked"
        assert "isn't suitable" in told["message"]
        assert not told["fatal"]
    with SqlStore(url) as store:
        stops = [e for e in store.events(1) if e.kind == "stop"]
    assert stops[0].source == "system"


def ended_by_a_new_caution_elsewhere(server: Server, url: str, tmp: Path) -> None:
    with page(server, 1) as ws:
        done = screen_in_a_terminal(url, tmp, anticoagulants="yes")
        assert done.returncode == 0, done.stderr  # a caution: a gentler session may start
        told = wait_for(ws, lambda m: m["type"] == "error")
        assert told["code"] == "screening_changed"
        assert "answered again" in told["message"]
        wait_for(ws, lambda m: m["type"] == "state" and m["mode"] == "ended")
    with SqlStore(url) as store:
        ended = store.sessions()[-1]
    assert (ended.status, ended.end_reason) == ("screened_out", "screening")
    history = subprocess.run(
        [str(Path(sys.executable).with_name("backbuddy")), "history", "--db", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "ended by backbuddy" in history.stdout


def left_running_by_a_clear_one_elsewhere(server: Server, url: str, tmp: Path) -> None:
    with page(server, 1) as ws:
        done = screen_in_a_terminal(url, tmp)
        assert done.returncode == 0, done.stderr
        time.sleep(3.0)  # past the server's next looks at the store
        ws.send(json.dumps({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": "r"}))
        answer = wait_for(ws, lambda m: m.get("ref") == "r")
        assert all(c["kind"] != "halt" for c in answer["cues"])
    with SqlStore(url) as store:
        assert [e.kind for e in store.events(1)][:2] == ["begin", "ready"]


def test_a_red_flag_answered_in_a_terminal_halts_the_web_session(tmp_path: Path) -> None:
    server = start_server(tmp_path, camera=False, grace=30.0, live=1)
    try:
        halted_by_a_red_flag_elsewhere(server, db_url(server.db), tmp_path)
    finally:
        server.kill()


def test_a_caution_answered_in_a_terminal_ends_the_web_session_set_up_without_it(
    tmp_path: Path,
) -> None:
    """Red-team review: a new caution (blood thinners: lighter pressure, gentler limits)
    answered in another process ended nothing; the session went on with its wider limits.
    It ends now, says why, and history says who ended it (not "ended by the pair")."""
    server = start_server(tmp_path, camera=False, grace=30.0, live=1)
    try:
        ended_by_a_new_caution_elsewhere(server, db_url(server.db), tmp_path)
    finally:
        server.kill()


def test_a_clear_screening_in_a_terminal_leaves_the_web_session_running(tmp_path: Path) -> None:
    server = start_server(tmp_path, camera=False, grace=30.0, live=1)
    try:
        left_running_by_a_clear_one_elsewhere(server, db_url(server.db), tmp_path)
    finally:
        server.kill()


@pytest.mark.postgres
def test_a_red_flag_answered_in_a_terminal_halts_the_web_session_on_postgres(
    tmp_path: Path, pg_url: str
) -> None:
    server = start_server(tmp_path, camera=False, grace=30.0, live=1, db=pg_url)
    try:
        halted_by_a_red_flag_elsewhere(server, pg_url, tmp_path)
    finally:
        server.kill()
