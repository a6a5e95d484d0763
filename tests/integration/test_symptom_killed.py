"""A process killed just after it stored a symptom still stops the sessions other processes
run (red team, session 10; I2, I8 across processes).

Other processes notice a symptom halt by the session's stored end reason
(`symptoms_mark`). The runner used to commit the symptom event, then finish the session in
a second transaction: a process dying in between left the event stored and the session
"running" with no reason, so no other process's watch ever moved. Now the ending step and the
finish are one transaction. A real process, on a SQLite file and on PostgreSQL, runs a
session through a store that kills it (kill -9) as soon as a commit holding the symptom
returns — a hook of this test, not of backbuddy; the guide's watch in this process, which had
already looked once, must then find the symptom.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from session_strategies import start

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain.ports import StoredStep
from backbuddy.services.felt_elsewhere import WATCH_S, StoreWatch
from backbuddy.services.session_runner import SessionRunner


def _felt(steps: Sequence[StoredStep]) -> bool:
    return any(isinstance(s.event, ev.Sensation) for s in steps)


class _DiesAfterTheSymptom(SqlStore):
    """Kill -9 right after any commit that holds the symptom, before anything else runs."""

    def append_steps(self, session_id: int, steps: Sequence[StoredStep]) -> None:
        super().append_steps(session_id, steps)
        if _felt(steps):
            os.kill(os.getpid(), signal.SIGKILL)

    def finish_session(self, *args: Any, **kwargs: Any) -> None:
        super().finish_session(*args, **kwargs)
        if _felt(kwargs.get("steps", args[5] if len(args) > 5 else ())):
            os.kill(os.getpid(), signal.SIGKILL)


def _feel_and_die(url: str, began: datetime) -> None:
    store = _DiesAfterTheSymptom(url)
    runner = SessionRunner.start(store, start("seated_hug_extension", "clear"), None, began)
    runner.handle(ev.Sensation(1.0, sensation="numbness"), began + timedelta(seconds=1))


def test_a_process_killed_after_storing_a_symptom_still_stops_the_other_processes_session(
    db_url: str,
) -> None:
    began = datetime.now(UTC).replace(microsecond=0)
    with SqlStore(db_url) as guide:
        runner = SessionRunner.start(guide, start("side_lying_rotation", "clear"), None, began)
        watch = StoreWatch(guide, runner.session_id, "side_lying_rotation", None)
        assert watch.poll(WATCH_S, began) == ([], "")  # the guide has looked once
        child = mp.get_context("spawn").Process(target=_feel_and_die, args=(db_url, began))
        child.start()
        child.join(60)
        assert child.exitcode == -signal.SIGKILL, child.exitcode
        found, said = watch.poll(2 * WATCH_S, began + timedelta(seconds=2))
        assert [type(e).__name__ for e in found] == ["Sensation"], said
        assert isinstance(found[0], ev.Sensation)
        assert found[0].sensation == "numbness"
