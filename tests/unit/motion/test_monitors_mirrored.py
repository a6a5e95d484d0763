"""A side-lying receiver on the right side: the mirror image of every truth clip (red team,
session 11).

`tests/data/mirrored/` holds real MediaPipe landmarks (0.10.14, full model, video mode, after
the clip's still first frame for 2 s: a warm tracker; the last 1 s of it kept) of the truth clip
`side_correct_jerk_front_floor_m26` with every frame flipped left to right: the receiver lies on
the right side, filmed from the one placement the side-lying region accepts (the floor in front).
MediaPipe does not read the mirror image as it reads the clip: the true 45 °/s jerk (frame 52
here) read at most 24 °/s and halted 5 frames late (the goal: 2), where the clip itself halts
within 1. Before the fix the gate opened there (from frame 10 on).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backbuddy.domain import techniques
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor

CLIP = Path(__file__).resolve().parents[2] / "data" / "mirrored"
JERK_FRAME = 52


def test_a_receiver_lying_on_the_side_the_truth_run_never_showed_is_refused_and_told_which() -> (
    None
):
    z = np.load(CLIP / "side_correct_jerk_front_floor_m26_mirrored.npz")
    lm = Landmarks(z["image"], z["world"], z["t"], (int(z["size"][0]), int(z["size"][1])))
    tech = techniques.get("side_lying_rotation")
    tr = PoseMonitor(tech).update(lm)
    assert tr.checks_ok[JERK_FRAME - 1]  # the set-up checks pass: only the side is wrong
    halts = np.flatnonzero(tr.sudden | (tr.speed > tech.limits.hard_speed_deg_s))
    assert halts[0] - JERK_FRAME > 2  # why: the jerk is not halted in time from here
    assert not any(tr.pose(i).placement_ok for i in range(len(tr)))
    hint = tr.placement_hint(len(tr) - 1)
    assert hint is not None
    assert "Lie on your left side" in hint


def _on_side(side: str) -> techniques.Technique:
    tech = techniques.get("side_lying_rotation")
    assert tech.placement is not None
    region = tech.placement.model_copy(update={"lying_side": side})
    return tech.model_copy(update={"placement": region})


def test_the_monitor_reads_a_receiver_on_either_side_alike() -> None:
    """No side assumption in the motion code: the right-side landmarks and the same flipped to
    the left side (the region's side swapped with them) give the same pose events frame by
    frame, so the right side's shortfall above is MediaPipe's reading of the mirror image
    (docs/accuracy.md, "The other side"), and the right side can be opened by data alone once
    right-side truth meets the goals."""
    z = np.load(CLIP / "side_correct_jerk_front_floor_m26_mirrored.npz")
    right = Landmarks(z["image"], z["world"], z["t"], (int(z["size"][0]), int(z["size"][1])))
    a = PoseMonitor(_on_side("right")).update(right)
    b = PoseMonitor(_on_side("left")).update(right.flipped())
    assert a.placement.ok.any()  # the gate opens for the right side when the region says so
    for i in range(len(a)):
        pa, pb = a.pose(i), b.pose(i)
        shown = ("tracked", "checks_ok", "sudden", "failing", "placement_ok", "camera_moved")
        assert [getattr(pa, f) for f in shown] == [getattr(pb, f) for f in shown], i
        assert pa.speed_deg_s == pytest.approx(pb.speed_deg_s, abs=1e-3), i
        assert pa.range_deg == pytest.approx(pb.range_deg, abs=1e-3), i
    np.testing.assert_allclose(a.placement.azimuth, b.placement.azimuth, atol=1e-3)
    np.testing.assert_allclose(a.placement.elevation, b.placement.elevation, atol=1e-3)
