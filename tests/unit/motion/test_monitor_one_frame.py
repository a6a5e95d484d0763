"""The live monitors' one-frame paths (issue 15: `kinematics_one`, `placement_one`,
`angles_one`, the identity guard's and the gates' single-frame branches) give bit for bit what
the vectorised whole-stream code gives, on random streams: a recorded real landmark stream
(tests/data/page_pose: MediaPipe on a rendered truth clip) cut at a random place, with random
stretches of nobody in view, of an unsure identity (the two-person step), of her wrists covered,
of hidden joints and of jittered frame times, and (session 25) random stretches of her top-side
and view landmarks near the assistant (`Landmarks.near`), the view read only with her apart
(`video.view_read_alone`) or not. The same `PoseMonitor(live=True)` reads the stream
once whole and once a frame at a time; every per-frame output the engine and the page get
(and the state the next frame starts from) must be the same floats."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support import monitor_golden as golden

from backbuddy.domain import techniques as tech
from backbuddy.motion import landmarks as L
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor, Trace

#: Frames per random stream (at most): long enough for every filter window and the gates.
FRAMES = 90
HIDE = (L.LEFT_HIP, L.RIGHT_SHOULDER, L.LEFT_WRIST, L.NOSE)


@cache
def _clip(name: str) -> dict[str, Any]:
    with np.load(golden.DATA / f"{name}.npz") as stored:
        return {k: stored[k] for k in stored.files}


def _runs(draw: st.DrawFn, n: int) -> np.ndarray:
    """A few random stretches of frames (flags)."""
    flags = np.zeros(n, bool)
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, n - 1))
        flags[start : start + draw(st.integers(1, 20))] = True
    return flags


#: Landmark groups a stretch of `near` frames marks (besides her arms, where `covered`): her
#: right shoulder, hip and knee (the top side lying on the left); her left hip (a view landmark).
NEAR_GROUPS = (1 << L.RIGHT_SHOULDER, 1 << L.RIGHT_HIP | 1 << L.RIGHT_KNEE, 1 << L.LEFT_HIP)
ARMS = sum(1 << k for k in (11, 12, 13, 14, 15, 16))


@st.composite
def streams(draw: st.DrawFn) -> tuple[str, Landmarks]:
    name = draw(st.sampled_from(sorted(golden.CLIPS)))
    data = _clip(name)
    n = min(FRAMES, len(data["t"]))
    start = draw(st.integers(0, len(data["t"]) - n))
    image = data["image"][start : start + n].astype(np.float32)
    world = data["world"][start : start + n].astype(np.float32)
    nobody = _runs(draw, n)
    image[nobody] = np.nan
    world[nobody] = np.nan
    hidden = _runs(draw, n)  # a joint the model is unsure of (low visibility)
    image[np.ix_(hidden, [draw(st.sampled_from(HIDE))], [3])] = 0.1
    t = data["t"][start : start + n] - data["t"][start]
    seed = draw(st.integers(0, 2**16))
    t = np.maximum.accumulate(t + np.random.default_rng(seed).uniform(0, 0.01, n))
    size = (int(data["size"][0]), int(data["size"][1]))
    unsure, covered = _runs(draw, n), _runs(draw, n)
    near = np.where(covered, ARMS, 0).astype(np.int64)
    for bits in NEAR_GROUPS:
        near |= np.where(_runs(draw, n), bits, 0)
    return golden.CLIPS[name], Landmarks(image, world, t, size, 0, unsure, covered, near)


def _rows(trace: Trace, i: int) -> tuple[Any, ...]:
    """Every output of frame `i`, numbers as their bytes (NaN and -0.0 told apart)."""
    numbers = [trace.speed[i], trace.range[i], trace.baseline[i], trace.primary.value[i]]
    numbers += [trace.primary.velocity[i], trace.primary.noise[i], trace.primary.step[i]]
    numbers += [trace.placement.azimuth[i], trace.placement.elevation[i]]
    numbers += [trace.measures[m][i] for m in sorted(trace.measures)]
    numbers += [trace.checks[c].value[i] for c in sorted(trace.checks)]
    return (
        trace.pose(i),
        np.array(numbers, np.float64).tobytes(),
        tuple(int(trace.checks[c].status[i]) for c in sorted(trace.checks)),
        int(trace.segment[i]),
        int(trace.primary.window[i]),
        trace.placement_hint(i),
        trace.placement_picture(i),
        # the gate open since the camera last moved: what the hint's words depend on
        None if trace.placement.opened is None else bool(trace.placement.opened[i]),
        None if trace.placement.covered is None else bool(trace.placement.covered[i]),
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams(), st.booleans())
def test_a_live_monitor_frame_by_frame_is_bit_for_bit_the_whole_stream(
    case: tuple[str, Landmarks], view_alone: bool
) -> None:
    technique_id, lm = case
    technique = tech.get(technique_id)
    video = technique.video.model_copy(update={"view_read_alone": view_alone})
    technique = technique.model_copy(update={"video": video})
    whole, one = PoseMonitor(technique, live=True), PoseMonitor(technique, live=True)
    trace = whole.update(lm)
    expected = [_rows(trace, i) for i in range(len(lm))]
    got = [_rows(one.update(lm.take(slice(i, i + 1))), 0) for i in range(len(lm))]
    for i, (a, b) in enumerate(zip(got, expected, strict=True)):
        assert a == b, f"frame {i} differs"
    assert one.baseline == whole.baseline or (one.baseline is None and whole.baseline is None)
    assert one.placement.estimate == whole.placement.estimate
