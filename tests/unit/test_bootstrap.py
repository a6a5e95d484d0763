"""The composition root: the store reports the sessions a crash left running (I7), the pose
model follows the settings, and clips and cameras open the way each command needs them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from backbuddy.bootstrap import open_clip, open_source, open_store
from backbuddy.config import load_settings
from backbuddy.domain.errors import CameraError, VideoError

DATA = Path(__file__).resolve().parents[1] / "data"


def test_open_store_marks_sessions_left_by_a_dead_process_and_returns_them(tmp_path: Path) -> None:
    settings = load_settings(db=str(tmp_path / "b.sqlite3"))
    store, interrupted = open_store(settings)
    with store:
        crashed = store.start_session("seated_hug_extension", None, datetime.now(UTC), False)
        live = store.start_session("seated_hug_extension", None, datetime.now(UTC), False)
        assert interrupted == []
    engine = sa.create_engine(settings.db)
    with engine.begin() as conn:  # as if the process running `crashed` had died
        conn.execute(sa.text("UPDATE sessions SET owner = NULL WHERE id = :id"), {"id": crashed})
    engine.dispose()

    store, interrupted = open_store(settings)
    with store:
        assert interrupted == [crashed]
        status = {r.id: r.status for r in store.sessions()}
    assert status == {crashed: "interrupted", live: "running"}


def test_the_pose_model_is_the_two_person_step_unless_switched_off(tmp_path: Path) -> None:
    from backbuddy.adapters.mediapipe_pose import PoseModel
    from backbuddy.adapters.receiver_pose import ReceiverPose
    from backbuddy.bootstrap import pose_model_factory

    on = pose_model_factory(load_settings(db=str(tmp_path / "b.sqlite3")))
    off = pose_model_factory(load_settings(db=str(tmp_path / "b.sqlite3"), two_person=False))
    assert on is not None
    assert off is not None
    with on() as two, off() as one:
        assert isinstance(two, ReceiverPose)
        assert isinstance(one, PoseModel)


def test_a_missing_people_model_is_a_clear_error_not_a_quiet_fall_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backbuddy.adapters import movenet
    from backbuddy.bootstrap import pose_model_factory
    from backbuddy.domain.errors import PoseModelError

    monkeypatch.setattr(movenet, "model_path", lambda: tmp_path / "absent.tflite")
    with pytest.raises(PoseModelError, match="run `make`"):
        pose_model_factory(load_settings(db=str(tmp_path / "b.sqlite3")))


def test_a_number_is_a_camera_and_anything_else_a_file() -> None:
    with pytest.raises(CameraError):
        open_source("97")
    with pytest.raises(VideoError, match="no such file"):
        open_source("no-such-clip.mp4")
    source, is_file = open_source(str(DATA / "pose2sim_cam01.mp4"))
    with source:
        assert is_file
        assert source.info.fps == 30.0


def test_a_clip_to_analyse_gives_every_frame_in_order() -> None:
    with open_clip(DATA / "pose2sim_cam01.mp4") as clip:
        indices = [frame.index for frame in clip.frames]
    assert indices == list(range(clip.info.frames or 0))
    assert len(indices) > 1
