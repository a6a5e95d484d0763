"""A full disk under a running session (red team, session 12; I7): a real SQLite file on a
real 1 MiB tmpfs, filled by a real file, in a mount namespace of its own (`unshare`).

What a person must get: a clear error that names the database and says the disk is full;
nothing stored before it lost; the server goes on serving (reads, a clear refusal to start);
and the session that can no longer be recorded is over: it is not guided on unrecorded
(design.md I7: "every event is durably stored before its cues are sent"; a session that
cannot be recorded cannot be guided), and a page coming back to it once space is freed
finds it ended, never its movement going on from where it was. The child does the
session, prints what it saw as JSON; the asserts are here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

CHILD = r"""
import asyncio, contextlib, json, os, sys
from datetime import UTC, datetime
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests/support"]
from tests.support.live_sessions import start_live
from backbuddy.bootstrap import open_store
from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain.errors import StoreError
from backbuddy.domain.screening import load_questions
from backbuddy.services.escalation import StartBlocked, check_can_start
from backbuddy.services.screening import take_screening
from backbuddy.web.registry import Registry

disk = sys.argv[2]
# Only ever fill the small disk made for this run, never the one it was meant to spare.
size = os.statvfs(disk).f_blocks * os.statvfs(disk).f_frsize
if not os.path.ismount(disk) or size > 2 << 20:
    sys.exit(f"{disk} is not a small disk of its own ({size} bytes): refusing to fill it")
settings = Settings(db=f"{disk}/backbuddy.sqlite3")
opened = open_store(settings)
registry = Registry(settings, opened.store, None, grace_s=30.0)
out = {}

def fill():
    # Every byte left, in one file: the next page SQLite needs has nowhere to go.
    with open(f"{disk}/filler", "wb", buffering=0) as f, contextlib.suppress(OSError):
        for _ in range(1024):  # at most 4 MiB: the disk has 1
            f.write(b"\0" * 4096)

async def main():
    (sid,) = start_live(registry, [False])
    live = registry.sessions[sid]
    heard, hung = [], []
    live.page_back(heard.append, lambda: hung.append(1))
    await live.apply(ev.Ready(live.clock()))
    await live.apply(ev.Ready(live.clock()))
    live.start_ticking()
    out["mode_before"] = live.runner.state.mode
    out["stored_before"] = len(opened.store.events(sid))
    fill()
    # The page's next event (or the next tick that must be written) cannot be recorded.
    try:
        await live.apply(ev.Sensation(live.clock(), sensation="comfortable_stretch"))
    except StoreError as err:
        live.store_failed(err)  # what the socket does (`session_socket._on_event`)
    errors = [m for m in heard if isinstance(m, dict) and m.get("type") == "error"]
    out["errors"] = errors
    out["hung_up"] = bool(hung)
    if hung:  # the socket closes: the page is gone
        await live.page_gone("the page closed mid-session")
    # The server goes on serving while the disk is full: reads, and a clear refusal.
    out["sessions_read"] = len(opened.store.sessions())
    out["events_after"] = len(opened.store.events(sid))
    answers = {q.id: False for q in load_questions().questions}
    try:
        take_screening(opened.store, "seated_hug_extension", answers, datetime.now(UTC))
        out["screening_while_full"] = "stored"
    except StoreError as err:
        out["screening_while_full"] = str(err)
    os.remove(f"{disk}/filler")  # space again
    # A reload of the session page within the grace period: it comes back to `sid`.
    back = registry.get(sid)
    out["reattach"] = None if back is None or back.gone else back.runner.state.mode
    if back is not None and not back.gone:
        again = []
        back.page_back(again.append, lambda: None)
        back.start_ticking()
        await asyncio.sleep(6.0)  # a breath phase or two
        out["cues_after_reload"] = [
            c["kind"] for m in again if m.get("type") == "cues" for c in m["cues"]
        ]
        await back.interrupt_now("the test is over")
    else:
        await asyncio.sleep(0.5)  # the session's worker tried its interrupted record: refused
        out["unrecorded_left"] = registry.record_unrecorded()  # the watch's next turn
    take_screening(opened.store, "seated_hug_extension", answers, datetime.now(UTC))
    try:
        check_can_start(opened.store, "seated_hug_extension", datetime.now(UTC))
        out["start_after"] = "allowed"
    except StartBlocked as err:
        out["start_after"] = "blocked: " + str(err)
    (record,) = [s for s in opened.store.sessions() if s.id == sid]
    out["status"], out["end_reason"] = record.status, record.end_reason
    out["db_path"] = opened.store.where

