"""Aftercare answers are checked whole before anything is stored; each error names the answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backbuddy.services.aftercare import (
    AFTER_SESSION,
    NEXT_START,
    AftercareInputError,
    parse_answers,
)

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("check", "answers", "message"),
    [
        ("after_session", {"feel": "great"}, "'feel' must be one of"),
        ("after_session", {"new_symptoms": []}, "'feel' is missing"),
        ("after_session", {"feel": "same", "mood": "ok"}, "unknown aftercare answer.*mood"),
        ("after_session", {"feel": "same", "new_symptoms": ["itch"]}, "unknown symptom"),
        ("after_session", {"feel": "same", "new_symptoms": 3}, "must be a list"),
        ("next_start", {"soreness_over_day": "maybe", "felt_need_most_days": False}, "yes or no"),
    ],
)
def test_bad_answers_are_refused_by_name(
    check: str, answers: dict[str, object], message: str
) -> None:
    with pytest.raises(AftercareInputError, match=message):
        parse_answers(check, answers, T0)  # type: ignore[arg-type]


def test_good_answers_become_a_fact() -> None:
    fact = parse_answers(
        "after_session", {"feel": "better", "new_symptoms": ["tingling", "tingling"]}, T0, 4
    )
    assert (fact.feel, fact.symptoms, fact.session_id) == ("better", ("tingling",), 4)
    fact = parse_answers(
        "next_start",
        {"soreness_over_day": "No", "new_symptoms": "other", "felt_need_most_days": True},
        T0,
    )
    assert (fact.soreness_over_day, fact.symptoms, fact.felt_need_most_days) == (
        False,
        ("other",),
        True,
    )


def test_both_checks_ask_about_new_symptoms() -> None:
    assert "new_symptoms" in {q.id for q in AFTER_SESSION}
    assert "new_symptoms" in {q.id for q in NEXT_START}
