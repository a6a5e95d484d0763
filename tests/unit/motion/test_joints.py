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


def _lower_body_moved(lm, points: tuple[int, ...], dy_px: float, frames: slice):  # type: ignore[no-untyped-def]
    image = lm.image.copy()
    image[frames, list(points), 1] += dy_px / lm.size[1]
    return type(lm)(image, lm.world, lm.t, lm.size)


def test_a_drift_of_both_legs_reads_half_the_twist_a_drop_of_the_top_leg_reads() -> None:
    """On a phone's picture MediaPipe moves the leg landmarks together (docs/accuracy.md, "One
    ankle landmark"): both legs 2 px down the frame read half of what the top leg alone 2 px down
    reads (against the top hip alone, the old reference, both read the same), so a drift is not
    taken for the bent top leg going down."""
    lm = poses.side_lying(_static(0.0, 20), noise_px=0.0)
    legs = tuple(range(25, 33))  # knees, ankles, heels, feet of both legs
    top_leg = (26, 28, 30, 32)  # the right leg is on top
    still = joints.leg_drop_twist_deg(lm)
    drift = joints.leg_drop_twist_deg(_lower_body_moved(lm, legs, 2.0, slice(10, 20)))
    drop = joints.leg_drop_twist_deg(_lower_body_moved(lm, top_leg, 2.0, slice(10, 20)))
    assert np.allclose(drift[:10], still[:10])
    assert np.allclose(drop[:10], still[:10])
    read_drift, read_drop = drift[15] - still[15], drop[15] - still[15]
    assert read_drop > 0  # the top leg going down the frame is more twist
    assert read_drift == pytest.approx(read_drop / 2, rel=0.05)


def test_the_twist_is_not_read_without_the_bottom_ankle() -> None:
    """The bottom ankle is half of the reference: unseen, the measure is NaN (tracking lost),
    never a jump to another reference."""
    lm = poses.side_lying(_static(0.0, 10), noise_px=0.0)
    image = lm.image.copy()
    image[5:, 27, 3] = 0.1  # the left (bottom) ankle
    hidden = type(lm)(image, lm.world, lm.t, lm.size)
    twist = joints.leg_drop_twist_deg(hidden)
    assert np.isfinite(twist[:5]).all()
    assert np.isnan(twist[5:]).all()
