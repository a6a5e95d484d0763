"""The two-person estimator's plumbing: crops, the mapping back to the frame, the grey-out of
other people, and the check that MediaPipe's reading sits on the receiver. The detector and
the pose model are small hand-written fakes here (what they return is set per test); the real
MoveNet and MediaPipe run on the truth clips in tests/integration/test_two_people.py."""

from __future__ import annotations

import numpy as np
from tests.unit.motion.test_people import ASSISTANT, RECEIVER, crowd

from backbuddy.adapters import receiver_pose as R
from backbuddy.motion import people as P
from backbuddy.motion.landmarks import N_LANDMARKS

W, H = 360, 480


def test_landmarks_on_the_crop_map_back_to_the_frame() -> None:
    crop = R.Crop(100, 40, 300, 440)
    image = np.zeros((N_LANDMARKS, 4), np.float32)
    image[:, :2] = 0.5  # the crop's centre
    image[:, 2] = 0.1
    out = R.to_frame(image, crop, W, H)
    assert np.allclose(out[:, 0] * W, 200.0)
    assert np.allclose(out[:, 1] * H, 240.0)
    assert np.allclose(out[:, 2], 0.1 * 200 / W)  # z is in units of the image's width


def test_a_crop_is_padded_and_clipped_to_the_frame() -> None:
    crop = R.crop_around(np.array([10, 20, 110, 420], np.float32), W, H)
    assert (crop.x0, crop.y0) == (0, 0)
    assert crop.x1 == 135
    assert crop.y1 == H


def test_the_crop_stays_while_the_receiver_stays_inside_it() -> None:
    box = np.array([120, 130, 240, 370], np.float32)
    crop = R.crop_around(box, W, H)
    assert R.keep_or_move(crop, box + 3, W, H) == crop
    moved = R.keep_or_move(crop, box + 100, W, H)
    assert moved != crop


def test_the_other_persons_body_is_greyed_but_not_the_receivers() -> None:
    people = crowd(RECEIVER, ASSISTANT)
    crop = R.Crop(0, 0, W, H)
    mask = R.others_mask(
        (people.keypoints[0], people.boxes[0]), [(people.keypoints[1], people.boxes[1])], crop
    )
    assert mask is not None
    ax, ay = ASSISTANT[P.NOSE, :2].astype(int)
    rx, ry = RECEIVER[P.NOSE, :2].astype(int)
    assert mask[ay, ax]
    assert not mask[ry, rx]
    image = np.full((H, W, 3), 200, np.uint8)
    out = R.masked(image, crop, mask)
    assert tuple(out[ay, ax]) == (R.GREY,) * 3
    assert tuple(out[ry, rx]) == (200,) * 3


class Detector:
    def __init__(self, people: P.People) -> None:
        self.people = people

    def detect(self, rgb: np.ndarray) -> P.People:
        return self.people


class Pose:
    """Returns a skeleton whose nose, shoulders and hips sit on the given COCO keypoints (in
    frame pixels), whatever image it is shown; blank images find nobody."""

    def __init__(self, on: np.ndarray) -> None:
        self.on = on
        self.crop: R.Crop | None = None

    def estimate(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        image = np.full((N_LANDMARKS, 4), np.nan, np.float32)
        if rgb.shape[0] == 64:  # the blank frame that makes MediaPipe look afresh
            return image, image.copy()
        h, w = rgb.shape[:2]
        x0, y0 = (0, 0) if self.crop is None else (self.crop.x0, self.crop.y0)
        for mp, coco in zip((0, 11, 12, 23, 24), P.ANCHORS, strict=True):
            image[mp, 0] = (self.on[coco, 0] - x0) / w
            image[mp, 1] = (self.on[coco, 1] - y0) / h
            image[mp, 2:] = 0.0, 1.0
        return image, np.zeros((N_LANDMARKS, 4), np.float32)

    def close(self) -> None:
        return None


def _run(pose_on: np.ndarray) -> R.ReceiverPose:
    pose = Pose(pose_on)
    est = R.ReceiverPose(Detector(crowd(RECEIVER, ASSISTANT)), lambda: pose, every=4)
    frame = np.zeros((H, W, 3), np.uint8)
    est.estimate(frame)
    pose.crop = est._crop  # the fake draws in crop coordinates from now on
    for _ in range(4):
        est.estimate(frame)
    return est


def test_mediapipe_on_the_receiver_keeps_the_identity() -> None:
    assert _run(RECEIVER).identity == "receiver"


def test_mediapipe_on_the_assistant_makes_the_identity_unsure_and_looks_afresh() -> None:
    est = _run(ASSISTANT)
    assert est.identity == "unsure"
    assert est.restarts >= 1
