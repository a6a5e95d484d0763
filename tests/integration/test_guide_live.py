"""The live terminal guide in a real pseudo-terminal: keys become events, STOP halts at once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.support.terminal import ANSI, BIN, CLEAR, Terminal
from tests.support.terminal import screened_db as _screened_db

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.services.aftercare import SYMPTOM_LABELS


def test_live_guide_keys_drive_the_session_and_space_halts(tmp_path):
    db = _screened_db(tmp_path)
    term = Terminal("guide", "seated_hug_extension", "--db", db)
    term.expect("Set-up: Receiver sits and crosses the arms")
    term.send("\r")
    term.expect("Set-up: Assistant steps in behind")
    term.send("\r")
    term.expect("BREATHE IN")
    term.send(" ")
    term.expect("HALTED")
    term.send("q")
    term.expect("Aftercare check")
    term.expect("How does the back feel now")
    term.send("2\r")  # about the same
    for _, label in SYMPTOM_LABELS:
        term.expect(f"{label}?")
        term.send("n\r")
    assert term.close() == 0

    with SqlStore(db) as store:
        (record,) = store.sessions()
        kinds = [(e.kind, getattr(e, "source", None)) for e in store.events(record.id)]
        assert ("stop", "key") in kinds
        assert record.status == "ended_by_pair"
        halts = [c for _, c in store.cues(record.id) if c.kind == "halt"]
        assert halts[0].reason == "stop:key"
        (check,) = store.aftercare()
        assert check.feel == "same"
        assert check.symptoms == ()


@pytest.mark.parametrize(("key", "kind"), [("h", "chest_pain")])
def test_a_symptom_key_halts_for_good_and_history_keeps_it(tmp_path, key, kind):
    """One key through the real terminal to the store (a process start, ~4 s). Every key's
    sensation in every mode, and that each is on the screen, are tests/unit/cli/
    test_guide_live.py's; the path from a key to the store is the same for each (this ran
    "l" and "t" too until session 17)."""
    db = _screened_db(tmp_path)
    term = Terminal("guide", "seated_hug_extension", "--db", db)
    term.expect(f"[{key}] {kind.replace('_', ' ')}")  # the key is on the screen
    term.send("\r")
    term.expect("Set-up: Assistant steps in behind")
    term.send(key)
    term.expect("Session over")
    term.expect("Aftercare check")
    term.expect("How does the back feel now")
    term.send("2\r")
    for _, label in SYMPTOM_LABELS:
        term.expect(f"{label}?")
        term.send("n\r")
    assert term.close() == 0

    with SqlStore(db) as store:
        (record,) = store.sessions()
        assert record.status == "halted"
        assert record.end_reason == "symptom"
        halts = [c for _, c in store.cues(record.id) if c.kind == "halt"]
        assert halts[0].reason == f"symptom:{kind}"


def test_live_guide_without_microphone_or_speakers_says_so_once_and_runs_on_keys(tmp_path):
    """This machine has no sound devices: --mic and --voice each give one plain line, the
    screen says to say stop to the partner, and space still halts."""
    db = _screened_db(tmp_path)
    term = Terminal("guide", "seated_hug_extension", "--mic", "--voice", "--db", db)
    term.expect("Not listening: no microphone")
    term.expect("No spoken cues: no audio output device")
    term.expect("not listening: say stop to your partner, or press space")
    term.send("\r")
    term.expect("Set-up: Assistant steps in behind")
    term.send(" ")
    term.expect("HALTED")
    term.send("q")
    term.expect("How does the back feel now")
    term.send("2\r")
    for _, label in SYMPTOM_LABELS:
        term.expect(f"{label}?")
        term.send("n\r")
    assert term.close() == 0
    screen = ANSI.sub("", term.seen)
    assert screen.count("Not listening:") == 1


def _screened_terminal(tmp_path: Path) -> tuple[str, Terminal]:
    db = _screened_db(tmp_path)
    term = Terminal("guide", "seated_hug_extension", "--db", db)
    term.expect("Set-up: Receiver sits and crosses the arms")
    return db, term


def _answer_aftercare(term: Terminal) -> None:
    term.expect("How does the back feel now")
    term.send("2\r")
    for _, label in SYMPTOM_LABELS:
        term.expect(f"{label}?")
        term.send("n\r")
    assert term.close() == 0


def test_a_symptom_felt_in_another_session_ends_the_terminal_guide_with_its_referral(
    tmp_path: Path,
) -> None:
    """Red team: the web app stopped its sessions for a symptom felt elsewhere, but the
    terminal guide looked at nothing: tingling felt in a browser session (another process,
    the same store) left the terminal's session running. It ends now, with the referral."""
    from datetime import UTC, datetime

    from backbuddy.domain import events as ev

    db, term = _screened_terminal(tmp_path)
    now = datetime.now(UTC)
    with SqlStore(db) as store:  # the browser's session, as the server stores it
        other = store.start_session("side_lying_rotation", None, now, camera=False)
        store.append_event(other, 0, ev.Begin(0.0))
        store.append_event(other, 1, ev.Sensation(1.0, sensation="tingling"))
        store.finish_session(other, "halted", now, 0, "symptom")
    term.expect("Tingling was reported in session 2")
    term.expect("Session over")
    assert term.close() == 0  # the aftercare check is the newest session's (the browser's)
    with SqlStore(db) as store:
        mine = store.sessions()[0]
        assert (mine.status, mine.end_reason) == ("halted", "symptom_elsewhere")
        refers = [c for _, c in store.cues(mine.id) if c.kind == "refer"]
        assert refers


def test_a_red_flag_answered_in_another_process_ends_the_terminal_guide(tmp_path: Path) -> None:
    db, term = _screened_terminal(tmp_path)
    answers = tmp_path / "red.yaml"
    answers.write_text(CLEAR.read_text().replace("chest_pain: false", "chest_pain: true"))
    assert "chest_pain: true" in answers.read_text()
    subprocess.run(
        [str(BIN), "screen", "seated_hug_extension", "--answers", str(answers), "--db", db],
        capture_output=True,
        check=False,
    )
    term.expect("no longer allows this session")
    term.expect("Session over")
    _answer_aftercare(term)
    with SqlStore(db) as store:
        mine = store.sessions()[0]
        assert (mine.status, mine.end_reason) == ("screened_out", "screening")
