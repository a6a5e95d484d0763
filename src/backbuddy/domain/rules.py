"""The session machine's building blocks: phases, the movement gate, pauses, halts, endings.

Kept apart from `session.py` so the transition table there stays one screen long.
Every function is pure: a state and a time in, a new state and cues out.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from backbuddy.domain import wording
from backbuddy.domain.cues import Cue
from backbuddy.domain.events import SYMPTOMS, Pose
from backbuddy.domain.techniques import Caution, Limits

if TYPE_CHECKING:  # pragma: no cover
    from backbuddy.domain.session import EndReason, SessionState

__all__ = ["SYMPTOMS"]

#: A setup step with checks counts as done once its checks have passed this long.
CHECKS_HOLD_S = 1.0
#: Camera mode: no pose for longer than this during a movement phase means tracking is lost.
#: With ticks every 0.1 s the pause comes at most 0.4 s after the last pose seen (I4: ≤ 0.5 s).
POSE_STALE_S = 0.3
#: At most one "slower, please" per this many seconds.
SLOWER_EVERY_S = 2.0
#: Phases in which the pair moves toward the stretch: the camera must see them.
MOVEMENT_PHASES = frozenset({"mobilise", "hold"})
#: Phases in which the pair is in hold and a jerk or over-limit speed halts (I5); only
#: `rest`, when the receiver may settle, is free of it.
HALT_ON_SPEED_PHASES = frozenset({"breathe_in", "exhale_relax", "mobilise", "hold", "release"})

Result = tuple["SessionState", tuple[Cue, ...]]


def caution_limits(limits: Limits, caution: Caution) -> Limits:
    """A `caution` screening narrows range, speed and attempts; it never widens them."""
    return limits.model_copy(
        update={
            "gentle_speed_deg_s": limits.gentle_speed_deg_s * caution.speed_factor,
            "hard_speed_deg_s": limits.hard_speed_deg_s * caution.speed_factor,
            "max_range_deg": limits.max_range_deg * caution.range_factor,
            "attempts": min(limits.attempts, caution.attempts),
        }
    )


def setup_cue(state: SessionState) -> Cue:
    step = state.technique.setup[state.setup_index]
    return Cue(
        state.t,
        "step",
        step.title,
        step=step.id,
        receiver=step.receiver.text,
        assistant=step.assistant.text,
    )


def pose_stale(state: SessionState, t: float) -> bool:
    """Camera mode: is the latest pose too old to trust?"""
    last = state.last_pose
    return last is None or t - last.t > POSE_STALE_S


def camera_ok(state: SessionState, t: float) -> bool:
    """I3/I4: in camera mode a movement cue needs a fresh, tracked, still pose, checks passing."""
    if not state.camera:
        return True
    last = state.last_pose
    if last is None or pose_stale(state, t):
        return False
    still = last.speed_deg_s <= state.limits.gentle_speed_deg_s and not last.sudden
    return last.tracked and last.checks_ok and still


def enter_phase(state: SessionState, index: int, t: float, now: float | None = None) -> Result:
    """Start phase `index` of the attempt cycle at time `t`, gating the movement phase.

    `now` is the time of the event being handled (t when the phase starts on time).
    A movement cue is judged at `now`, never in the past: if the phase's start is
    already more than POSE_STALE_S behind (no tick came), nothing moves (I3, I4).
    """
    now = t if now is None else now
    technique = state.technique
    phase = technique.phases[index]
    if index == 0 and state.attempts >= state.limits.attempts:
        return finish(state, t, "completed", (Cue(t, "say", wording.COMPLETED),))
    state = replace(state, mode="attempt", phase_index=index, phase_started=t, t=t)
    pace = Cue(t, "pace", phase.text, phase=phase.breath, seconds=phase.seconds, step=phase.id)
    receiver = phase.receiver.text if phase.receiver else None
    assistant = phase.assistant.text if phase.assistant else None
    if phase.id != "mobilise":
        return state, (
            pace,
            Cue(t, "say", phase.text, step=phase.id, receiver=receiver, assistant=assistant),
        )
    if state.attempts >= state.limits.attempts:  # when rest precedes mobilise (I6 cap)
        return finish(state, t, "completed", (Cue(t, "say", wording.COMPLETED),))
    if now - t > POSE_STALE_S:
        return pause(state, now, "late", wording.LATE)
    if not camera_ok(state, now):
        return pause(state, now, "camera_not_ready", wording.CAMERA_NOT_READY)
    state = replace(state, attempts=state.attempts + 1)
    text = f"Attempt {state.attempts} of {state.limits.attempts}. {phase.text}"
    move = Cue(t, "move", text, step=phase.id, receiver=receiver, assistant=assistant)
    return state, (pace, move)


def next_phase(state: SessionState, t: float, now: float) -> Result:
    """Move on when the current phase's time is up; after `rest` a new attempt begins."""
    index = (state.phase_index + 1) % len(state.technique.phases)
    return enter_phase(state, index, t, now)


