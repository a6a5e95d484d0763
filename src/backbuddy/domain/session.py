"""The guided-session machine: `step(state, event) -> (state, cues)`, pure and deterministic.

The machine is one literal table, `TRANSITIONS`: for each mode, the events it
takes, the rule that handles each, and the modes that rule may lead to. An event
the table does not list for the current mode is refused with TransitionNotAllowed
naming both. Time comes only from events; the machine has no clock.

Safety invariants (design.md §3) live here: a STOP or symptom makes `halt` the next
cue from every mode (I2); `move` is only given on the exhale with a live, correct
camera view in camera mode (I3, I4); speed and range limits halt or pause (I5);
attempts are capped and a pop ends the work on that region (I6).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from backbuddy.domain import rules, wording
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import (
    EventError,
    ScreeningBlocked,
    ScreeningRequired,
    TransitionNotAllowed,
)
from backbuddy.domain.events import Begin, End, Event, Pop, Pose, Ready, Sensation, Stop, Voice
from backbuddy.domain.rules import MOVEMENT_PHASES
from backbuddy.domain.screening import ScreeningResult
from backbuddy.domain.state import MODES, EndReason, Mode, SessionState, replace, seen
from backbuddy.domain.techniques import Limits, Technique

__all__ = [
    "MODES",
    "MOVEMENT_PHASES",
    "EndReason",
    "Mode",
    "SessionState",
    "new_session",
    "step",
]


Handler = Callable[[SessionState, Event], tuple[SessionState, tuple[Cue, ...]]]

#: mode → event kind → (rule, modes the rule may lead to). The diagram in docs/session.md
#: is generated from this table; tests walk it.
TRANSITIONS: Mapping[Mode, Mapping[str, tuple[str, tuple[Mode, ...]]]] = {
    "idle": {
        "begin": ("begin", ("setup",)),
        "tick": ("wait", ("idle",)),
        "pose": ("note_pose", ("idle",)),
        "stop": ("stop", ("ended",)),
        "sensation": ("sensation", ("idle", "ended")),
        "pop": ("pop", ("ended",)),
        "voice": ("wait", ("idle",)),
        "end": ("end", ("ended",)),
    },
    "setup": {
        "tick": ("wait", ("setup",)),
        "ready": ("advance_setup", ("setup", "attempt", "paused")),
        "pose": ("setup_pose", ("setup", "attempt", "paused")),
        "stop": ("stop", ("halted",)),
        "sensation": ("sensation", ("setup", "paused", "ended")),
        "pop": ("pop", ("ended",)),
        "voice": ("voice", ("setup", "paused")),
        "end": ("end", ("ended",)),
    },
    "attempt": {
        "tick": ("attempt_tick", ("attempt", "paused", "ended")),
        "pose": ("attempt_pose", ("attempt", "paused", "halted", "ended")),
        "stop": ("stop", ("halted",)),
        "sensation": ("sensation", ("attempt", "paused", "ended")),
        "resistance": ("resistance", ("paused",)),
        "pop": ("pop", ("ended",)),
        "voice": ("voice", ("attempt", "paused")),
        "end": ("end", ("ended",)),
    },
    "paused": {
        "tick": ("wait", ("paused",)),
        "pose": ("note_pose", ("paused",)),
        "stop": ("stop", ("halted",)),
        "sensation": ("sensation", ("paused", "ended")),
        "resistance": ("wait", ("paused",)),
        "pop": ("pop", ("ended",)),
        "voice": ("wait", ("paused",)),
        "resume": ("resume", ("setup", "attempt", "paused", "ended")),
        "end": ("end", ("ended",)),
    },
    "halted": {
        "tick": ("wait", ("halted",)),
        "pose": ("note_pose", ("halted",)),
        "stop": ("stop", ("halted",)),
        "sensation": ("sensation", ("halted", "ended")),
        "resistance": ("wait", ("halted",)),
        "pop": ("pop", ("ended",)),
        "voice": ("wait", ("halted",)),
        "resume": ("resume", ("setup", "attempt", "halted", "ended")),
        "end": ("end", ("ended",)),
    },
    "ended": {
        "tick": ("wait", ("ended",)),
        "pose": ("wait", ("ended",)),
        "stop": ("stop", ("ended",)),
        "sensation": ("sensation", ("ended",)),
        "resistance": ("wait", ("ended",)),
        "pop": ("pop", ("ended",)),
        "voice": ("wait", ("ended",)),
        "end": ("wait", ("ended",)),
    },
}


def new_session(
    technique: Technique, screening: ScreeningResult | None, limits: Limits | None = None
) -> SessionState:
    """A session waiting for `begin`; `limits` (from settings) can only tighten the technique's."""
    effective = technique.limits if limits is None else technique.limits.tightened(limits)
    if screening is not None and screening.outcome == "caution":
        effective = rules.caution_limits(effective, technique.caution)
    return SessionState(technique=technique, limits=effective, screening=screening)


