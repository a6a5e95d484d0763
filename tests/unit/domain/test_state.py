"""The engine's quick `replace` (backbuddy.domain.state) gives what dataclasses.replace gives."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from backbuddy.domain import session, techniques
from backbuddy.domain.events import Pose
from backbuddy.domain.screening import ScreeningResult
from backbuddy.domain.state import SessionState, replace

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def a_state() -> SessionState:
    technique = techniques.load_all()["seated_hug_extension"]
    taken = NOW - timedelta(minutes=10)
    screened = ScreeningResult(technique.id, "clear", (), taken, taken + timedelta(hours=2))
    return session.new_session(technique, screened)


#: A new value for every field of the state (each differs from a new session's).
CHANGES = {
    "mode": "attempt",
    "t": 12.5,
    "camera": True,
    "setup_index": 1,
    "checks_since": 3.0,
    "unsteady": "arms_crossed",
    "phase_index": 2,
    "phase_started": 11.0,
    "attempts": 2,
    "given_back": 1,
    "last_pose": Pose(12.4),
    "held_at": 11.5,
    "sees_hold": True,
    "hold_asked_at": 10.5,
    "hold_unseen": True,
    "frame_times": (12.3, 12.4),
    "resume_to": "attempt",
    "paused_for": "tracking_lost",
    "speed_halts": 1,
    "symptom": True,
    "slower_at": 9.0,
    "popped_at": 10.0,
    "end_reason": "pop",
}


def test_every_field_is_covered():
    names = {f.name for f in dataclasses.fields(SessionState)}
    assert names - {"technique", "limits", "screening"} == set(CHANGES)


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_one_field_changed_is_what_dataclasses_gives_and_the_old_state_stays(name):
    state = a_state()
    before = dataclasses.replace(state)
    new = replace(state, **{name: CHANGES[name]})
    assert new == dataclasses.replace(state, **{name: CHANGES[name]})
    assert getattr(new, name) == CHANGES[name]
    assert state == before
    assert new is not state


def test_all_fields_at_once_and_the_result_is_still_frozen():
    state = a_state()
    new = replace(state, **CHANGES)
    assert new == dataclasses.replace(state, **CHANGES)
    with pytest.raises(dataclasses.FrozenInstanceError):
        new.mode = "idle"  # type: ignore[misc]


def test_a_name_that_is_not_a_field_is_refused():
    with pytest.raises(TypeError):
        replace(a_state(), phase="mobilise")
