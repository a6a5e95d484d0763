"""Is this pose the same body as the last one? Hand-built skeletons (the measured figures
behind the limits: tools/calibrate/role_switches.py on the two-person truth clips)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backbuddy.motion import continuity as C
from backbuddy.web import page_landmarks

PAGE_RUNS = Path(__file__).resolve().parents[2] / "data" / "page_pose"

SIZE = (360, 640)
TRUNK = 160.0  # px


def skeleton(
    x: float = 180.0, y: float = 300.0, trunk: float = TRUNK, vis: float = 0.95
) -> np.ndarray:
    """33 × 4 image landmarks (0..1): shoulders `trunk` px above the hips, nose above them."""
    points = np.zeros((33, 4), np.float64)
    points[:, 3] = vis
    px = {
        0: (x, y - trunk - 40),
        11: (x - 30, y - trunk),
        12: (x + 30, y - trunk),
        23: (x - 20, y),
        24: (x + 20, y),
    }
    for i, (u, v) in px.items():
        points[i, :2] = (u / SIZE[0], v / SIZE[1])
    return points


def body(t: float, **kw: float) -> C.Body:
    return C.body(skeleton(**kw), SIZE, t)


def stream(dx_per_s: float, fps: float, seconds: float = 1.0) -> list[C.Body]:
    n = int(seconds * fps)
    return [body(k / fps, x=180.0 + dx_per_s * k / fps) for k in range(n)]


@pytest.mark.parametrize("fps", [30.0, 15.0, 10.0])
def test_a_slow_movement_stays_continuous_at_any_page_rate(fps: float) -> None:
    """0.3 trunk lengths a second: faster than the receiver's torso moved on any clip."""
    frames = stream(0.3 * TRUNK, fps)
    for k in range(1, len(frames)):
        assert C.break_within(frames[max(0, k - 8) : k], frames[k]) is None


def test_a_jump_onto_someone_else_breaks() -> None:
    a, b = body(0.0), body(1 / 30, x=180.0 + 0.2 * TRUNK)
    assert (C.break_between(a, b) or "").startswith("the body jumped")


def test_a_switch_smoothed_over_three_frames_breaks_within_the_window() -> None:
    """Each step under the one-frame limit (0.087 trunk lengths at 30 frames/s), together far
    beyond it: what the page's model did on the seated hug."""
    steps = [0.0, 0.08, 0.08, 0.08]
    frames = [body(k / 30, x=180.0 + TRUNK * sum(steps[: k + 1])) for k in range(4)]
    for k in range(1, 4):
        assert C.break_between(frames[k - 1], frames[k]) is None
    assert C.break_within(frames[:3], frames[3]) is not None


def test_a_trunk_that_grows_at_once_breaks() -> None:
    a, b = body(0.0), body(1 / 30, y=300.0 + 0.08 * TRUNK, trunk=TRUNK * 1.16)
    assert (C.break_between(a, b) or "").startswith("the trunk's length changed")


def test_a_gap_between_poses_breaks() -> None:
    assert C.break_between(body(0.0), body(0.4)) == "0.40 s since the last pose"


def test_left_and_right_swapped_is_the_same_body() -> None:
    a = body(0.0)
    swapped = a.points.copy()
    swapped[[1, 2]] = swapped[[2, 1]]
    swapped[[3, 4]] = swapped[[4, 3]]
    b = C.Body.of(swapped, a.trunk, 1 / 30)
    assert C.displacement(a, b) == pytest.approx(0.0)


def test_a_torso_the_model_guesses_is_not_seen() -> None:
    assert C.torso_seen(skeleton())
    assert not C.torso_seen(skeleton(vis=0.3))


def _frame_by_frame(before: list[C.Body], b: C.Body) -> str | None:
    """The window rule as first written: each earlier frame in turn, newest first."""
    why = C.break_between(before[-1] if before else None, b)
    for a in reversed(before[:-1]):
        if why is not None or b.t - a.t > C.WINDOW_S:
            break
        dt = b.t - a.t
        jump = C.displacement(a, b)
        if jump > C.JUMP_BASE + C.JUMP_PER_S * dt:
            why = f"the body jumped {jump:.2f} trunk lengths"
        elif abs(np.log(b.trunk / a.trunk)) > C.SIZE_BASE + C.SIZE_PER_S * dt:
            why = f"the trunk's length changed from {a.trunk:.0f} to {b.trunk:.0f} px"
    return why


