"""The live camera's one-frame view estimate (`placement_one`) is bit for bit the vectorised
`estimate_view` over a whole clip: seated and lying receivers (recorded page landmarks of
rendered truth clips), with joints hidden here and there and frames without anyone."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from tests.support import monitor_golden as golden

from backbuddy.motion import landmarks as L
from backbuddy.motion import placement
from backbuddy.motion.landmarks import Landmarks


def _clip(name: str, seed: int) -> Landmarks:
    """Golden clip `name` with gaps; the hip, knee, shoulder: each branch that reads visibility."""
    return golden.with_gaps(name, seed, (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_HIP, L.RIGHT_SHOULDER))


def _bits(view: placement.View) -> tuple[bytes, bytes, bytes]:
    """Equal as stored floats (0.0 and -0.0 told apart; any NaN as one NaN)."""

    def exact(a: np.ndarray) -> bytes:
        return np.where(np.isnan(a), np.nan, a).tobytes()

    return exact(view.azimuth), exact(view.elevation), view.lying.tobytes()


@pytest.mark.parametrize("name", list(golden.CLIPS))
@pytest.mark.parametrize("seed", [0, 1])
def test_frame_by_frame_is_bit_for_bit_the_whole_clip(name: str, seed: int) -> None:
    lm = _clip(name, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's 0/0 on the flat frames
        whole = placement.estimate_view(lm)
        frames = [placement.estimate_view(lm.take(slice(i, i + 1))) for i in range(len(lm))]
    one = placement.View(
        np.concatenate([f.azimuth for f in frames]),
        np.concatenate([f.elevation for f in frames]),
        np.concatenate([f.lying for f in frames]),
    )
    assert _bits(one) == _bits(whole)
    assert np.isfinite(whole.azimuth).sum() > len(lm) // 2  # most frames do read a view


def test_the_clips_hold_a_lying_and_a_seated_receiver() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's 0/0 on the flat frames
        lying = [bool(placement.estimate_view(_clip(n, 0)).lying.any()) for n in golden.CLIPS]
    assert any(lying)
    assert not all(lying)
