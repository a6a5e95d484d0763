"""The session machine's building blocks: phases, the movement gate, pauses, halts, endings.

Kept apart from `session.py` so the transition table there stays one screen long.
Every function is pure: a state and a time in, a new state and cues out. Imports run
one way: state ← rules ← session.
"""

from __future__ import annotations

from typing import Literal

from backbuddy.domain import wording
from backbuddy.domain.cues import Cue
from backbuddy.domain.events import SYMPTOMS, Pose
from backbuddy.domain.state import POSE_STALE_MIN_S, EndReason, SessionState, replace
from backbuddy.domain.techniques import (
    RATE_MIN_SPAN_S,
    RATE_TOLERANCE,
    RATE_WINDOW_S,
    Caution,
    Limits,
)

__all__ = ["SYMPTOMS"]

#: A movement phase whose start is further behind the event being handled than this is
#: not entered with a move cue: the guide fell behind (no tick came).
LATE_S = POSE_STALE_MIN_S
#: At most one "slower, please" per this many seconds.
SLOWER_EVERY_S = 2.0
#: Phases in which the pair moves toward the stretch or holds it: the camera must see them.
MOVEMENT_PHASES = frozenset({"mobilise", "hold"})
#: Phases in which a jerk or over-limit speed halts (I5); only `rest`, when the receiver
#: may settle, is free of it.
HALT_ON_SPEED_PHASES = frozenset({"breathe_in", "mobilise", "hold", "release"})
#: Pauses the pair did not cause (issue 12): an attempt they cut short does not count.
APP_PAUSES = frozenset(
    {
        "tracking_lost",
        "camera_lagging",
        "camera_slow",
        "identity_unsure",
        "camera_moved",
        "placement",
        "listening_lost",
    }
)

#: At most this many attempts a session are given back (I6): without a bound, a camera that
#: failed in every movement let the receiver be moved again and again, each one "not counted"
#: (red team, session 11). After them an attempt cut short by the app counts.
GIVEN_BACK_MAX = 2

Result = tuple[SessionState, tuple[Cue, ...]]


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


def hands_on(state: SessionState) -> bool:
    """Are the assistant's hands on the receiver now (the technique's `hands_on` steps and
    phases, always `mobilise` and `hold`)? There a voice pauses at once, and so does a
    microphone that stopped being heard: nobody has a free hand, the voice is the brake."""
    if state.mode == "setup":
        return state.technique.setup[state.setup_index].hands_on
    if state.mode == "attempt":
        return state.technique.phases[state.phase_index].hands_on
    return False


def movement_watched(state: SessionState) -> bool:
    """Does the camera watch a movement, or the hold it starts from: from the assistant's
    hold (a `hands_on` set-up step) through the attempt, a pause that resumes into the attempt
    included? The server's two-person step then looks every 0.13 s, a jerk's lag at 15
    frames/s halved (`ReceiverPose.moving`); before his hold (her own set-up step, the
    checklist), halted or ended, every 4th frame, as the checklist needs no faster."""
    if state.mode == "paused":
        return state.resume_to == "attempt"
    return state.mode == "attempt" or hands_on(state)


def pose_stale(state: SessionState, t: float) -> bool:
    """Camera mode: is the latest pose too old to trust (older than `state.stale_after`)?"""
    last = state.last_pose
    return last is None or t - last.t > state.stale_after


def too_slow(state: SessionState) -> bool:
    """Camera mode: does the camera send fewer frames a second than the technique's speed
    watch needs (`video.min_fps`, measured on the truth clips: below it a true jerk was not
    halted in time or a slow movement read too fast; docs/accuracy.md "Frame rate")? The
    rate is the engine's own (`SessionState.frame_rate`); not yet known counts as too slow."""
    need = state.technique.video.min_fps
    if need <= 0:
        return False
    rate = state.frame_rate
    return rate is None or rate < need * RATE_TOLERANCE


