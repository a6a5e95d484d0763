"""The placement estimator's geometry on synthetic receivers seen from known directions.

A seated skeleton (vertical trunk, horizontal thighs) and a side-lying one, built in the
room and turned so that a level weak-perspective camera sees them from a chosen azimuth and
elevation (the module's convention; `poses.seen_from`). With identity calibration the raw
cues must recover the direction; on real MediaPipe landmarks the calibrated errors are
measured against the truth clips (tests/integration/test_truth_placement.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.fixtures import poses
from tests.support.monitor_golden import DATA

from backbuddy.motion import placement
from backbuddy.motion.landmarks import Landmarks

IDENTITY = placement.Linear(1.0, 0.0)
RAW = {p: {"azimuth": IDENTITY, "elevation": IDENTITY} for p in ("seated", "lying")}


@pytest.mark.parametrize(("azimuth", "elevation"), [(0, 10), (45, 5), (60, 15), (90, 8), (-60, 0)])
def test_seated_azimuth_and_elevation_come_back_from_the_geometry(
    azimuth: float, elevation: float
) -> None:
    lm = poses.seen_from("seated", azimuth, elevation)
    view = placement.estimate_view(lm, lying=False, calibration=RAW)
    az, el = placement.summary(view) or (np.nan, np.nan)
    assert az == pytest.approx(azimuth, abs=2.0)
    assert el == pytest.approx(elevation, abs=2.0)


def test_a_camera_behind_the_seated_receiver_reads_behind() -> None:
    lm = poses.seen_from("seated", 135, 5)
    az, _ = placement.summary(placement.estimate_view(lm, lying=False, calibration=RAW)) or (0, 0)
    assert az == pytest.approx(135, abs=3.0)


@pytest.mark.parametrize(("azimuth", "elevation"), [(0, 5), (0, 25), (30, 5), (-30, 10)])
def test_lying_azimuth_sign_and_elevation_come_back(azimuth: float, elevation: float) -> None:
    lm = poses.seen_from("lying", azimuth, elevation)
    assert bool(placement.estimate_view(lm).lying.all())  # the posture is read per frame
    view = placement.estimate_view(lm, lying=True, calibration=RAW)
    az, el = placement.summary(view) or (np.nan, np.nan)
    assert az == pytest.approx(azimuth, abs=3.0)
    assert el == pytest.approx(elevation, abs=3.0)


def test_no_person_reads_nan_never_a_guess() -> None:
    lm = poses.seen_from("seated", 60, 5, n=3)
    blank = Landmarks(np.full_like(lm.image, np.nan), np.full_like(lm.world, np.nan), lm.t, lm.size)
    view = placement.estimate_view(blank)
    assert np.isnan(view.azimuth).all()
    assert np.isnan(view.elevation).all()
    assert placement.summary(view) is None


def test_frame_by_frame_equals_the_whole_clip() -> None:
    lm = poses.seen_from("seated", 70, 5, n=10)
    whole = placement.estimate_view(lm)
    parts = [placement.estimate_view(lm.take(slice(i, i + 1))) for i in range(len(lm))]
    assert np.allclose(np.concatenate([p.azimuth for p in parts]), whole.azimuth)
    assert np.allclose(np.concatenate([p.elevation for p in parts]), whole.elevation)


def test_a_batch_mixing_seated_and_lying_frames_reads_each_frame_as_alone() -> None:
    """Only the posture(s) present are computed (issue 15), so a frame reads the same in a
    mixed batch, alone, or in a batch of its own posture; no frames give no estimates."""
    clips = ("hug_correct_slow_side_front_60_f71", "side_correct_jerk_front_f71")
    image, world = [], []
    for clip in clips:
        with np.load(DATA / f"{clip}.npz") as data:
            image += list(data["image"][40:44])
            world += list(data["world"][40:44])
    order = [0, 4, 1, 5, 2, 6, 3, 7]
    lm = Landmarks(
        np.array([image[i] for i in order]),
        np.array([world[i] for i in order]),
        np.arange(8) / 30,
        (360, 640),
    )
    mixed = placement.estimate_view(lm)
    assert mixed.lying.tolist() == [False, True] * 4
    for i in range(8):
        alone = placement.estimate_view(lm.take(np.array([i])))
        np.testing.assert_array_equal(alone.azimuth, mixed.azimuth[i : i + 1])
        np.testing.assert_array_equal(alone.elevation, mixed.elevation[i : i + 1])
    empty = placement.estimate_view(lm.take(np.array([], dtype=np.intp)))
    assert empty.azimuth.shape == (0,)
    assert empty.elevation.shape == (0,)
