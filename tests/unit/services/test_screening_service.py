"""The screening service: results are stored with their answers, and I1 is enforced."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain.errors import ScreeningBlocked, ScreeningInputError, ScreeningRequired
from backbuddy.domain.screening import load_questions
from backbuddy.services.screening import (
    blocked_message,
    check_allows,
    require_valid_screening,
    take_screening,
)

T, L = "seated_hug_extension", "side_lying_rotation"
NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
QUESTIONS = load_questions()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    """A real SQLite store: the service reads the history through it (no stand-in)."""
    with SqlStore(f"sqlite:///{tmp_path / 'screening.sqlite3'}") as opened:
        yield opened


def answers(**changes: object) -> dict[str, object]:
    return {q.id: q.negative for q in QUESTIONS.questions} | changes


def test_a_screening_is_stored_with_its_normalised_answers(store: SqlStore) -> None:
    sid, result = take_screening(store, T, answers(age_over_70=False), NOW, tz=UTC)
    assert sid == 1
    assert result.outcome == "clear"
    (stored,) = store.screenings()
    assert (stored.outcome, stored.reasons) == (result.outcome, result.reasons)
    assert stored.answers["age_over_70"] == "no"
    assert stored.role == "receiver"
    assert store.latest_screening(T, NOW) == (sid, result)


def test_without_a_store_nothing_is_stored_and_the_id_is_none() -> None:
    sid, result = take_screening(None, L, answers(chronic_pain=True), NOW)
    assert sid is None
    assert result.outcome == "caution"


def test_bad_answers_store_nothing(store: SqlStore) -> None:
    with pytest.raises(ScreeningInputError):
        take_screening(store, T, answers(chest_pain="perhaps"), NOW)
    assert store.screenings() == []


def test_validity_comes_from_the_caller() -> None:
    _, result = take_screening(None, T, answers(), NOW, valid_for=timedelta(minutes=45))
    assert result.valid_until == NOW + timedelta(minutes=45)


def test_a_clear_screening_this_sitting_lets_a_session_start(store: SqlStore) -> None:
    take_screening(store, T, answers(), NOW)
    sid, result = require_valid_screening(store, T, NOW + timedelta(hours=1))
    assert (sid, result.outcome) == (1, "clear")


def test_no_screening_means_screening_required(store: SqlStore) -> None:
    with pytest.raises(ScreeningRequired, match="run `backbuddy screen side_lying_rotation` first"):
        require_valid_screening(store, L, NOW)


def test_a_screening_from_an_earlier_sitting_does_not_count(store: SqlStore) -> None:
    take_screening(store, T, answers(), NOW)
    with pytest.raises(ScreeningRequired):
        require_valid_screening(store, T, NOW + timedelta(hours=2, minutes=1))


def test_a_screening_for_the_other_technique_does_not_count(store: SqlStore) -> None:
    take_screening(store, T, answers(), NOW)
    with pytest.raises(ScreeningRequired):
        require_valid_screening(store, L, NOW)


def test_a_refer_block_stops_the_session_with_exit_status_3(store: SqlStore) -> None:
    take_screening(store, L, answers(anticoagulants=True, chronic_pain=True), NOW)
    with pytest.raises(ScreeningBlocked) as err:
        require_valid_screening(store, L, NOW)
    assert err.value.exit_code == 3
    message = str(err.value)
    assert message.startswith("Some of your answers mean this routine isn't suitable today.")
    assert "see a physiotherapist, chiropractor or doctor" in message
    assert "12 weeks" not in message  # only the blocking reasons


def test_an_emergency_block_shows_the_emergency_message_only(store: SqlStore) -> None:
    take_screening(store, T, {"chest_pain": True}, NOW)
    with pytest.raises(ScreeningBlocked) as err:
        require_valid_screening(store, T, NOW)
    assert err.value.exit_code == 4
    assert str(err.value) == QUESTIONS.summaries["block_emergency"]


def test_check_allows_refuses_a_result_for_another_technique() -> None:
    _, result = take_screening(None, T, answers(), NOW)
    with pytest.raises(ScreeningRequired, match="was for seated_hug_extension, not side_lying"):
        check_allows(result, L, NOW)


def test_check_allows_refuses_an_expired_result() -> None:
    _, result = take_screening(None, T, answers(), NOW)
    with pytest.raises(ScreeningRequired, match="not valid now"):
        check_allows(result, T, NOW + timedelta(hours=3))
    check_allows(result, T, NOW + timedelta(hours=1))


def test_blocked_message_for_a_rest_day_says_wait() -> None:
    _, result = take_screening(None, T, answers(cracked_today=True), NOW, questions=QUESTIONS)
    assert "wait until 24 hours have passed" in blocked_message(result, QUESTIONS)
