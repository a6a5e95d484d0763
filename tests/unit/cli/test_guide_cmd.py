"""`backbuddy guide --events`: headless sessions, what they store, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parents[2] / "data"
CLEAR = DATA / "screening" / "clear.yaml"
TECH = "seated_hug_extension"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bb.sqlite3'}"


@pytest.fixture
def run(backbuddy):  # type: ignore[no-untyped-def]
    def invoke(db: str, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return backbuddy(*args, "--db", db, stdin=stdin)

    return invoke


def events_file(tmp_path: Path, *lines: dict | str) -> str:  # type: ignore[type-arg]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return str(path)


def cues(output: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


SESSION = [
    {"t": 0, "event": "begin"},
    {"t": 1, "event": "ready"},
    {"t": 2, "event": "ready"},
    {"t": 14, "event": "sensation", "sensation": "sharp_pain"},
]


def test_headless_session_paces_moves_on_exhale_and_halts_on_sharp_pain(tmp_path, db, run):
    result = run(
        db,
        "guide",
        TECH,
        "--events",
        events_file(tmp_path, *SESSION),
        "--screening-answers",
        str(CLEAR),
        "--json",
    )
    assert result.exit_code == 0, result.output
    out = cues(result.output)
    kinds = [c["kind"] for c in out]
    move = out[kinds.index("move")]
    assert move["t"] == 12.0  # after 5 s in and 5 s out, on the exhale
    pace_before = [c for c in out if c["kind"] == "pace" and c["t"] == move["t"]]
    assert pace_before[0]["phase"] == "out"
    after_pain = out[[c["t"] for c in out].index(14.0) :]
    assert after_pain[0]["kind"] == "halt"
    assert {"refer", "aftercare", "done"} <= {c["kind"] for c in after_pain}

    history = json.loads(run(db, "history", "--json").output)
    assert history[0]["attempts"] == 1
    assert history[0]["status"] == "halted"


def test_a_stored_screening_from_this_sitting_is_reused(tmp_path, db, run):
    assert run(db, "screen", TECH, "--answers", str(CLEAR), "--json").exit_code == 0
    result = run(db, "guide", TECH, "--events", events_file(tmp_path, *SESSION), "--json")
    assert result.exit_code == 0, result.output


def test_no_screening_refuses_to_start_and_stores_no_session(tmp_path, db, run):
    result = run(db, "guide", TECH, "--events", events_file(tmp_path, *SESSION))
    assert result.exit_code == 2
    assert "run `backbuddy screen seated_hug_extension` first" in result.output
    assert json.loads(run(db, "history", "--json").output) == []


def test_a_blocking_screening_refuses_with_its_exit_code(tmp_path, db, run):
    answers = tmp_path / "chest.yaml"
    answers.write_text(CLEAR.read_text().replace("chest_pain: false", "chest_pain: true"))
    result = run(
        db,
        "guide",
        TECH,
        "--events",
        events_file(tmp_path, *SESSION),
        "--screening-answers",
        str(answers),
    )
    assert result.exit_code == 4
    assert "emergency" in result.output.lower()


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"t": 3', "line 4: not valid JSON"),
        ({"t": 3, "event": "jump"}, "line 4: unknown event 'jump'"),
        ({"t": -1, "event": "ready"}, "line 4: event 'ready': time 't' must not be negative"),
        ({"t": 0.5, "event": "stop"}, "time went backwards"),
        ({"t": 3, "event": "resume"}, "can't resume when the session is attempt"),
        ({"t": 3, "event": "pose", "tracked": "yes"}, "field 'tracked' must be true or false"),
    ],
)
def test_bad_input_is_one_clear_line_exit_2_and_nothing_written(
    tmp_path, db, bad_line, message, run
):
    lines = [*SESSION[:3], bad_line]
    result = run(
        db,
        "guide",
        TECH,
        "--events",
        events_file(tmp_path, *lines),
        "--screening-answers",
        str(CLEAR),
        "--json",
    )
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert cues(result.output) == []  # checked whole before anything is shown or stored
    assert json.loads(run(db, "history", "--json").output) == []


def test_unknown_technique_exit_2(tmp_path, db, run):
    result = run(db, "guide", "handstand", "--events", events_file(tmp_path, *SESSION))
    assert result.exit_code == 2
    assert "unknown technique 'handstand'" in result.output


def test_events_from_stdin_stream_and_an_unfinished_run_is_interrupted(db, run):
    stdin = "\n".join(json.dumps(e) for e in SESSION[:3]) + "\n"
    result = run(
        db, "guide", TECH, "--events", "-", "--screening-answers", str(CLEAR), "--json", stdin=stdin
    )
    assert result.exit_code == 0, result.output
    assert cues(result.output)[-1]["step"] == "breathe_in"  # breathing had begun
    history = json.loads(run(db, "history", "--json").output)
    assert history[0]["status"] == "interrupted"


def test_a_second_session_the_same_day_is_refused_exit_3(tmp_path, db, run):
    args = ("guide", TECH, "--events", events_file(tmp_path, *SESSION), "--screening-answers",
            str(CLEAR), "--json")  # fmt: skip
    assert run(db, *args).exit_code == 0
    again = run(db, *args)
    assert again.exit_code == 3
    assert "already been 1 session today" in again.output
    assert "physiotherapist, chiropractor or doctor" in again.output
    assert len(json.loads(run(db, "history", "--json").output)) == 1