def accepts(state: SessionState, event: Event) -> tuple[str, tuple[Mode, ...]]:
    """The rule that will handle `event` now, or a clear error if none will."""
    if event.t < state.t:
        raise EventError(
            f"time went backwards: event {event.kind!r} at t={event.t} after t={state.t}"
        )
    entry = TRANSITIONS[state.mode].get(event.kind)
    if entry is None:
        raise TransitionNotAllowed(f"can't {event.kind} when the session is {state.mode}")
    return entry


def step(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    """Apply one event; return the new state and the cues to show, in order.

    The new state's `t` is the event's time, even when the rule entered phases that
    began earlier (catching up), so a later event can never go back before this one.
    """
    rule, targets = accepts(state, event)
    new, cues = RULES[rule](replace(state, t=event.t), event)
    assert new.mode in targets, f"rule {rule} led {state.mode} → {new.mode}"
    return replace(new, t=event.t), cues


# ── rules ────────────────────────────────────────────────────────────────────


def _wait(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    return state, ()


def _note_pose(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    assert isinstance(event, Pose)
    return seen(state, event), ()


def _begin(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    assert isinstance(event, Begin)
    _require_screening(state, event)
    t = event.t
    cues = [
        Cue(t, "say", wording.WELCOME),
        Cue(t, "say", wording.STOP_ANY_TIME),
        Cue(t, "say", wording.DISCLAIMER),
    ]
    if state.screening is not None and state.screening.outcome == "caution":
        cues.append(Cue(t, "say", state.technique.caution.text, reason="caution"))
    camera = state.camera or event.camera
    sees_hold = state.sees_hold or (camera and event.sees_hold)
    new = replace(state, mode="setup", camera=camera, setup_index=0, sees_hold=sees_hold)
    return new, (*cues, rules.setup_cue(new))


def _require_screening(state: SessionState, event: Begin) -> None:
    """Invariant I1: a valid, allowing screening for this technique, taken this sitting."""
    s = state.screening
    tid = state.technique.id
    if s is None or s.technique != tid:
        raise ScreeningRequired(
            f"no screening for {tid} in this sitting: run `backbuddy screen {tid}` first"
        )
    if event.at is None:
        raise ScreeningRequired("a session's `begin` needs its wall-clock start `at`")
    if event.at < s.taken_at:
        raise ScreeningRequired(f"the screening for {tid} was taken after this session began")
    if not s.valid_at(event.at):
        raise ScreeningRequired(
            f"the screening for {tid} has expired (valid until {s.valid_until:%H:%M}); "
            "answer the questions again"
        )
    if not s.allows_session:
        raise ScreeningBlocked(
            f"the screening outcome is {s.outcome}: this routine isn't suitable today", s.outcome
        )


def _advance_setup(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    """The step is done: by the pair's `ready` (refused in camera mode while a check fails,
    naming it, or, in the step where the assistant takes hold, while the camera has not seen
    his hold: `rules.hold_refusal`) or by the camera seeing the step's checks hold."""
    t = event.t
    if isinstance(event, Ready):
        refused = rules.ready_refusal(state, t)
        if refused is not None:
            return state, (refused,)
        waits = rules.hold_refusal(state, t)
        if waits is not None:
            return waits[0], (waits[1],)
    setup = state.technique.setup
    if state.setup_index + 1 < len(setup):
        # The next step's checks among this one's (the receiver keeps the position): the
        # frames that held them count on; other checks start their hold afresh.
        kept = set(setup[state.setup_index + 1].checks) <= set(setup[state.setup_index].checks)
        since = state.checks_since if kept else None
        new = replace(state, setup_index=state.setup_index + 1, checks_since=since)
        return new, (rules.setup_cue(new),)
    # The attempt watches the last step's checks: their hold goes on into it (`camera_gate`).
    # A set-up again after a pause asks for the assistant's hold afresh (`hold_refusal`).
    return rules.enter_phase(replace(state, mode="attempt", hold_asked_at=None), 0, t)


def _setup_pose(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    """The step's checks are held frame after frame (`rules.hold_checks`); a step the camera
    can confirm moves on once they have held for the technique's `checks_hold_s`, a step
    only the pair can confirm (`confirm: pair`) waits for `ready` (refused until then)."""
    assert isinstance(event, Pose)
    step = state.technique.setup[state.setup_index]
    if not step.checks:
        return seen(state, event), ()
    state = rules.hold_checks(state, seen(state, event), event)
    if (
        step.confirm == "camera"
        and rules.checks_held(state, event.t)
        and not rules.settling(state, event.t)
    ):
        return _advance_setup(state, event)
    return state, ()


def _attempt_tick(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    phase = state.technique.phases[state.phase_index]
    if state.camera and phase.id in MOVEMENT_PHASES and rules.pose_stale(state, event.t):
        return rules.stale_pause(state, event.t)
    return _advance_due(state, event.t)


def _attempt_pose(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    """Watch the frame against the current phase first; then let time move the phases on."""
    assert isinstance(event, Pose)
    state, cues = rules.watch(rules.hold_checks(state, seen(state, event), event), event)
    if state.mode != "attempt":
        return state, cues
    state, more = _advance_due(state, event.t)
    return state, cues + more


def _advance_due(state: SessionState, t: float) -> tuple[SessionState, tuple[Cue, ...]]:
    """Enter every phase whose start time has come by `t`, each at its own start time."""
    cues: tuple[Cue, ...] = ()
    while state.mode == "attempt":
        phase = state.technique.phases[state.phase_index]
        ends = state.phase_started + phase.seconds
        if t < ends:
            break
        state, more = rules.next_phase(state, ends, t)
        cues += more
    return state, cues


def _stop(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    assert isinstance(event, Stop)
    t = event.t
    why = f"stop:{event.source}"
    cues = (Cue(t, "halt", "Stop.", reason=why), Cue(t, "say", wording.RELEASE))
    if state.mode == "ended":
        return state, cues
    if state.mode == "idle":
        return replace(state, mode="ended", end_reason="stopped"), (
            *cues,
            Cue(t, "done", wording.ENDED),
        )
    if state.mode in ("paused", "halted"):
        return replace(state, mode="halted"), cues
    return replace(state, mode="halted", resume_to=_resume_target(state), paused_for=why), cues


def _resume_target(state: SessionState) -> Literal["setup", "attempt"]:
    return "setup" if state.mode == "setup" else "attempt"


def _sensation(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    assert isinstance(event, Sensation)
    if event.sensation in rules.SYMPTOMS:
        return rules.symptom_halt(state, event.t, event.sensation)
    if event.sensation == "discomfort" and state.mode in ("setup", "attempt"):
        return rules.pause(state, event.t, "discomfort", wording.DISCOMFORT)
    if event.sensation == "comfortable_stretch":
        return state, (Cue(event.t, "say", "Good. Stay with the breath."),)
    return state, (Cue(event.t, "say", wording.DISCOMFORT_AT_REST, reason="discomfort"),)


def _resistance(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    return rules.pause(state, event.t, "resistance", wording.RESISTANCE)


def _voice(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    """A voice while the assistant's hands are on the receiver (the movement, and the steps
    around it: `rules.hands_on`) pauses at once (issue 10: "vocalize any sensation"); so
    does a microphone that stopped being heard while listening: a spoken stop would not be."""
    assert isinstance(event, Voice)
    if rules.hands_on(state):
        if event.lost:
            return rules.cut_short(state, event.t, "listening_lost", wording.LISTENING_LOST)
        return rules.pause(state, event.t, "voice", wording.VOICE_PAUSE)
    return state, ()


def _pop(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    """I6: a pop in any mode, even after the end, starts the region's rest from its time."""
    assert isinstance(event, Pop)
    t = event.t
    state = replace(state, popped_at=t)
    said = wording.POP_DURING_SPEECH if event.during_speech else wording.POP
    if state.mode == "ended":
        return state, (Cue(t, "say", said, reason="pop"),)
    cues = (Cue(t, "say", wording.RELEASE), Cue(t, "say", said, reason="pop"))
    return rules.finish(state, t, "pop", cues)


def _resume(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    t = event.t
    if state.resume_to == "setup":
        new = replace(state, mode="setup", checks_since=None, paused_for=None)
        return new, (Cue(t, "say", "Going on. Set up again, gently."), rules.setup_cue(new))
    refused = rules.resume_refusal(state, t)
    if refused is not None:
        return state, (refused,)
    rest = next(i for i, p in enumerate(state.technique.phases) if p.id == "rest")
    new, cues = rules.enter_phase(replace(state, mode="attempt", paused_for=None), rest, t)
    return new, (Cue(t, "say", wording.RESUMED), *cues)


def _end(state: SessionState, event: Event) -> tuple[SessionState, tuple[Cue, ...]]:
    assert isinstance(event, End)
    reason: EndReason = "screening" if event.why == "screening" else "ended_by_pair"
    return rules.finish(state, event.t, reason, (Cue(event.t, "say", wording.RELEASE),))


RULES: Mapping[str, Handler] = {
    "wait": _wait,
    "note_pose": _note_pose,
    "begin": _begin,
    "advance_setup": _advance_setup,
    "setup_pose": _setup_pose,
    "attempt_tick": _attempt_tick,
    "attempt_pose": _attempt_pose,
    "stop": _stop,
    "sensation": _sensation,
    "resistance": _resistance,
    "voice": _voice,
    "pop": _pop,
    "resume": _resume,
    "end": _end,
}
