"""The truth harness judges the checks by the verdict the engine acts on (session 16).

`tools/calibrate/measure.py` compared each frame's own reading with the truth: a check not seen
on a frame counted as failed, though the gate goes on with the verdict seen last (up to
`checks.HOLD_HIDDEN_S`), and a pass held over a posture that changed was never counted as a
false pass. Recorded landmarks of the server's two-person path (tests/data/two_people,
tests/data/flow) through the real monitors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from backbuddy.domain import techniques
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import measure  # noqa: E402

DATA = ROOT / "tests" / "data"
FLOOR = "hug_correct_slow_side_75_floor_m26_with_f71"
LATE_DROP = "hug_flow_arms_drop_late_side_front_60_f34_with_m26"


def _load(path: Path) -> dict[str, np.ndarray]:
    stored = np.load(path)  # image and world stored as float16 (size)
    return {k: v.astype(np.float32) if v.dtype == np.float16 else v for k, v in stored.items()}


def _meta(cid: str) -> dict[str, str]:
    return next(m for m in measure.clips() if m["id"] == cid)


def test_a_wrist_seen_dim_under_his_hands_keeps_the_crossed_arms_seen_a_moment_before() -> None:
    """From the floor at 75°, a short assistant holding a tall receiver: MediaPipe's wrists
    under his hands dim below the arms check's visibility (0.26-0.29 near, 0.05-0.19 far) on
    the clip's still frames; the gate holds the pass read in the set-up a second before. The
    verdict the engine acts on agrees with the truth (arms crossed) on every still frame; the
    frame's own reading, which the bench took for a failed check (0.92), does not."""
    arrays = _load(DATA / "two_people" / f"{FLOOR}_server_warm.npz")
    index = arrays.pop("index")
    lm = Landmarks.from_arrays(arrays)
    r = measure.measure_clip(_meta(FLOOR), degradation=measure.WARM, source=(lm, index))
    assert r.accepted
    assert r.cued
    assert r.check_agree_still["arms_crossed"] == 0.0  # "not visible" on its own
    assert r.check_held_still == {"sitting_upright": 1.0, "arms_crossed": 1.0, "chin_tucked": 1.0}
    assert measure.goal_figures([r], held=True)["check_agreement"] == 1.0
    assert sum(r.false_passes.values()) == 0


def test_a_pass_held_over_arms_let_down_under_his_hold_counts_as_a_false_pass() -> None:
    """Her arms let down once he holds her: the pass read with her alone is held until the
    covered readings' median or her elbows say otherwise (`checks._moved_away`,
    `checks._elbows_down`). Every frame the engine would act on that pass while the truth says
    the arms hang is a false pass, as many as a monitor watching the arms check alone lets
    through: 54 before session 17's elbow rule, none since."""
    lm = Landmarks.from_arrays(_load(DATA / "flow" / f"{LATE_DROP}_server.npz"))
    index = np.arange(len(lm))
    r = measure.measure_clip(_meta(LATE_DROP), degradation=measure.WARM, source=(lm, index))
    hug = techniques.get("seated_hug_extension")
    alone = PoseMonitor(hug, fps=measure.WARM.fps, active_checks=("arms_crossed",)).update(lm)
    truth = measure.truth_table(LATE_DROP)["arms_crossed"][: len(lm)] == 1
    acted = alone.checks_ok[: truth.size] & ~truth
    assert (~truth).sum() > 30  # the arms hang on the clip's last 62 frames
    assert r.false_passes["arms_crossed"] == int(acted.sum()) == 0
    assert measure.goal_figures([r], held=True)["false_passes"] == r.false_passes["arms_crossed"]
