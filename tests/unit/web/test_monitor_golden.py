"""The monitors decide exactly as before the speed work (issue 15): recorded page landmarks of
three rendered clips, replayed frame by frame through the live path, give the golden outputs
the earlier code wrote, bit for bit (tests/support/monitor_golden.py). Rewritten 2026-11-28
for the Seated Hug's minimum frame rate (`video.min_fps`): on both hug clips `placement_ok`
went true → false on frame 9 (the rate is read from frame 10 on); nothing else moved."""

from __future__ import annotations

import json

import pytest
from tests.support import monitor_golden as golden


@pytest.mark.parametrize("clip", list(golden.CLIPS))
def test_every_frame_reads_and_decides_exactly_as_the_golden_run(clip: str) -> None:
    """Pose fields (tracked, checks passing, speed, range, sudden, failing checks, placement,
    identity), the measure, each check and its hint, the baseline and the camera estimate:
    all equal, frame by frame, through a change of step, a stretch of unsure identity and a
    stretch with nobody in view."""
    want = json.loads(golden.GOLDEN.read_text())[clip]
    got = golden.exact(golden.replay(clip))
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, f"{clip} frame {i} differs"


def test_the_golden_clips_hold_the_cases_that_matter() -> None:
    """A halt-worthy jerk, lost and regained tracking, unsure identity and a placement gate
    that opens: an optimisation that broke one of them would show."""
    frames = [f for clip in json.loads(golden.GOLDEN.read_text()).values() for f in clip]
    poses = [f["pose"] for f in frames]
    assert sum(p.get("sudden", False) for p in poses) >= 2
    assert any(not p["tracked"] for p in poses)
    assert any(p.get("identity") == "unsure" for p in poses)
    assert any(p.get("placement_ok", True) for p in poses)
    assert any(not p.get("placement_ok", True) for p in poses)
    assert any(not p["checks_ok"] for p in poses)
