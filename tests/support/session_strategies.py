"""Hypothesis strategies: arbitrary event sequences for the session engine.

Times only move forward; between the generated events, ticks arrive every
0.1 s (as the live loop and headless runs deliver them), so sequences reach
every phase. Pose events carry arbitrary (often bad) camera readings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from backbuddy.domain import techniques
from backbuddy.domain.events import (
    SENSATION_KINDS,
    STOP_SOURCES,
    Begin,
    End,
    Event,
    Pop,
    Pose,
    Ready,
    Resistance,
    Resume,
    Sensation,
    Stop,
)
from backbuddy.domain.screening import ScreeningResult
from backbuddy.services.session_runner import with_ticks

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TECHNIQUES = techniques.load_all()


def screening(technique_id: str, outcome: str = "clear", valid: bool = True) -> ScreeningResult:
    taken = NOW - timedelta(minutes=10)
    until = taken + timedelta(hours=2) if valid else NOW - timedelta(minutes=1)
    return ScreeningResult(technique_id, outcome, (), taken, until)  # type: ignore[arg-type]


good_poses = st.builds(
    lambda speed, rng: ("pose", True, True, speed, rng), st.floats(0, 9), st.floats(0, 8)
)
any_poses = st.builds(
    lambda tracked, ok, speed, rng: ("pose", tracked, ok, speed, rng),
    st.booleans(),
    st.booleans(),
    st.floats(0, 80),
    st.floats(0, 40),
)
fast_or_far = st.builds(
    lambda speed, rng, sudden: ("pose", True, True, speed, rng, sudden),
    st.floats(0, 80),
    st.floats(0, 40),
    st.booleans(),
)
waits = st.just(("wait",))
calm = st.sampled_from(
    [("ready",), ("resume",), ("resistance",), ("pop",), ("end",), ("begin",)]
    + [("sensation", k) for k in ("comfortable_stretch", "discomfort")]
)
alarms = st.sampled_from(
    [("stop", s) for s in STOP_SOURCES] + [("sensation", k) for k in SENSATION_KINDS]
)
#: Weighted by repetition: mostly good camera frames and waiting, rarely an alarm, so
#: sequences reach every phase and still meet every kind of event.
camera_specs = st.one_of(
    good_poses,
    good_poses,
    good_poses,
    good_poses,
    fast_or_far,
    fast_or_far,
    any_poses,
    waits,
    waits,
    calm,
    alarms,
)
plain_specs = st.one_of(waits, waits, waits, waits, calm, calm, alarms)
#: Clean time before the random part: lands the random events in every phase of the cycle
#: (after set-up at t=1: breathe in 1-6 s, exhale 6-11, mobilise 11-16, hold 16-19, ...).
leads = st.sampled_from([0.0, 0.0, 5.0, 10.9, 11.5, 13.0, 16.5, 20.0, 26.0, 45.0, 80.0])
#: Gaps between generated events: mostly camera-rate, sometimes long enough for phases to pass.
gaps = st.one_of(st.just(1 / 30), st.just(1 / 30), st.floats(0, 0.6), st.floats(0, 8))


@st.composite
def event_sequences(draw: st.DrawFn, camera: bool | None = None) -> list[Event]:
    use_camera = draw(st.booleans()) if camera is None else camera
    specs = draw(
        st.lists(st.tuples(gaps, camera_specs if use_camera else plain_specs), max_size=80)
    )
    raw: list[Event] = [Begin(0.0, at=NOW, camera=use_camera)]
    t = 0.0
    if draw(st.integers(0, 4)):  # usually the pair confirms both set-up steps
        raw += [Ready(0.5), Ready(1.0)]
        t = 1.0 + draw(leads)
        raw += _clean_wait(1.0, t, use_camera)
    for gap, spec in specs:
        t = round(t + gap, 4)
        if spec[0] != "wait":
            raw.append(_build(t, spec))
        else:
            raw += _clean_wait(raw[-1].t, t, use_camera)
    if t > raw[-1].t:
        raw.append(Pose(t) if use_camera else Ready(t))
    return list(with_ticks(raw))


def _clean_wait(after: float, until: float, camera: bool) -> list[Event]:
    """Quiet time; in front of a camera that still means a good frame every 1/15 s."""
    if not camera:
        return []
    n = int((until - after) * 15)
    return [Pose(round(until - k / 15, 4)) for k in range(n, -1, -1) if until - k / 15 > after]


def _build(t: float, spec: tuple) -> Event:  # type: ignore[type-arg]
    kind = spec[0]
    if kind == "pose":
        _, tracked, ok, speed, rng, *sudden = spec
        return Pose(
            t,
            tracked=tracked,
            checks_ok=ok,
            speed_deg_s=speed,
            range_deg=rng,
            sudden=bool(sudden and sudden[0]),
        )
    simple = {"ready": Ready, "resume": Resume, "resistance": Resistance, "pop": Pop, "end": End}
    if kind in simple:
        return simple[kind](t)
    if kind == "stop":
        return Stop(t, source=spec[1])
    if kind == "sensation":
        return Sensation(t, sensation=spec[1])
    return Begin(t, at=NOW)
