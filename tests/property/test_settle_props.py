"""I3 with the assistant's arrival: no attempt starts and no movement cue comes while the
receiver's landmarks may still jolt from a new hold (`Technique.hold_settle_s` after a
`covered` pose rises), over arbitrary event streams; the settle never stands in the way of
a STOP, a symptom or a speed halt; a stream without a covered rise runs as before.

The streams are `event_sequences(camera=True)` with the assistant's hold laid over them: the
poses inside a few drawn intervals are covered, and a few single poses flip (a flicker).
"""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st
from session_strategies import (
    CAMERA_SET_UP,
    NOW,
    TECHNIQUES,
    event_sequences,
    examples,
    replay,
    screening,
)

from backbuddy.domain import session
from backbuddy.domain.events import SYMPTOMS, Begin, Event, Pose, Sensation, Stop
from backbuddy.domain.rules import HALT_ON_SPEED_PHASES
from backbuddy.domain.state import SessionState
from backbuddy.services.session_runner import with_ticks

EXAMPLES = examples(100)
HUG = TECHNIQUES["seated_hug_extension"]
SETTLE = HUG.hold_settle_s
NO_SETTLE = HUG.model_copy(update={"hold_settle_s": 0.0})
#: The phase a new attempt begins with (the one `rest` leads to).
FIRST_PHASE = HUG.phases[0].id

#: Where a hold may begin: anywhere, or just before a new attempt would begin after the first
#: `rest` (set-up done at t=1: rest ends at 26, and at 51 after the second cycle).
hold_starts = st.one_of(st.floats(0, 60), st.sampled_from([24.7, 25.2, 25.6, 25.95, 50.5]))
holds = st.lists(st.tuples(hold_starts, st.floats(0.05, 15)), max_size=3)
flips = st.sets(st.integers(0, 400), max_size=4)
outcomes = st.sampled_from(["clear", "caution"])


@st.composite
def calm_sessions(draw: st.DrawFn, jolts: bool = False) -> list[Event]:
    """A session that runs its cycles undisturbed: set up, then good frames at a drawn rate
    for up to 60 s (the random streams above are rarely calm long enough to reach a rest's
    end, where a new hold must hold the next attempt back). With `jolts`, a few frames are
    fast or sudden and covered: a jerk as he takes hold, in any phase."""
    period = draw(st.sampled_from([1 / 30, 1 / 15, 1 / 15]))
    until = draw(st.floats(20, 60))
    n = int((until - 1.0) / period)
    frames = [Pose(round(1.0 + k * period, 4)) for k in range(1, n)]
    if jolts:
        at = draw(st.lists(st.integers(0, n - 2), max_size=3))
        for k in at:
            speed = draw(st.floats(0, 80))
            # too fast either way: over the hard limit (30 deg/s), or under it and sudden
            frames[k] = Pose(frames[k].t, speed_deg_s=speed, sudden=speed < 30, covered=True)
    return list(with_ticks([Begin(0.0, at=NOW, camera=True), *CAMERA_SET_UP, *frames]))


streams = st.one_of(event_sequences(camera=True), calm_sessions())
jolted = st.one_of(event_sequences(camera=True), calm_sessions(jolts=True))


def held(
    events: list[Event], spans: list[tuple[float, float]], flip: set[int], jolts: bool = False
) -> list[Event]:
    """`events` with the poses inside `spans` (start, length) covered, those at `flip` flipped;
    with `jolts`, every fast or sudden pose covered too (a jerk as he takes hold)."""
    out: list[Event] = []
    poses = 0
    for e in events:
        if isinstance(e, Pose):
            jolt = jolts and (e.sudden or e.speed_deg_s > HUG.limits.gentle_speed_deg_s)
            covered = jolt or any(a <= e.t < a + n for a, n in spans) != (poses in flip)
            e = dataclasses.replace(e, covered=covered)
            poses += 1
        out.append(e)
    return out


def rises(events: list[Event]) -> list[float]:
    """The times of covered poses after a pose that was not covered (or none)."""
    out, was = [], False
    for e in events:
        if isinstance(e, Pose):
            if e.covered and not was:
                out.append(e.t)
            was = e.covered
    return out


def start(outcome: str, technique=HUG) -> SessionState:
    return session.new_session(technique, screening(technique.id, outcome))


@settings(max_examples=EXAMPLES)
@given(outcomes, streams, holds, flips)
def test_no_attempt_starts_and_no_move_cue_comes_within_the_settle_after_a_new_hold(
    outcome, events, spans, flip
):
    events = held(events, spans, flip)
    times = rises(events)
    for s in replay(start(outcome), events):
        seen = [r for r in times if r <= s.event.t]
        for cue in s.cues:
            if cue.kind == "move":  # given now, at the event's time
                assert all(s.event.t >= r + SETTLE - 1e-9 for r in seen), (cue, seen)
            if cue.kind == "pace" and cue.step == FIRST_PHASE:  # an attempt begins at cue.t
                assert all(cue.t >= r + SETTLE - 1e-9 for r in seen), (cue, seen)


@settings(max_examples=EXAMPLES)
@given(outcomes, jolted, holds, flips, st.booleans())
def test_the_settle_never_holds_back_a_stop_a_symptom_or_a_speed_halt(
    outcome, events, spans, flip, jolts
):
    limits = start(outcome).limits
    for s in replay(start(outcome), held(events, spans, flip, jolts)):
        e = s.event
        if isinstance(e, Stop) or (isinstance(e, Sensation) and e.sensation in SYMPTOMS):
            assert s.cues, e
            assert s.cues[0].kind == "halt", (e, s.cues)
        fast = isinstance(e, Pose) and (e.sudden or e.speed_deg_s > limits.hard_speed_deg_s)
        if fast and e.tracked and s.before.phase_id in HALT_ON_SPEED_PHASES:
            assert s.cues, (e, s.before.phase_id)
            assert s.cues[0].kind == "halt", (e, s.before.phase_id, s.cues)


def run(state: SessionState, events: list[Event]) -> list[tuple[str, object, tuple]]:
    return [(s.event.kind, s.after.mode, s.cues) for s in replay(state, events)]


@settings(max_examples=EXAMPLES // 2)
@given(outcomes, event_sequences(camera=True), holds, flips)
def test_a_stream_without_a_covered_rise_runs_as_before(outcome, events, spans, flip):
    """Without a covered pose the settle changes nothing; with no settle (the technique's
    `hold_settle_s` 0: how every session ran before), the covered flags change nothing."""
    plain = held(events, [], set())
    assert run(start(outcome), plain) == run(start(outcome, NO_SETTLE), plain)
    covered = held(events, spans, flip)
    assert run(start(outcome, NO_SETTLE), covered) == run(start(outcome, NO_SETTLE), plain)
