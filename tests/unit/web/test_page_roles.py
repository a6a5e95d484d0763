"""Who is who when pose runs in the page (issue 15, item 2): role frames are checked like
camera frames (a bad one is a clear, non-fatal error), answered with the receiver's box, and
page landmarks are "unsure" unless an answer put them on the receiver at its moment and
they stayed continuous since (and the server asks for a role frame when they break).

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

from backbuddy.domain.techniques import Limits, Technique, get
from backbuddy.motion.people import N_KEYPOINTS, People
from backbuddy.web import page_pose, schemas
from backbuddy.web.camera_watch import CameraWatch, decode_jpeg
from backbuddy.web.frames import FrameResult
from backbuddy.web.page_roles import (
    AFTER_BREAK_MS,
    KEEPALIVE_MS,
    MATCH_MS,
    MAX_ANCHOR_MS,
    ROLE_FLOOD,
    ROLE_MAX_SIDE,
    SETTLE_ANSWERS,
    SETTLE_MS,
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


# ---- the unsure rules: a chain anchored by an answer, carried while continuous ---------------


def frames(
    roles: PageRoles, kp: np.ndarray, start: float, stop: float, every: float = 33.0
) -> list[bool]:
    """Page landmarks of `kp` from `start` to `stop` ms (cropped to the answer at 1000 ms):
    whether each is unsure."""
    return [
        roles.unsure(skeleton_on(kp), (W, H), ms, 1000.0) for ms in np.arange(start, stop, every)
    ]


def anchor(roles: PageRoles, at: float = 1000.0) -> float:
    """The receiver's landmarks over the whole moment of the answer at `at` (the chain waits
    for every frame within MATCH_MS of it): the page time from which it carries."""
    start, stop = at - 99.0, at + MATCH_MS + 34.0
    unsure = frames(roles, RECEIVER[0], start, stop)
    assert all(unsure[:-1])
    assert not unsure[-1]
    return float(np.arange(start, stop, 33.0)[-1] + 33.0)


def test_the_receivers_skeleton_at_the_answers_moment_anchors_and_is_carried() -> None:
    roles = looked()
    assert not any(frames(roles, RECEIVER[0], anchor(roles), 3000.0))


def test_every_frame_of_the_answers_moment_must_lie_on_the_receiver() -> None:
    """One frame of the moment off the receiver (its nose 18 px, 0.2 trunk lengths, away: a
    step the continuity rules allow) and the answer anchors nothing."""
    roles = looked()
    off = RECEIVER[0].copy()
    off[0, 0] += 18.0
    assert all(frames(roles, RECEIVER[0], 901.0, 1066.0))
    assert all(frames(roles, off, 1066.0, 1067.0))
    assert all(frames(roles, RECEIVER[0], 1099.0, 1600.0))
    assert roles.chain.breaks[-1][1] == "the landmarks are not on the receiver"


def test_without_any_role_answer_landmarks_are_unsure() -> None:
    roles = PageRoles(TwoPeople, decode_jpeg)
    assert roles.unsure(skeleton_on(RECEIVER[0]), (W, H), 1300.0, None)
    assert roles.unsure(skeleton_on(RECEIVER[0]), (W, H), 1333.0, 1000.0)


def test_landmarks_from_the_whole_frame_are_unsure() -> None:
    """The page had no receiver's box to crop to (role_ms null)."""
    assert looked().unsure(skeleton_on(RECEIVER[0]), (W, H), 1000.0, None)


def test_an_answer_with_no_landmarks_of_its_moment_cannot_anchor() -> None:
    roles = looked(ms=1000.0)
    assert all(frames(roles, RECEIVER[0], 1000.0 + MATCH_MS + 1, 1600.0))


