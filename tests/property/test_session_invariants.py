"""Invariants I1–I6 (design.md §3) over arbitrary event sequences.

Each test replays hypothesis-generated sequences through the pure engine and
checks one invariant at every step. Events the current mode does not take are
refused (TransitionNotAllowed) and leave the state as it was, as in the app.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from session_strategies import TECHNIQUES, event_sequences, screening

from backbuddy.domain import session, wording
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import (
    ScreeningBlocked,
    ScreeningRequired,
    TransitionNotAllowed,
)
from backbuddy.domain.events import SYMPTOMS, Event, Pop, Pose, Sensation, Stop, Tick
from backbuddy.domain.rules import HALT_ON_SPEED_PHASES, MOVEMENT_PHASES, POSE_STALE_S
from backbuddy.domain.session import SessionState
from backbuddy.services.session_runner import TICK_S

EXAMPLES = 2500
technique_ids = st.sampled_from(sorted(TECHNIQUES))
outcomes = st.sampled_from(["clear", "caution"])


@dataclass
class Step:
    before: SessionState
    event: Event
    after: SessionState
    cues: tuple[Cue, ...]


def replay(state: SessionState, events: list[Event]) -> Iterator[Step]:
    for event in events:
        try:
            after, cues = session.step(state, event)
        except TransitionNotAllowed:
            continue
        yield Step(state, event, after, cues)
        state = after


def start(technique_id: str, outcome: str) -> SessionState:
    return session.new_session(TECHNIQUES[technique_id], screening(technique_id, outcome))


@settings(max_examples=EXAMPLES)
@given(technique_ids, outcomes, event_sequences())
def test_i2_stop_or_symptom_makes_halt_the_next_cue_then_never_move(tid, outcome, events):
    symptom_seen = False
    for s in replay(start(tid, outcome), events):
        is_symptom = isinstance(s.event, Sensation) and s.event.sensation in SYMPTOMS
        if isinstance(s.event, Stop) or is_symptom:
            assert s.cues, f"{s.event} in {s.before.mode} gave no cue"
            assert s.cues[0].kind == "halt", f"{s.event} in {s.before.mode} → {s.cues[0]}"
        if symptom_seen:
            assert all(c.kind != "move" for c in s.cues)
        if is_symptom:
            symptom_seen = True
            kinds = [c.kind for c in s.cues]
            assert "refer" in kinds
            assert "aftercare" in kinds
            assert s.after.mode == "ended"


@settings(max_examples=EXAMPLES)
@given(technique_ids, outcomes, event_sequences())
def test_i3_i4_move_only_on_exhale_with_a_live_correct_view(tid, outcome, events):
    last_pose: Pose | None = None
    for s in replay(start(tid, outcome), events):
        if isinstance(s.event, Pose):
            last_pose = s.event
        for cue in s.cues:
            if cue.kind != "move":
                continue
            phase = next(p for p in s.after.technique.phases if p.id == cue.step)
            assert phase.id == "mobilise"
            assert phase.breath == "out"
            if s.after.camera:
                assert last_pose is not None
                assert last_pose.tracked
                assert last_pose.checks_ok
                assert not last_pose.sudden
                assert last_pose.speed_deg_s <= s.after.limits.gentle_speed_deg_s
                assert cue.t - last_pose.t <= POSE_STALE_S
        # I4: movement never continues unseen for more than 0.5 s in camera mode.
        moving = s.after.mode == "attempt" and s.after.phase_id in MOVEMENT_PHASES
        if moving and s.after.camera:
            assert last_pose is not None
            assert last_pose.tracked
            assert s.event.t - last_pose.t <= POSE_STALE_S + TICK_S + 1e-6 <= 0.5


@settings(max_examples=EXAMPLES)
@given(technique_ids, outcomes, event_sequences(camera=True))
def test_i4_i5_camera_limits_pause_or_halt_at_once(tid, outcome, events):
    for s in replay(start(tid, outcome), events):
        if not isinstance(s.event, Pose) or s.before.mode != "attempt":
            continue
        phase = s.before.phase_id
        limits = s.before.limits
        pose = s.event
        if phase in MOVEMENT_PHASES and not pose.tracked:
            assert s.cues, "tracking lost must pause"
            assert s.cues[0].kind == "pause", "tracking lost must pause"
        elif not pose.tracked:
            continue  # an unseen body has no speed to judge; tracking loss is the rule above
        elif phase in HALT_ON_SPEED_PHASES and (
            pose.sudden or pose.speed_deg_s > limits.hard_speed_deg_s
        ):
            assert s.cues, "a jerk or speed over the hard limit must halt"
            assert s.cues[0].kind == "halt", "a jerk or speed over the hard limit must halt"
        elif phase in MOVEMENT_PHASES and pose.range_deg > limits.max_range_deg:
            assert s.cues, "beyond the range limit must pause"
            assert s.cues[0].kind == "pause", "beyond the range limit must pause"
            assert wording.BACK_OFF in s.cues[0].text


@settings(max_examples=EXAMPLES)
@given(technique_ids, outcomes, event_sequences())
def test_i6_attempts_capped_pop_ends_the_region_no_pressure(tid, outcome, events):
    state = start(tid, outcome)
    moves = 0
    popped = False
    for s in replay(state, events):
        for cue in s.cues:
            text = cue.text.lower() + " " + (cue.assistant or "").lower()
            assert not any(w in text for w in wording.FORBIDDEN_WORDS), cue
            if cue.kind == "move":
                assert not popped, "no movement after a pop (region rests ≥ 20 min)"
                moves += 1
        if isinstance(s.event, Pop) and s.before.mode != "ended":
            popped = True
            assert s.after.mode == "ended"
        assert s.after.attempts <= state.limits.attempts <= 3
    assert moves <= state.limits.attempts


@settings(max_examples=1000)
@given(
    technique_ids,
    st.sampled_from(["clear", "caution", "block_refer", "block_emergency"]),
    st.booleans(),
    st.booleans(),
    event_sequences(),
)
def test_i1_no_session_without_a_valid_allowing_screening(tid, outcome, valid, other, events):
    screened_for = sorted(TECHNIQUES)[0] if other else tid
    result = screening(screened_for, outcome, valid)
    state = session.new_session(TECHNIQUES[tid], result)
    allowed = valid and outcome in ("clear", "caution") and screened_for == tid
    moved = False
    for event in events:
        try:
            state, cues = session.step(state, event)
        except TransitionNotAllowed:
            continue
        except (ScreeningRequired, ScreeningBlocked):
            assert not allowed
            continue
        moved = moved or any(c.kind == "move" for c in cues)
    if not allowed:
        assert not moved
        assert state.mode in ("idle", "ended")


@pytest.mark.parametrize("mode", session.MODES)
def test_every_mode_takes_stop_and_sensation(mode):
    """The table itself: STOP and symptoms are accepted from every state (I2)."""
    assert "stop" in session.TRANSITIONS[mode]
    assert "sensation" in session.TRANSITIONS[mode]


def test_ticks_never_reach_an_ended_session_with_cues():
    state = start("seated_hug_extension", "clear")
    state, _ = session.step(state, Stop(0.0))
    assert state.mode == "ended"
    _, cues = session.step(state, Tick(5.0))
    assert cues == ()
