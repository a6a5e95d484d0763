"""The screening engine and its loader: what a receiver and a file author run into."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from backbuddy.domain.errors import DefinitionError, ScreeningInputError, UnknownTechnique
from backbuddy.domain.screening import (
    DEFAULT_VALIDITY,
    Questionnaire,
    ScreeningResult,
    evaluate,
    is_block,
    kept_for,
    load_questions,
    outcome_so_far,
    session_technique,
    severity,
    worst,
)

T, L = "seated_hug_extension", "side_lying_rotation"
NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def questions() -> Questionnaire:
    return load_questions()


def all_no(questions: Questionnaire, **changes: object) -> dict[str, object]:
    answers: dict[str, object] = {q.id: q.negative for q in questions.questions}
    answers.update(changes)
    return answers


# --- evaluate -------------------------------------------------------------------------


def test_nothing_to_report_is_clear_for_one_sitting(questions: Questionnaire) -> None:
    result = evaluate(questions, all_no(questions), T, NOW)
    assert result == ScreeningResult(T, "clear", (), NOW, NOW + timedelta(hours=2))
    assert result.allows_session
    assert result.valid_at(NOW + DEFAULT_VALIDITY)
    assert not result.valid_at(NOW + DEFAULT_VALIDITY + timedelta(seconds=1))
    assert not result.valid_at(NOW - timedelta(seconds=1))


def test_validity_can_be_shortened(questions: Questionnaire) -> None:
    result = evaluate(questions, all_no(questions), T, NOW, valid_for=timedelta(minutes=30))
    assert result.valid_until == NOW + timedelta(minutes=30)


def test_validity_must_be_positive(questions: Questionnaire) -> None:
    with pytest.raises(ValueError, match="valid_for must be positive"):
        evaluate(questions, all_no(questions), T, NOW, valid_for=timedelta(0))


def test_the_most_serious_outcome_wins_and_is_listed_first(questions: Questionnaire) -> None:
    answers = all_no(questions, chronic_pain=True, cancer_history=True)
    result = evaluate(questions, answers, L, NOW)
    assert result.outcome == "block_refer"
    assert not result.allows_session
    assert [(r.id, r.outcome) for r in result.reasons] == [
        ("cancer_history", "block_refer"),
        ("chronic_pain", "caution"),
    ]


def test_emergency_shows_only_the_emergency_reasons(questions: Questionnaire) -> None:
    answers = all_no(questions, chest_pain=True, cancer_history=True, chronic_pain=True)
    result = evaluate(questions, answers, T, NOW)
    assert result.outcome == "block_emergency"
    assert [r.id for r in result.reasons] == ["chest_pain"]
    assert "call emergency services now" in result.reasons[0].message


def test_an_emergency_answer_needs_no_further_answers(questions: Questionnaire) -> None:
    result = evaluate(questions, {"saddle_numbness": True}, L, NOW)
    assert result.outcome == "block_emergency"


def test_outcome_depends_on_the_technique(questions: Questionnaire) -> None:
    answers = all_no(questions, anticoagulants=True)
    assert evaluate(questions, answers, T, NOW).outcome == "caution"
    assert evaluate(questions, answers, L, NOW).outcome == "block_refer"


def test_a_diagnosed_disc_herniation_blocks_both_techniques_quoting_the_guide(
    questions: Questionnaire,
) -> None:
    """Issue 11 item 5: "Never apply force if … a diagnosed disk herniation"."""
    answers = all_no(questions, disc_herniation=True)
    for technique in (T, L):
        result = evaluate(questions, answers, technique, NOW)
        assert (result.outcome, [r.id for r in result.reasons]) == (
            "block_refer",
            ["disc_herniation"],
        )
        assert "see a physiotherapist, chiropractor or doctor" in result.reasons[0].message
    (rule,) = questions.question("disc_herniation").rules
    guide = (
        Path(__file__).parents[3] / "src/backbuddy/data/guide/partner-back-guide.txt"
    ).read_text()
    sentence = (
        "Never apply force if the person receiving the adjustment has a known pre-existing "
        "condition, such as severe osteoporosis, recent spinal surgery, or a diagnosed disk "
        "herniation."
    )
    assert sentence in guide
    assert f'Guide: "{sentence}"' in questions.question("disc_herniation").source
    assert rule.techniques is None


def test_a_wait_block_ends_after_its_hours_and_is_not_a_referral(
    questions: Questionnaire,
) -> None:
    result = evaluate(questions, all_no(questions, cracked_today=True), T, NOW)
    (reason,) = result.reasons
    assert result.outcome == "block_refer"
    assert reason.is_wait
    assert reason.until == NOW + timedelta(hours=24)
    assert not result.needs_professional
    other = evaluate(questions, all_no(questions, cracked_today=True, night_pain=True), T, NOW)
    assert other.needs_professional


@pytest.mark.parametrize(
    ("cautions", "outcome", "several"),
    [
        ({"chronic_pain": True}, "caution", False),
        ({"chronic_pain": True, "postmenopausal_over_50": True}, "caution", False),
        (
            {"chronic_pain": True, "postmenopausal_over_50": True, "age_over_70": "yes_cleared"},
            "block_refer",
            True,
        ),
        # the assistant's own problem narrows the routine but never refers the receiver
        (
            {
                "chronic_pain": True,
                "postmenopausal_over_50": True,
                "assistant_back_shoulder_wrist": True,
            },
            "caution",
            False,
        ),
    ],
)
def test_several_cautions_combine_and_three_of_the_receivers_refer(
    questions: Questionnaire, cautions: dict[str, object], outcome: str, several: bool
) -> None:
    """Downie-2013: several flags together raise the probability sharply (clinical-facts)."""
    result = evaluate(questions, all_no(questions, **cautions), T, NOW)
    assert result.outcome == outcome
    assert ("several_cautions" in [r.id for r in result.reasons]) == several
    assert result.cautions == len(cautions)


def test_two_cautions_give_a_stricter_caution_to_the_engine(questions: Questionnaire) -> None:
    """No engine change: the session gets the technique with the combined caution."""
    from backbuddy.domain import session, techniques

    hug = techniques.get(T)
    one = evaluate(questions, all_no(questions, chronic_pain=True), T, NOW)
    two = evaluate(questions, all_no(questions, chronic_pain=True, pregnancy=True), T, NOW)
    assert session_technique(questions, hug, one) is hug
    stricter = session_technique(questions, hug, two).caution
    assert stricter.range_factor == pytest.approx(hug.caution.range_factor**2)
    assert stricter.speed_factor == pytest.approx(hug.caution.speed_factor**2)
    assert stricter.attempts == 1
    limits_one = session.new_session(session_technique(questions, hug, one), one).limits
    limits_two = session.new_session(session_technique(questions, hug, two), two).limits
    assert limits_two.max_range_deg < limits_one.max_range_deg < hug.limits.max_range_deg
    assert limits_two.hard_speed_deg_s < limits_one.hard_speed_deg_s
    assert (limits_one.attempts, limits_two.attempts) == (2, 1)


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ("no", "clear"),
        (False, "clear"),
        ("slowly_one_leg", "block_refer"),
        ("rapidly_or_both_legs", "block_emergency"),
    ],
)
def test_choice_question_answers(questions: Questionnaire, answer: object, outcome: str) -> None:
    answers = all_no(questions, progressive_leg_weakness=answer)
    assert evaluate(questions, answers, T, NOW).outcome == outcome


def test_unknown_technique_names_the_known_ones(questions: Questionnaire) -> None:
    with pytest.raises(UnknownTechnique, match="'neck_twist'.*seated_hug_extension"):
        evaluate(questions, all_no(questions), "neck_twist", NOW)


def test_unknown_id_suggests_the_close_one(questions: Questionnaire) -> None:
    answers = all_no(questions, sadle_numbness=False)
    with pytest.raises(ScreeningInputError, match="'sadle_numbness'; did you mean 'saddle_numb"):
        evaluate(questions, answers, T, NOW)


def test_unknown_id_far_from_any_points_to_the_docs(questions: Questionnaire) -> None:
    with pytest.raises(ScreeningInputError, match="'xyz'; see docs/screening.md"):
        evaluate(questions, all_no(questions, xyz=True), T, NOW)


def test_one_missing_answer_names_it_and_what_is_expected(questions: Questionnaire) -> None:
    answers = all_no(questions)
    del answers["night_pain"]
    with pytest.raises(ScreeningInputError) as err:
        evaluate(questions, answers, T, NOW)
    assert str(err.value) == "missing answer for 'night_pain', expected yes or no (true/false)"


def test_several_missing_answers_name_the_first_and_count_the_rest(
    questions: Questionnaire,
) -> None:
    answers = all_no(questions)
    for qid in ("age_over_70", "cracked_today", "pregnancy"):
        del answers[qid]
    with pytest.raises(ScreeningInputError) as err:
        evaluate(questions, answers, T, NOW)
    assert str(err.value) == (
        "missing answer for 'age_over_70', expected one of no, yes_not_cleared, yes_cleared "
        "(and 2 more: pregnancy, cracked_today)"
    )


def test_an_unfinished_screening_with_a_referral_is_that_block_not_an_input_error(
    questions: Questionnaire,
) -> None:
    """A red flag answered, then the questions left: no later answer could lift the block,
    so the screening is that block (stored as such), never an error that stores nothing."""
    result = evaluate(questions, {"cancer_history": True}, T, NOW)
    assert result.outcome == "block_refer"
    assert [r.id for r in result.reasons] == ["cancer_history"]
    assert result.needs_professional


def test_an_unfinished_screening_with_only_a_wait_is_that_wait(questions: Questionnaire) -> None:
    result = evaluate(questions, {"cracked_today": True}, T, NOW)
    assert result.outcome == "block_refer"
    assert not result.needs_professional


def test_an_unfinished_screening_whose_answers_only_block_the_other_technique_is_an_error(
    questions: Questionnaire,
) -> None:
    """Blood thinners: a caution for the seated hug, so the hug's screening must go on."""
    assert evaluate(questions, {"anticoagulants": True}, L, NOW).outcome == "block_refer"
    with pytest.raises(ScreeningInputError, match="missing answer"):
        evaluate(questions, {"anticoagulants": True}, T, NOW)