def test_the_chain_is_trusted_for_a_bounded_time_after_its_answer() -> None:
    roles = looked(ms=1000.0)
    start = anchor(roles)
    carried = frames(roles, RECEIVER[0], start, 1000.0 + MAX_ANCHOR_MS + 200)
    assert not any(carried[: int((1000.0 + MAX_ANCHOR_MS - start) // 33)])
    assert carried[-1]
    assert roles.wanted() == "the last role frame is too old"


def test_a_page_clock_running_slow_cannot_stretch_the_chains_trusted_time() -> None:
    """The page's clock runs at a third of the server's: 3.5 s of page time would be 10.5 s
    of real time with no role frame. The chain's age is held to MAX_ANCHOR_MS on the
    server's clock (from its role frame's arrival) too."""
    server = [0.0]
    roles = PageRoles(TwoPeople, decode_jpeg, clock=lambda: server[0])
    roles.look(np.zeros((H, W, 3), np.uint8), 1000.0, arrived_s=0.0)
    start = anchor(roles)
    carried: list[tuple[float, bool]] = []
    for ms in np.arange(start, start + 1600.0, 33.0):  # 1.6 s of page time …
        server[0] = 3.0 * (ms - 1000.0) / 1000.0  # … is 3 × as long on the server
        carried.append((server[0], roles.unsure(skeleton_on(RECEIVER[0]), (W, H), ms, 1000.0)))
    assert not any(unsure for s, unsure in carried if s <= MAX_ANCHOR_MS / 1000.0)
    late = [unsure for s, unsure in carried if s > MAX_ANCHOR_MS / 1000.0]
    assert late
    assert all(late)
    assert roles.wanted() == "the last role frame is too old"


@pytest.mark.parametrize(
    ("receiver_ms", "assistant_ms"),
    [
        ([1300.0] * 10, [1300.0] * 5),  # a frozen page clock
        (list(np.arange(1600.0, 1300.0, -33.0)), list(np.arange(1300.0, 1200.0, -33.0))),
        (list(np.arange(1300.0, 1600.0, 33.0)), [10.0, 11.0, 12.0]),  # far back
        (list(np.arange(1300.0, 1303.0, 0.3)), list(np.arange(1303.0, 1304.0, 0.3))),
        (list(np.arange(1300.0, 1600.0, 33.0)), [1600.0 + 1e9, 1633.0 + 1e9]),  # far ahead
    ],
    ids=["frozen", "backwards", "far_back", "tiny_steps", "far_ahead"],
)
def test_no_page_clock_carries_the_chain_onto_the_assistant(
    receiver_ms: list[float], assistant_ms: list[float]
) -> None:
    """Red team (session 9): page times that stand still, run backwards or jump never let a
    switch onto the assistant pass as the receiver."""
    roles = looked(ms=1000.0)
    anchor(roles)
    for ms in receiver_ms:
        roles.unsure(skeleton_on(RECEIVER[0]), (W, H), ms, 1000.0)
    on_assistant = [
        roles.unsure(skeleton_on(ASSISTANT[0]), (W, H), ms, 1000.0) for ms in assistant_ms
    ]
    assert all(on_assistant)


def test_a_jump_onto_the_assistant_breaks_the_chain_and_asks_for_a_role_frame_once() -> None:
    roles = looked()
    assert not any(frames(roles, RECEIVER[0], anchor(roles), 1500.0))
    assert roles.wanted() is None
    assert all(frames(roles, ASSISTANT[0], 1500.0, 1600.0))
    assert roles.wanted() is not None
    assert roles.wanted() is None  # asked once until the next answer
    # Back on the receiver, the identity stays unsure: only a new answer re-anchors it.
    assert all(frames(roles, RECEIVER[0], 1600.0, 2000.0))


def test_after_a_break_only_an_answer_taken_well_after_it_re_anchors() -> None:
    roles = looked()
    frames(roles, RECEIVER[0], anchor(roles), 1500.0)
    frames(roles, ASSISTANT[0], 1500.0, 1540.0)  # the break at 1500
    late = roles.look(np.zeros((H, W, 3), np.uint8), 1450.0)  # taken before it
    assert late.next_ms == pytest.approx(1500.0 + AFTER_BREAK_MS - 1450.0)
    back = 1540.0  # back on the receiver: a break too
    assert all(frames(roles, RECEIVER[0], back, back + AFTER_BREAK_MS))
    too_soon = roles.look(np.zeros((H, W, 3), np.uint8), back + AFTER_BREAK_MS - 50.0)
    assert too_soon.next_ms == pytest.approx(50.0)
    fresh_ms = back + AFTER_BREAK_MS + MATCH_MS + 50  # its whole moment after the break
    assert all(frames(roles, RECEIVER[0], back + AFTER_BREAK_MS, fresh_ms))
    fresh = roles.look(np.zeros((H, W, 3), np.uint8), fresh_ms)
    assert fresh.identity == "receiver"
    settling = frames(roles, RECEIVER[0], fresh_ms, fresh_ms + MATCH_MS + 34.0)
    assert settling[-1] is False
    assert not any(frames(roles, RECEIVER[0], fresh_ms + MATCH_MS + 34.0, 2400.0))


def test_a_gap_in_the_landmarks_breaks_the_chain() -> None:
    roles = looked()
    assert not any(frames(roles, RECEIVER[0], anchor(roles), 1400.0))
    assert all(frames(roles, RECEIVER[0], 1400.0 + 400.0, 2000.0))


def test_the_torso_unseen_breaks_the_chain() -> None:
    roles = looked()
    frames(roles, RECEIVER[0], 1000.0, 1200.0)
    hidden = skeleton_on(RECEIVER[0])
    for i in (11, 12, 23, 24):
        hidden[i][3] = 0.1
    assert roles.unsure(hidden, (W, H), 1233.0, 1000.0)
    assert all(frames(roles, RECEIVER[0], 1266.0, 1500.0))


def test_the_role_frames_settle_then_keep_alive() -> None:
    roles = PageRoles(TwoPeople, decode_jpeg)
    waits = []
    for k in range(5):
        ms = 1000.0 + k * SETTLE_MS
        waits.append(roles.look(np.zeros((H, W, 3), np.uint8), ms).next_ms)
        frames(roles, RECEIVER[0], ms, ms + SETTLE_MS)
    settling = SETTLE_ANSWERS - 1
    assert waits == [SETTLE_MS] * settling + [KEEPALIVE_MS] * (len(waits) - settling)


def test_an_unsure_role_answer_makes_the_landmarks_unsure() -> None:
    roles = looked()
    frames(roles, RECEIVER[0], 1000.0, 1400.0)
    roles._detector = Nobody()  # noqa: SLF001 - swap what the detector sees
    answer = roles.look(np.zeros((H, W, 3), np.uint8), 1400.0)
    assert answer.next_ms == SETTLE_MS
    assert all(frames(roles, RECEIVER[0], 1400.0, 1600.0))


def test_the_assistants_skeleton_is_unsure() -> None:
    """The page's model followed the assistant: the skeleton is outside the receiver's box."""
    assert all(frames(looked(), ASSISTANT[0], 1000.0, 1300.0))


def test_a_skeleton_inside_the_box_but_on_the_assistants_head_is_unsure() -> None:
    """Nose and shoulders nearer the assistant's (inside the receiver's padded box)."""
    kp = RECEIVER[0].copy()
    kp[0, :2] = (185, 100)  # the receiver's box padded: x 70..190, y 72..449
    kp[5, :2], kp[6, :2] = (180, 120), (188, 120)
    roles = looked()
    assert roles.answer is not None
    x0, y0, x1, y1 = roles.answer.box or (0, 0, 0, 0)
    assert x0 - 0.25 * (x1 - x0) < 188 / W < x1 + 0.25 * (x1 - x0)
    assert all(frames(roles, kp, 1000.0, 1300.0))


def test_nobody_in_view_breaks_the_chain_and_reads_as_tracking_lost() -> None:
    roles = looked()
    frames(roles, RECEIVER[0], 1000.0, 1200.0)
    watch = CameraWatch(get("seated_hug_extension"), NoModel(), decode_jpeg, roles=roles)
    unsure = roles.unsure(None, (W, H), 1233.0, 1000.0)
    assert unsure
    pose = watch.analyze_landmarks(None, None, (W, H), 1.233, (), unsure=unsure).pose
    assert not pose.tracked  # the engine pauses for lost tracking, at once
    assert roles.wanted() == "nobody in view"
    assert all(frames(roles, RECEIVER[0], 1266.0, 1500.0))  # whoever comes back: placed again


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


@pytest.mark.usefixtures("page_people_allowed")
def test_role_frames_are_answered_and_decide_whose_landmarks_count(tmp_path: Path) -> None:
    answers, results, offered = socket_run(
        tmp_path,
        roles=True,
        messages=[
            page_landmarks(RECEIVER[0], 900.0, None),  # before any answer: unsure
            role_frame(ms=1000.0),
            # the receiver: sure once every frame of the answer's moment is in and the page's
            # model has settled on its new crop (AFTER_BREAK_MS after its first frame there)
            *(
                page_landmarks(RECEIVER[0], ms, 1000.0)
                for ms in (1000.0, 1066.0, 1133.0, 1166.0, 1200.0, 1250.0)
            ),
            page_landmarks(ASSISTANT[0], 1283.0, 1000.0),  # the assistant: unsure
            page_landmarks(RECEIVER[0], 2283.0, 1000.0),  # after a 1 s gap: unsure
        ],
    )
    assert offered
    role = answers[1]
    assert role["type"] == "role"
    assert role["ms"] == 1000.0
    assert role["identity"] == "receiver"
    identities = [r.pose.identity for r in results]
    assert identities == ["unsure"] * 6 + ["receiver", "unsure", "unsure"]


@pytest.mark.usefixtures("page_people_allowed")
def test_a_bad_role_frame_is_a_non_fatal_error_and_the_session_goes_on(tmp_path: Path) -> None:
    answers, results, _ = socket_run(
        tmp_path,
        roles=True,
        messages=[
            page_landmarks(RECEIVER[0], 950.0, None),  # role times are placed after landmarks'
            role_frame(data=b"GIF89a" + bytes(64)),
            role_frame(ms=-5.0),
            role_frame(ms=1000.0),
        ]
        # the receiver's moment, then the page's model settled on its new crop (AFTER_BREAK_MS)
        + [
            page_landmarks(RECEIVER[0], ms, 1000.0)
            for ms in (1000.0, 1100.0, 1166.0, 1200.0, 1250.0)
        ],
    )
    assert [a.get("code") for a in answers[1:3]] == ["not_an_image", "bad_message"]
    assert not any(a.get("fatal") for a in answers[1:3])
    assert answers[3]["type"] == "role"
    assert [r.pose.identity for r in results][-1] == "receiver"


def test_with_the_two_person_step_off_landmarks_count_as_today(tmp_path: Path) -> None:
    """No role frames offered, one refused if sent, and page landmarks are the receiver's."""
    answers, results, offered = socket_run(
        tmp_path, roles=False, messages=[role_frame(), page_landmarks(ASSISTANT[0], 1100.0, None)]
    )
    assert not offered
    assert answers[0]["code"] == "not_supported"
    assert not answers[0]["fatal"]
    assert [r.pose.identity for r in results][-1] == "receiver"


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
    first = page_landmarks(RECEIVER[0], 950.0, None)  # role times are placed after landmarks'
    answers, _, _ = socket_run(tmp_path, roles=True, messages=[first, big, padded])
    assert answers[1]["type"] == "role"
    assert answers[2]["code"] == "too_big"
    assert answers[2]["fatal"]


@pytest.mark.parametrize(
    ("technique", "lying"), [("side_lying_rotation", True), ("seated_hug_extension", False)]
)
def test_a_sessions_role_keeping_knows_whether_its_receiver_lies(
    technique: str, lying: bool
) -> None:
    from backbuddy.web.camera_watch import factory
    from backbuddy.web.role_views import view_of

    chosen = get(technique)
    watch = factory(NoModel, decode_jpeg, open_detector=lambda: None)(chosen, chosen.limits)  # type: ignore[arg-type, return-value]
    assert watch.roles is not None
    assert watch.roles.lying is lying
    assert view_of(watch.roles).lying is lying  # a second socket's view keeps it


@pytest.mark.parametrize("technique", ["side_lying_rotation", "seated_hug_extension"])
def test_a_sessions_role_answers_tell_the_page_whether_its_grey_fades(technique: str) -> None:
    """The page's mask.js fades his grey out and widens her cut-out beside his arms where the
    technique's grey fades (`video.grey_fades`, session 23), as the server's `ReceiverPose` is
    told by `tell_technique`: each role answer says so (`mask.fades`), for every socket's view."""
    from backbuddy.web.camera_watch import factory
    from backbuddy.web.role_views import view_of

    chosen = get(technique)
    watch = factory(NoModel, decode_jpeg, open_detector=lambda: None)(chosen, chosen.limits)  # type: ignore[arg-type, return-value]
    assert watch.roles is not None
    fades = chosen.video.grey_fades
    kp = np.zeros((N_KEYPOINTS, 3), np.float32)
    kp[:, 0], kp[:, 1], kp[:, 2] = np.linspace(150, 170, N_KEYPOINTS), 150.0, 0.8
    people = People(kp[None], np.array([[150, 140, 170, 160]], np.float32), np.ones(1, np.float32))
    for roles in (watch.roles, view_of(watch.roles)):
        assert roles.place(people, (480, 360), 100.0).message()["mask"]["fades"] is fades
    assert get("seated_hug_extension").video.grey_fades  # measured on the hug (session 22)


def test_where_the_receiver_lies_a_lone_upright_person_found_by_the_page_stays_unsure() -> None:
    # A lone upright person (the assistant kneeling, the lying receiver missed), still for
    # many looks: never the side-lying receiver, always the receiver of the seated hug.
    kp = np.zeros((N_KEYPOINTS, 3), np.float32)
    kp[:, 0] = np.linspace(150, 170, N_KEYPOINTS)
    kp[:, 1] = np.linspace(60, 300, N_KEYPOINTS)
    kp[:, 2] = 0.8
    people = People(kp[None], np.array([[140, 50, 180, 310]], np.float32), np.ones(1, np.float32))
    for lying in (True, False):
        roles = PageRoles(lambda: None, decode_jpeg, lying=lying)  # type: ignore[arg-type, return-value]
        answers = [roles.place(people, (480, 360), 100.0 * (i + 1)).identity for i in range(12)]
        assert ("receiver" in answers) is not lying, answers


@pytest.mark.parametrize(
    ("technique", "lying"), [("side_lying_rotation", True), ("seated_hug_extension", False)]
)
def test_the_servers_own_two_person_step_is_told_whether_the_receiver_lies(
    technique: str, lying: bool
) -> None:
    """Pose on the server (frames, not page landmarks): its `ReceiverPose` keeps roles itself
    and must be told as the page's role keeping is, or a lone kneeling assistant is taken for
    the lying receiver there (found for the page path; the server path had the same hole)."""
    from backbuddy.adapters.receiver_pose import ReceiverPose
    from backbuddy.web.camera_watch import factory

    kp = np.zeros((N_KEYPOINTS, 3), np.float32)
    kp[:, 0] = np.linspace(150, 170, N_KEYPOINTS)
    kp[:, 1] = np.linspace(60, 300, N_KEYPOINTS)
    kp[:, 2] = 0.8
    upright = People(kp[None], np.array([[140, 50, 180, 310]], np.float32), np.ones(1, np.float32))

    class Lone:
        def detect(self, rgb: np.ndarray) -> People:
            return upright

    class Blind:
        def estimate(
            self, rgb: np.ndarray, t: float | None = None
        ) -> tuple[np.ndarray, np.ndarray]:
            nothing = np.full((33, 4), np.nan, np.float32)
            return nothing, nothing.copy()

        def close(self) -> None:
            return None

    chosen = get(technique)
    watch = factory(lambda: ReceiverPose(Lone(), Blind, every=1), decode_jpeg)(  # type: ignore[arg-type]
        chosen, chosen.limits
    )
    pose = watch.estimator
    assert isinstance(pose, ReceiverPose)
    frame = np.zeros((360, 480, 3), np.uint8)
    for _ in range(12):
        pose.estimate(frame)
    assert (pose.choice is not None and pose.choice.identity == "receiver") is not lying


@pytest.mark.usefixtures("page_people_allowed")
def test_a_socket_whose_page_runs_the_people_detector_opens_none_until_a_role_frame(
    tmp_path: Path,
) -> None:
    """The page runs MoveNet itself (vendored here by `make`), so the server's detector (a
    model load and its memory, per session) opens only for the page's fallback, a role frame;
    landmarks and role people never open it."""
    assert page_pose.people_available(), "make vendor puts the page's people detector in place"
    opened: list[int] = []

    def counted() -> TwoPeople:
        opened.append(1)
        return TwoPeople()

    def build(technique: Technique, limits: Limits) -> RecordingWatch:
        return RecordingWatch(technique, PageRoles(counted, decode_jpeg))

    with make_client(tmp_path, analyzers=build) as client:
        sid = start_session(client, camera=True)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            assert ws.receive_json()["roles"]
            for ms in (900.0, 966.0):
                ws.send_text(json.dumps(page_landmarks(RECEIVER[0], ms, None)))
                until(ws, lambda m: m["type"] == "frame")
            people = [
                [
                    [[float(x) / W, float(y) / H, float(s)] for x, y, s in kp],
                    [float(v) for v in box / [W, H, W, H]],
                    0.9,
                ]
                for kp, box in (RECEIVER, ASSISTANT)
            ]
            ws.send_text(
                json.dumps(
                    {"v": 1, "type": "role_people", "ms": 1000.0, "size": [W, H], "people": people}
                )
            )
            assert until(ws, lambda m: m["type"] in ("role", "error"))["type"] == "role"
            assert opened == []
            ws.send_text(json.dumps(role_frame(ms=1100.0)))
            assert until(ws, lambda m: m["type"] in ("role", "error"))["type"] == "role"
    assert opened == [1]