def slow_on_average(state: SessionState) -> bool:
    """Camera mode: do the latest frames come fewer a second, counted over the time they span
    (as the placement gate counts them), than the technique's `video.min_fps`? Only chooses
    the words when the camera layer shut its placement gate: a page delivering its poses in
    bursts (two 33 ms apart, then 170 ms without) has a median period of 30 a second while the
    gate counts 10 and shuts for it, not for where the camera stands (a recorded page walk,
    tests/unit/web/test_page_people_held.py). Counted over the gate's own window
    (`RATE_WINDOW_S`): over the latest 6 frames only, a rate the gate counted too low was read
    as enough, and the pair was told to move the camera (red team, session 13,
    tests/property/test_rate_agreement_props.py)."""
    need = state.technique.video.min_fps
    times = state.frame_times
    if need <= 0 or len(times) < 2:
        return False
    last = times[-1]
    window = [x for x in times if last - x <= RATE_WINDOW_S + 1e-9]
    span = last - window[0]
    if span < RATE_MIN_SPAN_S - 1e-9:  # not yet read (as the gate: it reads no rate yet)
        return False
    return (len(window) - 1) / span < need * RATE_TOLERANCE


def settle_end(state: SessionState) -> float | None:
    """Camera mode: until when (camera time) the receiver's landmarks may still jolt from the
    assistant's latest new hold (`held_at` + the technique's `hold_settle_s`), or None."""
    wait = state.technique.hold_settle_s
    if not state.camera or wait <= 0 or state.held_at is None:
        return None
    return state.held_at + wait


def settling(state: SessionState, t: float) -> bool:
    """Camera mode: is `t` within the settle time after the assistant's latest new hold? As he
    takes hold, MediaPipe's landmarks of her jump and the read creeps (5.7-7.7 deg over ~0.7 s,
    one `sudden`): an attempt begun then would halt on it. No attempt starts, no move cue comes
    until it is over; the speed watch itself reads every frame as ever (nothing is hidden)."""
    end = settle_end(state)
    return end is not None and t < end - 1e-9


def needs_hold(state: SessionState) -> bool:
    """Does the pair's `ready` wait for a hold the camera has seen? In camera mode with a camera
    layer that reports the hold (`sees_hold`: the two-person step), for a technique whose
    landmarks jolt as he takes hold (`hold_settle_s`), in the set-up step where he does
    (`hands_on`). A Ready pressed before his hold began the attempt before the jolt, and the
    jolt halted it (docs/accuracy.md "A Ready before his hold")."""
    technique = state.technique
    return (
        state.camera
        and state.sees_hold
        and technique.hold_settle_s > 0
        and state.mode == "setup"
        and technique.setup[state.setup_index].hands_on
    )


def hold_refusal(state: SessionState, t: float) -> tuple[SessionState, Cue] | None:
    """Camera mode: a `ready` in the step where the assistant takes hold, while the latest
    frame shows no hold (`Pose.covered`), is refused, asking him to take hold
    (`not_ready:hold`; its words give the seconds left of the wait). From `hold_wait_s` after
    the first such refusal it goes on without a hold seen (a placement where his hands are never
    read on her arms): that press starts the settle as a hold would (`not_ready:hold_unseen`,
    asking him to take hold now if he has not: the jolt of a hold taken after the next press
    halts the attempt, and that halt's words name it: `speed_halt`), and a press after the
    settle is taken.
    None: nothing to wait for. The state keeps when it first asked (`hold_asked_at`)."""
    last = state.last_pose
    if not needs_hold(state) or (last is not None and last.covered):
        return None
    asked = state.hold_asked_at
    wait = state.technique.hold_wait_s
    if asked is None or t < asked + wait - 1e-9:
        state = replace(state, hold_asked_at=t if asked is None else asked)
        # the time left, not the whole wait again: a pair pressing after the words goes on
        text = wording.hold_first(wait if asked is None else asked + wait - t)
        return state, Cue(t, "say", text, reason="not_ready:hold")
    if state.held_at is not None and state.held_at >= asked:  # settled since: go on
        return None
    # the settle starts at this press, as a hold's would; a speed halt names his late hold
    state = replace(state, held_at=t, hold_unseen=True)
    return state, Cue(t, "say", wording.HOLD_UNSEEN, reason="not_ready:hold_unseen")


def beyond_range(pose: Pose, limits: Limits) -> bool:
    return pose.range_deg > limits.max_range_deg


def _range_reason(pose: Pose, limits: Limits) -> str:
    return f"range:{pose.range_deg:.1f}>{limits.max_range_deg:.1f}"


