"""A screened pair driving the pure session engine, for readable example tests.

`start(...)` gives a `Pair` that has begun a session and (by default) confirmed both
set-up steps at t=0.5 and t=1. For the seated hug extension the attempt then runs:

    breathe in 1-5 s · mobilise 5-9 (the move cue at 5, on the exhale) · hold 9-12
    (breathing gently) · release 12-16 (breathing in) · rest 16-26 · next attempt
    breathes in at 26 (a cycle is 25 s)

`pair.send(*events)` returns the cues those events produced as a `Said` list, whose
`.kinds` reads like the script of what the pair hears.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backbuddy.domain import session, techniques
from backbuddy.domain.cues import Cue
from backbuddy.domain.events import Begin, End, Event, Pose, Ready, Resistance, Stop, Tick
from backbuddy.domain.screening import ScreeningResult
from backbuddy.domain.session import SessionState
from backbuddy.domain.techniques import Limits, Technique

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TECHNIQUES = techniques.load_all()
TICK_S = 0.1
#: When attempt 1's move cue comes (set up at t=1, breathe in 4 s).
MOVE_AT = 5.0


#: Frames a tick in camera mode (`Pair.wait_until`): 20 a second with ticks every 0.1 s.
FRAMES_PER_TICK = 2


class Said(list[Cue]):
    """The cues of one or more events, in order."""

    def __add__(self, other: list[Cue]) -> Said:  # type: ignore[override]
        return Said([*self, *other])

    @property
    def kinds(self) -> list[str]:
        return [c.kind for c in self]

    @property
    def reasons(self) -> list[str | None]:
        return [c.reason for c in self]

    def of(self, kind: str) -> list[Cue]:
        return [c for c in self if c.kind == kind]

    def text(self) -> str:
        """Everything said, with role-specific lines, as one string to search."""
        return " ".join(" ".join(filter(None, (c.text, c.receiver, c.assistant))) for c in self)


class Pair:
    """A receiver and an assistant in one session: sends events, remembers every cue."""

    def __init__(self, state: SessionState) -> None:
        self.state = state
        self.heard = Said()

    @property
    def mode(self) -> str:
        return self.state.mode

    @property
    def t(self) -> float:
        return self.state.t

    def send(self, *events: Event) -> Said:
        said = Said()
        for event in events:
            self.state, cues = session.step(self.state, event)
            said.extend(cues)
        self.heard.extend(said)
        return said

    def wait_until(
        self, until: float, pose: Pose | None = None, *, frames: bool | None = None
    ) -> Said:
        """Let time pass with a tick every 0.1 s up to `until` (inclusive).

        In camera mode (or with `frames=True`) frames come `FRAMES_PER_TICK` to a tick, the
        last just before it (20 a second: over every technique's minimum, `video.min_fps`):
        good ones (tracked, checks passing, slow, at the baseline) unless `pose` gives other
        readings. `frames=False` sends ticks only: the camera sees nothing.
        """
        said = Said()
        k = 1
        start = self.t
        while (t := round(start + k * TICK_S, 6)) <= until + 1e-9:
            if self.state.camera if frames is None else frames:
                for j in range(FRAMES_PER_TICK - 1, -1, -1):
                    at = round(t - j * TICK_S / FRAMES_PER_TICK, 6)
                    said += self.send(Pose(at) if pose is None else Pose(at, **_readings(pose)))
            said += self.send(Tick(t))
            k += 1
        return said

    def to_mobilise(self) -> Said:
        """Wait for attempt 1's move cue (t=5 for the seated hug extension)."""
        said = self.wait_until(MOVE_AT)
        assert said.of("move"), f"no move cue by t={MOVE_AT}: {said.kinds}"
        return said


def _readings(pose: Pose) -> dict[str, object]:
    return {
        "tracked": pose.tracked,
        "checks_ok": pose.checks_ok,
        "speed_deg_s": pose.speed_deg_s,
        "range_deg": pose.range_deg,
        "sudden": pose.sudden,
        "failing": pose.failing,
        "placement_ok": pose.placement_ok,
        "identity": pose.identity,
        "camera_moved": pose.camera_moved,
        "covered": pose.covered,
    }


def screening(
    technique_id: str = "seated_hug_extension",
    outcome: str = "clear",
    *,
    taken: datetime = NOW - timedelta(minutes=10),
    valid_for: timedelta = timedelta(hours=2),
) -> ScreeningResult:
    return ScreeningResult(technique_id, outcome, (), taken, taken + valid_for)  # type: ignore[arg-type]


def new_pair(
    technique: str | Technique = "seated_hug_extension",
    outcome: str | None = "clear",
    *,
    camera: bool = False,
    limits: Limits | None = None,
    begun: bool = True,
    setup: bool = True,
    sees_hold: bool = False,
) -> Pair:
    """A pair with a screening for `technique`; begun at t=0 and set up by t=1 unless told;
    `sees_hold`: the camera layer reports the assistant's hold (`Begin.sees_hold`)."""
    tech = TECHNIQUES[technique] if isinstance(technique, str) else technique
    result = None if outcome is None else screening(tech.id, outcome)
    pair = Pair(session.new_session(tech, result, limits))
    if not begun:
        return pair
    pair.send(Begin(0.0, at=NOW, camera=camera, sees_hold=sees_hold))
    if setup and camera:  # the camera sees the position held a second (20 frames/s): step 1
        # moves on by itself at t=1, step 2 (the pair's) on `ready`
        pair.send(*(Pose(round(k / 20, 4)) for k in range(21)), Ready(1.0))
    elif setup:
        pair.send(Ready(0.5), Ready(1.0))
    return pair


def reach_mode(mode: str) -> Pair:
    """A pair in `mode`; from `attempt` on, attempt 1's move cue came at t=5."""
    if mode == "idle":
        return new_pair(begun=False)
    if mode == "setup":
        return new_pair(setup=False)
    pair = new_pair()
    pair.to_mobilise()
    if mode == "paused":
        pair.send(Resistance(5.5))
    elif mode == "halted":
        pair.send(Stop(5.5))
    elif mode == "ended":
        pair.send(End(5.5))
    assert pair.mode == mode
    return pair


@pytest.fixture
def reach():
    """`reach(mode)`: a clear-screened pair in that mode (attempt 1 moved at t=5)."""
    return reach_mode


@pytest.fixture
def start():
    """`start(technique="seated_hug_extension", outcome="clear", camera=False, ...)`."""
    return new_pair


@pytest.fixture
def screen():
    """`screen(technique_id, outcome, taken=..., valid_for=...)` → a ScreeningResult."""
    return screening


@pytest.fixture
def hug() -> Technique:
    return TECHNIQUES["seated_hug_extension"]


@pytest.fixture
def roll() -> Technique:
    return TECHNIQUES["side_lying_rotation"]


@pytest.fixture
def now() -> datetime:
    return NOW
