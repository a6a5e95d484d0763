"""Who is who when pose runs in the page (issue 15, item 2): role frames are checked like
camera frames (a bad one is a clear, non-fatal error), answered with the receiver's box, and
page landmarks are "unsure" unless a recent answer puts them on the receiver.

The people detector here is a hand-written fake that reports two fixed people (the real
MoveNet on a real two-person clip: tests/integration/test_page_roles_truth.py)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from backbuddy.domain.techniques import Limits, Technique
from backbuddy.motion.people import N_KEYPOINTS, People
from backbuddy.web import schemas
from backbuddy.web.camera_watch import CameraWatch, decode_jpeg
from backbuddy.web.frames import FrameResult
from backbuddy.web.page_roles import (
    ROLE_FLOOD,
    ROLE_MAX_SIDE,
    STALE_MS,
    PageRoles,
    RoleChannel,
    RoleFrameRefused,
    decode_role_jpeg,
)
from backbuddy.web.session_socket import MAX_TEXT_BYTES

from .conftest import ORIGIN, WS, make_client, start_session
from .test_landmarks_and_camera_loss import NoModel
from .test_socket import until

W, H = 360, 480


def person(top: float, x: float) -> tuple[np.ndarray, np.ndarray]:
    """A standing person whose head is at image y `top` (px) and centre at x (px): 17 COCO
    keypoints (x, y, score) and a box."""
    ys = {0: 0, 1: -5, 2: -5, 3: 0, 4: 0, 5: 40, 6: 40, 7: 80, 8: 80, 9: 110, 10: 110}
    ys |= {11: 130, 12: 130, 13: 190, 14: 190, 15: 240, 16: 240}
    dx = {5: -25, 6: 25, 7: -30, 8: 30, 9: -30, 10: 30, 11: -15, 12: 15, 13: -15, 14: 15}
    dx |= {15: -15, 16: 15, 1: -5, 2: 5, 3: -10, 4: 10}
    kp = np.array([[x + dx.get(k, 0), top + 10 + ys[k], 0.9] for k in range(N_KEYPOINTS)])
    box = np.array([x - 40, top, x + 40, top + 260])
    return kp.astype(np.float32), box.astype(np.float32)


RECEIVER = person(top=150, x=130)  # seated: the head lower in the image
ASSISTANT = person(top=60, x=250)  # standing behind


class TwoPeople:
    """A fake detector: the same two people in every frame (placed on a W × H frame, scaled
    to the frame it is given, as a role frame is smaller than the camera's)."""

    def detect(self, rgb: np.ndarray) -> People:
        sx, sy = rgb.shape[1] / W, rgb.shape[0] / H
        kp = np.stack([ASSISTANT[0], RECEIVER[0]]) * np.array([sx, sy, 1.0], np.float32)
        boxes = np.stack([ASSISTANT[1], RECEIVER[1]]) * np.array([sx, sy, sx, sy], np.float32)
        return People(kp, boxes, np.array([0.9, 0.9], np.float32))


class Nobody:
    def detect(self, rgb: np.ndarray) -> People:
        return People.none()


def jpeg(width: int = 288, height: int = ROLE_MAX_SIDE) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 150)).save(out, format="JPEG", quality=70)
    return out.getvalue()


def role_frame(ms: float = 1000.0, data: bytes | None = None, **over: Any) -> dict[str, Any]:
    text = base64.b64encode(jpeg() if data is None else data).decode()
    return {"v": 1, "type": "role_frame", "ms": ms, "jpeg": text} | over


def skeleton_on(kp: np.ndarray) -> list[list[float]]:
    """Page landmarks (33, MediaPipe numbering, 0..1) with nose, shoulders and hips on these
    COCO keypoints and every other point at the shoulders' middle."""
    mid = (kp[5, :2] + kp[6, :2]) / 2
    out = [[float(mid[0]) / W, float(mid[1]) / H, 0.0, 0.9] for _ in range(33)]
    for mp, coco in ((0, 0), (11, 5), (12, 6), (23, 11), (24, 12)):
        out[mp] = [float(kp[coco, 0]) / W, float(kp[coco, 1]) / H, 0.0, 0.95]
    return out


