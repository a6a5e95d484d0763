"""Joint angles (world landmarks) and the top/bottom leg of a receiver lying on the side."""

from __future__ import annotations

import numpy as np
import pytest
from tests.fixtures import poses

from backbuddy.motion import joints


def _static(value: float, n: int = 30) -> np.ndarray:
    return np.full(n, value, dtype=float)


def test_seated_joint_angles() -> None:
    lm = poses.seated_hug(_static(0.0), base_lean_deg=0.0)
    for side in ("left", "right"):
        assert np.median(joints.hip_flexion_deg(lm, side)) == pytest.approx(90, abs=2)
        assert np.median(joints.knee_flexion_deg(lm, side)) == pytest.approx(90, abs=2)
        assert 0 <= np.median(joints.elbow_flexion_deg(lm, side)) <= 180


def test_top_and_bottom_leg_when_lying_on_the_side() -> None:
    lm = poses.side_lying(_static(0.0), top_hip_flex=80.0, bottom_knee_flex=12.0)
    assert np.median(joints.top_side(lm)) == -1.0  # the right hip is on top
    assert np.median(joints.top_hip_flexion_deg(lm)) == pytest.approx(80, abs=2)
    assert np.median(joints.bottom_knee_flexion_deg(lm)) == pytest.approx(12, abs=3)


def test_top_and_bottom_are_undefined_when_not_lying() -> None:
    lm = poses.seated_hug(_static(0.0))
    assert np.isnan(joints.top_hip_flexion_deg(lm)).all()
