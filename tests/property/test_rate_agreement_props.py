"""The engine's frame rate and the placement gate's, over bursty delivery (red team, session 13).

Two readings of one rate: the engine's (`SessionState.frame_rate`: the median of the latest 5
intervals, `rules.too_slow`) and the placement gate's (frames counted over the latest 2 s,
`PlacementGate`, which shuts `Pose.placement_ok`). On bursty delivery they differ: frames two
at a time, 30 ms apart, then 170 ms without, have a median period of 30 a second and a count
of 10. The count is the right one for the speed watch (a jerk between bursts goes unseen for
the whole gap; `min_fps` was measured on evenly timed clips), and the median is kept only for
the stale limit. The disagreement is harmless when the engine acts on the slower of the two:
this walks real gates and the real engine over arbitrary bursty frame times and checks that no
movement cue is given, and no movement goes on past a frame, while either reading is below the
technique's `video.min_fps`, and that the pair is then told the camera is slow, not moved.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from session_strategies import NOW, examples, start

from backbuddy.domain import session, wording
from backbuddy.domain.errors import TransitionNotAllowed
from backbuddy.domain.events import Begin, Pose, Ready, Tick
from backbuddy.domain.rules import MOVEMENT_PHASES
from backbuddy.domain.techniques import RATE_TOLERANCE
from backbuddy.motion.placement import View
from backbuddy.motion.placement_gate import PlacementGate, top_side_of

#: A view inside each technique's region, and a picture its video needs.
VIEWS = {"seated_hug_extension": (65.0, 5.0), "side_lying_rotation": (0.5, 1.0)}
SIZE = (640, 480)

bursts = st.lists(
    st.tuples(
        st.integers(1, 4),  # frames in the burst
        st.sampled_from([0.004, 0.01, 0.02, 1 / 30, 1 / 24]),  # their spacing
        st.floats(0.01, 0.3),  # the gap after it
    ),
    min_size=1,
    max_size=6,
)


def frame_times(pattern: list[tuple[int, float, float]], until: float) -> list[float]:
    """The burst pattern repeated from t=0 to `until` (rounded to 0.1 ms, increasing)."""
    times, t = [], 0.0
    while t < until:
        for n, spacing, gap in pattern:
            for _ in range(n):
                times.append(round(t, 4))
                t += spacing
            t += gap
    return sorted({x for x in times if x < until})


@settings(max_examples=examples(60), deadline=None)
@given(st.sampled_from(sorted(VIEWS)), bursts)
def test_no_movement_while_either_reading_of_the_rate_is_too_slow(tid, pattern):
    state = start(tid, "clear")
    technique = state.technique
    need = technique.video.min_fps * RATE_TOLERANCE
    gate = PlacementGate(technique.placement, video=technique.video)
    az, el = VIEWS[tid]
    side = top_side_of(technique.placement)
    state, _ = session.step(state, Begin(0.0, at=NOW, camera=True))
    times = frame_times(pattern, 14.0)  # set-up, then the first attempt's move at ~6 s
    next_tick, next_ready = 0.1, 0.5
    gate_rate = math.nan
    for t in times:
        while next_tick <= t or next_ready <= t:  # ticks every 0.1 s, a `ready` every 0.5 s
            if next_ready <= next_tick:
                event, next_ready = Ready(next_ready), round(next_ready + 0.5, 4)
            else:
                event, next_tick = Tick(next_tick), round(next_tick + 0.1, 4)
            state = judge(state, event, gate_rate, need)
        trace = gate.update(
            View(np.array([az]), np.array([el]), np.array([tid == "side_lying_rotation"])),
            np.array([True]),
            np.array([t]),
            SIZE,
            measure=np.array([0.0]),
            side=None if side is None else np.array([side]),
        )
        gate_rate = float(trace.rate[0])
        pose = Pose(t, placement_ok=bool(trace.ok[0]))
        state = judge(state, pose, gate_rate, need)


def judge(state, event, gate_rate, need):
    """One event through the engine; no move cue, and no movement left going, while the
    engine's or the gate's rate is too slow; the pause then says the camera is slow."""
    try:
        new, cues = session.step(state, event)
    except TransitionNotAllowed:  # a `ready` outside set-up
        return state
    slow = not (gate_rate >= need) or not (new.frame_rate is not None and new.frame_rate >= need)
    if slow:
        assert not [c for c in cues if c.kind == "move"], (event, gate_rate, new.frame_rate)
        if isinstance(event, Pose) and new.mode == "attempt":
            assert new.phase_id not in MOVEMENT_PHASES, (event, gate_rate, new.frame_rate)
        for c in cues:
            if c.kind == "pause" and c.reason in ("placement", "camera_slow"):
                assert c.text.startswith(wording.CAMERA_SLOW), (event, gate_rate, c)
    return new