def test_the_window_judged_at_once_names_the_same_break_as_frame_by_frame() -> None:
    """`break_within` reads the window in one pass (every landmarks message runs it): on
    random walks with jumps, crossed sides and trunk changes it decides, and names the
    break, exactly as judging each earlier frame in turn."""
    rng = np.random.default_rng(7)
    decided = []
    for _ in range(3000):
        t, points, trunk, bodies = 0.0, rng.uniform(100, 500, (5, 2)), 120.0, []
        for _ in range(int(rng.integers(2, 14))):
            t += float(rng.choice([1 / 30, 1 / 15, 0.05]))
            points = points + rng.normal(0, float(rng.choice([0.2, 1, 2, 6])), (5, 2))
            if rng.random() < 0.1:
                points = points[[0, 2, 1, 4, 3]]
            trunk *= float(np.exp(rng.normal(0, float(rng.choice([0.002, 0.01, 0.05])))))
            bodies.append(C.Body.of(points, trunk, t))
        want = _frame_by_frame(bodies[:-1], bodies[-1])
        assert C.break_within(bodies[:-1], bodies[-1]) == want
        decided.append(want is None)
    assert 0.2 < np.mean(decided) < 0.95  # both outcomes well represented


def _numpy_body(image: np.ndarray, size: tuple[int, int], t: float) -> tuple[np.ndarray, float]:
    """`body` as it was written on arrays (before its plain-float form): points and trunk."""
    px = np.asarray(image, np.float64)[list(C.POINTS), :2] * np.asarray(size, np.float64)
    shoulders, hips = (px[1] + px[2]) / 2, (px[3] + px[4]) / 2
    return px, max(float(np.hypot(*(shoulders - hips))), 1.0)


def _numpy_jumps(window: list[C.Body], b: C.Body) -> list[float]:
    """`break_within`'s jumps as it computed them on arrays (newest first, as `window`)."""
    points = np.stack([a.points for a in window])
    trunks = np.array([a.trunk for a in window])
    straight, crossed = b.points - points, b.points - points[:, [0, 2, 1, 4, 3]]
    d = np.minimum(
        np.sqrt(np.add.reduce(straight * straight, axis=2)),
        np.sqrt(np.add.reduce(crossed * crossed, axis=2)),
    )
    return (np.add.reduce(d, axis=1) / d.shape[1] / np.maximum(trunks, b.trunk)).tolist()


def _page_frames() -> list[tuple[np.ndarray, tuple[int, int], float]]:
    """Every landmarks message of the recorded page runs (real two-person page pose)."""
    frames = []
    for path in sorted(PAGE_RUNS.glob("*page_people*.npz")):
        with np.load(path) as data:
            blob, ends, marks = data["blob"].tobytes(), data["ends"], data["landmarks"]
        for a, b, mark in zip([0, *ends[:-1]], ends, marks, strict=True):
            m = page_landmarks.read(blob[a:b]) if mark else None
            if m is not None and m.image is not None and m.ms is not None:
                frames.append((m.image.astype(np.float64), m.size, m.ms / 1000.0))
    return frames


def test_the_plain_float_bodies_and_jumps_are_the_arrays_bit_for_bit() -> None:
    """Every landmarks message runs `body`, `torso_seen` and `break_within` (issue 15: on
    plain floats, no longer on arrays of five points). On the recorded page runs' frames
    (with their real gaps and switches) each number is the array form's, bit for bit."""
    frames = _page_frames()
    bodies = []
    for image, size, t in frames:
        new = C.body(image, size, t)
        px, trunk = _numpy_body(image, size, t)
        assert new.xy == tuple(px.ravel().tolist())
        assert new.trunk == trunk
        seen = float(np.asarray(image, np.float64)[list(C.TORSO), 3].mean())
        assert C.torso_seen(image) == (seen >= C.MIN_TORSO_VISIBILITY)
        bodies.append(new)
    breaks = 0
    for k in range(1, len(bodies)):
        window = bodies[max(0, k - 8) : k][::-1]
        assert [C.displacement(a, bodies[k]) for a in window] == _numpy_jumps(window, bodies[k])
        breaks += C.break_within(bodies[max(0, k - 8) : k], bodies[k]) is not None
    assert len(frames) > 500
    assert breaks > 10