def pause(state: SessionState, t: float, reason: str, text: str) -> Result:
    """Hold everything; only `resume` goes on (back to set-up, or to rest before a new attempt)."""
    if state.mode == "setup":
        new = replace(state, mode="paused", resume_to="setup", checks_since=None)
    else:
        new = replace(state, mode="paused", resume_to="attempt", checks_since=None)
    return new, (Cue(t, "pause", text, reason=reason),)


def watch(state: SessionState, pose: Pose) -> Result:
    """Camera monitors during an attempt: tracking, speed and range limits, posture (I4, I5)."""
    phase = state.technique.phases[state.phase_index].id
    limits = state.limits
    t = pose.t
    if phase in MOVEMENT_PHASES:
        if not pose.tracked:
            return pause(state, t, "tracking_lost", wording.TRACKING_LOST)
        if _too_fast(pose, limits):
            return speed_halt(state, pose)
        if pose.range_deg > limits.max_range_deg:
            detail = f"range:{pose.range_deg:.1f}>{limits.max_range_deg:.1f}"
            return pause(state, t, detail, wording.BACK_OFF)
        if not pose.checks_ok:
            return pause(state, t, "position", wording.POSITION_CHANGED)
        if pose.speed_deg_s > limits.gentle_speed_deg_s and _may_say_slower(state, t):
            return replace(state, slower_at=t), (Cue(t, "say", wording.SLOWER, reason="speed"),)
    elif phase in HALT_ON_SPEED_PHASES and pose.tracked and _too_fast(pose, limits):
        return speed_halt(state, pose)
    return state, ()


def _too_fast(pose: Pose, limits: Limits) -> bool:
    return pose.sudden or pose.speed_deg_s > limits.hard_speed_deg_s


def _may_say_slower(state: SessionState, t: float) -> bool:
    return state.slower_at is None or t - state.slower_at >= SLOWER_EVERY_S


def speed_halt(state: SessionState, pose: Pose) -> Result:
    """I5: over the hard speed limit (or a sudden jerk) halts; repeated breaches end the session."""
    t = pose.t
    count = state.speed_halts + 1
    why = "sudden" if pose.sudden else f"speed:{pose.speed_deg_s:.1f}"
    halt = Cue(t, "halt", wording.SPEED_HALT, reason=why)
    state = replace(state, speed_halts=count)
    if count >= state.limits.speed_halts_to_end:
        return finish(state, t, "speed", (halt, Cue(t, "say", wording.SPEED_END, reason="speed")))
    return replace(state, mode="halted", resume_to="attempt"), (
        halt,
        Cue(t, "say", wording.RELEASE),
    )


def symptom_halt(state: SessionState, t: float, symptom: str) -> Result:
    """I2: a symptom halts for good; aftercare and referral follow, never another movement."""
    cues = [Cue(t, "halt", "Stop.", reason=f"symptom:{symptom}"), Cue(t, "say", wording.RELEASE)]
    refer = (
        wording.REFER_URGENT
        if symptom in ("numbness", "tingling", "weakness")
        else wording.REFER_SYMPTOM
    )
    if symptom in ("chest_pain", "dizziness"):
        cues.append(Cue(t, "refer", wording.EMERGENCY, reason=f"symptom:{symptom}"))
    cues.append(Cue(t, "refer", refer, reason=f"symptom:{symptom}"))
    state = replace(state, symptom=True)
    if state.mode == "ended":  # felt after the end: still a symptom halt for history (I8)
        new = replace(state, end_reason="symptom")
        return new, (*cues, Cue(t, "aftercare", wording.AFTERCARE))
    return finish(state, t, "symptom", tuple(cues))


def finish(state: SessionState, t: float, reason: EndReason, cues: tuple[Cue, ...]) -> Result:
    """End the session: what led here, then aftercare, then done."""
    new = replace(state, mode="ended", end_reason=reason)
    tail = (Cue(t, "aftercare", wording.AFTERCARE), Cue(t, "done", wording.ENDED, reason=reason))
    return new, (*cues, *tail)
