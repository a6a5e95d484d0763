"""Landmarks messages are read in one pass (`session_socket.landmarks_message`), and exactly
those the general way (`decode`, then the schema) accepts: the same message when valid, and
anything else left to the general way, which gives the errors it always gave."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from backbuddy.web import schemas
from backbuddy.web.session_socket import ProtocolViolation, decode, landmarks_message

from .test_landmarks_and_camera_loss import landmarks_message as message
from .test_landmarks_and_camera_loss import points


def _general(text: str) -> schemas.LandmarksIn | None:
    try:
        raw = decode(text)
        if raw.get("type") != "landmarks":
            return None
        return schemas.LandmarksIn.model_validate(raw)
    except (ProtocolViolation, ValidationError):
        return None


def _texts() -> list[str]:
    good = message(world=points(7), ms=1234.5, role_ms=1200.0)
    variants: list[Any] = [
        good,
        message(),
        message(image=None),
        {k: v for k, v in good.items() if k != "v"},  # no version: refused as bad_version
        message(v=2),
        message(extra=1),
        message(image=points()[:32]),
        message(size=[0, 480]),
        message(ms=-1.0),
        message(type="event", event={"event": "stop"}),
        {"v": 1, "type": "event", "event": {"event": "stop", "note": "landmarks"}},
        [message()],
        message(image=[[[[0.5]]]] * 33),
    ]
    texts = [json.dumps(v) for v in variants]
    texts += [
        json.dumps(good).replace("0.95", "NaN", 1),
        json.dumps(good)[:-1],  # cut short
        json.dumps(good, separators=(",", ":")),  # as a page's JSON.stringify writes it
        json.dumps(message(world=points(3) * 200)),  # over the size limit
    ]
    return texts


@pytest.mark.parametrize("text", _texts())
def test_read_in_one_pass_exactly_when_the_general_way_accepts_it(text: str) -> None:
    assert landmarks_message(text) == _general(text)


def test_the_valid_ones_are_read_in_one_pass() -> None:
    accepted = [t for t in _texts() if landmarks_message(t) is not None]
    assert len(accepted) == 4
