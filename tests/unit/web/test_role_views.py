"""Each device's view has its own role answer (red-team review, leftover 1).

With the two-person step on, the laptop's page and a paired phone's page both send role
frames. They film the room from different places, so the receiver's box found in the
laptop's picture says nothing about the phone's: judging the phone's landmarks against the
laptop's newest answer could call the assistant the receiver (I3). Each socket keeps its own
answer (and its own role rule state); the people detector is still opened once per session.

The detector is a hand-written fake that tells the two views apart by their colour (the
real MoveNet on a real clip: tests/integration/test_page_roles_truth.py)."""

from __future__ import annotations

import base64
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from backbuddy.domain.techniques import Limits, Technique
from backbuddy.motion.people import People
from backbuddy.web import page_pose
from backbuddy.web.camera_watch import decode_jpeg
from backbuddy.web.page_roles import ROLE_MAX_SIDE, PageRoles

from .conftest import make_client, start_session
from .test_page_roles import RECEIVER, RecordingWatch, TwoPeople, page_landmarks
from .test_phone_socket import laptop_and_phone
from .test_socket import until


class ByColour:
    """The laptop's picture (light) shows both people; the phone's (dark: the phone faces a
    corner) shows nobody. Counts how often it was opened."""

    opened = 0

    def __init__(self) -> None:
        ByColour.opened += 1

    def detect(self, rgb: np.ndarray) -> People:
        return People.none() if rgb.mean() < 30 else TwoPeople().detect(rgb)


def role_frame(ms: float, shade: int) -> dict[str, Any]:
    out = io.BytesIO()
    Image.new("RGB", (288, ROLE_MAX_SIDE), (shade,) * 3).save(out, format="JPEG", quality=70)
    text = base64.b64encode(out.getvalue()).decode()
    return {"v": 1, "type": "role_frame", "ms": ms, "jpeg": text}


@pytest.mark.usefixtures("page_people_allowed")
def test_the_phones_landmarks_are_not_judged_by_the_laptops_role_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The phone's own newest answer is "unsure" (nobody in its picture); the laptop's,
    100 ms later in page time, has the receiver where the phone's skeleton happens to be.
    The phone's landmarks around the laptop's answer stay unsure (a movement would pause,
    not go on); around the phone's own answer they become the receiver's.

    The pages' times here are fixed numbers 600 ms apart, not their clocks: the page clock
    stays in its first second (`WARMUP_S`; `WARMUP_MAX_S`: no end to its learning) for the
    test. Placed after a second, a loaded box that took longer than the 600 ms between them
    made the last landmarks late, dropped unanswered as they must be (`page_pose.LATE_S`),
    and the test waited for an answer that never came (1 run of tests/unit/web in 3 beside
    two busy loops, session 24)."""
    monkeypatch.setattr(page_pose, "WARMUP_S", math.inf)
    monkeypatch.setattr(page_pose, "WARMUP_MAX_S", math.inf)
    watches: list[RecordingWatch] = []
    ByColour.opened = 0

    def build(technique: Technique, limits: Limits) -> RecordingWatch:
        watches.append(RecordingWatch(technique, PageRoles(ByColour, decode_jpeg)))
        return watches[-1]

    def moment(socket: Any, at: float, settled: tuple[float, ...] = ()) -> None:
        # Every frame of the answer's moment (the chain waits for all of them: page_roles);
        # `settled`: more, the page's model settling on its new crop (AFTER_BREAK_MS).
        for ms in (at, at + 66.0, at + 133.0, at + 166.0, *settled):
            socket.send_text(json.dumps(page_landmarks(RECEIVER[0], ms, at)))
            until(socket, lambda m: m["type"] == "frame")

    with make_client(tmp_path, analyzers=build) as client:
        sid = start_session(client, camera=True)
        with laptop_and_phone(client, sid) as (laptop, phone):
            assert phone.receive_json()["roles"] is True
            # Each socket's page clock is learnt from its landmarks: role times come after.
            laptop.send_text(json.dumps(page_landmarks(RECEIVER[0], 1050.0, None)))
            phone.send_text(json.dumps(page_landmarks(RECEIVER[0], 950.0, None)))
            phone.send_text(json.dumps(role_frame(1000.0, shade=5)))
            assert until(phone, lambda m: m["type"] == "role")["identity"] == "unsure"
            laptop.send_text(json.dumps(role_frame(1100.0, shade=200)))
            assert until(laptop, lambda m: m["type"] == "role")["identity"] == "receiver"
            moment(phone, 1100.0)  # judged by the laptop's answer, it would anchor
            # The phone's own answer counts for the phone.
            phone.send_text(json.dumps(role_frame(1300.0, shade=200)))
            assert until(phone, lambda m: m["type"] == "role")["identity"] == "receiver"
            moment(phone, 1300.0, settled=(1500.0, 1550.0))
    assert [r.pose.identity for r in watches[0].results] == ["unsure"] * 10 + ["receiver"]
    assert ByColour.opened == 1  # one detector for the session, shared by both views
