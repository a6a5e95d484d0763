"""`backbuddy screen`: exit statuses, JSON shape, storage, and one clear line for bad input.

Every call goes through `cli.main.run`, the console-script entry, so the red error
line and the exit codes are the ones a user or a script sees.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner, Result

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.cli.main import run
from backbuddy.domain.errors import ScreeningRequired
from backbuddy.domain.screening import load_questions
from backbuddy.services.screening import require_valid_screening

T, L = "seated_hug_extension", "side_lying_rotation"
QUESTIONS = load_questions()
REFER = "see a physiotherapist, chiropractor or doctor"


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def entry(args: tuple[str, ...]) -> None:
    """The `backbuddy` console script, as CliRunner can drive it."""
    run(list(args))


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'screen.sqlite3'}"


def screen(db: str, *args: str, stdin: str | None = None, **env: str) -> Result:
    runner = CliRunner()
    return runner.invoke(
        entry, ["screen", *args, "--db", db], input=stdin, env={"COLUMNS": "200", **env}
    )


def answers_file(tmp_path: Path, name: str = "answers.yaml", **changes: Any) -> str:
    answers = {q.id: q.negative for q in QUESTIONS.questions} | changes
    path = tmp_path / name
    text = json.dumps(answers) if name.endswith(".json") else yaml.safe_dump(answers)
    path.write_text(text, encoding="utf-8")
    return str(path)


def stored(db: str, technique: str) -> Any:
    with SqlStore(db) as store:
        return store.latest_screening(technique, datetime.now(UTC))


# --- outcomes and exit statuses --------------------------------------------------------


@pytest.mark.parametrize(
    ("technique", "changes", "status", "outcome"),
    [
        (T, {}, 0, "clear"),
        (T, {"chronic_pain": True}, 0, "caution"),
        (T, {"anticoagulants": True}, 0, "caution"),
        (T, {"disc_herniation": True}, 3, "block_refer"),
        (L, {"disc_herniation": True}, 3, "block_refer"),
        (L, {"cracked_today": True}, 3, "block_refer"),
        (T, {"progressive_leg_weakness": "rapidly_or_both_legs"}, 4, "block_emergency"),
        (L, {"chest_pain": True, "cancer_history": True}, 4, "block_emergency"),
    ],
)
def test_exit_status_and_json_per_outcome(
    tmp_path: Path, db: str, technique: str, changes: dict[str, Any], status: int, outcome: str
) -> None:
    before = datetime.now(UTC)
    result = screen(db, technique, "--answers", answers_file(tmp_path, **changes), "--json")

    assert result.exit_code == status, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"technique", "outcome", "reasons", "valid_until"}
    assert (payload["technique"], payload["outcome"]) == (technique, outcome)
    assert all(
        set(r) in ({"id", "message"}, {"id", "message", "until"}) for r in payload["reasons"]
    )
    valid_until = datetime.fromisoformat(payload["valid_until"])
    assert before + timedelta(hours=2) <= valid_until <= datetime.now(UTC) + timedelta(hours=2)
    assert stored(db, technique)[1].outcome == outcome


def test_json_lists_the_reasons_most_serious_first(tmp_path: Path, db: str) -> None:
    path = answers_file(tmp_path, "a.json", chronic_pain=True, weight_loss=True)
    result = screen(db, L, "--answers", path, "--json")
    reasons = json.loads(result.stdout)["reasons"]
    assert [r["id"] for r in reasons] == ["weight_loss", "chronic_pain"]
    assert REFER in reasons[0]["message"]


def test_human_output_shows_the_outcome_wording_and_disclaimer(tmp_path: Path, db: str) -> None:
    result = screen(db, L, "--answers", answers_file(tmp_path, anticoagulants=True))
    assert result.exit_code == 3
    out = result.stdout
    assert "Not today" in out
    assert "Some of your answers mean this routine isn't suitable today." in out
    assert REFER in out
    assert "Not a medical device" in out
    assert "backbuddy guide" not in out  # no invitation to start


def test_caution_says_how_the_routine_changes_and_how_to_start(tmp_path: Path, db: str) -> None:
    result = screen(db, T, "--answers", answers_file(tmp_path, anticoagulants=True))
    assert result.exit_code == 0
    assert "light pressure only" in result.stdout
    assert "less range, slower, and fewer attempts" in result.stdout
    assert f"backbuddy guide {T}" in result.stdout


def test_emergency_human_output_is_the_emergency_message_only(tmp_path: Path, db: str) -> None:
    path = answers_file(tmp_path, saddle_numbness=True, cancer_history=True)
    result = screen(db, T, "--answers", path)
    assert result.exit_code == 4
    assert "call emergency services now or go to the nearest emergency department" in result.stdout
    assert REFER not in result.stdout
    assert "Not a medical device" in result.stdout


def test_a_clear_screening_lets_a_session_start_for_this_sitting(tmp_path: Path, db: str) -> None:
    assert screen(db, T, "--answers", answers_file(tmp_path)).exit_code == 0
    with SqlStore(db) as store:
        _, result = require_valid_screening(store, T, datetime.now(UTC))
        assert result.outcome == "clear"
        with pytest.raises(ScreeningRequired):
            require_valid_screening(store, L, datetime.now(UTC))


def test_settings_can_shorten_the_sitting(tmp_path: Path, db: str) -> None:
    path = answers_file(tmp_path)
    result = screen(db, T, "--answers", path, "--json", BACKBUDDY_SCREENING_VALID_HOURS="0.5")
    valid_until = datetime.fromisoformat(json.loads(result.stdout)["valid_until"])
    assert valid_until <= datetime.now(UTC) + timedelta(minutes=30)


def test_answers_may_say_no_to_a_choice_question_as_plain_yaml_no(tmp_path: Path, db: str) -> None:
    path = tmp_path / "plain.yaml"
    lines = [f"{q.id}: no" for q in QUESTIONS.questions]
    path.write_text("\n".join(lines), encoding="utf-8")
    result = screen(db, T, "--answers", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outcome"] == "clear"


# --- interactive ------------------------------------------------------------------------


def typed_answers(**changes: str) -> str:
    """What a person types: y/n, or the number of a choice."""
    keys = []
    for q in QUESTIONS.questions:
        keys.append(changes.get(q.id, "n" if q.choices is None else "1"))
    return "\n".join(keys) + "\n"


def test_interactive_asks_every_question_and_stores_the_answers(db: str) -> None:
    result = screen(db, T, stdin=typed_answers(age_over_70="3", chronic_pain="y"))
    assert result.exit_code == 0, result.output
    assert "25/25" in result.stdout
    assert "Assistant, this one is about you." in result.stdout
    assert "Caution" in result.stdout
    _, saved = stored(db, T)
    assert [r.id for r in saved.reasons] == ["age_over_70", "chronic_pain"]


def test_interactive_stops_asking_at_an_emergency_answer(db: str) -> None:
    result = screen(db, L, stdin="n\ny\n")
    assert result.exit_code == 4
    assert "2/25" in result.stdout
    assert "3/25" not in result.stdout
    assert "nearest emergency department" in result.stdout
    assert stored(db, L)[1].outcome == "block_emergency"


def test_interactive_choice_by_number(db: str) -> None:
    result = screen(db, L, stdin="n\nn\n2\n" + "n\n1\n" + "n\n" * 6 + "1\n" + "n\n" * 13)
    assert result.exit_code == 3, result.output
    assert [r.id for r in stored(db, L)[1].reasons] == ["progressive_leg_weakness"]


def test_interactive_json_keeps_stdout_for_the_json(db: str) -> None:
    result = screen(db, T, "--json", stdin=typed_answers())
    assert result.exit_code == 0
    assert json.loads(result.stdout)["outcome"] == "clear"
    assert "1/25" in result.stderr


def test_input_ending_early_is_one_line_and_stores_nothing(db: str) -> None:
    result = screen(db, T, stdin="n\nn\n")
    assert result.exit_code == 2
    assert "error: no answer for 'progressive_leg_weakness': input ended" in result.stderr
    assert stored(db, T) is None


def all_stored(db: str) -> list[Any]:
    with SqlStore(db) as store:
        return store.screenings()


def test_a_referral_is_kept_at_once_and_a_later_answer_can_make_it_an_emergency(
    db: str,
) -> None:
    """The slowly weakening leg (3rd) is stored when answered; chest pain (4th) then
    makes the screening an emergency, which ends the questions."""
    result = screen(db, T, stdin="n\nn\n2\ny\n")
    assert result.exit_code == 4, result.output
    assert "Your answer is kept" in result.stdout
    assert "call emergency services now" in result.stdout
    assert [s.outcome for s in all_stored(db)] == ["block_refer", "block_emergency"]


def test_input_ending_after_a_referral_stores_every_answer_given(db: str) -> None:
    typed = typed_answers(cancer_history="y", weight_loss="y").splitlines(keepends=True)
    result = screen(db, T, stdin="".join(typed[:8]))  # up to weight_loss, then nothing
    assert result.exit_code == 3, result.output
    assert "The questions were left unfinished; the answers given are kept." in result.stdout
    assert "see a physiotherapist, chiropractor or doctor" in result.stdout
    kept, last = all_stored(db)
    assert set(kept.answers) == {q.id for q in QUESTIONS.questions[:6]}
    assert last.outcome == "block_refer"
    assert {r.id for r in last.reasons} >= {"cancer_history", "weight_loss"}


def test_a_wait_answered_then_left_says_when_it_ends_not_to_see_anyone(db: str) -> None:
    typed = typed_answers(cracked_today="y").splitlines(keepends=True)
    ends_at = [q.id for q in QUESTIONS.questions].index("cracked_today") + 1
    result = screen(db, L, stdin="".join(typed[:ends_at]))
    assert result.exit_code == 3, result.output
    assert "Your answer is kept: no session until" in result.stdout
    assert "physiotherapist" not in result.stdout.split("Your answer is kept")[1].split("\n")[0]


@pytest.mark.parametrize("flag", ["anticoagulants", "pregnancy"])
@pytest.mark.parametrize("how", ["end of input", "Ctrl-C"])
def test_an_answer_that_blocks_only_the_other_technique_is_kept_when_the_questions_are_left(
    db: str, flag: str, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blood thinners or pregnancy, a caution for the seated hug and a block for the
    side-lying rotation, answered in a seated hug screening that is then left: the answer
    is stored at once (as a side-lying screening), and a side-lying screening answering
    "no" everywhere right after is not today. Before: nothing stored, and it was clear."""
    typed = typed_answers(**{flag: "y"}).splitlines(keepends=True)
    upto = [q.id for q in QUESTIONS.questions].index(flag) + 1
    if how == "Ctrl-C":
        from backbuddy.cli import screen_cmd

        real, calls = screen_cmd._ask_one, iter(range(upto + 1))

        def ask_one(q: Any, counter: str, out: Any) -> Any:
            if next(calls) == upto:
                raise KeyboardInterrupt
            return real(q, counter, out)

        monkeypatch.setattr(screen_cmd, "_ask_one", ask_one)
    result = screen(db, T, stdin="".join(typed[:upto]) if how == "end of input" else "".join(typed))
    assert result.exit_code == 2, result.output
    assert "they rule out the Assisted Side-Lying Rotation today" in result.stdout
    assert "are kept" in result.stderr
    assert stored(db, T) is None  # the seated hug still needs every answer
    monkeypatch.undo()
    again = screen(db, L, "--json", stdin=typed_answers())
    assert again.exit_code == 3, again.output
    out = json.loads(again.stdout)
    assert out["outcome"] == "block_refer"
    (reason,) = [r for r in out["reasons"] if r["id"] == flag]
    assert reason["contradicted"] is True
    hug = screen(db, T, "--json", stdin=typed_answers())
    assert hug.exit_code == 0, hug.output
    assert json.loads(hug.stdout)["outcome"] == "caution"  # the hug judges it by its rules