def camera_gate(state: SessionState, t: float) -> tuple[str, str] | None:
    """I3: why the camera does not allow a move cue at `t` (reason, words), or None.

    In camera mode a move needs a fresh, tracked frame of the receiver (not the
    assistant), from a valid placement whose view is read (not re-read after the camera
    moved), within range of the baseline, still, with the checks passing. A last frame that
    saw the pair but is too old says the camera lags (issue 12, item 4: a loaded laptop's page
    sends 4 poses a second, up to 1 s late), not that it needs to see the receiver. Fresh
    frames too few a second for the technique's speed watch say so (`too_slow`).
    """
    if not state.camera:
        return None
    last = state.last_pose
    if last is None or not last.tracked:
        return "camera_not_ready", wording.CAMERA_NOT_READY
    if pose_stale(state, t):
        return "camera_lagging", wording.CAMERA_LAGGING
    if too_slow(state):
        return "camera_slow", wording.CAMERA_SLOW
    view = _view_pause(state, last)
    if view is not None:
        return view
    if settling(state, t):
        return "settling", wording.SETTLING
    return _position_gate(state, last)


def _position_gate(state: SessionState, last: Pose) -> tuple[str, str] | None:
    """The camera gate's last part: the receiver within range, still, in position, held."""
    if beyond_range(last, state.limits):
        return _range_reason(last, state.limits), wording.BEYOND_RANGE
    if last.speed_deg_s > state.limits.gentle_speed_deg_s or last.sudden:
        return "camera_not_ready", wording.HELD_MOVING
    if not last.checks_ok:
        return "camera_not_ready", _held_words(state, last)
    if not checks_held(state, last.t):  # one lucky frame among failing ones is no position
        return "camera_not_ready", _unsteady_words(state)
    return None


def _held_words(state: SessionState, last: Pose) -> str:
    """A held move names the check the camera does not see passing, as a refused `ready`
    does: "needs to see the receiver in position" hid which part of the gate held it (a
    still receiver, seen and in position, whose page landmarks read the arms as not
    crossed: CI 2026-11-28, `tests/unit/web/test_page_people_held.py`)."""
    failing = [c for c in state.current_checks() if c in last.failing]
    if not failing:
        return wording.HELD_CHECKS
    return wording.held_for(state.technique.check(failing[0]).text)


def camera_ok(state: SessionState, t: float) -> bool:
    """I3/I4: may a movement cue be given at `t` as far as the camera is concerned?"""
    return camera_gate(state, t) is None


def ready_refusal(state: SessionState, t: float) -> Cue | None:
    """Camera mode: a `ready` against failing set-up checks is refused, naming the check."""
    checks = state.current_checks()
    if not (state.camera and checks):
        return None
    last = state.last_pose
    if last is None or pose_stale(state, t) or not last.tracked:
        return Cue(t, "say", wording.NOT_READY_UNSEEN, reason="not_ready:tracking")
    view = _view_refusal(state, last, t)
    if view is not None:
        return view
    if last.checks_ok:
        if checks_held(state, last.t):
            return None
        return Cue(t, "say", _unsteady_words(state), reason="not_ready:steady")
    failing = [c for c in checks if c in last.failing]
    if not failing:  # the camera layer did not say which: say what we know
        return Cue(t, "say", wording.NOT_READY_POSITION, reason="not_ready:checks")
    text = wording.not_passing(state.technique.check(failing[0]).text)
    return Cue(t, "say", text, reason=f"not_ready:{failing[0]}")


def _view_refusal(state: SessionState, last: Pose, t: float) -> Cue | None:
    """A `ready` refused for who or where the camera sees (identity, a moved camera, its rate
    or placement), or while her landmarks settle after a new hold (`settling`)."""
    if last.identity != "receiver":
        return Cue(t, "say", wording.IDENTITY_UNSURE, reason="not_ready:identity_unsure")
    if last.camera_moved:
        return Cue(t, "say", wording.CAMERA_MOVED, reason="not_ready:camera_moved")
    slow = state.frame_rate is not None and too_slow(state)
    if not last.placement_ok and (slow or slow_on_average(state)):
        # a rate measured too low: the camera layer's gate shuts for it, not for where it is
        return Cue(t, "say", wording.CAMERA_SLOW, reason="not_ready:camera_slow")
    if not last.placement_ok:
        return Cue(t, "say", wording.PLACEMENT, reason="not_ready:placement")
    if settling(state, t):
        return Cue(t, "say", wording.SETTLING, reason="not_ready:settling")
    return None