def test_an_unfinished_screening_with_cautions_only_is_still_an_input_error(
    questions: Questionnaire,
) -> None:
    with pytest.raises(ScreeningInputError, match="missing answer"):
        evaluate(questions, {"chronic_pain": True, "postmenopausal_over_50": True}, T, NOW)


def test_three_cautions_so_far_refer_and_end_the_need_for_more_answers(
    questions: Questionnaire,
) -> None:
    three = {"chronic_pain": True, "postmenopausal_over_50": True, "age_over_70": "yes_cleared"}
    assert outcome_so_far(questions, three, T) == "block_refer"
    assert evaluate(questions, three, T, NOW).outcome == "block_refer"


def test_outcome_so_far_reads_any_subset(questions: Questionnaire) -> None:
    assert outcome_so_far(questions, {}, T) == "clear"
    assert outcome_so_far(questions, {"chronic_pain": True}, T) == "caution"
    assert outcome_so_far(questions, {"chest_pain": True}, L) == "block_emergency"
    with pytest.raises(ScreeningInputError, match="'chest_pain'"):
        outcome_so_far(questions, {"chest_pain": "maybe"}, T)


@pytest.mark.parametrize(
    ("qid", "value", "message"),
    [
        ("chest_pain", "maybe", "'chest_pain' must be yes or no (true/false); got 'maybe'"),
        ("chest_pain", 1, "'chest_pain' must be yes or no (true/false); got 1"),
        ("chest_pain", None, "'chest_pain' must be yes or no (true/false); got None"),
        ("age_over_70", True, "'age_over_70' must be one of no, yes_not_cleared, yes_cleared"),
        ("age_over_70", "sometimes", "'age_over_70' must be one of no, yes_not_cleared"),
        ("age_over_70", 3, "'age_over_70' must be one of no, yes_not_cleared"),
    ],
)
def test_wrong_type_names_the_id_and_what_was_expected(
    questions: Questionnaire, qid: str, value: object, message: str
) -> None:
    with pytest.raises(ScreeningInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        evaluate(questions, all_no(questions, **{qid: value}), T, NOW)


def test_question_outcome_per_answer(questions: Questionnaire) -> None:
    q = questions.question("anticoagulants")
    assert q.answers() == (False, True)
    assert q.outcome(True, T) == "caution"
    assert q.outcome(True, L) == "block_refer"
    assert q.outcome(False, L) == "clear"
    choice = questions.question("age_over_70")
    assert choice.answers() == ("no", "yes_not_cleared", "yes_cleared")


def test_severity_orders_outcomes() -> None:
    assert worst([]) == "clear"
    assert worst(["caution", "block_emergency", "block_refer"]) == "block_emergency"
    assert severity("clear") < severity("caution") < severity("block_refer")


# --- loading --------------------------------------------------------------------------


def minimal() -> dict[str, Any]:
    return {
        "techniques": [T, L],
        "summaries": {
            "clear": "ok",
            "caution": "gently",
            "block_refer": "not today",
            "block_emergency": "call emergency services now",
        },
        "note": "careful",
        "combined_cautions": {
            "narrow_from": 2,
            "refer_from": 3,
            "attempts": 1,
            "text": "gentler still",
            "message": "see someone",
            "source": "s",
        },
        "questions": [
            {
                "id": "q_one",
                "text": "One?",
                "source": "s",
                "rules": [{"outcome": "caution", "message": "m"}],
            },
            {
                "id": "q_two",
                "text": "Two?",
                "source": "s",
                "choices": [{"id": "no", "label": "No"}, {"id": "bad", "label": "Bad"}],
                "rules": [
                    {"when": "bad", "techniques": [L], "outcome": "block_refer", "message": "m"}
                ],
            },
        ],
    }


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "screening.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_a_well_formed_file_loads(tmp_path: Path) -> None:
    loaded = load_questions(write(tmp_path, minimal()))
    assert [q.id for q in loaded.questions] == ["q_one", "q_two"]
    assert loaded.question("q_two").outcome("bad", T) == "clear"


def test_the_shipped_file_loads_by_default(questions: Questionnaire) -> None:
    assert questions.techniques == (T, L)
    assert len(questions.questions) == 25


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(DefinitionError, match=r"nope\.yaml: cannot read screening file"):
        load_questions(path)


def test_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "screening.yaml"
    path.write_text("questions: [unclosed", encoding="utf-8")
    with pytest.raises(DefinitionError, match="screening.yaml: not valid YAML"):
        load_questions(path)


def test_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="must be a mapping of fields"):
        load_questions(write(tmp_path, ["a", "b"]))


