"""I7 for real: a `backbuddy guide` process killed with SIGKILL mid-session.

Every cue the process printed was committed with its event first, so nothing it
showed is lost; at the next start the session reads back as interrupted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from backbuddy.adapters.sql_store import SqlStore

CLEAR = Path(__file__).parents[1] / "data" / "screening" / "clear.yaml"
BIN = Path(sys.executable).parent / "backbuddy"


def headless_guide(technique: str, db: str) -> subprocess.Popen[str]:
    """`backbuddy guide TECHNIQUE --events -` as its own process, fed through a pipe."""
    args = ["guide", technique, "--events", "-", "--json", "--screening-answers", str(CLEAR)]
    return subprocess.Popen(
        [str(BIN), *args, "--db", db],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_mid_session_loses_nothing_shown_and_reads_back_interrupted(tmp_path):
    db = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    proc = headless_guide("seated_hug_extension", db)
    assert proc.stdin is not None
    assert proc.stdout is not None
    events = [
        {"t": 0, "event": "begin"},
        {"t": 1, "event": "ready"},
        {"t": 2, "event": "ready"},
        {"t": 13, "event": "sensation", "sensation": "comfortable_stretch"},
    ]
    for event in events:
        proc.stdin.write(json.dumps(event) + "\n")
    proc.stdin.flush()
    shown = []
    while not shown or shown[-1]["t"] < 13:  # wait until the last event's cue is on screen
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "no output"
        shown.append(json.loads(line))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    with SqlStore(db) as store:
        (record,) = store.sessions()
        assert record.status == "running"  # nobody has looked yet
        stored_cues = [c for _, c in store.cues(record.id)]
        stored_kinds = [e.kind for e in store.events(record.id)]
        assert [(c.t, c.kind, c.text) for c in stored_cues] == [
            (s["t"], s["kind"], s["text"]) for s in shown
        ]
        assert stored_kinds[:3] == ["begin", "ready", "ready"]
        assert stored_kinds[-1] == "sensation"
        assert store.mark_interrupted(record.started_at.replace(year=2100)) == [record.id]
        assert store.sessions()[0].status == "interrupted"


def test_history_after_a_crash_reports_the_session_interrupted(tmp_path):
    db = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    proc = headless_guide("side_lying_rotation", db)
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(json.dumps({"t": 0, "event": "begin"}) + "\n")
    proc.stdin.flush()
    assert json.loads(proc.stdout.readline())["kind"] == "say"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    out = subprocess.run(
        [str(BIN), "history", "--json", "--db", db], capture_output=True, text=True, check=True
    )
    (row,) = json.loads(out.stdout)
    assert row["status"] == "interrupted"
