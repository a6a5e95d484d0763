"""The whole-clip (batch) monitors decide exactly as before the batch speed work (issue 12's
`motion_batch_fps`): three recorded real landmark streams (tests/data/page_pose, MediaPipe on
rendered truth clips), read whole and roughened (`monitor_golden.with_gaps`), give the outputs
the earlier code wrote, bit for bit, on every frame: what the engine gets (tracked, checks,
speed, range, sudden, placement, camera moved), each check, the baseline and the placement
gate's view and frame rate.

    .venv/bin/python -m tests.unit.motion.test_monitor_batch_golden   # rewrite from this code

The golden file was written by the code at main fd7eebd, before the batch work. Rewritten
2026-11-27 for the still-jitter need of the side-lying rotation (`motion.still_jitter`): on
`side_correct_jerk_front_f71` (both runs) `video_ok` went true → false on frames 10–53, the
1.5 s before the still receiver's jitter is known; nothing else moved (`placement_ok` was
already false there: the low front is refused), on any clip. Rewritten 2026-11-28 for the
Seated Hug's minimum frame rate (`video.min_fps` 15, tools/calibrate/rate_table.py): on both
hug clips (all runs) `video_ok` went true → false on frames 0–9, before the rate is read
(a third of a second), and `placement_ok` true → false on frame 9; nothing else moved.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.support import monitor_golden as golden

from backbuddy.domain import techniques as tech
from backbuddy.motion import landmarks as L
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor

GOLDEN = golden.DATA / "monitor_batch_golden.json"
HIDDEN = (L.LEFT_HIP, L.RIGHT_SHOULDER, L.LEFT_KNEE)
CASES = [(clip, seed) for clip in golden.CLIPS for seed in (None, 0)]


def _landmarks(clip: str, seed: int | None) -> Landmarks:
    if seed is not None:
        return golden.with_gaps(clip, seed, HIDDEN)
    with np.load(golden.DATA / f"{clip}.npz") as stored:
        size = (int(stored["size"][0]), int(stored["size"][1]))
        return Landmarks(stored["image"], stored["world"], stored["t"], size)


def read_whole(clip: str, seed: int | None) -> dict[str, Any]:
    """Every output of one whole-clip `PoseMonitor.update`, per frame (exact floats)."""
    trace = PoseMonitor(tech.get(golden.CLIPS[clip])).update(_landmarks(clip, seed))
    gate = trace.placement
    columns = {
        "tracked": trace.tracked,
        "checks_ok": trace.checks_ok,
        "speed": trace.speed,
        "range": trace.range,
        "baseline": trace.baseline,
        "sudden": trace.sudden,
        "camera_moved": trace.camera_moved,
        "placement_ok": gate.ok,
        "azimuth": gate.azimuth,
        "elevation": gate.elevation,
        "rate": gate.rate,
        "video_ok": gate.video_ok,
        **{f"check:{c}": t.passed for c, t in trace.checks.items()},
    }
    return golden.exact({k: np.asarray(v).tolist() for k, v in columns.items()})


def _name(clip: str, seed: int | None) -> str:
    return clip if seed is None else f"{clip}+gaps{seed}"


@pytest.mark.parametrize(("clip", "seed"), CASES, ids=[_name(c, s) for c, s in CASES])
def test_a_whole_clip_reads_and_decides_exactly_as_the_golden_run(
    clip: str, seed: int | None
) -> None:
    want = json.loads(GOLDEN.read_text())[_name(clip, seed)]
    got = read_whole(clip, seed)
    assert got.keys() == want.keys()
    for column, values in want.items():
        assert got[column] == values, f"{_name(clip, seed)}: {column} differs"


def test_the_golden_run_holds_an_open_and_a_shut_gate_and_a_jerk() -> None:
    runs = json.loads(GOLDEN.read_text()).values()
    assert any(True in r["placement_ok"] for r in runs)
    assert any(False in r["placement_ok"] for r in runs)
    assert any(True in r["sudden"] for r in runs)


def _write(path: Path) -> None:
    out = {_name(c, s): read_whole(c, s) for c, s in CASES}
    path.write_text(json.dumps(out, sort_keys=True, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    _write(Path(sys.argv[1]) if len(sys.argv) > 1 else GOLDEN)
