"""The live terminal guide's keys: one for every sensation the engine knows, all on screen."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest
from rich.console import Console
from session_strategies import NOW, screening

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.cli.guide_live import CONTROLS, KEYS, SENSATIONS, key_event, render, turn_time
from backbuddy.domain import session
from backbuddy.domain import techniques as tech
from backbuddy.domain.events import SENSATION_KINDS, SYMPTOMS, Begin, Resume, Sensation, Stop, Tick
from backbuddy.services.session_runner import SessionRunner

TECH = "seated_hug_extension"


def test_every_sensation_the_engine_knows_has_exactly_one_key():
    assert sorted(SENSATIONS.values()) == sorted(SENSATION_KINDS)
    assert not set(SENSATIONS) & set(CONTROLS)  # no key means two things


@pytest.mark.parametrize(("key", "kind"), sorted(SENSATIONS.items()))
def test_each_sensation_key_reports_that_sensation_in_every_mode(key, kind):
    for mode in ("setup", "attempt", "paused", "halted", "ended"):
        assert key_event(key, 4.0, mode) == Sensation(4.0, sensation=kind)


def test_chest_pain_dizziness_and_localised_pain_have_keys_that_halt():
    by_kind = {kind: key for key, kind in SENSATIONS.items()}
    for kind in ("chest_pain", "dizziness", "localised_pain", "tingling"):
        assert kind in by_kind
        assert kind in SYMPTOMS  # the engine halts for good on it (I2)


def test_space_stops_and_enter_resumes_outside_set_up():
    assert key_event(" ", 1.0, "attempt") == Stop(1.0, source="key")
    assert key_event("\r", 1.0, "halted") == Resume(1.0)
    assert key_event("x", 1.0, "attempt") is None


def test_the_screen_lists_every_key_and_which_ones_stop_for_good(tmp_path: Path):
    technique = tech.get(TECH)
    with SqlStore(f"sqlite:///{tmp_path / 'live.sqlite3'}") as store:
        state = session.new_session(technique, screening(TECH))
        runner = SessionRunner.start(store, state, None, NOW)
        runner.handle(Begin(0.0, at=NOW), NOW)
        console = Console(width=160, record=True)
        console.print(render(runner, deque(), ""))
    text = " ".join(console.export_text().replace("│", " ").split())
    for key, label in KEYS.items():
        name = {" ": "space", "\r": "Enter"}.get(key, key)
        assert f"[{name}] {label}" in text
    assert "[h] chest pain" in text
    assert "[z] dizziness" in text
    assert "[l] localised pain" in text
    assert "Its limits (attempts, speed, range) are cautious proposals, not a clinical" in text
    stop_line = text[text.index("Stop for good:") : text.index("Not a medical device")]
    for key, kind in SENSATIONS.items():
        assert (f"[{key}] " in stop_line) == (kind in SYMPTOMS)


def test_guide_help_names_every_key(backbuddy):
    text = " ".join(backbuddy("guide", "--help").output.replace("│", " ").split())
    for key, label in KEYS.items():
        if key in SENSATIONS:
            assert f"{key} {label}" in text


def test_a_stop_pressed_just_after_a_tick_stamped_ahead_of_the_clock_is_taken(tmp_path: Path):
    """A tick is stamped at its due time, up to 2 ms ahead of the wall clock; a STOP pressed in
    those 2 ms was stamped by the clock, refused as "time went backwards", and the guide ended
    with a traceback (a full run, session 16). Now it is stamped no earlier than the tick."""
    technique = tech.get(TECH)
    with SqlStore(f"sqlite:///{tmp_path / 'live.sqlite3'}") as store:
        state = session.new_session(technique, screening(TECH))
        runner = SessionRunner.start(store, state, None, NOW)
        runner.handle(Begin(0.0, at=NOW), NOW)
        runner.handle(Tick(0.2), NOW)  # due at 0.2, taken at 0.1985 on the clock
        t = turn_time(0.199, runner.last_event_t)
        event = key_event(" ", t, runner.state.mode)
        assert event is not None
        runner.handle(event, NOW)
        assert runner.state.mode == "halted"
    assert turn_time(0.2504, 0.2) == 0.25  # the clock, in ms, when it is ahead
