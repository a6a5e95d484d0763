"""Named measures against skeletons with known angles: conventions, ranges, visibility gating."""

from __future__ import annotations

import numpy as np
import pytest
from tests.fixtures import poses

from backbuddy.domain.errors import DefinitionError
from backbuddy.motion import angles
from backbuddy.motion import landmarks as L
from backbuddy.motion.landmarks import Landmarks


def _static(values: float, n: int = 30) -> np.ndarray:
    return np.full(n, values, dtype=float)


def _hidden(lm: Landmarks, points: tuple[int, ...]) -> Landmarks:
    image, world = lm.image.copy(), lm.world.copy()
    image[:, list(points), 3] = 0.1
    return Landmarks(image, world, lm.t, lm.size)


@pytest.mark.parametrize("lean", [-20.0, 0.0, 8.0, 25.0])
def test_trunk_lean_is_signed_positive_leaning_back(lean: float) -> None:
    lm = poses.seated_hug(_static(lean), base_lean_deg=0.0)
    assert np.median(angles.trunk_lean_deg(lm)) == pytest.approx(lean, abs=0.5)
    assert np.median(angles.trunk_incline_deg(lm)) == pytest.approx(abs(lean), abs=0.5)


def test_trunk_lean_does_not_depend_on_which_way_the_receiver_faces() -> None:
    lm = poses.seated_hug(_static(10.0), base_lean_deg=0.0)
    flipped_image = lm.image.copy()
    flipped_image[:, :, 0] = (
        1.0 - flipped_image[:, :, 0]
    )  # the same person seen from the other side
    other = Landmarks(flipped_image, lm.world, lm.t, lm.size)
    assert np.median(angles.facing_sign(lm)) == 1.0
    assert np.median(angles.facing_sign(other)) == -1.0
    assert np.median(angles.trunk_lean_deg(other)) == pytest.approx(10.0, abs=0.5)


def test_facing_is_carried_over_frames_that_do_not_show_it() -> None:
    lm = poses.seated_hug(_static(5.0))
    hidden = lm.image.copy()
    hidden[10:20, L.NOSE, 3] = 0.1
    out = angles.facing_sign(Landmarks(hidden, lm.world, lm.t, lm.size))
    assert np.all(out == 1.0)


def test_lying_reads_about_90_degrees_of_incline() -> None:
    lm = poses.side_lying(_static(0.0))
    assert np.median(angles.trunk_incline_deg(lm)) == pytest.approx(90.0, abs=1.0)


@pytest.mark.parametrize("twist", [-25.0, 0.0, 10.0, 30.0])
def test_twist_follows_the_shoulders_turning_against_the_hips(twist: float) -> None:
    lm = poses.side_lying(_static(twist, 90))
    assert np.median(angles.shoulder_hip_twist_deg(lm)) == pytest.approx(twist, abs=1.5)


def test_twist_ignores_left_right_swaps_of_either_half_of_the_body() -> None:
    lm = poses.side_lying(_static(15.0, 90))
    upper_only = lm.mirrored(np.ones(len(lm), bool), ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER),))
    assert np.median(angles.shoulder_hip_twist_deg(upper_only)) == pytest.approx(15.0, abs=1.5)
    both = poses.swap_sides(lm, slice(0, len(lm)))
    assert np.median(angles.shoulder_hip_twist_deg(both)) == pytest.approx(15.0, abs=1.5)


def test_arms_crossed_versus_hanging() -> None:
    crossed = angles.wrist_to_opposite_shoulder_ratio(poses.seated_hug(_static(0.0)))
    hanging = angles.wrist_to_opposite_shoulder_ratio(
        poses.seated_hug(_static(0.0), arms="hanging")
    )
    assert np.median(crossed) < 0.4 < 1.0 < np.median(hanging)


def test_one_hidden_wrist_still_gives_the_ratio_from_the_other() -> None:
    lm = _hidden(poses.seated_hug(_static(0.0)), (L.RIGHT_WRIST,))
    assert np.isfinite(angles.wrist_to_opposite_shoulder_ratio(lm)).all()
    both = _hidden(lm, (L.LEFT_WRIST, L.RIGHT_WRIST))
    assert np.isnan(angles.wrist_to_opposite_shoulder_ratio(both)).all()


