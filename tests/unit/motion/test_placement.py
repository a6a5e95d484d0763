"""The placement estimator's geometry on synthetic receivers seen from known directions.

A seated skeleton (vertical trunk, horizontal thighs) and a side-lying one, built in the
room and turned so that a level weak-perspective camera sees them from a chosen azimuth and
elevation (the module's convention). With identity calibration the raw cues must recover the
direction; on real MediaPipe landmarks the calibrated errors are measured against the truth
clips (tests/integration/test_truth_placement.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.fixtures import poses

from backbuddy.motion import placement
from backbuddy.motion.landmarks import Landmarks

IDENTITY = placement.Linear(1.0, 0.0)
RAW = {p: {"azimuth": IDENTITY, "elevation": IDENTITY} for p in ("seated", "lying")}


def _turn(world: np.ndarray, azimuth: float, elevation: float) -> np.ndarray:
    """Room frame → camera frame (x right, y down, z away from the camera).

    Room: X east, Y north, Z up. The camera stands at `azimuth` around Z from the receiver's
    facing direction (+ toward `+X`) and looks down by `elevation` at the body.
    """
    a, e = np.radians(azimuth), np.radians(elevation)
    # the direction from the body to the camera, and the camera's right and up vectors
    to_cam = np.array([np.sin(a) * np.cos(e), -np.cos(a) * np.cos(e), np.sin(e)])
    right = np.array([np.cos(a), np.sin(a), 0.0])
    up = np.cross(to_cam, right)
    rows = np.stack([right, -up, -to_cam])  # x right, y down, z away from the camera
    return np.einsum("ij,tkj->tki", rows, world)


def _seated_room(n: int = 20) -> np.ndarray:
    """Seated, facing room −Y, the receiver's left toward +X, trunk vertical, thighs level."""
    up = np.tile([0.0, 0.0, 1.0], (n, 1))
    forward = np.tile([0.0, -1.0, 0.0], (n, 1))
    right = np.tile([-1.0, 0.0, 0.0], (n, 1))
    return poses.skeleton((up, forward, right), (up, forward, right))


def _lying_room(n: int = 20) -> np.ndarray:
    """Lying on the left side, facing room −Y, head toward +X, right leg on top, knee up 90°."""
    up = np.tile([1.0, 0.0, 0.0], (n, 1))  # the body's own up: toward the head
    forward = np.tile([0.0, -1.0, 0.0], (n, 1))
    right = np.tile([0.0, 0.0, 1.0], (n, 1))  # the right side is on top
    legs = ((0.0, 5.0), (90.0, 90.0))
    return poses.skeleton((up, forward, right), (up, forward, right), legs=legs)


def _seen(world_room: np.ndarray, azimuth: float, elevation: float) -> Landmarks:
    world = _turn(world_room, azimuth, elevation)
    world = world - (world[:, 23:24] + world[:, 24:25]) / 2  # MediaPipe: origin between the hips
    return poses.observe(world, noise_px=0.0)


@pytest.mark.parametrize(("azimuth", "elevation"), [(0, 10), (45, 5), (60, 15), (90, 8), (-60, 0)])
def test_seated_azimuth_and_elevation_come_back_from_the_geometry(
    azimuth: float, elevation: float
) -> None:
    lm = _seen(_seated_room(), azimuth, elevation)
    view = placement.estimate_view(lm, lying=False, calibration=RAW)
    az, el = placement.summary(view) or (np.nan, np.nan)
    assert az == pytest.approx(azimuth, abs=2.0)
    assert el == pytest.approx(elevation, abs=2.0)


def test_a_camera_behind_the_seated_receiver_reads_behind() -> None:
    lm = _seen(_seated_room(), 135, 5)
    az, _ = placement.summary(placement.estimate_view(lm, lying=False, calibration=RAW)) or (0, 0)
    assert az == pytest.approx(135, abs=3.0)


@pytest.mark.parametrize(("azimuth", "elevation"), [(0, 5), (0, 25), (30, 5), (-30, 10)])
def test_lying_azimuth_sign_and_elevation_come_back(azimuth: float, elevation: float) -> None:
    lm = _seen(_lying_room(), azimuth, elevation)
    assert bool(placement.estimate_view(lm).lying.all())  # the posture is read per frame
    view = placement.estimate_view(lm, lying=True, calibration=RAW)
    az, el = placement.summary(view) or (np.nan, np.nan)
    assert az == pytest.approx(azimuth, abs=3.0)
    assert el == pytest.approx(elevation, abs=3.0)


def test_no_person_reads_nan_never_a_guess() -> None:
    lm = _seen(_seated_room(3), 60, 5)
    blank = Landmarks(np.full_like(lm.image, np.nan), np.full_like(lm.world, np.nan), lm.t, lm.size)
    view = placement.estimate_view(blank)
    assert np.isnan(view.azimuth).all()
    assert np.isnan(view.elevation).all()
    assert placement.summary(view) is None


def test_frame_by_frame_equals_the_whole_clip() -> None:
    lm = _seen(_seated_room(10), 70, 5)
    whole = placement.estimate_view(lm)
    parts = [placement.estimate_view(lm.take(slice(i, i + 1))) for i in range(len(lm))]
    assert np.allclose(np.concatenate([p.azimuth for p in parts]), whole.azimuth)
    assert np.allclose(np.concatenate([p.elevation for p in parts]), whole.elevation)