def looked(detector: Any = None, ms: float = 1000.0, looks: int = 1) -> PageRoles:
    roles = PageRoles(lambda: detector or TwoPeople(), decode_jpeg)
    for k in range(looks):
        roles.look(np.zeros((H, W, 3), np.uint8), ms - (looks - 1 - k) * 400.0)
    return roles


# ---- the role frame message ------------------------------------------------------------------


def test_a_role_frame_is_a_small_jpeg_with_its_page_time() -> None:
    message = schemas.RoleFrameIn.model_validate(role_frame(ms=81234.5))
    assert decode_role_jpeg(message.jpeg)[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize(
    ("over", "said"),
    [
        ({"ms": -1.0}, "ms"),
        ({"ms": None}, "ms"),
        ({"jpeg": "x" * (schemas.MAX_ROLE_JPEG_CHARS + 1)}, "jpeg"),
        ({"extra": 1}, "extra"),
    ],
    ids=["negative time", "no time", "too long", "unknown field"],
)
def test_a_malformed_role_frame_message_names_its_field(over: dict[str, Any], said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        schemas.RoleFrameIn.model_validate(role_frame() | over)


@pytest.mark.parametrize(
    ("text", "code", "said"),
    [
        ("not base64!", "bad_message", "not base64"),
        (base64.b64encode(b"GIF89a" + bytes(100)).decode(), "not_an_image", "JPEG"),
        (base64.b64encode(jpeg(700, 300)).decode(), "too_big", "700×300"),
        (base64.b64encode(b"\xff\xd8\xff" + bytes(300 * 1024)).decode(), "too_big", "bytes"),
    ],
    ids=["not base64", "not a jpeg", "too wide", "too many bytes"],
)
def test_bad_role_frame_pictures_are_refused_with_a_reason(text: str, code: str, said: str) -> None:
    with pytest.raises(RoleFrameRefused, match=said) as refused:
        decode_role_jpeg(text)
    assert refused.value.code == code


def test_role_frames_beyond_the_flood_rate_are_dropped_with_a_reason() -> None:
    channel = RoleChannel(looked(), lambda m: None)
    for k in range(int(ROLE_FLOOD)):
        channel.offer(role_frame(ms=1000.0 + k))
    with pytest.raises(RoleFrameRefused, match="faster than") as refused:
        channel.offer(role_frame(ms=2000.0))
    assert refused.value.code == "too_many_frames"


def test_the_answer_names_the_receivers_box_and_everyone_elses_keypoints() -> None:
    roles = PageRoles(TwoPeople, decode_jpeg)
    answer = roles.look(np.zeros((H, W, 3), np.uint8), 1234.5)
    message = schemas.RoleOut.model_validate(answer.message())
    assert message.identity == "receiver"
    assert message.ms == 1234.5
    assert message.box == pytest.approx(tuple(RECEIVER[1] / [W, H, W, H]), abs=1e-4)
    assert message.receiver is not None
    assert len(message.others) == 1
    assert message.others_boxes[0] == pytest.approx(tuple(ASSISTANT[1] / [W, H, W, H]), abs=1e-4)
    assert message.others[0][0][1] == pytest.approx(ASSISTANT[0][0, 1] / H, abs=1e-4)


def test_with_nobody_found_the_answer_is_unsure_and_has_no_box() -> None:
    answer = looked(Nobody()).answer
    assert answer is not None
    assert answer.identity == "unsure"
    assert answer.box is None


# ---- the unsure rules ------------------------------------------------------------------------


def test_the_receivers_skeleton_with_a_recent_answer_is_sure() -> None:
    roles = looked()
    assert not roles.unsure(skeleton_on(RECEIVER[0]), (W, H), 1300.0, 1000.0)


def test_without_any_role_answer_landmarks_are_unsure() -> None:
    roles = PageRoles(TwoPeople, decode_jpeg)
    assert roles.unsure(skeleton_on(RECEIVER[0]), (W, H), 1300.0, None)


def test_landmarks_from_the_whole_frame_are_unsure() -> None:
    """The page had no receiver's box to crop to (role_ms null)."""
    assert looked().unsure(skeleton_on(RECEIVER[0]), (W, H), 1300.0, None)


@pytest.mark.parametrize("gap", [STALE_MS + 1, -(STALE_MS + 1)], ids=["older", "newer"])
def test_a_role_answer_more_than_a_second_away_is_too_old_to_trust(gap: float) -> None:
    roles = looked(ms=1000.0)
    assert roles.unsure(skeleton_on(RECEIVER[0]), (W, H), 1000.0 + gap, 1000.0)
    assert not roles.unsure(skeleton_on(RECEIVER[0]), (W, H), 1000.0 + gap / 2, 1000.0)


def test_an_unsure_role_answer_makes_the_landmarks_unsure() -> None:
    roles = looked()
    roles.look(np.zeros((H, W, 3), np.uint8), 1400.0)  # sure, then a look that finds nobody
    roles._open = Nobody  # noqa: SLF001 - the detector opens once; swap what it sees
    roles._detector = Nobody()  # noqa: SLF001
    roles.look(np.zeros((H, W, 3), np.uint8), 1800.0)
    assert roles.unsure(skeleton_on(RECEIVER[0]), (W, H), 1900.0, 1400.0)


def test_the_assistants_skeleton_is_unsure() -> None:
    """The page's model followed the assistant: the skeleton is outside the receiver's box."""
    assert looked().unsure(skeleton_on(ASSISTANT[0]), (W, H), 1300.0, 1000.0)


def test_a_skeleton_inside_the_box_but_on_the_assistants_head_is_unsure() -> None:
    """Nose and shoulders nearer the assistant's (inside the receiver's padded box)."""
    kp = RECEIVER[0].copy()
    kp[0, :2] = (185, 100)  # the receiver's box padded: x 70..190, y 72..449
    kp[5, :2], kp[6, :2] = (180, 120), (188, 120)
    roles = looked()
    assert roles.answer is not None
    x0, y0, x1, y1 = roles.answer.box or (0, 0, 0, 0)
    assert x0 - 0.25 * (x1 - x0) < 188 / W < x1 + 0.25 * (x1 - x0)
    assert roles.unsure(skeleton_on(kp), (W, H), 1300.0, 1000.0)


def test_nobody_in_view_is_lost_tracking_not_identity() -> None:
    assert not looked().unsure(None, (W, H), 1300.0, 1000.0)


# ---- on the socket ---------------------------------------------------------------------------


class RecordingWatch(CameraWatch):
    """The real camera watch, keeping every result (its pose events) for the test to read."""

    def __init__(self, technique: Technique, roles: PageRoles | None) -> None:
        super().__init__(technique, NoModel(), decode_jpeg, roles=roles)
        self.results: list[FrameResult] = []

    def analyze_landmarks(self, *args: Any, **kw: Any) -> FrameResult:
        result = super().analyze_landmarks(*args, **kw)
        self.results.append(result)
        return result


def socket_run(
    tmp_path: Path, roles: bool, messages: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[FrameResult], bool]:
    """Send these messages on a live session's socket; every answer, every pose result, and
    whether `hello` offered role frames."""
    watches: list[RecordingWatch] = []

    def build(technique: Technique, limits: Limits) -> RecordingWatch:
        watches.append(
            RecordingWatch(technique, PageRoles(TwoPeople, decode_jpeg) if roles else None)
        )
        return watches[-1]

    answers = []
    with make_client(tmp_path, analyzers=build) as client:
        sid = start_session(client, camera=True)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            hello = ws.receive_json()
            for message in messages:
                ws.send_text(json.dumps(message))
                want = "frame" if message["type"] == "landmarks" else "role"
                answers.append(until(ws, lambda m, w=want: m["type"] in (w, "error")))
    return answers, watches[0].results, hello["roles"]


def page_landmarks(kp: np.ndarray, ms: float, role_ms: float | None) -> dict[str, Any]:
    """Landmarks as the page sends them; a live camera's never repeat exactly (the server
    counts exact repeats as a frozen camera: `web.repeats`), so each moves by ~ms × 1e-8."""
    image = [[x + ms * 1e-8, y, z, v] for x, y, z, v in skeleton_on(kp)]
    return {"v": 1, "type": "landmarks", "image": image, "size": [W, H], "ms": ms} | {
        "role_ms": role_ms
    }


def test_role_frames_are_answered_and_decide_whose_landmarks_count(tmp_path: Path) -> None:
    answers, results, offered = socket_run(
        tmp_path,
        roles=True,
        messages=[
            page_landmarks(RECEIVER[0], 900.0, None),  # before any answer: unsure
            role_frame(ms=1000.0),
            page_landmarks(RECEIVER[0], 1100.0, 1000.0),  # the receiver: sure
            page_landmarks(ASSISTANT[0], 1200.0, 1000.0),  # the assistant: unsure
            page_landmarks(RECEIVER[0], 2200.0, 1000.0),  # the answer is 1.2 s old: unsure
        ],
    )
    assert offered
    role = answers[1]
    assert role["type"] == "role"
    assert role["ms"] == 1000.0
    assert role["identity"] == "receiver"
    assert [r.pose.identity for r in results] == ["unsure", "receiver", "unsure", "unsure"]


def test_a_bad_role_frame_is_a_non_fatal_error_and_the_session_goes_on(tmp_path: Path) -> None:
    answers, results, _ = socket_run(
        tmp_path,
        roles=True,
        messages=[
            role_frame(data=b"GIF89a" + bytes(64)),
            role_frame(ms=-5.0),
            role_frame(ms=1000.0),
        ]
        + [page_landmarks(RECEIVER[0], 1100.0, 1000.0)],
    )
    assert [a.get("code") for a in answers[:2]] == ["not_an_image", "bad_message"]
    assert not any(a.get("fatal") for a in answers[:2])
    assert answers[2]["type"] == "role"
    assert [r.pose.identity for r in results] == ["receiver"]


def test_with_the_two_person_step_off_landmarks_count_as_today(tmp_path: Path) -> None:
    """No role frames offered, one refused if sent, and page landmarks are the receiver's."""
    answers, results, offered = socket_run(
        tmp_path, roles=False, messages=[role_frame(), page_landmarks(ASSISTANT[0], 1100.0, None)]
    )
    assert not offered
    assert answers[0]["code"] == "not_supported"
    assert not answers[0]["fatal"]
    assert [r.pose.identity for r in results] == ["receiver"]


def noisy_jpeg() -> bytes:
    """A 288 × 384 picture of noise: the largest a role frame's JPEG gets (~50 KB)."""
    rng = np.random.default_rng(42)
    out = io.BytesIO()
    pixels = rng.integers(0, 256, (ROLE_MAX_SIDE, 288, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(out, format="JPEG", quality=70)
    return out.getvalue()


def test_only_role_frames_may_be_longer_than_other_text_messages(tmp_path: Path) -> None:
    big = role_frame(data=noisy_jpeg())
    assert len(json.dumps(big)) > MAX_TEXT_BYTES
    padded = page_landmarks(RECEIVER[0], 1100.0, None) | {"pad": "x" * MAX_TEXT_BYTES}
    answers, _, _ = socket_run(tmp_path, roles=True, messages=[big, padded])
    assert answers[0]["type"] == "role"
    assert answers[1]["code"] == "too_big"
    assert answers[1]["fatal"]
