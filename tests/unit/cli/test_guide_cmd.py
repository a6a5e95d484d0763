"""`backbuddy guide --events`: headless sessions, what they store, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.services import guide

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
    assert move["t"] == 6.0  # after 4 s breathing in, as the exhale begins
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


def run_file(run, db, tmp_path, *lines, screen=True):  # type: ignore[no-untyped-def]
    answers = ("--screening-answers", str(CLEAR)) if screen else ()
    path = events_file(tmp_path, *lines)
    return run(db, "guide", TECH, "--events", path, *answers, "--json")


def history(run, db):  # type: ignore[no-untyped-def]
    return json.loads(run(db, "history", "--json").output)


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip() and not line.startswith("{")]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"t": 3', "line 4: not valid JSON"),
        ({"t": 3, "event": "jump"}, "line 4: unknown event 'jump'"),
        ({"t": -1, "event": "ready"}, "line 4: event 'ready': time 't' must not be negative"),
        ({"t": 0.5, "event": "stop"}, "line 4: event 'stop' at t=0.5: time went backwards"),
        ({"t": 3, "event": "resume"}, "line 4: event 'resume' at t=3: can't resume when"),
        ({"t": 3, "event": "pose", "tracked": "yes"}, "field 'tracked' must be true or false"),
        ({"t": 3, "event": "pose", "speed_deg_s": -40}, "field 'speed_deg_s' must not be negative"),
        ({"t": 3, "event": "pose", "range_deg": -20}, "field 'range_deg' must not be negative"),
    ],
)
def test_a_bad_line_is_one_clear_line_exit_2_and_what_came_before_is_kept(
    tmp_path, db, bad_line, message, run
):
    result = run_file(run, db, tmp_path, *SESSION[:3], bad_line)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    (line,) = error_lines(result.output)
    assert message in line
    assert line.endswith("the 3 event(s) before it are stored in session 1 (marked interrupted)")
    assert cues(result.output)[0]["kind"] == "say"  # the cues before the bad line were shown
    (session,) = history(run, db)
    assert session["status"] == "interrupted"


def test_a_symptom_before_a_bad_line_is_stored_and_counts(tmp_path, db, run):
    numbness = {"t": 14, "event": "sensation", "sensation": "numbness"}
    result = run_file(run, db, tmp_path, *SESSION[:3], numbness, '{"t": 15')
    assert result.exit_code == 2
    assert "line 5: not valid JSON" in result.output
    assert "stored in session 1 (it had ended: symptom)" in result.output
    after = cues(result.output)[[c["t"] for c in cues(result.output)].index(14.0) :]
    assert after[0]["kind"] == "halt"
    (session,) = history(run, db)
    assert (session["status"], session["end_reason"]) == ("halted", "symptom")
    text = run(db, "history").output
    assert "stopped for a symptom" in text  # the referral notice (I8) counts it


def test_a_stop_before_a_bad_line_is_stored(tmp_path, db, run):
    result = run_file(run, db, tmp_path, *SESSION[:3], {"t": 13, "event": "stop"}, "nonsense")
    assert result.exit_code == 2
    (session,) = history(run, db)
    assert session["status"] == "interrupted"
    assert session["attempts"] == 1
    with SqlStore(db) as store:
        kinds = [e.kind for e in store.events(session["id"])]
        halts = [c.reason for _, c in store.cues(session["id"]) if c.kind == "halt"]
    assert kinds[-1] == "stop"
    assert halts == ["stop:button"]


@pytest.mark.parametrize(
    "first",
    ['{"t": 0', {"t": 0, "event": "ready"}, {"t": 5, "event": "resume"}],
)
def test_a_bad_first_event_stores_nothing(tmp_path, db, run, first):
    result = run_file(run, db, tmp_path, first, *SESSION)
    assert result.exit_code == 2
    assert "line 1: " in result.output
    assert error_lines(result.output)[0].endswith("; nothing was stored")
    assert cues(result.output) == []
    assert history(run, db) == []


@pytest.mark.parametrize("t", [21600.5, 1e6, 1e308, 10**400], ids=["6h+", "1e6", "1e308", "1e400"])
def test_a_time_past_six_hours_is_refused_at_once(tmp_path, db, run, t):
    line = f'{{"t": {t}, "event": "tick"}}' if isinstance(t, int) else {"t": t, "event": "tick"}
    result = run_file(run, db, tmp_path, *SESSION[:3], line)
    assert result.exit_code == 2
    (text,) = error_lines(result.output)
    assert text.startswith("error: line 4: event 'tick'")
    if isinstance(t, float):
        assert "may be at most 21600 s (6 h)" in text
    else:  # too large for a float: refused by the event gate itself, shortened
        assert "field 't' must be finite, got 10000000000000000000… (401 characters)" in text
    assert history(run, db)[0]["status"] == "interrupted"


def test_a_file_with_more_events_than_one_session_is_refused_whole(tmp_path, db, run):
    lines = [*SESSION[:3], *({"t": 3, "event": "pose"} for _ in range(guide.MAX_EVENTS))]
    result = run_file(run, db, tmp_path, *lines)
    assert result.exit_code == 2
    (text,) = error_lines(result.output)
    assert f"has {guide.MAX_EVENTS + 3:,} events: a headless session takes at most 50,000" in text
    assert text.endswith("nothing was stored")
    assert history(run, db) == []


def test_a_stream_over_the_event_bound_stops_there_keeping_what_came_before(db, run, monkeypatch):
    monkeypatch.setattr(guide, "MAX_EVENTS", 5)
    lines = [*SESSION[:3], *({"t": 3 + i, "event": "pose"} for i in range(5))]
    stdin = "\n".join(json.dumps(e) for e in lines) + "\n"
    result = run(
        db, "guide", TECH, "--events", "-", "--screening-answers", str(CLEAR), "--json", stdin=stdin
    )
    assert result.exit_code == 2
    (text,) = error_lines(result.output)
    assert "line 6: a headless session takes at most 5 events" in text
    assert "the 5 event(s) before it are stored in session 1" in text


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
    one_attempt = [*SESSION[:3], {"t": 14, "event": "end"}]  # no symptom: that would block
    args = ("guide", TECH, "--events", events_file(tmp_path, *one_attempt), "--screening-answers",
            str(CLEAR), "--json")  # fmt: skip
    assert run(db, *args).exit_code == 0
    again = run(db, *args)
    assert again.exit_code == 3
    assert "already been 1 session today" in again.output
    assert "physiotherapist, chiropractor or doctor" in again.output
    assert len(json.loads(run(db, "history", "--json").output)) == 1


def test_help_states_the_bounds_and_what_a_bad_line_keeps(backbuddy):
    text = " ".join(backbuddy("guide", "--help").output.replace("│", " ").split())
    assert "t at most 21600 s = 6 h, at most 50,000 events" in text
    assert "a bad line stops the run with exit 2, keeping what came before it" in text