def _dim(lm: Landmarks, points: tuple[int, ...], visibility: float) -> Landmarks:
    image = lm.image.copy()
    image[:, list(points), 3] = visibility
    return Landmarks(image, lm.world.copy(), lm.t, lm.size)


def test_dim_wrists_still_read_the_arms_crossed_but_unseen_ones_do_not() -> None:
    """Seen from high at the side, MediaPipe gives a hand on the far shoulder visibility
    0.35-0.49 yet places it right (truth run): a wrist counts from 0.3, not from 0.5, so the
    check is read there; a wrist under 0.3 is still not seen. The shoulders keep 0.5."""
    wrists = (L.LEFT_WRIST, L.RIGHT_WRIST)
    crossed = poses.seated_hug(_static(0.0))
    dim = angles.wrist_to_opposite_shoulder_ratio(_dim(crossed, wrists, 0.4))
    assert np.isfinite(dim).all()
    assert np.median(dim) < 0.4
    assert np.isnan(angles.wrist_to_opposite_shoulder_ratio(_dim(crossed, wrists, 0.25))).all()
    hanging = poses.seated_hug(_static(0.0), arms="hanging")
    assert np.median(angles.wrist_to_opposite_shoulder_ratio(_dim(hanging, wrists, 0.4))) > 1.0
    shoulders = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    assert np.isnan(angles.wrist_to_opposite_shoulder_ratio(_dim(crossed, shoulders, 0.4))).all()


@pytest.mark.parametrize("tuck", [0.0, 15.0, 35.0])
def test_chin_tuck_reads_the_head_pitch_against_the_trunk(tuck: float) -> None:
    lm = poses.seated_hug(_static(0.0, 60), tuck_deg=tuck)
    assert np.median(angles.chin_tuck_deg(lm)) == pytest.approx(tuck, abs=3.0)


@pytest.mark.parametrize("name", sorted(angles.MEASURES))
def test_every_measure_is_nan_without_a_person(name: str) -> None:
    lm = poses.drop(poses.seated_hug(_static(0.0, 5)), slice(0, 5))
    assert np.isnan(angles.MEASURES[name](lm, 0.5)).all()


def test_hidden_hips_make_trunk_measures_not_visible() -> None:
    lm = _hidden(poses.seated_hug(_static(0.0, 5)), (L.LEFT_HIP, L.RIGHT_HIP))
    for name in ("trunk_incline_deg", "trunk_lean_deg", "shoulder_hip_twist_deg"):
        assert np.isnan(angles.compute(lm, name)).all()


def test_relative_measures_name_their_base_and_unknown_names_are_definition_errors() -> None:
    assert angles.base_measure("trunk_extension_deg") == "trunk_lean_deg"
    assert angles.base_measure("chin_tuck_deg") == "chin_tuck_deg"
    with pytest.raises(DefinitionError, match="unknown measure 'elbow_bend'"):
        angles.base_measure("elbow_bend")


def test_carry_forward_keeps_leading_nans() -> None:
    out = angles.carry_forward(np.array([np.nan, 1.0, np.nan, -1.0, np.nan]))
    assert np.isnan(out[0])
    assert out[1:].tolist() == [1.0, 1.0, -1.0, -1.0]


def test_the_view_gains_of_a_clip_are_each_frames_view_gain() -> None:
    """The array form the monitor uses gives each reading's `view_gain` bit for bit (1 for a
    view not read yet): readings all over, at and past the ends, infinities included."""
    rng = np.random.default_rng(5)
    cos = np.concatenate(
        [rng.uniform(-1.2, 1.2, 2000), [0.0, 0.8, 1.0, -1.0, 1.5, np.inf, -np.inf, np.nan]]
    )
    want = [angles.view_gain(c) if c == c else 1.0 for c in cos.tolist()]
    assert angles.view_gains(cos).tolist() == want
    assert angles.view_gains(cos[-3:]).tolist() == want[-3:]  # a few frames: one at a time
