"""The camera watch on a real photo of a person (tests/data/README.md): JPEG → overlay, checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from backbuddy.adapters.mediapipe_pose import PoseModel
from backbuddy.domain import techniques as tech
from backbuddy.web.camera_watch import CameraWatch, decode_jpeg

PHOTO = Path(__file__).resolve().parents[2] / "data" / "pose2sim_cam01_frame0.jpg"


def test_decode_jpeg_gives_rgb_pixels() -> None:
    rgb = decode_jpeg(PHOTO.read_bytes())
    assert rgb.shape == (480, 270, 3)


@pytest.mark.parametrize("data", [b"", b"\xff\xd8\xff\xe0 truncated", b"GIF89a....", b"\x00" * 64])
def test_decode_jpeg_refuses_what_is_not_one(data: bytes) -> None:
    with pytest.raises(ValueError, match="not a readable JPEG"):
        decode_jpeg(data)


@pytest.mark.slow
def test_real_frame_gives_landmarks_and_check_verdicts() -> None:
    technique = tech.get("seated_hug_extension")
    watch = CameraWatch(technique, PoseModel(), decode_jpeg)
    try:
        checks = technique.setup[0].checks
        result = watch.analyze(PHOTO.read_bytes(), 0.0, checks)
    finally:
        watch.close()
    assert result.landmarks is not None
    assert len(result.landmarks) == 33
    assert set(result.checks) == set(checks)
    assert result.checks["arms_crossed"] is False  # a standing person, arms at the sides
    assert result.hints["arms_crossed"]


def test_arms_covered_by_the_assistant_show_as_not_passing_with_the_words_why() -> None:
    """Page landmarks of her crossed arms in the assistant's hold (the server's two-person
    landmarks of the 60° set-up), covered, with no pass read while she was apart: the checklist
    gets a failing arms check and the words (`motion.checks.cover`), not a pass from the image."""
    import numpy as np

    from backbuddy.motion.landmarks import Landmarks

    data = Path(__file__).resolve().parents[2] / "data" / "server_pose"
    with np.load(data / "hug_correct_setup_side_front_60_f34_with_m26_server.npz") as z:
        lm = Landmarks.from_arrays(dict(z))
    hug = tech.get("seated_hug_extension")
    watch = CameraWatch(hug, lambda: None, decode_jpeg)  # type: ignore[arg-type, return-value]
    step2 = hug.setup[1].checks
    image, world = lm.image[0].tolist(), lm.world[0].tolist()
    read = watch.analyze_landmarks(image, world, lm.size, 0.0, step2)
    assert read.checks["arms_crossed"] is True  # the image, read: 1.1 shoulder widths
    assert not read.pose.covered
    held = CameraWatch(hug, lambda: None, decode_jpeg)  # type: ignore[arg-type, return-value]
    out = held.analyze_landmarks(
        lm.image[0].tolist(), lm.world[0].tolist(), lm.size, 0.0, step2, covered=True
    )
    assert out.checks["arms_crossed"] is False
    assert "let go for a moment" in out.hints["arms_crossed"]
    assert not out.pose.checks_ok
    assert out.pose.covered  # to the engine: his hold, after whose rise the attempt waits


def test_the_pose_model_opened_on_the_first_frame_learns_whether_a_movement_runs() -> None:
    """The session says it before the first frame, when no model is open yet: the model the
    first frame opens is told then, and again at each change (`ReceiverPose.moving`)."""

    class Told:
        def __init__(self) -> None:
            self.told: list[bool] = []

        def moving(self, on: bool) -> None:
            self.told.append(on)

        def estimate(self, rgb: object) -> object:
            raise AssertionError("not asked here")

        def close(self) -> None:
            return None

    model = Told()
    watch = CameraWatch(tech.get("seated_hug_extension"), lambda: model, decode_jpeg)  # type: ignore[arg-type, return-value]
    watch.moving(False)
    assert model.told == []  # nothing opened yet
    assert watch.estimator is model  # opened (on the first frame)
    watch.moving(False)
    watch.moving(True)
    assert model.told == [False, True]