def hold_checks(before: SessionState, state: SessionState, pose: Pose) -> SessionState:
    """Since when the set-up checks have passed on every frame (`checks_since`), and what
    broke that last (`unsteady`): a frame unseen, unsure of who it is, or failing a check
    ends the hold, and so does a gap between frames longer than the stale limit (the camera
    did not see the position all along). `state` is `before` with `pose` seen."""
    if not pose.tracked:
        return replace(state, checks_since=None, unsteady="unseen")
    if pose.identity != "receiver":
        return replace(state, checks_since=None, unsteady="identity")
    if not pose.checks_ok:
        failing = [c for c in state.current_checks() if c in pose.failing]
        return replace(state, checks_since=None, unsteady=failing[0] if failing else "checks")
    last = before.last_pose
    if last is not None and pose.t - last.t > before.stale_after:
        return replace(state, checks_since=pose.t, unsteady="unseen")
    if state.checks_since is None:
        return replace(state, checks_since=pose.t)
    return state


def checks_held(state: SessionState, t: float) -> bool:
    """Have the set-up checks passed frame after frame for the technique's `checks_hold_s`
    by camera time `t`?"""
    since = state.checks_since
    return since is not None and t - since >= state.technique.checks_hold_s


def _unsteady_words(state: SessionState) -> str:
    """A `ready` refused while the checks pass but have not held long: what broke them last."""
    what = state.unsteady
    known = {c.id: c.text for c in state.technique.checks}
    hold = state.technique.checks_hold_s
    if what in known:
        return wording.not_steady(known[what], hold)
    return wording.not_steady(None, hold)


def resume_refusal(state: SessionState, t: float) -> Cue | None:
    """Camera mode: resuming from a range pause waits until the body is back within range,
    and from a moved camera's pause until the camera layer has read the new view."""
    if state.camera and state.paused_for == "camera_moved":
        return _moved_refusal(state, t)
    if not (state.camera and (state.paused_for or "").startswith("range")):
        return None
    last = state.last_pose
    if last is None or pose_stale(state, t) or not last.tracked:
        return Cue(t, "say", wording.NOT_READY_UNSEEN, reason="not_ready:range")
    if beyond_range(last, state.limits):
        return Cue(t, "say", wording.STILL_BEYOND_RANGE, reason="not_ready:range")
    return None


def _moved_refusal(state: SessionState, t: float) -> Cue | None:
    last = state.last_pose
    if last is None or pose_stale(state, t) or last.camera_moved:
        return Cue(t, "say", wording.CAMERA_MOVED, reason="not_ready:camera_moved")
    return None


