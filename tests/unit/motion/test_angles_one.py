"""The live camera's one-frame measures (`angles_one`) are bit for bit the vectorised ones over
a whole clip: recorded page landmarks of seated and lying receivers, joints hidden here and
there, frames without anyone, and degenerate frames (every point at one place), which fall
back to the vectorised code."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from tests.support import monitor_golden as golden

from backbuddy.motion import angles, joints
from backbuddy.motion import landmarks as L
from backbuddy.motion.landmarks import Landmarks

MEASURES = ("trunk_incline_deg", "wrist_to_opposite_shoulder_ratio", "chin_tuck_deg", "view_cos")


def _clip(name: str, seed: int) -> Landmarks:
    return golden.with_gaps(
        name, seed, (L.LEFT_EAR, L.RIGHT_EAR, L.NOSE, L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_HIP)
    )


def _exact(a: np.ndarray) -> bytes:
    """The stored floats (0.0 and -0.0 told apart; any NaN as one NaN)."""
    return np.where(np.isnan(a), np.nan, a).tobytes()


@pytest.mark.parametrize("name", list(golden.CLIPS))
@pytest.mark.parametrize("seed", [0, 1])
def test_frame_by_frame_is_bit_for_bit_the_whole_clip(name: str, seed: int) -> None:
    lm = _clip(name, seed)
    frames = [lm.take(slice(i, i + 1)) for i in range(len(lm))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's 0/0 on the flat frames
        for measure in MEASURES:
            fn = getattr(angles, measure)
            whole = fn(lm, 0.5)
            one = np.concatenate([fn(f, 0.5) for f in frames])
            assert _exact(one) == _exact(whole), measure
            assert np.isfinite(whole).sum() > len(lm) // 3, measure
        # facing before it is carried forward: compare frames one by one
        for f in frames:
            assert _exact(angles.facing_sign(f, 0.5)) == _exact(
                angles.facing_sign(
                    Landmarks(
                        np.repeat(f.image, 2, 0),
                        np.repeat(f.world, 2, 0),
                        np.repeat(f.t, 2),
                        f.size,
                    ),
                    0.5,
                )[:1]
            )


@pytest.mark.parametrize("name", list(golden.CLIPS))
def test_elbow_drop_frame_by_frame_is_bit_for_bit_the_whole_clip(name: str) -> None:
    """Her elbows' drop (`joints.elbow_drop`, read on every frame of a hug with her seen): one
    frame on floats as the whole clip in numpy, elbows and torso points hidden here and there."""
    lm = golden.with_gaps(name, 3, (L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_HIP, L.RIGHT_SHOULDER))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's 0/0 on the flat frames
        whole = joints.elbow_drop(lm, 0.5)
        one = np.concatenate(
            [joints.elbow_drop(lm.take(slice(i, i + 1)), 0.5) for i in range(len(lm))]
        )
    assert _exact(one) == _exact(whole)
    assert np.isfinite(whole).sum() > len(lm) // 2
    assert np.isnan(whole).sum() > 0
