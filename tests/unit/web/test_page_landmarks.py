"""The binary landmarks message (docs/protocol.md, "landmarks"): read exactly as the page
wrote it, and every broken rule refused with a sentence that names it, never a crash."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backbuddy.web.page_landmarks import (
    HEADER,
    MAGIC,
    MAX_BYTES,
    PageLandmarks,
    encode,
    is_landmarks,
    read,
)
from backbuddy.web.page_pose import LandmarksRefused

from .conftest import ORIGIN, WS, make_client, start_session
from .test_landmarks_and_camera_loss import points, watch
from .test_socket import opening, until

WORLD = [[0.1, -0.2, 0.05, 0.9]] * 33


def test_a_message_reads_back_as_the_page_wrote_it() -> None:
    data = encode(points(), WORLD, (640, 480), 81234.5, role_ms=81200.25)
    assert len(data) == MAX_BYTES == 32 + 2 * 33 * 4 * 4
    got = read(data)
    assert got.size == (640, 480)
    assert got.ms == 81234.5
    assert got.role_ms == 81200.25
    assert got.image is not None
    assert got.world is not None
    assert np.array_equal(got.image, np.asarray(points(), np.float32))
    assert np.array_equal(got.world, np.asarray(WORLD, np.float32))


def test_no_person_no_world_and_no_role_answer_are_said_by_the_flags() -> None:
    nobody = read(encode(None, None, (270, 480), 5.0))
    assert (nobody.image, nobody.world, nobody.role_ms) == (None, None, None)
    assert len(encode(None, None, (270, 480), 5.0)) == HEADER.size
    image_only = read(encode(points(), None, (270, 480), 5.0))
    assert image_only.image is not None
    assert image_only.world is None


def _raw(flags: int = 3, size: tuple[int, int] = (640, 480), ms: float = 1.0, **over: Any) -> bytes:
    head = HEADER.pack(
        over.get("magic", MAGIC),
        flags,
        over.get("pad", b"\0\0\0"),
        *size,
        b"\0\0\0\0",
        ms,
        over.get("role_ms", 0.0),
    )
    body = over.get("body")
    if body is None:
        sets = bool(flags & 1) + bool(flags & 2)
        body = np.asarray((points() + WORLD)[: 33 * sets], "<f4").tobytes()
    return head + body


def _with(channel_value: tuple[int, int, float], world: bool = False) -> bytes:
    i, c, v = channel_value
    image, w = np.asarray(points(), np.float32), np.asarray(WORLD, np.float32)
    (w if world else image)[i, c] = v
    return _raw(body=image.tobytes() + w.tobytes())


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"BBL1" + b"\0" * 10, "32-byte header; this one has 14 bytes"),
        (_raw(flags=8), "flags 8 has unknown bits"),
        (_raw(pad=b"\0\1\0"), "bytes 5-7 and 12-15 must be 0"),
        (_raw(flags=2), "world landmarks without image landmarks"),
        (_raw(body=b"\0" * 100), "is 1088 bytes (2 x 33 points"),
        (_raw(size=(0, 480)), "frame size 0x480 is not within 1..8192"),
        (_raw(size=(640, 9000)), "frame size 640x9000"),
        (_raw(ms=float("nan")), "ms = nan must be a finite number >= 0"),
        (_raw(ms=-1.0), "ms = -1.0 must be"),
        (_raw(flags=7, role_ms=float("inf")), "role_ms = inf must be"),
        (_raw(role_ms=3.0), "role_ms must be 0 when flag 4"),
        (_with((0, 1, 3.0)), "image[0] y = 3 is outside -1..2"),
        (_with((5, 3, 1.5)), "image[5] visibility = 1.5 is outside 0..1"),
        (_with((7, 0, float("nan"))), "image[7] x is nan: every value must be finite"),
        (_with((2, 2, -float("inf")), world=True), "world[2] z is -inf"),
        (_with((9, 0, 3.5), world=True), "world[9] x = 3.5 is outside -3..3"),
    ],
)
def test_each_broken_rule_is_refused_with_its_own_sentence(data: bytes, said: str) -> None:
    with pytest.raises(LandmarksRefused) as refused:
        read(data)
    assert said in str(refused.value)


@given(st.binary(max_size=MAX_BYTES + 8))
def test_arbitrary_bytes_are_read_or_refused_never_a_crash(data: bytes) -> None:
    _read_or_refused(MAGIC + data)


@given(
    st.lists(st.tuples(st.integers(0, MAX_BYTES - 1), st.integers(0, 255)), min_size=1, max_size=6),
    st.integers(0, MAX_BYTES),
)
def test_a_valid_message_with_bytes_changed_or_cut_is_read_or_refused(
    changes: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(encode(points(), WORLD, (640, 480), 1000.0, role_ms=990.0))
    for at, value in changes:
        data[at] = value
    _read_or_refused(bytes(data[: max(cut, 4)]))


def _read_or_refused(data: bytes) -> None:
    try:
        got = read(data)
    except LandmarksRefused as err:
        said: str | None = str(err)
    else:
        said = None
    if said is not None:
        assert said  # a sentence, never an empty error
        return
    # Whatever passes keeps every rule the monitors rely on.
    assert isinstance(got, PageLandmarks)
    for arr, bound in ((got.image, 10.0), (got.world, 3.0)):
        if arr is not None:
            assert arr.shape == (33, 4)
            assert bool(np.isfinite(arr).all())
            assert float(np.abs(arr).max()) <= bound
            assert arr.flags.writeable
    assert got.ms is not None
    assert got.ms >= 0
    assert 0 < got.size[0] <= 8192
    assert 0 < got.size[1] <= 8192


def test_only_messages_that_start_bbl1_are_landmarks() -> None:
    assert is_landmarks(encode(None, None, (1, 1), 0.0))
    assert not is_landmarks(b"\xff\xd8\xff\xe0")
    assert not is_landmarks(b"BBA1" + struct.pack("<BBH", 0, 0, 16000))


def test_binary_landmarks_take_the_frame_path(tmp_path: Path) -> None:
    with make_client(tmp_path, analyzers=watch) as client:
        sid = start_session(client, camera=True)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            ws.send_bytes(encode(points(), None, (270, 480), 1000.0))
            frame = until(ws, lambda m: m["type"] == "frame")
            assert frame["tracked"]
            assert set(frame["checks"]) == {"sitting_upright", "arms_crossed", "chin_tucked"}
            ws.send_bytes(encode(None, None, (270, 480), 1040.0))
            nobody = until(ws, lambda m: m["type"] == "frame")
            assert nobody["seq"] == frame["seq"] + 1


@pytest.mark.parametrize(
    ("later", "said"),
    [
        (encode(points(), None, (270, 480), 900.0), "must increase"),
        (_with((0, 1, 3.0)), "image[0] y = 3 is outside -1..2"),
        (b"BBL1\0", "32-byte header"),
    ],
    ids=["time backwards", "out of frame", "cut short"],
)
def test_bad_binary_landmarks_are_a_fatal_bad_message(
    tmp_path: Path, later: bytes, said: str
) -> None:
    with make_client(tmp_path, analyzers=watch) as client:
        sid = start_session(client, camera=True)
        with client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN) as ws:
            opening(ws)
            ws.send_bytes(encode(points(), None, (270, 480), 1000.0))
            until(ws, lambda m: m["type"] == "frame")
            ws.send_bytes(later)
            error = until(ws, lambda m: m["type"] == "error")
            assert (error["code"], error["fatal"]) == ("bad_message", True)
            assert said in error["message"]
        assert client.get("/healthz").status_code == 200  # the server goes on serving


@pytest.mark.parametrize("world", [WORLD, None])
def test_the_frozen_camera_watch_reads_a_messages_points_as_its_arrays_bytes(world: Any) -> None:
    """The frozen-camera digest of a binary message is taken from its bytes after the header
    (no numpy call, `session_socket._points_bytes`): they must be the bytes of the arrays
    read from it, image then world, so an exact repeat is one either way."""
    from backbuddy.web.session_socket import _points_bytes

    data = encode(points(seed=3), world, (640, 480), 5000.0, role_ms=4990.0)
    got = read(data)
    assert _points_bytes(got, data) == _points_bytes(got)
    assert len(_points_bytes(got, data)) == (1 + (world is not None)) * 33 * 4 * 4
