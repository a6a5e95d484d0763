"""I7 under the live server's group commit, for real: a process killed with SIGKILL.

The child runs a camera session the way the server does (`SessionRunner` with
`group_s = GROUP_S` over a SQLite file): set-up, quiet poses, a STOP, more quiet
poses, a sensation of numbness (a symptom halt), then quiet poses it has not
flushed yet, and says what it handled. After the kill, the store holds every
event up to the symptom in order, with every cue shown; what is missing is only
the quiet poses that came after the last cue, within the group window.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from backbuddy.adapters.sql_store import SqlStore

CHILD = """
import json, sys, time
from datetime import UTC, datetime
from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev, session, techniques
from backbuddy.domain.screening import ScreeningResult
from backbuddy.services.session_runner import GROUP_S, SessionRunner
from datetime import timedelta

now = datetime.now(UTC)
tid = "seated_hug_extension"
screening = ScreeningResult(tid, "clear", (), now - timedelta(minutes=5), now + timedelta(hours=1))
state = session.new_session(techniques.get(tid), screening)
runner = SessionRunner.start(SqlStore(sys.argv[1]), state, None, now, camera=True)
runner.group_s = GROUP_S
events = [ev.Begin(0.0, at=now, camera=True), ev.Ready(0.5), ev.Ready(1.0)]
events += [ev.Pose(1.0 + k / 30) for k in range(1, 30)]
events += [ev.Stop(2.0, source="button")]
events += [ev.Pose(2.0 + k / 30) for k in range(1, 10)]
events += [ev.Sensation(2.5, sensation="numbness")]
events += [ev.Pose(2.5 + k / 30) for k in range(1, 4)]  # 0.1 s: inside the group window
shown, handled = [], []
for event in events:
    seq = runner.seq
    cues = runner.handle(event, now)
    if runner.seq > seq:
        handled.append(event.kind)
    shown += [c.kind for c in cues]
print(json.dumps({"handled": handled, "shown": shown, "waiting": runner.pending}), flush=True)
time.sleep(60)
"""


def test_sigkill_under_group_commit_loses_only_quiet_poses_after_the_last_cue(tmp_path) -> None:
    db = f"sqlite:///{tmp_path / 'group.sqlite3'}"
    child = subprocess.Popen([sys.executable, "-c", CHILD, db], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    said = json.loads(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)

    with SqlStore(db) as store:
        (record,) = store.sessions()
        kinds = [e.kind for e in store.events(record.id)]
        cues = [c.kind for _, c in store.cues(record.id)]
    assert said["waiting"] > 0  # the test kills with poses really unflushed
    assert kinds == said["handled"][: len(kinds)]  # a prefix, in order
    assert kinds.count("stop") == 1
    assert kinds.count("sensation") == 1
    lost = said["handled"][len(kinds) :]
    assert lost == ["pose"] * said["waiting"]
    assert "halt" in cues
    assert cues == said["shown"]  # every cue shown is stored
