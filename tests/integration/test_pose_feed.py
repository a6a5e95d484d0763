"""Real clips replayed as a live camera, through MediaPipe, the monitors and the session engine.

The people in the registry clips are not doing a seated hug, so the technique's
checks are widened (`quick(..., wide=True)`) and its breaths shortened to reach the
movement phase while the clip plays; limits, monitors and engine are the real ones. The
registry clips' pictures (270×480, 640×190) are under the hug's 360 px need
(`video.min_short_side_px`, which would keep the movement cue shut throughout), so these
tests drop the video needs: they watch halting and tracking, not the picture size.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tests.fixtures.session import drive, quick

from backbuddy.adapters import video
from backbuddy.adapters.mediapipe_pose import PoseModel
from backbuddy.domain import techniques as tech
from backbuddy.domain.events import Event, Pose
from backbuddy.domain.techniques import Limits, Technique, VideoNeeds
from backbuddy.services.pose_feed import iter_pose_events

DATA = Path(__file__).resolve().parents[1] / "data"
pytestmark = [pytest.mark.slow]


def _events(name: str, technique: tech.Technique) -> list[Event]:
    with video.open_file(DATA / name) as source, PoseModel() as model:
        return list(iter_pose_events(source, technique, model, fps=source.info.fps))


def _hug() -> Technique:
    """The seated hug without its video needs (module doc)."""
    return tech.get("seated_hug_extension").model_copy(update={"video": VideoNeeds()})


def test_a_replayed_clip_that_moves_too_fast_halts() -> None:
    # breathing in until t=0.5: the lean (over 100 °/s from t≈0.37) comes before the exhale
    # The set-up hold at its shortest (0.3 s): the lean begins at t≈0.37, and with the
    # default 1 s hold the assistant's step (hands on, where speed halts) starts only after it.
    technique = quick(_hug(), breath_s=0.4, wide=True).model_copy(update={"checks_hold_s": 0.3})
    events = _events("pose2sim_cam01.mp4", technique)  # a ~40-110 °/s lean in the first second
    d = drive(technique, events)
    halt = d.first("halt")
    assert halt is not None
    assert halt.t < 1.0
    assert halt.reason is not None
    assert halt.reason.startswith(("speed:", "sudden"))
    assert d.first("pause") is None
    speeds = [e for e in events if isinstance(e, Pose) and e.speed_deg_s > 30]
    assert speeds, "the monitors must see the speed over the hard limit too"


def test_a_replayed_clip_where_the_person_leaves_pauses() -> None:
    limits = Limits(
        gentle_speed_deg_s=30, hard_speed_deg_s=60, max_range_deg=45, attempts=3, pop_rest_min=20
    )
    technique = quick(_hug(), wide=True, limits=limits)
    events = _events("sports2d_walker_leaves.mp4", technique)
    # The walker's gait has velocity steps (flagged sudden); this test watches tracking only.
    poses = [replace(e, sudden=False) for e in events if isinstance(e, Pose)]
    assert poses[0].tracked
    assert not poses[-1].tracked
    d = drive(technique, poses)
    pause = d.first("pause")
    assert pause is not None
    assert pause.reason == "tracking_lost"
    left = next(p.t for p in poses[1:] if not p.tracked)
    assert left <= pause.t <= left + 0.5  # I4: paused within half a second
    assert d.first("halt") is None
