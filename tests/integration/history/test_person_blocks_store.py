"""Blocks on the person through the real store, SQLite and PostgreSQL (issue 11, items 3 and 4).

Each test is what a pair does over days: screen, re-screen, run a session that a
symptom stops, record a professional's visit; the services read the stored history
back and refuse or allow as the end rules say.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain import session
from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import ScreeningBlocked
from backbuddy.domain.screening import load_questions
from backbuddy.services import seen as seen_service
from backbuddy.services.escalation import current_notices, person_blocks
from backbuddy.services.screening import (
    HELD_SUMMARY,
    HOLDS,
    blocked_message,
    require_valid_screening,
    take_screening,
)
from backbuddy.services.session_runner import SessionRunner

T, L = "seated_hug_extension", "side_lying_rotation"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
QUESTIONS = load_questions()


def answers(**yes: object) -> dict[str, object]:
    return {q.id: q.negative for q in QUESTIONS.questions} | yes


def screen(store: SqlStore, technique: str, at: datetime, **yes: object):  # type: ignore[no-untyped-def]
    return take_screening(store, technique, answers(**yes), at, tz=UTC)


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    with SqlStore(db_url) as opened:
        yield opened


def test_a_red_flag_then_no_everywhere_still_blocks_both_techniques(store: SqlStore) -> None:
    _, first = screen(store, T, T0, saddle_numbness=True)
    assert first.outcome == "block_emergency"

    sid, again = screen(store, T, T0 + timedelta(minutes=2))
    assert again.outcome == "block_emergency"
    (reason,) = again.reasons
    assert (reason.id, reason.held_since, reason.contradicted) == ("saddle_numbness", T0, True)
    assert reason.held is not None
    assert reason.held.startswith("Earlier today, at 09:00, you answered “yes” to “Any new")
    assert "still holds until a physiotherapist, chiropractor or doctor" in reason.held
    assert store.latest_screening(T, T0 + timedelta(minutes=3)) == (sid, again)

    with pytest.raises(ScreeningBlocked) as refused:  # the other technique, never screened
        require_valid_screening(store, L, T0 + timedelta(minutes=3), tz=UTC)
    assert refused.value.exit_code == 4
    _, other = screen(store, L, T0 + timedelta(minutes=4))
    assert other.outcome == "block_emergency"

    current_notices(store, T0 + timedelta(minutes=5), UTC)
    rules = [n.rule for n in store.notices()]
    assert rules.count("red_flag") == 1
    assert rules.count("contradiction") == 2
    assert all(n.blocks for n in store.notices() if n.rule in ("red_flag", "contradiction"))


def test_a_refer_block_ends_only_with_a_recorded_visit(store: SqlStore) -> None:
    screen(store, L, T0, cancer_history=True)
    day2 = T0 + timedelta(days=1)
    _, again = screen(store, T, day2)
    assert again.outcome == "block_refer"
    text = blocked_message(again, QUESTIONS, UTC)
    assert text.startswith(f"{HELD_SUMMARY} On 20 Nov 2026 at 09:00, you answered “yes”")
    assert HOLDS in text

    day3 = T0 + timedelta(days=2)
    for seen_on, confirmed, why in (
        (day3.date(), False, "please confirm first"),
        (day3.date() + timedelta(days=1), True, "is in the future"),
        (T0.date() - timedelta(days=1), True, "is before the block it should clear"),
    ):
        with pytest.raises(seen_service.SeenRefused, match=why):
            seen_service.record_seen(store, seen_on, day3, confirmed=confirmed, tz=UTC)
    assert store.seen() == []

    done = seen_service.record_seen(store, day2.date(), day3, confirmed=True, tz=UTC)
    assert [b.id for b in done.cleared] == ["cancer_history"]
    assert done.remaining == ()
    assert store.seen()[0].statement.startswith("A physiotherapist, chiropractor or doctor")
    _, clean = screen(store, T, day3 + timedelta(minutes=1))
    assert clean.outcome == "clear"
    assert require_valid_screening(store, T, day3 + timedelta(minutes=2), tz=UTC)[1] == clean


def test_cracked_today_is_a_wait_of_24_hours_and_not_a_referral(store: SqlStore) -> None:
    screen(store, T, T0, cracked_today=True)
    _, again = screen(store, L, T0 + timedelta(hours=23))
    (reason,) = again.blocking
    assert (again.outcome, reason.until, reason.contradicted) == (
        "block_refer",
        T0 + timedelta(hours=24),
        True,
    )
    assert not again.needs_professional
    text = blocked_message(again, QUESTIONS, UTC)
    assert "that still holds until 09:00 today." in text
    assert "This is not a referral" in text
    assert HOLDS not in text
    assert "Please talk to" not in text
    with pytest.raises(seen_service.SeenRefused, match="nothing waits for a professional"):
        seen_service.record_seen(store, T0.date(), T0 + timedelta(hours=23), confirmed=True)
    _, later = screen(store, L, T0 + timedelta(hours=24, minutes=1))
    assert later.outcome == "clear"
    current_notices(store, T0 + timedelta(hours=25), UTC)
    assert {n.rule for n in store.notices()} >= {"rest_day", "contradiction"}


def run(store: SqlStore, at: datetime, events: list[ev.Event]) -> int:
    """A real session through the engine and the runner, cleared by a screening first."""
    _, result = screen(store, T, at - timedelta(minutes=5))
    state = session.new_session(tech.get(T), result)
    runner = SessionRunner.start(store, state, None, at)
    for event in [ev.Begin(0.0, at=at), *events]:
        runner.handle(event, at + timedelta(seconds=event.t))
    return runner.session_id


@pytest.mark.parametrize(
    "events",
    [
        [ev.Sensation(2.0, "numbness")],
        [ev.End(1.0), ev.Sensation(30.0, "dizziness")],  # felt after the end
    ],
    ids=["during", "after the end"],
)
def test_a_symptom_blocks_every_later_session_until_a_visit_is_recorded(
    store: SqlStore, events: list[ev.Event]
) -> None:
    sid = run(store, T0, events)
    (record,) = store.sessions()
    assert (record.id, record.end_reason) == (sid, "symptom")

    next_day = T0 + timedelta(days=1)
    _, result = screen(store, L, next_day)
    assert result.outcome == "block_refer"
    assert [r.id for r in result.reasons] == ["symptom_halt"]
    with pytest.raises(ScreeningBlocked, match="backbuddy seen --date") as refused:
        require_valid_screening(store, T, next_day, tz=UTC)
    assert refused.value.exit_code == 3
    notices = current_notices(store, next_day, UTC)
    assert any(n.rule == "symptom_halt" and n.blocks for n in notices)

    seen_service.record_seen(store, next_day.date(), next_day, confirmed=True, tz=UTC)
    assert person_blocks(store, next_day + timedelta(minutes=1), UTC) == ()
    _, clean = screen(store, T, next_day + timedelta(minutes=1))
    assert clean.outcome == "clear"


def test_a_symptom_stored_before_a_crash_still_blocks(store: SqlStore) -> None:
    sid = store.start_session(T, None, T0, camera=False)
    store.append_event(sid, 0, ev.Begin(0.0, at=T0))
    store.append_event(sid, 1, ev.Sensation(3.0, "weakness"))
    store.finish_session(sid, "interrupted", T0, 0, "backbuddy stopped before the session ended")

    with pytest.raises(ScreeningBlocked):
        require_valid_screening(store, L, T0 + timedelta(days=1), tz=UTC)
