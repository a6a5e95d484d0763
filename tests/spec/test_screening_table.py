"""Screening as a clinician reads it: answers in, outcome and reasons out, per technique.

Each row of TABLE lists the answers that are not "no" (every other answer is "no")
and, for each technique, the outcome followed by the reasons, most serious first.
`several_cautions` is the referral that three or more of the receiver's own caution
answers give together (Downie-2013; `combined_cautions` in screening.yaml).
The table is the spec: clinical-facts.md section 1, with the choices documented in
src/backbuddy/data/screening.yaml.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backbuddy.domain import techniques
from backbuddy.domain.screening import Questionnaire, evaluate, load_questions

T, L = "seated_hug_extension", "side_lying_rotation"
NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)

TABLE = """
answers (every other answer is no)            | seated_hug_extension                         | side_lying_rotation
(none)                                        | clear                                        | clear
saddle_numbness                               | block_emergency: saddle_numbness             | block_emergency: saddle_numbness
bladder_bowel_change                          | block_emergency: bladder_bowel_change        | block_emergency: bladder_bowel_change
progressive_leg_weakness=slowly_one_leg       | block_refer: progressive_leg_weakness        | block_refer: progressive_leg_weakness
progressive_leg_weakness=rapidly_or_both_legs | block_emergency: progressive_leg_weakness    | block_emergency: progressive_leg_weakness
chest_pain                                    | block_emergency: chest_pain                  | block_emergency: chest_pain
significant_trauma=yes                        | block_refer: significant_trauma              | block_refer: significant_trauma
significant_trauma=yes_severe_pain_or_numbness_weakness | block_emergency: significant_trauma | block_emergency: significant_trauma
cancer_history                                | block_refer: cancer_history                  | block_refer: cancer_history
weight_loss                                   | block_refer: weight_loss                     | block_refer: weight_loss
fever_unwell                                  | block_refer: fever_unwell                    | block_refer: fever_unwell
night_pain                                    | block_refer: night_pain                      | block_refer: night_pain
in_pain_or_injured                            | block_refer: in_pain_or_injured              | block_refer: in_pain_or_injured
severe_osteoporosis                           | block_refer: severe_osteoporosis             | block_refer: severe_osteoporosis
age_over_70=yes_not_cleared                   | block_refer: age_over_70                     | block_refer: age_over_70
age_over_70=yes_cleared                       | caution: age_over_70                         | caution: age_over_70
postmenopausal_over_50                        | caution: postmenopausal_over_50              | caution: postmenopausal_over_50
long_term_steroids                            | block_refer: long_term_steroids              | block_refer: long_term_steroids
recent_spinal_surgery                         | block_refer: recent_spinal_surgery           | block_refer: recent_spinal_surgery
disc_herniation                               | block_refer: disc_herniation                 | block_refer: disc_herniation
limb_numbness                                 | block_refer: limb_numbness                   | block_refer: limb_numbness
anticoagulants                                | caution: anticoagulants                      | block_refer: anticoagulants
inflammatory_arthritis                        | block_refer: inflammatory_arthritis          | block_refer: inflammatory_arthritis
pregnancy                                     | caution: pregnancy                           | block_refer: pregnancy
hypermobility                                 | block_refer: hypermobility                   | block_refer: hypermobility
under_18                                      | block_refer: under_18                        | block_refer: under_18
chronic_pain                                  | caution: chronic_pain                        | caution: chronic_pain
cracked_today                                 | block_refer: cracked_today                   | block_refer: cracked_today
assistant_back_shoulder_wrist                 | caution: assistant_back_shoulder_wrist       | caution: assistant_back_shoulder_wrist
chronic_pain, postmenopausal_over_50          | caution: postmenopausal_over_50, chronic_pain | caution: postmenopausal_over_50, chronic_pain
chronic_pain, cancer_history                  | block_refer: cancer_history, chronic_pain    | block_refer: cancer_history, chronic_pain
pregnancy, disc_herniation                    | block_refer: disc_herniation, pregnancy      | block_refer: disc_herniation, pregnancy
pregnancy, chronic_pain                       | caution: pregnancy, chronic_pain             | block_refer: pregnancy, chronic_pain
chest_pain, cancer_history, chronic_pain      | block_emergency: chest_pain                  | block_emergency: chest_pain
chronic_pain, postmenopausal_over_50, age_over_70=yes_cleared | block_refer: several_cautions, age_over_70, postmenopausal_over_50, chronic_pain | block_refer: several_cautions, age_over_70, postmenopausal_over_50, chronic_pain
chronic_pain, postmenopausal_over_50, assistant_back_shoulder_wrist | caution: postmenopausal_over_50, chronic_pain, assistant_back_shoulder_wrist | caution: postmenopausal_over_50, chronic_pain, assistant_back_shoulder_wrist
pregnancy, chronic_pain, anticoagulants       | block_refer: several_cautions, anticoagulants, pregnancy, chronic_pain | block_refer: anticoagulants, pregnancy, chronic_pain
saddle_numbness, bladder_bowel_change         | block_emergency: saddle_numbness, bladder_bowel_change | block_emergency: saddle_numbness, bladder_bowel_change
significant_trauma=yes, limb_numbness         | block_refer: significant_trauma, limb_numbness | block_refer: significant_trauma, limb_numbness
"""  # noqa: E501 (a table reads better than wrapped lines)


def _answers(cell: str) -> dict[str, object]:
    """'a, b=choice' -> {'a': True, 'b': 'choice'}."""
    if cell == "(none)":
        return {}
    pairs = (item.strip().partition("=") for item in cell.split(","))
    return {qid: (value or True) for qid, _, value in pairs}


def _expected(cell: str) -> tuple[str, list[str]]:
    outcome, _, reasons = cell.partition(":")
    return outcome.strip(), [r.strip() for r in reasons.split(",") if r.strip()]


def _rows() -> list[tuple[str, dict[str, object], dict[str, tuple[str, list[str]]]]]:
    header, *lines = TABLE.strip().splitlines()
    techs = [c.strip() for c in header.split("|")[1:]]
    rows = []
    for line in lines:
        answers, *cells = (c.strip() for c in line.split("|"))
        rows.append(
            (answers, _answers(answers), dict(zip(techs, map(_expected, cells), strict=True)))
        )
    return rows


ROWS = _rows()


@pytest.fixture(scope="module")
def questions() -> Questionnaire:
    return load_questions()


@pytest.mark.parametrize(("label", "changes", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_truth_table(
    questions: Questionnaire,
    label: str,
    changes: dict[str, object],
    expected: dict[str, tuple[str, list[str]]],
) -> None:
    answers: dict[str, object] = {q.id: q.negative for q in questions.questions} | changes
    for technique_id, (outcome, reason_ids) in expected.items():
        result = evaluate(questions, answers, technique_id, NOW)
        assert (result.outcome, [r.id for r in result.reasons]) == (outcome, reason_ids), (
            technique_id
        )


def test_the_table_has_a_row_for_every_answer_that_reports_something(
    questions: Questionnaire,
) -> None:
    covered = {(qid, v) for _, changes, _ in ROWS for qid, v in changes.items()}
    for q in questions.questions:
        for answer in q.answers():
            if answer != q.negative:
                assert (q.id, answer) in covered, f"no truth-table row for {q.id}={answer}"


#: The ids of clinical-facts.md section 1, in its order, plus the assistant's question.
SECTION_1_IDS = [
    "saddle_numbness",
    "bladder_bowel_change",
    "progressive_leg_weakness",
    "chest_pain",
    "significant_trauma",
    "cancer_history",
    "weight_loss",
    "fever_unwell",
    "night_pain",
    "in_pain_or_injured",
    "severe_osteoporosis",
    "age_over_70",
    "postmenopausal_over_50",
    "long_term_steroids",
    "recent_spinal_surgery",
    "disc_herniation",
    "limb_numbness",
    "anticoagulants",
    "inflammatory_arthritis",
    "pregnancy",
    "hypermobility",
    "under_18",
    "chronic_pain",
    "cracked_today",
    "assistant_back_shoulder_wrist",
]


def test_every_question_of_the_clinical_table_is_asked_in_its_order(
    questions: Questionnaire,
) -> None:
    assert [q.id for q in questions.questions] == SECTION_1_IDS
    assert [q.id for q in questions.questions if q.role == "assistant"] == [
        "assistant_back_shoulder_wrist"
    ]


def test_screening_covers_exactly_the_shipped_techniques(questions: Questionnaire) -> None:
    assert set(questions.techniques) == set(techniques.load_all())


REFER = "see a physiotherapist, chiropractor or doctor"
EMERGENCY = ("call emergency services now", "nearest emergency department")


def test_messages_use_the_agreed_wording(questions: Questionnaire) -> None:
    """Section 6: emergencies name the action; referrals name who to see; caution says how."""
    for q in questions.questions:
        for rule in q.rules:
            where = f"{q.id} -> {rule.outcome}"
            if rule.outcome == "block_emergency":
                assert all(p in rule.message for p in EMERGENCY), where
            elif q.id == "cracked_today":  # a rest, not a referral (see screening.yaml)
                assert "wait until 24 hours have passed" in rule.message, where
                assert "not a referral" in rule.message, where
            elif rule.outcome == "block_refer":
                assert REFER in rule.message, where
            else:
                assert "gentler" in rule.message, where
    assert all(p in questions.summaries["block_emergency"] for p in EMERGENCY)


def test_chronic_pain_advises_a_professional_review(questions: Questionnaire) -> None:
    (rule,) = questions.question("chronic_pain").rules
    assert rule.outcome == "caution"
    assert REFER in rule.message


def test_every_rule_has_a_source(questions: Questionnaire) -> None:
    for q in questions.questions:
        for rule in q.rules:
            assert (rule.source or q.source).strip(), q.id
