"""The PoseLandmarker bundle `make` assembles from the mediapipe wheel (issue 15): pinned,
reproducible, and a working pose model offline, close to the server's legacy one."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
from tests.support.scripts import load_script

from backbuddy.adapters import pose_bundle, video
from backbuddy.adapters.mediapipe_pose import PoseModel
from backbuddy.adapters.pose_bundle import TasksPoseModel
from backbuddy.motion.landmarks import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER
from backbuddy.web import page_pose

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "tests" / "data" / "pose2sim_cam01.mp4"


def vendoring():  # type: ignore[no-untyped-def]
    return load_script("vendor_pose")


def test_make_vendored_every_pinned_file_and_the_page_can_load_them() -> None:
    pins = vendoring()
    assert page_pose.available(), "run `make vendor` (make test does it first)"
    assert pins.up_to_date(page_pose.VENDOR)
    assert page_pose.BUNDLE == page_pose.VENDOR / pins.BUNDLE


def test_the_bundle_is_rebuilt_byte_for_byte_from_the_wheel() -> None:
    data = pose_bundle.bundle_bytes()
    assert pose_bundle.sha256(data) == vendoring().BUNDLE_SHA256
    assert data == page_pose.BUNDLE.read_bytes()
    with zipfile.ZipFile(page_pose.BUNDLE) as bundle:
        infos = {i.filename: i for i in bundle.infolist()}
    assert set(infos) == {"pose_detector.tflite", "pose_landmarks_detector.tflite"}
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos.values())


def test_the_bundle_finds_the_person_the_legacy_model_finds_on_a_real_clip() -> None:
    """pose2sim_cam01.mp4 (a real person leaning forward and back, 270×480): the Tasks
    PoseLandmarker on the bundle lands each torso joint within 3 px of the legacy model's
    (median over frames) and on every frame where the legacy model sees the person."""
    with video.open_file(CLIP) as source:
        frames = list(source)
    tasks, legacy = TasksPoseModel(page_pose.BUNDLE), PoseModel()
    try:
        pairs = [
            (tasks.estimate(f.rgb, round(f.t * 1000))[0], legacy.estimate(f.rgb)[0]) for f in frames
        ]
    finally:
        tasks.close()
        legacy.close()
    page = np.stack([p for p, _ in pairs])
    server = np.stack([s for _, s in pairs])
    height, width = frames[0].rgb.shape[:2]
    seen = ~np.isnan(server[:, 0, 0])
    assert seen.all()
    assert not np.isnan(page[:, 0, 0]).any(), "the bundle lost the person on some frame"
    torso = [LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP]
    px = np.hypot(
        (page[:, torso, 0] - server[:, torso, 0]) * width,
        (page[:, torso, 1] - server[:, torso, 1]) * height,
    )
    assert np.median(px) < 3.0, f"median torso distance {np.median(px):.1f} px"
    world = np.abs(page[:, torso, :3] - server[:, torso, :3])
    assert np.median(world) < 0.1  # normalised depth and x, y
