"""What the session refuses, and the transition table itself.

An event the current mode does not take is refused naming both; time never goes
backwards. The table names only known modes, events and rules.
"""

from __future__ import annotations

import pytest

from backbuddy.domain import session
from backbuddy.domain.errors import EventError, TransitionNotAllowed
from backbuddy.domain.events import EVENT_TYPES, Begin, Ready, Resistance, Resume, Tick

# ── refusals ─────────────────────────────────────────────────────────────────


def test_time_going_backwards_is_an_event_error(start):
    pair = start()
    pair.to_mobilise()
    before = pair.state
    with pytest.raises(EventError, match=r"time went backwards: event 'tick' at t=4\.9"):
        pair.send(Tick(4.9))
    assert pair.state is before


def test_time_cannot_go_back_behind_a_tick_that_caught_up_on_a_phase(start):
    """A tick at 5.2 enters the mobilise phase that began at 5; a tick at 5.1 is in the past."""
    pair = start()
    said = pair.send(Tick(5.2))
    assert said.of("pace")[0].t == 5.0
    assert pair.t == 5.2
    with pytest.raises(EventError, match="time went backwards"):
        pair.send(Tick(5.1))


@pytest.mark.parametrize(
    ("mode", "event"),
    [
        ("idle", Ready(13.0)),
        ("idle", Resume(13.0)),
        ("setup", Resistance(13.0)),
        ("setup", Resume(13.0)),
        ("attempt", Begin(13.0)),
        ("attempt", Ready(13.0)),
        ("paused", Ready(13.0)),
        ("halted", Begin(13.0)),
        ("ended", Resume(13.0)),
        ("ended", Begin(13.0)),
    ],
)
def test_an_event_the_mode_does_not_take_is_refused_by_name(reach, mode, event):
    pair = reach(mode)
    before = pair.state
    with pytest.raises(TransitionNotAllowed) as err:
        pair.send(event)
    assert str(err.value) == f"can't {event.kind} when the session is {mode}"
    assert pair.state is before


def test_the_transition_table_names_only_known_modes_events_and_rules():
    assert tuple(session.TRANSITIONS) == session.MODES
    for mode, row in session.TRANSITIONS.items():
        assert set(row) <= set(EVENT_TYPES), mode
        for event, (rule, targets) in row.items():
            assert rule in session.RULES, (mode, event)
            assert set(targets) <= set(session.MODES), (mode, event)
    assert set(session.RULES) == {
        r for row in session.TRANSITIONS.values() for r, _ in row.values()
    }


def test_only_an_ended_session_has_no_way_out():
    for mode, row in session.TRANSITIONS.items():
        leads_elsewhere = any(set(targets) - {mode} for _, targets in row.values())
        assert leads_elsewhere == (mode != "ended"), mode
