"""Identity jumps read as tracking lost; left/right swaps are spotted, not read as motion."""

from __future__ import annotations

import numpy as np
from tests.fixtures import poses

from backbuddy.motion import tracking


def test_a_still_receiver_is_the_same_person_throughout() -> None:
    lm = poses.rotation(5.0).landmarks
    same, segment, _ = tracking.guard_identity(lm)
    assert same.all()
    assert (segment == 0).all()


def test_jumping_to_someone_else_is_not_the_same_person_until_it_comes_back() -> None:
    lm = poses.other_person(poses.rotation(5.0).landmarks, slice(60, 75))
    same, segment, _ = tracking.guard_identity(lm)
    assert not same[60:75].any()
    assert same[:60].all()
    assert same[75:].all()
    assert (segment == 0).all()


def test_a_new_person_who_stays_put_for_a_second_starts_a_new_segment() -> None:
    lm = poses.other_person(poses.rotation(0.0).landmarks, slice(60, 240))
    same, segment, _ = tracking.guard_identity(lm)
    relock = 60 + int(tracking.RELOCK_S * poses.FPS)
    assert not same[60:relock].any()
    assert same[relock:].all()
    assert segment[relock - 1] == 0
    assert segment[relock] == 1


def test_frames_without_a_person_are_not_the_same_person_but_not_a_jump() -> None:
    lm = poses.drop(poses.rotation(5.0).landmarks, slice(30, 40))
    same, segment, _ = tracking.guard_identity(lm)
    assert not same[30:40].any()
    assert same[40:].all()
    assert (segment == 0).all()


def test_identity_state_carries_over_one_frame_at_a_time() -> None:
    """The live camera's one-frame path: the same verdicts, segments and final state as the
    whole clip, through a jump, a relock and frames without anyone."""
    lm = poses.drop(
        poses.other_person(poses.rotation(0.0).landmarks, slice(60, 240)), slice(20, 26)
    )
    whole, whole_segment, whole_state = tracking.guard_identity(lm)
    state = None
    live, segments = [], []
    for i in range(len(lm)):
        same, segment, state = tracking.guard_identity(lm.take(slice(i, i + 1)), state)
        live.append(bool(same[0]))
        segments.append(int(segment[0]))
    assert live == whole.tolist()
    assert segments == whole_segment.tolist()
    assert state == whole_state
    assert max(segments) == 1


def test_a_swap_and_its_return_are_two_events() -> None:
    lm = poses.swap_sides(poses.twist(0.0).landmarks, slice(50, 70))
    upper, lower, _ = tracking.find_swaps(lm)
    assert np.flatnonzero(upper).tolist() == [50, 70]
    assert np.flatnonzero(lower).tolist() == [50, 70]


def test_a_swap_spread_over_a_half_way_frame_is_still_seen() -> None:
    lm = poses.swap_sides(poses.twist(0.0).landmarks, slice(51, 240))
    image = lm.image.copy()
    image[50, [11, 12, 23, 24], :2] = image[50, [11, 12, 23, 24], :2].mean(axis=0)  # sides on top
    lm = type(lm)(image, lm.world, lm.t, lm.size)
    upper, lower, _ = tracking.find_swaps(lm)
    assert np.flatnonzero(upper).tolist() == [51]
    assert np.flatnonzero(lower).tolist() == [51]


def test_no_swaps_in_ordinary_motion() -> None:
    for scenario in (poses.rotation(40.0), poses.twist(10.0)):
        upper, lower, _ = tracking.find_swaps(scenario.landmarks)
        assert not upper.any()
        assert not lower.any()
