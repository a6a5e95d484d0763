"""The session machine's state: what the engine knows after every event.

Its own module so imports inside the domain run one way (state ← rules ← session);
an import-linter contract refuses any cycle. Pure data plus a few read-only views.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from dataclasses import dataclass
from statistics import median
from typing import TYPE_CHECKING, Any, Literal

from backbuddy.domain.events import Pose
from backbuddy.domain.screening import ScreeningResult
from backbuddy.domain.techniques import RATE_WINDOW_S, Limits, Technique

Mode = Literal["idle", "setup", "attempt", "paused", "halted", "ended"]
MODES: tuple[Mode, ...] = ("idle", "setup", "attempt", "paused", "halted", "ended")
EndReason = Literal["completed", "symptom", "speed", "pop", "ended_by_pair", "stopped", "screening"]

#: I4: in camera mode a pause comes within this long of the last good pose.
I4_PAUSE_S = 0.5
#: Ticks come at least this often (the live loop and headless runs tick every 0.1 s).
TICK_ALLOWANCE_S = 0.1
#: A pose older than the stale limit is not trusted; the limit follows the measured frame
#: period (STALE_FRAMES periods) but never drops below POSE_STALE_MIN_S (jitter of a
#: 15–30 fps camera) nor rises above POSE_STALE_MAX_S, so that with the next tick at most
#: TICK_ALLOWANCE_S later the pause still comes within I4_PAUSE_S of the last pose.
POSE_STALE_MIN_S = 0.3
POSE_STALE_MAX_S = I4_PAUSE_S - TICK_ALLOWANCE_S
STALE_FRAMES = 3
#: The frame period is the median of this many latest intervals between pose events.
FRAME_INTERVALS = 5
#: At most this many pose times are kept: the latest `RATE_WINDOW_S` of them (for the rate
#: counted as the placement gate counts it, `rules.slow_on_average`), and never fewer than
#: FRAME_INTERVALS + 1.
MAX_FRAME_TIMES = 256


@dataclass(frozen=True)
class SessionState:
    """Everything the machine knows; a new value after every event.

    `frame_times` holds the latest distinct pose times (for the frame period);
    `paused_for` the reason of the current pause or halt; `popped_at` the session
    time of the latest pop, in any mode (I6: the region rests from then).
    """

    technique: Technique
    limits: Limits
    screening: ScreeningResult | None
    mode: Mode = "idle"
    t: float = 0.0
    camera: bool = False
    setup_index: int = 0
    checks_since: float | None = None
    #: What broke the set-up checks' hold last (a check id, or "unseen", "identity"):
    #: the words of a `ready` refused as not yet steady name it.
    unsteady: str | None = None
    phase_index: int = 0
    phase_started: float = 0.0
    attempts: int = 0
    #: Attempts given back so far (cut short by a pause the pair did not cause; I6 caps them).
    given_back: int = 0
    last_pose: Pose | None = None
    #: Camera time of the latest new hold: a `covered` pose after one that was not (or after
    #: a gap longer than the stale limit). Attempts wait `hold_settle_s` from it (`rules`).
    held_at: float | None = None
    #: The camera layer reports the assistant's hold (`Begin.sees_hold`): the set-up step where
    #: he takes hold waits for one it has seen (`rules.hold_refusal`).
    sees_hold: bool = False
    #: Camera time of the first `ready` refused for want of a hold seen (since the latest
    #: covered pose); `Technique.hold_wait_s` after it, the step goes on without one.
    hold_asked_at: float | None = None
    #: The step where he takes hold went on without a hold seen (`not_ready:hold_unseen`) and
    #: no covered pose came since: a hold taken after the next Ready jolts her landmarks, and the
    #: speed halt on that jolt names it as a likely cause (`rules.speed_halt`).
    hold_unseen: bool = False
    frame_times: tuple[float, ...] = ()
    resume_to: Literal["setup", "attempt"] = "setup"
    paused_for: str | None = None
    speed_halts: int = 0
    symptom: bool = False
    slower_at: float | None = None
    popped_at: float | None = None
    end_reason: EndReason | None = None

    @property
    def phase_id(self) -> str | None:
        """The current attempt phase, or None outside the attempt cycle."""
        if self.mode != "attempt":
            return None
        return self.technique.phases[self.phase_index].id

    @property
    def attempts_left(self) -> int:
        return max(0, self.limits.attempts - self.attempts)

    @property
    def frame_period(self) -> float | None:
        """The camera's measured frame period (s): median of the latest intervals, or None."""
        times = self.frame_times[-(FRAME_INTERVALS + 1) :]
        if len(times) < 2:
            return None
        return median(b - a for a, b in zip(times, times[1:], strict=False))

    @property
    def frame_rate(self) -> float | None:
        """The camera's measured frame rate (frames/s) from `frame_period`, or None."""
        period = self.frame_period
        return None if period is None or period <= 0 else 1.0 / period

    @property
    def stale_after(self) -> float:
        """How old the latest pose may be before it is stale (I4), from the frame period."""
        period = self.frame_period
        if period is None:
            return POSE_STALE_MIN_S
        return min(POSE_STALE_MAX_S, max(POSE_STALE_MIN_S, STALE_FRAMES * period))

    def current_checks(self) -> tuple[str, ...]:
        """The posture checks the camera layer should evaluate now."""
        if self.mode == "setup":
            return self.technique.setup[self.setup_index].checks
        return self.technique.setup[-1].checks