def broken(change: str) -> dict[str, Any]:
    """The minimal file with one named defect."""
    data = copy.deepcopy(minimal())
    q1, q2 = data["questions"]
    if change == "unknown outcome":
        q1["rules"][0]["outcome"] = "maybe_later"
    elif change == "extra field":
        q1["colour"] = "red"
    elif change == "no id":
        del q2["id"]
    elif change == "question not a mapping":
        data["questions"][0] = "just text"
    elif change == "summary missing":
        del data["summaries"]["caution"]
    elif change == "duplicate question":
        q2["id"] = "q_one"
    elif change == "unknown technique":
        q2["rules"][0]["techniques"] = ["neck_twist"]
    elif change == "choices without no":
        q2["choices"][0]["id"] = "none"
    elif change == "duplicate choice":
        q2["choices"][1]["id"] = "no"
    elif change == "when is not an answer":
        q1["rules"][0]["when"] = "bad"
    elif change == "rule on the no answer":
        q2["rules"][0]["when"] = "no"
    elif change == "rule on false":
        q1["rules"][0]["when"] = False
    elif change == "no rules":
        q1["rules"] = []
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("unknown outcome", r"field questions\.0 \(q_one\)\.rules\.0\.outcome: Input should be"),
        ("extra field", r"field questions\.0 \(q_one\)\.colour: Extra inputs are not permitted"),
        ("no id", r"field questions\.1\.id: Field required"),
        ("question not a mapping", r"field questions\.0: Input should be a valid dictionary"),
        ("summary missing", r"field \(top level\): Value error, summaries missing for: caution"),
        ("duplicate question", "question ids must be unique"),
        ("unknown technique", r"question 'q_two' names unknown technique\(s\) \['neck_twist'\]"),
        ("choices without no", r"questions\.1 \(q_two\): Value error, a choice question needs"),
        ("duplicate choice", "choice ids must be unique"),
        ("when is not an answer", "rule 'when: bad' must be one of the answers .*: True"),
        ("rule on the no answer", "rule 'when: no' must be one of the answers .*: bad"),
        ("rule on false", "rule 'when: False' must be one of"),
        ("no rules", r"questions\.0 \(q_one\)\.rules: Tuple should have at least 1 item"),
    ],
)
def test_malformed_file_names_file_field_and_reason(
    tmp_path: Path, change: str, message: str
) -> None:
    with pytest.raises(
        DefinitionError, match=r"screening\.yaml: field .*?" + message.removeprefix("field ")
    ):
        load_questions(write(tmp_path, broken(change)))


@pytest.mark.parametrize(
    ("answers", "technique", "kept_as"),
    [
        ({}, "seated_hug_extension", None),
        ({"chronic_pain": True}, "seated_hug_extension", None),
        ({"limb_numbness": True}, "seated_hug_extension", "seated_hug_extension"),
        ({"anticoagulants": True}, "seated_hug_extension", "side_lying_rotation"),
        ({"pregnancy": True}, "seated_hug_extension", "side_lying_rotation"),
        ({"anticoagulants": True}, "side_lying_rotation", "side_lying_rotation"),
    ],
)
def test_an_unfinished_screening_is_kept_under_the_technique_it_blocks(
    answers: dict[str, object], technique: str, kept_as: str | None
) -> None:
    """A red flag for the other technique (blood thinners in a seated hug screening) is
    kept too, as that technique's screening, which `evaluate` accepts unfinished."""
    questions = load_questions()
    assert kept_for(questions, answers, technique) == kept_as
    if kept_as is not None:
        assert is_block(evaluate(questions, answers, kept_as, NOW).outcome)
