"""Screening properties over every possible set of answers (hypothesis).

- any answer that is an emergency for the technique gives block_emergency;
- the outcome is monotone: turning one "no" into any other answer never lessens it;
- the outcome is the most serious of the questions' own outcomes;
- no message a person reads ever names a condition;
- any malformed answer is a ScreeningInputError, never a crash.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backbuddy.domain.errors import ScreeningInputError
from backbuddy.domain.screening import (
    Answer,
    Question,
    Questionnaire,
    evaluate,
    load_questions,
    severity,
    worst,
)

QUESTIONS: Questionnaire = load_questions()
NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)

#: Words that would name a condition (clinical-facts.md section 6: never diagnose).
DIAGNOSIS_WORDS = (
    "cauda equina",
    "cancer",
    "tumour",
    "tumor",
    "malignan",
    "metasta",
    "fracture",
    "osteoporosis",
    "infection",
    "sepsis",
    "heart attack",
    "cardiac",
    "aortic",
    "aneurysm",
    "dissection",
    "stroke",
    "herniat",
    "slipped disc",
    "sciatica",
    "arthritis",
    "spondyl",
    "ehlers",
    "marfan",
    "syndrome",
    "you may have",
    "you might have",
)

techniques = st.sampled_from(QUESTIONS.techniques)
questions = st.sampled_from(QUESTIONS.questions)


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Answer]:
    return {q.id: draw(st.sampled_from(q.answers())) for q in QUESTIONS.questions}


def _emergency_answers(technique_id: str) -> list[tuple[Question, Answer]]:
    return [
        (q, a)
        for q in QUESTIONS.questions
        for a in q.answers()
        if q.outcome(a, technique_id) == "block_emergency"
    ]


@given(answer_sets(), techniques, st.data())
def test_an_emergency_answer_always_gives_block_emergency(
    answers: dict[str, Answer], technique_id: str, data: st.DataObject
) -> None:
    q, a = data.draw(st.sampled_from(_emergency_answers(technique_id)))
    result = evaluate(QUESTIONS, answers | {q.id: a}, technique_id, NOW)
    assert result.outcome == "block_emergency"
    assert q.id in [r.id for r in result.reasons]
    assert all(r.outcome == "block_emergency" for r in result.reasons)
    assert not result.allows_session


@given(answer_sets(), techniques, questions, st.data())
def test_answering_yes_never_makes_the_outcome_less_serious(
    answers: dict[str, Answer], technique_id: str, q: Question, data: st.DataObject
) -> None:
    before = evaluate(QUESTIONS, answers | {q.id: q.negative}, technique_id, NOW)
    answer = data.draw(st.sampled_from([a for a in q.answers() if a != q.negative]))
    after = evaluate(QUESTIONS, answers | {q.id: answer}, technique_id, NOW)
    assert severity(after.outcome) >= severity(before.outcome)


@given(answer_sets(), techniques)
def test_the_worst_question_outcome_wins(answers: dict[str, Answer], technique_id: str) -> None:
    """The worst answer wins, and three of the receiver's own cautions refer (Downie-2013)."""
    result = evaluate(QUESTIONS, answers, technique_id, NOW)
    own = [q.outcome(answers[q.id], technique_id) for q in QUESTIONS.questions]
    cautions = [
        q
        for q in QUESTIONS.questions
        if q.role == "receiver" and q.outcome(answers[q.id], technique_id) == "caution"
    ]
    several = len(cautions) >= QUESTIONS.combined_cautions.refer_from
    expected = worst([*own, *(["block_refer"] if several else [])])
    assert result.outcome == expected
    assert (result.outcome == "clear") == (result.reasons == ())
    assert all(severity(r.outcome) <= severity(result.outcome) for r in result.reasons)


@given(answer_sets(), techniques)
def test_no_message_ever_names_a_condition(answers: dict[str, Answer], technique_id: str) -> None:
    result = evaluate(QUESTIONS, answers, technique_id, NOW)
    texts = [r.message for r in result.reasons] + [QUESTIONS.summaries[result.outcome]]
    for text in texts:
        lowered = text.lower()
        assert not [w for w in DIAGNOSIS_WORDS if w in lowered], text


def test_no_written_message_names_a_condition() -> None:
    """The same check over every message in the file, not only the ones drawn."""
    texts = [r.message for q in QUESTIONS.questions for r in q.rules]
    texts += [*QUESTIONS.summaries.values(), QUESTIONS.note]
    for text in texts:
        assert not [w for w in DIAGNOSIS_WORDS if w in text.lower()], text


bad_values = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.lists(st.booleans(), max_size=2),
    st.booleans(),
    st.sampled_from([0, 1, 1.0, "yes", "no", ""]),
)


@given(answer_sets(), techniques, questions, bad_values)
def test_malformed_answers_are_input_errors_naming_the_question(
    answers: dict[str, Answer], technique_id: str, q: Question, value: object
) -> None:
    accepted = [*q.answers(), *([False] if q.choices is not None else [])]
    valid = any(type(value) is type(a) and value == a for a in accepted)
    bad = answers | {q.id: value}
    if valid:
        evaluate(QUESTIONS, bad, technique_id, NOW)
    else:
        with pytest.raises(ScreeningInputError, match=re.escape(repr(q.id))):
            evaluate(QUESTIONS, bad, technique_id, NOW)


@given(answer_sets(), techniques)
def test_more_cautions_never_give_a_laxer_session(
    answers: dict[str, Answer], technique_id: str
) -> None:
    """Several cautions narrow the engine's limits at least as much as one (issue 11)."""
    from backbuddy.domain import session
    from backbuddy.domain import techniques as tech
    from backbuddy.domain.screening import session_technique

    result = evaluate(QUESTIONS, answers, technique_id, NOW)
    if result.outcome != "caution":
        return
    technique = tech.get(technique_id)
    one = session.new_session(technique, result).limits
    combined = session.new_session(session_technique(QUESTIONS, technique, result), result).limits
    assert combined.max_range_deg <= one.max_range_deg
    assert combined.hard_speed_deg_s <= one.hard_speed_deg_s
    assert combined.attempts <= one.attempts
    if result.cautions >= QUESTIONS.combined_cautions.narrow_from:
        assert combined.max_range_deg < one.max_range_deg
        assert combined.attempts == QUESTIONS.combined_cautions.attempts