_FIELDS = tuple(f.name for f in dataclasses.fields(SessionState))
_NAMES = frozenset(_FIELDS)
# The quick replace below runs no __init__: it is only right while there is nothing to run.
if hasattr(SessionState, "__post_init__") or hasattr(SessionState, "__slots__"):
    raise TypeError("state.replace copies SessionState's fields; it cannot run __post_init__")

if TYPE_CHECKING:  # mypy checks every call's names and types as for dataclasses.replace
    from dataclasses import replace as replace
else:

    def replace(obj: Any, /, **changes: Any) -> Any:
        """`dataclasses.replace`, ~5x quicker for the session state (two or three a step, a
        step every camera frame): its fields copied, the changed ones set, nothing run, as
        SessionState has no __post_init__. Any other object, or a name that is not a field
        (TypeError), goes to dataclasses.replace."""
        if type(obj) is not SessionState or not changes.keys() <= _NAMES:
            return dataclasses.replace(obj, **changes)
        new = object.__new__(SessionState)
        old = obj.__dict__
        new.__dict__.update({name: old[name] for name in _FIELDS}, **changes)
        return new


def seen(state: SessionState, pose: Pose) -> SessionState:
    """The state with `pose` as the latest frame, its time counted for the frame period."""
    times = state.frame_times
    if not times or pose.t > times[-1]:
        # The times within RATE_WINDOW_S of this one (as the placement gate keeps them: its
        # subtraction and comparison), and the latest FRAME_INTERVALS + 1 whatever their age.
        first = bisect_left(times, pose.t - RATE_WINDOW_S - 1e-6)
        while first > 0 and pose.t - times[first - 1] <= RATE_WINDOW_S + 1e-9:
            first -= 1
        while first < len(times) and pose.t - times[first] > RATE_WINDOW_S + 1e-9:
            first += 1
        keep = max(0, min(first, len(times) - FRAME_INTERVALS), len(times) + 1 - MAX_FRAME_TIMES)
        times = (*times[keep:], pose.t)
    held_at, asked, unseen = state.held_at, state.hold_asked_at, state.hold_unseen
    if pose.covered:
        asked = None  # a hold seen: a later want of one is asked afresh
        unseen = False  # …and a later jolt is not his late hold
        if new_hold(state, pose):
            held_at = pose.t
    return replace(
        state,
        last_pose=pose,
        camera=True,
        frame_times=times,
        held_at=held_at,
        hold_asked_at=asked,
        hold_unseen=unseen,
    )


def new_hold(state: SessionState, pose: Pose) -> bool:
    """Does `pose` (covered) start a new hold: the frame before it not covered, or too old to
    say whether he held her all along (a gap longer than the stale limit)?"""
    last = state.last_pose
    return last is None or not last.covered or pose.t - last.t > state.stale_after