asyncio.run(main())
opened.store.close()
print(json.dumps(out), flush=True)
"""


def _in_a_small_disk(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `ARGS... DISK` with DISK a fresh 1 MiB tmpfs of its own."""
    disk = tmp_path / "disk"
    disk.mkdir()
    script = 'd="$1"; shift; mount -t tmpfs -o size=1m backbuddy-full "$d" && exec "$@" "$d"'
    command = ["unshare", "-rm", "sh", "-c", script, "sh", str(disk), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.fixture
def small_disk(tmp_path: Path) -> Path:
    """Skips, saying why, where no mount namespace can be made (a container without
    CAP_SYS_ADMIN or user namespaces): there is no other way to a real full disk."""
    if shutil.which("unshare") is None:
        pytest.skip("a real full disk needs util-linux's unshare (not installed)")
    (tmp_path / "probe").mkdir()
    probe = _in_a_small_disk(tmp_path / "probe", "true")
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (unshare -rm: {probe.stderr.strip()})")
    return tmp_path


def test_a_full_disk_stops_the_session_clearly_and_the_server_serves_on(small_disk: Path) -> None:
    (small_disk / "run").mkdir()
    run = _in_a_small_disk(small_disk / "run", sys.executable, "-c", CHILD, str(ROOT))
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    place = seen["db_path"]
    (error,) = seen["errors"]
    assert (error["code"], error["fatal"]) == ("store_failed", True)
    assert "the disk is full; free some space" in error["message"]
    assert place in error["message"]
    assert seen["hung_up"]  # the page is told, then let go: it halts at once
    assert seen["events_after"] == seen["stored_before"] == 3  # nothing stored is lost
    assert seen["sessions_read"] == 1  # the server still reads while the disk is full
    assert seen["screening_while_full"].startswith(f"{place}: cannot save the screening: the disk")
    # A reload once there is room again finds no session to go on with (before the fix:
    # the engine still mid-attempt, and the page got ['pace', 'move']).
    assert seen["reattach"] is None, seen.get("cues_after_reload")
    # The store writes again, and the cut-short session still counts (I8).
    assert seen["start_after"].startswith("blocked: There has already been 1 session today")
    # Recorded interrupted once there is room (before: "running" for the server's life).
    assert seen["unrecorded_left"] == 0
    assert seen["status"] == "interrupted"
    assert "could not record the session" in seen["end_reason"]


#: Keeps a numbness write in the journal, fills the disk but for two pages, then tries to
#: keep a sharp pain whose line is larger than that.
JOURNAL_CHILD = r"""
import json, os, sys
from pathlib import Path
sys.path[:0] = [sys.argv[1]]
from backbuddy.adapters.sql_journal import Journal, Unstored
from backbuddy.domain import events as ev
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import JournalError
from backbuddy.domain.ports import StoredStep

disk = sys.argv[2]
size = os.statvfs(disk).f_blocks * os.statvfs(disk).f_frsize
if not os.path.ismount(disk) or size > 2 << 20:
    sys.exit(f"{disk} is not a small disk of its own ({size} bytes): refusing to fill it")
journal = Journal(Path(disk) / "backbuddy.sqlite3.unstored")
journal.append(Unstored(1, (StoredStep(1, ev.Sensation(1.0, sensation="numbness")),)))
kept = journal.path.read_bytes()
filler = f"{disk}/filler"
with open(filler, "wb", buffering=0) as f:
    try:
        for _ in range(1024):  # at most 4 MiB: the disk has 1
            f.write(b"\0" * 4096)
    except OSError:
        pass
os.truncate(filler, os.path.getsize(filler) - 8192)
pain = Cue(2.0, "halt", "x" * 65536, reason="symptom:sharp_pain")
big = Unstored(2, (StoredStep(1, ev.Sensation(2.0, sensation="sharp_pain"), (pain,)),))
out = {}
try:
    journal.append(big)
    out["error"] = None
except JournalError as err:
    out["error"] = str(err)
out["whole_lines"] = journal.path.read_bytes() == kept
try:
    out["entries"] = [w.session_id for w in journal.entries()]
except JournalError as err:
    out["entries"] = str(err)
print(json.dumps(out), flush=True)
"""


def test_a_journal_line_the_disk_filled_mid_way_is_an_error_and_is_cut_back(
    small_disk: Path,
) -> None:
    """Before: a short write (the disk full part-way through the line) was taken for
    success: the store said the symptom was kept when only part of its line was, and the
    torn line then stopped the store from opening."""
    (small_disk / "run").mkdir()
    run = _in_a_small_disk(small_disk / "run", sys.executable, "-c", JOURNAL_CHILD, str(ROOT))
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["error"] is not None, seen
    assert "cannot keep what the database did not take (session 2)" in seen["error"]
    assert "No space left on device" in seen["error"]
    assert seen["whole_lines"]  # the part written was cut back off
    assert seen["entries"] == [1]  # the numbness kept before is still read
