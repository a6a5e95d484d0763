"""Invariants I1–I6 (design.md §3) over arbitrary event sequences.

Each test replays hypothesis-generated sequences through the pure engine and
checks one invariant at every step. Events the current mode does not take are
refused (TransitionNotAllowed) and leave the state as it was, as in the app.
The gates for set-up, frame timing, voice and given-back attempts are in
test_session_gates_props.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from session_strategies import (
    CAMERA_SET_UP,
    NOW,
    TECHNIQUES,
    any_frames,
    event_sequences,
    examples,
    replay,
    screening,
    start,
)

from backbuddy.domain import session, wording
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import (
    ScreeningBlocked,
    ScreeningRequired,
    TransitionNotAllowed,
)
from backbuddy.domain.events import SYMPTOMS, Begin, Pop, Pose, Sensation, Stop, Tick
from backbuddy.domain.rules import (
    GIVEN_BACK_MAX,
    HALT_ON_SPEED_PHASES,
    MOVEMENT_PHASES,
    slow_on_average,
)
from backbuddy.domain.state import I4_PAUSE_S, POSE_STALE_MAX_S
from backbuddy.domain.techniques import RATE_TOLERANCE
from backbuddy.services.session_runner import TICK_S

EXAMPLES = examples(1000)
technique_ids = st.sampled_from(sorted(TECHNIQUES))
outcomes = st.sampled_from(["clear", "caution"])


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
            # after a symptom the aftercare is the referral only (issue 11)
            assert all(wording.AFTERCARE not in c.text for c in s.cues)
            if s.event.sensation == "dizziness":
                assert any(wording.SUPPORTED in c.text for c in s.cues if c.kind == "aftercare")


@settings(max_examples=EXAMPLES)
@given(technique_ids, outcomes, event_sequences())
def test_i3_i4_move_only_on_exhale_with_a_live_correct_view(tid, outcome, events):
    """I3: a move only on the exhale and, in camera mode, only with a fresh frame of the
    receiver (not the assistant), tracked, still, checks passing, within range, from a
    valid placement whose view is not being re-read after a camera move, from a camera whose
    measured frame rate is at least the technique's minimum (`video.min_fps`). I4: movement
    never continues unseen for more than 0.5 s, nor with frames too few a second."""
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
                assert last_pose.range_deg <= s.after.limits.max_range_deg, "beyond range"
                assert last_pose.placement_ok
                assert not last_pose.camera_moved
                assert last_pose.identity == "receiver"
                assert cue.t - last_pose.t <= s.after.stale_after <= POSE_STALE_MAX_S
                assert fast_enough(s.after), (s.after.frame_rate, s.after.technique.video)
        # I4: movement never continues unseen for more than 0.5 s in camera mode.
        moving = s.after.mode == "attempt" and s.after.phase_id in MOVEMENT_PHASES
        if moving and s.after.camera:
            assert last_pose is not None
            assert last_pose.tracked
            assert last_pose.identity == "receiver"
            assert last_pose.placement_ok
            assert not last_pose.camera_moved
            assert s.event.t - last_pose.t <= s.after.stale_after + TICK_S + 1e-6
            assert s.after.stale_after + TICK_S <= I4_PAUSE_S + 1e-9
            assert fast_enough(s.after), (s.after.frame_rate, s.after.technique.video)


def fast_enough(state) -> bool:  # type: ignore[no-untyped-def]
    """The camera's measured rate meets the technique's minimum (none: any rate)."""
    need = state.technique.video.min_fps
    rate = state.frame_rate
    return need <= 0 or (rate is not None and rate >= need * RATE_TOLERANCE)


@settings(max_examples=EXAMPLES)
@given(technique_ids, outcomes, event_sequences(camera=True))
def test_i4_i5_camera_limits_pause_or_halt_at_once(tid, outcome, events):
    for s in replay(start(tid, outcome), events):
        if not isinstance(s.event, Pose) or s.before.mode != "attempt":
            continue
        phase = s.before.phase_id
        limits = s.before.limits
        pose = s.event
        first = s.cues[0] if s.cues else None
        if phase in MOVEMENT_PHASES and not pose.tracked:
            assert first is not None, "tracking lost must pause"
            assert (first.kind, first.reason) == ("pause", "tracking_lost")
        elif not pose.tracked:
            continue  # an unseen body has no speed to judge; tracking loss is the rule above
        elif phase in HALT_ON_SPEED_PHASES and (
            pose.sudden or pose.speed_deg_s > limits.hard_speed_deg_s
        ):
            assert first is not None, "a jerk or speed over the hard limit must halt"
            assert first.kind == "halt", "a jerk or speed over the hard limit must halt"
        elif phase in MOVEMENT_PHASES and not fast_enough(s.after):
            assert first is not None, "frames too few a second for the speed watch must pause"
            assert (first.kind, first.reason) == ("pause", "camera_slow")
            assert wording.CAMERA_SLOW in first.text
        elif phase in MOVEMENT_PHASES and pose.identity != "receiver":
            assert first is not None, "an unsure identity must pause as lost tracking"
            assert (first.kind, first.reason) == ("pause", "identity_unsure")
        elif phase in MOVEMENT_PHASES and pose.camera_moved:
            assert first is not None, "a camera moved during the movement must pause first"
            assert (first.kind, first.reason) == ("pause", "camera_moved")
            assert wording.CAMERA_MOVED in first.text
        elif phase in MOVEMENT_PHASES and not pose.placement_ok:
            assert first is not None, "a placement outside the valid region must pause"
            # the gate shut with frames too few a second over its own 2 s window: the camera
            # is slow, not badly placed (rules.slow_on_average; found by this property on
            # bursty 15 a second frames, session 13)
            said = "camera_slow" if slow_on_average(s.after) else "placement"
            assert (first.kind, first.reason) == ("pause", said)
        elif phase in MOVEMENT_PHASES and pose.range_deg > limits.max_range_deg:
            assert first is not None, "beyond the range limit must pause"
            assert first.kind == "pause", "beyond the range limit must pause"
            assert wording.BACK_OFF in first.text


@settings(max_examples=EXAMPLES)
@given(
    technique_ids,
    outcomes,
    any_frames,
    st.floats(0.0, 0.5),
    st.floats(0.0, 0.29),
    st.sampled_from([30, 24, 15, 10, 7, 5]),
)
def test_i3_the_move_gate_lets_through_exactly_a_fresh_good_view(
    tid, outcome, frame, age, lag, fps
):
    """Whatever the last frame before the move says, the move comes if and only if it is
    fresh, tracked, of the receiver, from a valid placement, within range, still and with
    the checks passing, from a camera sending at least the technique's minimum frames a
    second (`video.min_fps`); otherwise a pause, and the attempt is not counted."""
    state = start(tid, outcome)
    setup = [Begin(0.0, at=NOW, camera=True), *CAMERA_SET_UP]
    quiet = [Pose(round(1.0 + k / fps, 4)) for k in range(1, 4 * fps)]  # good frames to t≈5
    move_at = 1.0 + state.technique.phases[0].seconds
    last = Pose(round(move_at - age, 4), **frame)
    events = [e for e in quiet if e.t < last.t] + [last, Tick(round(move_at + lag, 4))]
    for event in setup + events[:-2]:
        state, _ = session.step(state, event)
    cues: tuple[Cue, ...] = ()
    for event in events[-2:]:  # the last frame (it may itself start the movement), the tick
        state, more = session.step(state, event)
        cues += more
    limits = state.limits
    good = (
        events[-1].t - last.t <= state.stale_after  # how old the frame is when judged
        and frame["tracked"]
        and frame["identity"] == "receiver"
        and frame["placement_ok"]
        and not frame["camera_moved"]
        and frame["range_deg"] <= limits.max_range_deg
        and frame["checks_ok"]
        and not frame["sudden"]
        and frame["speed_deg_s"] <= limits.gentle_speed_deg_s
        and fast_enough(state)
    )
    moves = [c for c in cues if c.kind == "move"]
    if state.mode == "halted":  # a jerk or over-limit speed while breathing in halts first
        assert frame["sudden"] or frame["speed_deg_s"] > limits.hard_speed_deg_s
        return
    assert bool(moves) == good, (frame, age, cues)
    assert state.attempts == (1 if good else 0)
    if not good:
        assert cues[-1].kind == "pause"


@settings(max_examples=EXAMPLES)
@given(technique_ids, outcomes, event_sequences(camera=True))
def test_i3_no_move_beyond_range_and_such_loops_never_use_an_attempt(tid, outcome, events):
    """Issue 11 item 1: while the latest pose is beyond the range limit no move is given,
    and the attempt count never grows (it grows only with a move cue)."""
    last_pose: Pose | None = None
    for s in replay(start(tid, outcome), events):
        if isinstance(s.event, Pose):
            last_pose = s.event
        moves = sum(c.kind == "move" for c in s.cues)
        beyond = last_pose is not None and last_pose.range_deg > s.after.limits.max_range_deg
        if beyond:
            assert moves == 0
            assert s.after.attempts <= s.before.attempts
        assert s.after.attempts - s.before.attempts <= moves


@settings(max_examples=EXAMPLES)
@given(technique_ids, outcomes, event_sequences())
def test_i6_attempts_capped_pop_rests_the_region_no_pressure(tid, outcome, events):
    state = start(tid, outcome)
    counted = moves = 0
    popped = False
    for s in replay(state, events):
        for cue in s.cues:
            text = cue.text.lower() + " " + (cue.assistant or "").lower()
            assert not any(w in text for w in wording.FORBIDDEN_WORDS), cue
            if cue.kind == "move":
                assert not popped, "no movement after a pop (region rests ≥ 20 min)"
        counted += sum(c.kind == "move" for c in s.cues)
        counted -= sum(c.kind == "pause" and wording.NOT_COUNTED in c.text for c in s.cues)
        # attempts given back (cut short by the app) are bounded too: no endless movement
        moves += sum(c.kind == "move" for c in s.cues)
        assert moves <= state.limits.attempts + GIVEN_BACK_MAX
        if isinstance(s.event, Pop):
            # I6: a pop in any mode, even after the end, starts the region's rest
            popped = True
            assert s.after.mode == "ended"
            assert s.after.popped_at == s.event.t
            assert [c.text for c in s.cues if c.reason == "pop" and c.kind == "say"] == [
                wording.POP
            ]
        assert 0 <= s.after.attempts == counted <= state.limits.attempts <= 3
    assert counted <= state.limits.attempts


@settings(max_examples=examples(500))
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
