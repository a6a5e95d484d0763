"""The halt rules tried against the side-lying twist's catch-up (tools/calibrate/twist_filters.py),
on synthetic per-frame readings at 30 fps: each rule does what docs/accuracy.md says it does, so
the table there measures the rule it names."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import twist_filters  # noqa: E402

N = 30


def trace(speed: list[float], value: np.ndarray | None = None) -> SimpleNamespace:
    """The fields the rules read: times, speed, velocity, sudden, filtered value, baseline."""
    s = np.zeros(N)
    s[: len(speed)] = speed
    t = np.arange(N) / 30.0
    primary = SimpleNamespace(
        velocity=s, value=np.zeros(N) if value is None else value, step=np.zeros(N)
    )
    return SimpleNamespace(
        t=t, speed=s, sudden=np.zeros(N, bool), primary=primary, baseline=np.zeros(N)
    )


def test_persist_2_drops_a_one_frame_burst_and_halts_on_the_second_frame_of_two() -> None:
    one = trace([0, 0, 40, 0])
    assert twist_filters._halts(one).sum() == 1  # as is: halts on the burst
    assert not twist_filters.persist_2(one).any()
    two = trace([0, 0, 40, 40])
    assert np.flatnonzero(twist_filters.persist_2(two)).tolist() == [3]


def test_moved_reads_the_change_over_the_last_0_3_s() -> None:
    ramp = np.arange(N) * 0.5  # 0.5° a frame: 15 °/s
    moved = twist_filters.moved(trace([], ramp))
    assert moved[20] == 4.5  # 9 frames back: 0.3 s at 30 fps
    rule = twist_filters.moved_at_least(3.0)
    fast = trace([40.0] * N, ramp)
    assert np.flatnonzero(rule(fast))[0] == 6  # halts once the measure has moved 3°


def test_rising_steps_ignore_a_fall_in_speed_but_not_a_rise() -> None:
    falling = trace([20, 20, 20, 0, 0, 0])
    rising = trace([0, 0, 0, 20, 20, 20])
    assert not twist_filters.rising_step(falling).any()
    assert twist_filters.rising_step(rising)[3]


def test_one_euro_passes_a_still_reading_and_lags_a_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its state carries across calls, as the pre-roll and the clip are fed apart."""
    f = twist_filters.OneEuro(1.0, 0.05)
    f.x, f.dx, f.t = 5.0, 0.0, 0.0  # as after a still pre-roll reading 5°
    readings = np.array([5.0, 15.0, 15.0])
    monkeypatch.setattr(twist_filters.joints, "leg_drop_twist_deg", lambda _lm, _v: readings)
    out = f(SimpleNamespace(t=np.arange(1, 4) / 30.0))  # type: ignore[arg-type]
    assert out[0] == 5.0
    assert 5.0 < out[1] < 15.0
    assert out[1] < out[2] < 15.0
