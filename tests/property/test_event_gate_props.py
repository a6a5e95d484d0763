"""The event gate (I5's input): no pose from outside can carry a negative or non-finite
speed or range, which would read as "slow" and "near the baseline" and silence the halt
and the range pause."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backbuddy.domain.errors import EventError
from backbuddy.domain.events import Pose, from_dict

MEASURES = ("speed_deg_s", "range_deg")

negative = st.one_of(
    st.floats(max_value=-1e-300, allow_infinity=True, allow_nan=False),
    st.integers(max_value=-1),
    st.integers(min_value=10**309).map(lambda n: -n),  # too large for a float
)
non_finite = st.sampled_from([math.nan, math.inf, -math.inf, 10**400])
bad = st.one_of(negative, non_finite)
good = st.one_of(st.floats(min_value=0, max_value=1e6), st.integers(0, 10**6))


@st.composite
def pose_dicts_with_a_bad_measure(draw: st.DrawFn) -> tuple[dict[str, object], str]:
    raw: dict[str, object] = {"event": "pose", "t": draw(st.floats(0, 3600))}
    for name in ("tracked", "checks_ok", "sudden"):
        if draw(st.booleans()):
            raw[name] = draw(st.booleans())
    for name in MEASURES:
        if draw(st.booleans()):
            raw[name] = draw(good)
    named = draw(st.sampled_from(MEASURES))
    raw[named] = draw(bad)
    return dict(draw(st.permutations(list(raw.items())))), named


@given(pose_dicts_with_a_bad_measure())
def test_a_negative_or_non_finite_speed_or_range_is_refused_naming_the_field(case):
    raw, named = case
    with pytest.raises(EventError) as refused:
        from_dict(raw)
    bad_fields = [m for m in MEASURES if m in raw and not _acceptable(raw[m])]
    assert any(f"field {m!r}" in str(refused.value) for m in bad_fields)
    assert named in bad_fields


@given(st.floats(0, 3600), good, good)
def test_any_non_negative_finite_speed_and_range_pass_unchanged(t, speed, rng):
    pose = from_dict({"event": "pose", "t": t, "speed_deg_s": speed, "range_deg": rng})
    assert pose == Pose(t, speed_deg_s=float(speed), range_deg=float(rng))


def _acceptable(value: object) -> bool:
    try:
        number = float(value)  # type: ignore[arg-type]
    except OverflowError:
        return False
    return math.isfinite(number) and number >= 0