# --- bad input --------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (
            lambda p: answers_file(p, sadle_numbness=False),
            "unknown screening question id 'sadle_numbness'; did you mean 'saddle_numbness'?",
        ),
        (
            lambda p: write(p, "few.yaml", "chest_pain: no\n"),
            "missing answer for 'saddle_numbness', expected yes or no (true/false) (and 23 more",
        ),
        (
            lambda p: answers_file(p, "a.json", chest_pain="maybe"),
            "answer for 'chest_pain' must be yes or no (true/false); got 'maybe'",
        ),
        (
            lambda p: answers_file(p, age_over_70=True),
            "answer for 'age_over_70' must be one of no, yes_not_cleared, yes_cleared; got True",
        ),
        (lambda p: str(p / "missing.yaml"), "missing.yaml: cannot read answers file"),
        (lambda p: write(p, "bad.json", "{chest_pain: no"), "bad.json: not valid JSON"),
        (lambda p: write(p, "bad.yaml", "a: [unclosed"), "bad.yaml: not valid YAML"),
        (lambda p: write(p, "list.yaml", "- chest_pain\n"), "answers must be a mapping"),
        (
            lambda p: write(
                p, "twice.yaml", "cancer_history: true\nchest_pain: no\ncancer_history: false\n"
            ),
            "twice.yaml: 'cancer_history' is answered twice on line 3 (first on line 1); "
            "answer each question once",
        ),
        (
            lambda p: write(p, "twice.json", '{"cancer_history": true,\n "cancer_history": false}'),
            "twice.json: 'cancer_history' is answered twice on line 2 (first on line 1)",
        ),
        (
            lambda p: answers_file(p, "a.json", chest_pain="perhaps"),
            "answer for 'chest_pain' must be yes or no (true/false); got 'perhaps'",
        ),
        (
            lambda p: answers_file(p, "a.json", age_over_70="yes"),
            "answer for 'age_over_70' must be one of no, yes_not_cleared, yes_cleared; got 'yes'",
        ),
        (lambda p: write(p, "deep.json", "[" * 100_000), "deep.json: not valid JSON"),
    ],
)
def test_bad_answers_are_one_red_line_exit_2_and_nothing_stored(
    tmp_path: Path, db: str, make_file: Any, message: str
) -> None:
    result = screen(db, T, "--answers", make_file(tmp_path))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in result.output
    assert not Path(db.removeprefix("sqlite:///")).exists() or stored(db, T) is None


