"""The analyze service with a fake pose model replaying a synthetic receiver."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from tests.fixtures import poses

from backbuddy.domain import techniques as tech
from backbuddy.services import analyze as service


@dataclass(frozen=True)
class Info:
    source: str = "fake.mp4"
    fps: float = 30.0
    width: int = 640
    height: int = 480
    still: bool = False
    frames: int | None = None


@dataclass(frozen=True)
class Frame:
    index: int
    t: float
    rgb: np.ndarray


class Replay:
    """A pose 'model' that returns the scenario's landmarks frame by frame."""

    def __init__(self, scenario: poses.Scenario) -> None:
        self.lm = scenario.landmarks
        self.i = 0

    def estimate(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i, self.i = self.i, self.i + 1
        return self.lm.image[i], self.lm.world[i]


def _frames(scenario: poses.Scenario) -> list[Frame]:
    blank = np.zeros((4, 4, 3), np.uint8)
    return [Frame(i, float(t), blank) for i, t in enumerate(scenario.t)]


def test_analyze_a_fast_extension() -> None:
    sc = poses.rotation(40.0, move_s=0.5)
    seen: list[int] = []
    a = service.analyze(_frames(sc), Info(), Replay(sc), on_frame=seen.append)
    assert seen == list(range(len(sc.t)))
    assert a.technique.id == "seated_hug_extension"  # chosen from the posture
    assert a.processing_fps > 0
    assert "over_speed_limit" in {m.kind for m in a.moments}
    assert np.nanmax(a.primary_values) == pytest.approx(sc.angle.max(), abs=1.5)


def test_lying_clips_choose_the_side_lying_rotation() -> None:
    sc = poses.twist(10.0)
    assert service.analyze(_frames(sc), Info(), Replay(sc)).technique.id == "side_lying_rotation"


def test_a_named_technique_is_used_as_given() -> None:
    sc = poses.twist(0.0)
    chosen = tech.get("seated_hug_extension")
    assert service.analyze(_frames(sc), Info(), Replay(sc), chosen).technique is chosen


def test_snapshots_are_the_set_up_then_flagged_moments() -> None:
    fast = poses.rotation(40.0, move_s=0.5)
    sc = poses.with_frames(fast, slice(200, 230), poses.drop, "fast_then_gone")
    a = service.analyze(_frames(sc), Info(), Replay(sc))
    shots = service.snapshot_frames(a)
    assert shots[0][1].startswith("set-up at")
    captions = " ".join(caption for _, caption in shots)
    assert "over speed limit" in captions
    assert "tracking lost" in captions
    assert len(shots) <= 6


def test_no_frames_gives_an_empty_analysis() -> None:
    a = service.analyze([], Info(), Replay(poses.rotation(0.0)))
    assert len(a.landmarks) == 0
    assert a.moments == ()


def test_arrays_for_the_npz_file() -> None:
    sc = poses.rotation(10.0)
    arrays = service.arrays(service.analyze(_frames(sc), Info(), Replay(sc)))
    keys = ("image", "world", "t", "speed_deg_s", "range_deg", "tracked", "check_arms_crossed")
    for key in (*keys, "measure_chin_tuck_deg", "speed_chin_tuck_deg", "speed_trunk_lean_deg"):
        assert key in arrays
    assert arrays["image"].shape == (len(sc.t), 33, 4)
