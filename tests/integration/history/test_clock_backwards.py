"""A computer clock set back (a fast clock corrected, a wrong date fixed by hand) must not lift
a block on the person (I1, I8): records stamped "later than now" still hold.

The rules read only records up to `now`, so a red flag answered at 09:00 vanished once the
clock read 08:00: a clean re-screen then cleared the receiver, and a symptom halt no longer
blocked. Real SQLite file, the services the web app and the CLI call.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain import session
from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import ScreeningBlocked
from backbuddy.domain.screening import load_questions
from backbuddy.services.escalation import StartBlocked, check_can_start, person_blocks
from backbuddy.services.screening import require_valid_screening, take_screening
from backbuddy.services.session_runner import SessionRunner

T = "seated_hug_extension"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
BACK = T0 - timedelta(hours=1)  # the clock after it was set back
QUESTIONS = load_questions()


def answers(**yes: object) -> dict[str, object]:
    return {q.id: q.negative for q in QUESTIONS.questions} | yes


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    with SqlStore(f"sqlite:///{tmp_path / 'clock.sqlite3'}") as opened:
        yield opened


@pytest.mark.parametrize(
    ("flag", "outcome"),
    [({"chest_pain": True}, "block_emergency"), ({"cracked_today": True}, "block_refer")],
    ids=["red flag", "cracked today (a 24 h wait)"],
)
def test_a_block_answered_before_the_clock_went_back_still_holds(
    store: SqlStore, flag: dict[str, object], outcome: str
) -> None:
    _, first = take_screening(store, T, answers(**flag), T0, tz=UTC)
    assert first.outcome == outcome
    _, again = take_screening(store, T, answers(), BACK, tz=UTC)
    assert again.outcome == outcome
    with pytest.raises(ScreeningBlocked):
        require_valid_screening(store, T, BACK + timedelta(minutes=1), tz=UTC)


def test_a_symptom_halt_before_the_clock_went_back_still_blocks(store: SqlStore) -> None:
    _, clear = take_screening(store, T, answers(), T0 - timedelta(minutes=5), tz=UTC)
    runner = SessionRunner.start(store, session.new_session(tech.get(T), clear), None, T0)
    for event in [ev.Begin(0.0, at=T0), ev.Sensation(2.0, "numbness")]:
        runner.handle(event, T0 + timedelta(seconds=event.t))
    assert [s.end_reason for s in store.sessions()] == ["symptom"]
    assert [b.kind for b in person_blocks(store, BACK, UTC)] == ["symptom"]
    _, again = take_screening(store, T, answers(), BACK, tz=UTC)
    assert again.outcome == "block_refer"


def test_a_session_before_the_clock_went_back_still_counts_and_its_pop_still_rests(
    store: SqlStore,
) -> None:
    """I8 (1 a day) and I6 (a pop rests the region ≥ 20 min) across a clock set back."""
    _, clear = take_screening(store, T, answers(), T0 - timedelta(minutes=5), tz=UTC)
    runner = SessionRunner.start(store, session.new_session(tech.get(T), clear), None, T0)
    for event in [ev.Begin(0.0, at=T0), ev.Pop(3.0), ev.End(4.0)]:
        runner.handle(event, T0 + timedelta(seconds=event.t))
    _, again = take_screening(store, T, answers(), BACK, tz=UTC)
    assert again.allows_session
    with pytest.raises(StartBlocked) as refused:
        check_can_start(store, T, BACK + timedelta(minutes=1), tz=UTC)
    assert {b.rule for b in refused.value.notices} >= {"frequency", "pop_rest"}