def test_unknown_technique_is_exit_2(tmp_path: Path, db: str) -> None:
    result = screen(db, "neck_twist", "--answers", answers_file(tmp_path))
    assert result.exit_code == 2
    assert "unknown technique 'neck_twist'; known techniques: seated_hug_extension" in (
        result.stderr
    )


def test_db_comes_from_the_environment_when_not_given(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.sqlite3'}"
    runner = CliRunner()
    args = ["screen", T, "--answers", answers_file(tmp_path)]
    result = runner.invoke(entry, args, env={"BACKBUDDY_DB": url})
    assert result.exit_code == 0, result.output
    assert stored(url, T)[1].outcome == "clear"


def test_a_broken_database_fails_before_any_question(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    result = screen(f"sqlite:///{path}", T, stdin=typed_answers())
    assert result.exit_code == 2
    assert "1/25" not in result.output
    assert result.stderr.startswith("error: ")
    assert str(path) in result.stderr.replace("\n", "")


@pytest.mark.parametrize(
    ("name", "word", "code", "outcome"),
    [
        ("a.json", "yes", 4, "block_emergency"),
        ("a.json", "YES", 4, "block_emergency"),
        ("a.json", "no", 0, "clear"),
        ("a.json", "No ", 0, "clear"),
        ("a.yaml", "yes", 4, "block_emergency"),  # quoted in YAML: a string, not a bool
        ("a.yaml", "no", 0, "clear"),
    ],
)
def test_yes_and_no_are_taken_as_words_where_help_says_yes_no(
    tmp_path: Path, db: str, name: str, word: str, code: int, outcome: str
) -> None:
    answers = {q.id: q.negative for q in QUESTIONS.questions}
    answers = {k: ("no" if v is False else v) for k, v in answers.items()} | {"chest_pain": word}
    path = tmp_path / name
    path.write_text(
        json.dumps(answers) if name.endswith(".json") else yaml.safe_dump(answers),
        encoding="utf-8",
    )
    if name.endswith(".yaml"):
        assert f"chest_pain: {word}" not in path.read_text()  # safe_dump quotes it
    result = screen(db, T, "--answers", str(path), "--json")
    assert result.exit_code == code, result.output
    assert json.loads(result.stdout)["outcome"] == outcome


def test_a_duplicate_answer_is_refused_by_guide_too(tmp_path: Path, db: str) -> None:
    clear = Path(answers_file(tmp_path))
    twice = write(tmp_path, "twice.yaml", clear.read_text() + "cancer_history: true\n")
    events = write(tmp_path, "e.jsonl", '{"t": 0, "event": "begin"}\n')
    runner = CliRunner()
    args = ["guide", T, "--events", events, "--screening-answers", twice, "--db", db]
    result = runner.invoke(entry, args)
    assert result.exit_code == 2
    assert "'cancer_history' is answered twice on line" in result.stderr
    assert not Path(db.removeprefix("sqlite:///")).exists() or stored(db, T) is None