def enter_phase(state: SessionState, index: int, t: float, now: float | None = None) -> Result:
    """Start phase `index` of the attempt cycle at time `t`, gating the movement phase.

    `now` is the time of the event being handled (t when the phase starts on time).
    A movement cue is judged at `now`, never in the past: if the phase's start is
    already more than LATE_S behind (no tick came), nothing moves (I3, I4). A gate
    that holds the move back pauses before the attempt is counted.
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
    if now - t > LATE_S:
        return pause(state, now, "late", wording.LATE)
    gate = camera_gate(state, now)
    if gate is not None:
        return pause(state, now, *gate)
    state = replace(state, attempts=state.attempts + 1)
    text = f"Attempt {state.attempts} of {state.limits.attempts}. {phase.text}"
    move = Cue(t, "move", text, step=phase.id, receiver=receiver, assistant=assistant)
    return state, (pace, move)


def next_phase(state: SessionState, t: float, now: float) -> Result:
    """Move on when the current phase's time is up; after `rest` a new attempt begins.

    A phase that halts on speed (a new attempt's `breathe_in`) does not begin while the
    receiver's landmarks may still jolt from a new hold (`settling`): the rest lasts until the
    settle is over, said once."""
    phases = state.technique.phases
    index = (state.phase_index + 1) % len(phases)
    end = settle_end(state)
    starts_watch = (
        phases[index].id in HALT_ON_SPEED_PHASES
        and phases[state.phase_index].id not in HALT_ON_SPEED_PHASES
    )
    last_done = index == 0 and state.attempts >= state.limits.attempts
    if end is not None and starts_watch and not last_done and settling(state, t):
        rest = phases[state.phase_index]
        state = replace(state, phase_started=end - rest.seconds)
        if now < end - 1e-9:
            return state, (Cue(t, "say", wording.SETTLING, reason="settling"),)
        t = end
    return enter_phase(state, index, t, now)


def pause(state: SessionState, t: float, reason: str, text: str) -> Result:
    """Hold everything; only `resume` goes on (back to set-up, or to rest before a new attempt)."""
    resume_to: Literal["setup", "attempt"] = "setup" if state.mode == "setup" else "attempt"
    new = replace(state, mode="paused", resume_to=resume_to, checks_since=None, paused_for=reason)
    return new, (Cue(t, "pause", text, reason=reason),)


def cut_short(state: SessionState, t: float, reason: str, text: str) -> Result:
    """Pause the movement under way; a pause the pair did not cause (APP_PAUSES) gives the
    attempt back, so it does not count toward the cap (issue 12), up to `GIVEN_BACK_MAX` times
    a session (I6: the movement is never repeated without end)."""
    if (
        reason in APP_PAUSES
        and state.phase_id in MOVEMENT_PHASES
        and state.attempts > 0
        and state.given_back < GIVEN_BACK_MAX
    ):
        state = replace(state, attempts=state.attempts - 1, given_back=state.given_back + 1)
        text = f"{text} {wording.NOT_COUNTED}"
    return pause(state, t, reason, text)


def stale_pause(state: SessionState, t: float) -> Result:
    """No fresh frame during the movement (I4): the camera lagged, or lost the receiver."""
    last = state.last_pose
    if last is not None and last.tracked and last.identity == "receiver":
        return cut_short(state, t, "camera_lagging", wording.CAMERA_LAGGING)
    return cut_short(state, t, "tracking_lost", wording.TRACKING_LOST)


def watch(state: SessionState, pose: Pose) -> Result:
    """Camera monitors during an attempt: tracking, identity, placement, speed, range (I4, I5)."""
    phase = state.technique.phases[state.phase_index].id
    limits = state.limits
    t = pose.t
    if phase in MOVEMENT_PHASES:
        if not pose.tracked:
            return cut_short(state, t, "tracking_lost", wording.TRACKING_LOST)
        if _too_fast(pose, limits):
            return speed_halt(state, pose)
        if too_slow(state):  # the speed watch cannot stop a jerk in time at this rate
            return cut_short(state, t, "camera_slow", wording.CAMERA_SLOW)
        view = _view_pause(state, pose)
        if view is not None:
            return cut_short(state, t, *view)
        if beyond_range(pose, limits):
            return cut_short(state, t, _range_reason(pose, limits), wording.BACK_OFF)
        if not pose.checks_ok:
            return cut_short(state, t, "position", wording.POSITION_CHANGED)
        if pose.speed_deg_s > limits.gentle_speed_deg_s and _may_say_slower(state, t):
            return replace(state, slower_at=t), (Cue(t, "say", wording.SLOWER, reason="speed"),)
    elif phase in HALT_ON_SPEED_PHASES and pose.tracked and _too_fast(pose, limits):
        return speed_halt(state, pose)
    return state, ()


def _view_pause(state: SessionState, pose: Pose) -> tuple[str, str] | None:
    """Who or where the camera sees is in doubt: an unsure identity, a camera that moved
    (its view being read again), a placement outside the valid region, or shut for frames
    too few a second counted as the gate counts them (reason, words)."""
    if pose.identity != "receiver":
        return "identity_unsure", wording.IDENTITY_UNSURE
    if pose.camera_moved:
        return "camera_moved", wording.CAMERA_MOVED
    if not pose.placement_ok:
        if slow_on_average(state):
            return "camera_slow", wording.CAMERA_SLOW
        return "placement", wording.PLACEMENT
    return None


def _too_fast(pose: Pose, limits: Limits) -> bool:
    return pose.sudden or pose.speed_deg_s > limits.hard_speed_deg_s


def _may_say_slower(state: SessionState, t: float) -> bool:
    return state.slower_at is None or t - state.slower_at >= SLOWER_EVERY_S


def speed_halt(state: SessionState, pose: Pose) -> Result:
    """I5: over the hard speed limit (or a sudden jerk) halts; repeated breaches end the session.

    After the set-up went on without seeing his hold (`state.hold_unseen`: no covered pose
    since), the halt's words also say that a hold taken after Ready reads as too fast, and to
    hold first next time (`wording.LATE_HOLD`): on such a placement his late grip's jolt is the
    likeliest "jerk", and "too fast" alone names a cause the pair may not see. Only the words
    change. The halt, its reason and its count toward `speed_halts_to_end` stay: the camera
    cannot tell his late grip from a yank or her flinch (the same `sudden`, the same frames),
    nor a pair who held before pressing from one who did not, so a rule that let this halt
    pass or not count would let those through too (docs/accuracy.md "A hold taken after the
    go-on Ready"); a halt is the safe side (I5)."""
    t = pose.t
    count = state.speed_halts + 1
    why = "sudden" if pose.sudden else f"speed:{pose.speed_deg_s:.1f}"
    text = f"{wording.SPEED_HALT} {wording.LATE_HOLD}" if state.hold_unseen else wording.SPEED_HALT
    halt = Cue(t, "halt", text, reason=why)
    state = replace(state, speed_halts=count)
    if count >= state.limits.speed_halts_to_end:
        return finish(state, t, "speed", (halt, Cue(t, "say", wording.SPEED_END, reason="speed")))
    return replace(state, mode="halted", resume_to="attempt", paused_for=why), (
        halt,
        Cue(t, "say", wording.RELEASE),
    )


def symptom_halt(state: SessionState, t: float, symptom: str) -> Result:
    """I2: a symptom halts for good; referral follows, never another movement.

    The aftercare after a symptom is the referral alone (never "mild soreness is
    common"); after dizziness it first says to sit or lie down, supported.
    """
    why = f"symptom:{symptom}"
    cues = [Cue(t, "halt", "Stop.", reason=why), Cue(t, "say", wording.RELEASE)]
    refer = (
        wording.REFER_URGENT
        if symptom in ("numbness", "tingling", "weakness")
        else wording.REFER_SYMPTOM
    )
    if symptom in ("chest_pain", "dizziness"):
        cues.append(Cue(t, "refer", wording.EMERGENCY, reason=why))
    cues.append(Cue(t, "refer", refer, reason=why))
    aftercare = f"{wording.SUPPORTED} {refer}" if symptom == "dizziness" else refer
    cues.append(Cue(t, "aftercare", aftercare, reason=why))
    state = replace(state, symptom=True)
    if state.mode == "ended":  # felt after the end: still a symptom halt for history (I8)
        return replace(state, end_reason="symptom"), tuple(cues)
    new = replace(state, mode="ended", end_reason="symptom")
    return new, (*cues, Cue(t, "done", wording.ENDED, reason="symptom"))


def finish(state: SessionState, t: float, reason: EndReason, cues: tuple[Cue, ...]) -> Result:
    """End the session: what led here, then aftercare, then done."""
    new = replace(state, mode="ended", end_reason=reason)
    tail = (Cue(t, "aftercare", wording.AFTERCARE), Cue(t, "done", wording.ENDED, reason=reason))
    return new, (*cues, *tail)


def own_stop_erased(state: SessionState) -> bool:
    """Where the page's own spoken stop word is erased from its microphone (flag 2): where a
    stop heard would change nothing the pair relies on. In set-up before the assistant's
    hands are on nothing touches the receiver (the opening lines say "say stop", and must not
    halt or pass the check); halted or ended, a stop is already in force (our "Stop." must not
    answer itself). Everywhere else (a pause, the movement, a hands-on set-up step) the
    receiver's stop said over our sentence must be heard (red team, session 14: a "stop" over
    "Say 'stop' to stop…" in a pause was erased, and Resume went on), so nothing is erased
    there, and the engine says no stop word there for our echo to be heard as one."""
    if state.mode in ("idle", "halted", "ended"):
        return True
    return state.mode == "setup" and not hands_on(state)


def learns_echo(state: SessionState) -> bool:
    """Where our own speech's level in the microphone is learned (`OwnVoice.learn`): where a
    voice changes nothing, so the pair rarely speaks over us (set-up before the hands go on,
    the rest, a pause or halt); never where the hands are on, whose voices it must tell apart."""
    return not hands_on(state) and state.mode != "ended"
