"""`backbuddy screen` left after a red flag (end of input, Ctrl-C): the block is kept.

Real processes over a real SQLite file, as a user's terminal drives them: the receiver
answers "yes" to a referral question, then the questions are left. The block was
stored when it was answered, so a second screening answered "no" everywhere (another
process) is still "Not today", and no session can start for either technique.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain.errors import ScreeningBlocked
from backbuddy.domain.screening import Question, load_questions
from backbuddy.services.screening import require_valid_screening

T = "seated_hug_extension"
QUESTIONS = load_questions()
#: The first referral red flag asked (yes/no): answered "yes" in the first run.
FLAG = "cancer_history"
REFER = "see a physiotherapist, chiropractor or doctor"


def typed(q: Question, yes: bool = False) -> str:
    """What a person types at the prompt: y/n, or the number of the choice `no`."""
    if q.choices is None:
        return "y\n" if yes else "n\n"
    return f"{[c.id for c in q.choices].index('no') + 1}\n"


def up_to_the_flag() -> str:
    lines = []
    for q in QUESTIONS.questions:
        lines.append(typed(q, yes=q.id == FLAG))
        if q.id == FLAG:
            return "".join(lines)
    raise AssertionError(FLAG)


def screen(db: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "backbuddy.cli.main", "screen", T, "--db", db]
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def stored_count(db: str) -> int:
    with SqlStore(db) as store:
        return len(store.screenings())


@pytest.mark.parametrize("left_by", ["end of input", "ctrl-c"])
def test_a_red_flag_then_leaving_keeps_the_block_and_no_everywhere_stays_blocked(
    tmp_path: Path, left_by: str
) -> None:
    db = f"sqlite:///{tmp_path / 'left.sqlite3'}"
    first = screen(db)
    if left_by == "end of input":
        out, _ = first.communicate(up_to_the_flag(), timeout=120)
    else:
        assert first.stdin is not None
        assert first.stdout is not None
        first.stdin.write(up_to_the_flag())
        first.stdin.flush()
        # The block is stored when answered, before the next question: read up to the
        # line that says so, then press Ctrl-C at the next prompt.
        # A process that never says so is killed (a bound, not a timing), and this fails.
        guard = threading.Timer(60, first.kill)
        guard.start()
        seen = []
        try:
            while not seen or "The remaining questions follow." not in seen[-1]:
                line = first.stdout.readline()
                assert line, "".join(seen)
                seen.append(line)
        finally:
            guard.cancel()
        first.send_signal(signal.SIGINT)
        rest, _ = first.communicate(timeout=120)
        out = "".join(seen) + rest
    assert "Your answer is kept" in out, out
    assert REFER in out
    assert "Not today" in out
    assert first.returncode == 3, out

    if left_by == "end of input":  # a second process, "no" to every question
        again = screen(db)
        typed_no = "".join(typed(q) for q in QUESTIONS.questions)
        answered, _ = again.communicate(typed_no, timeout=120)
        assert "Not today" in answered, answered
        assert "Answering differently now does not lift it." in answered
        assert again.returncode == 3, answered
    with SqlStore(db) as store:
        for technique in QUESTIONS.techniques:
            with pytest.raises(ScreeningBlocked):
                require_valid_screening(store, technique, datetime.now(UTC))
