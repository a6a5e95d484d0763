"""`backbuddy guide` killed with SIGKILL at every write it makes (red team, session 12; I7, I8).

One process imports backbuddy once and forks a `guide --events -` run per kill point, so a
run costs a fork, not an interpreter: each child counts the database commits it makes
(SQLAlchemy's own commit and check-in events; backbuddy's code is untouched) and kills
itself with SIGKILL just after the Nth write commit (before its caller gets control back,
so before anything is shown), or just before the first. N runs over every commit a whole
session makes: the store created, the screening stored, the session begun, each step, the
symptom halt with the finish. After each kill the store must open, pass SQLite's integrity
check, hold every cue the child had printed (what was acknowledged), read the session back as
interrupted once the next start marks it (or as finished when its finish was committed),
and, when the symptom was stored, block the next session (I8).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain.errors import ScreeningBlocked
from backbuddy.domain.screening import load_questions
from backbuddy.services.screening import require_valid_screening, take_screening

CLEAR = Path(__file__).parents[1] / "data" / "screening" / "clear.yaml"
EVENTS = [
    {"t": 0, "event": "begin"},
    {"t": 1, "event": "ready"},
    {"t": 2, "event": "ready"},
    {"t": 3, "event": "stop", "source": "button"},
    {"t": 4, "event": "resume"},
    {"t": 5, "event": "sensation", "sensation": "numbness"},
]

ZYGOTE = r"""
import json, os, signal, sys
import sqlalchemy as sa
from backbuddy.adapters.sql_engine import WRITE
from backbuddy.cli.main import build_app, run

build_app()  # every command's imports, once, before the forks

clear, events, work = sys.argv[1:4]
count = {"n": 0, "at": 0, "after": False, "armed": False}

def on_commit(conn):
    if not conn.get_execution_options().get(WRITE):
        return  # a read's transaction: nothing written
    count["n"] += 1
    if count["n"] == count["at"]:
        if not count["after"]:
            os.kill(os.getpid(), signal.SIGKILL)
        count["armed"] = True

def on_checkin(dbapi_conn, record):
    if count["armed"]:
        os.kill(os.getpid(), signal.SIGKILL)

sa.event.listen(sa.engine.Engine, "commit", on_commit)
sa.event.listen(sa.pool.Pool, "checkin", on_checkin)
runs = []
for at in range(1, 200):
    finished = False
    # Just after every commit; just before the first (the store's creation) too. Before any
    # later one is after the one before it, as far as anything stored or shown goes.
    for after in (False, True) if at == 1 else (True,):
        db = f"{work}/{at}{'b' if after else 'a'}.sqlite3"
        said = f"{db}.out"
        pid = os.fork()
        if pid == 0:
            count.update(at=at, after=after)
            fd = os.open(said, os.O_WRONLY | os.O_CREAT)
            os.dup2(fd, 1)
            os.dup2(os.open(events, os.O_RDONLY), 0)
            sys.stdout = open(1, "w", buffering=1)  # each line out as it is printed
            sys.stdin = open(0)
            args = ["guide", "seated_hug_extension", "--events", "-", "--json"]
            try:
                run([*args, "--screening-answers", clear, "--db", f"sqlite:///{db}"])
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        runs.append({"at": at, "after": after, "db": db, "said": said, "killed": killed})
        finished = finished or not killed
    if finished:
        break
print(json.dumps(runs), flush=True)
"""


def _kill_at_every_commit(work: Path) -> list[dict[str, object]]:
    """Each run: the commit it was killed at, before or after it, its database and output."""
    events = work / "events.jsonl"
    events.write_text("".join(json.dumps(e) + "\n" for e in EVENTS))
    done = subprocess.run(
        [sys.executable, "-c", ZYGOTE, str(CLEAR), str(events), str(work)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found: list[dict[str, object]] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_what_was_shown_is_stored_the_store_opens_and_a_stored_symptom_blocks(
    tmp_path: Path,
) -> None:
    runs = _kill_at_every_commit(tmp_path)
    points = {r["at"] for r in runs if r["killed"] and r["after"]}
    assert not runs[-1]["killed"]  # the last point was past the session's last commit
    assert len(points) >= 9, [(r["at"], r["after"]) for r in runs]  # store, screening, steps
    answers = {q.id: False for q in load_questions().questions}
    for run in runs:
        where = f"killed at commit {run['at']} ({'after' if run['after'] else 'before'})"
        shown = [json.loads(line) for line in Path(str(run["said"])).read_text().splitlines()]
        if not Path(str(run["db"])).exists():
            assert not shown, where  # nothing was stored, so nothing may have been shown
            continue
        with SqlStore(f"sqlite:///{run['db']}") as store:
            with store._engine.connect() as conn:  # noqa: SLF001 - SQLite's own check
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok", where
            later = datetime.now(UTC) + timedelta(minutes=1)
            marked = store.mark_interrupted(later)
            sessions = store.sessions()
            if not sessions:
                assert not shown, where
                continue
            (record,) = sessions
            stored = [(c.t, c.kind, c.text) for _, c in store.cues(record.id)]
            assert stored[: len(shown)] == [(s["t"], s["kind"], s["text"]) for s in shown], where
            felt = any(
                isinstance(e, ev.Sensation) and e.sensation == "numbness"
                for e in store.events(record.id)
            )
            if run["killed"] and not felt:
                assert marked == [record.id], where
                assert store.sessions()[0].status == "interrupted", where
            else:  # the symptom was stored with the finish (one transaction)
                assert (record.status, record.end_reason) == ("halted", "symptom"), where
            if felt or any(s["kind"] == "halt" and "symptom" in s.get("reason", "") for s in shown):
                assert felt, where  # a symptom halt shown is stored
                take_screening(store, "seated_hug_extension", answers, later)
                with pytest.raises(ScreeningBlocked):
                    require_valid_screening(store, "seated_hug_extension", later)
