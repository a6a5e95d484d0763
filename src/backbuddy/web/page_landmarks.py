"""The page's landmarks as one binary message (issue 15): a 32-byte header and float32 arrays.

A landmarks message arrives 30 times a second per session, so its form is what the
server reads fastest: no JSON to decode, no per-number validation in Python. The page
(`static/js/landmarks_bin.js`) sends, little-endian (docs/protocol.md, "Landmarks"):

    bytes 0-3    b"BBL1"
    byte  4      flags: 1 = image landmarks follow, 2 = world landmarks follow,
                 4 = `role_ms` is given
    bytes 5-7    0
    bytes 8-9    frame width, uint16, 1..8192
    bytes 10-11  frame height, uint16, 1..8192
    bytes 12-15  0
    bytes 16-23  ms, float64: capture time on the page's clock (finite, >= 0)
    bytes 24-31  role_ms, float64: finite, >= 0 with flag 4; 0 without it
    bytes 32-    image: 33 x [x, y, z, visibility] float32 (flag 1), then world (flag 2)

Every rule is checked here, vectorised (shape, finite, ranges: the bounds of
`page_pose`); the page clock's rules (`page_pose.PageClock`) follow as for JSON. A
message that breaks one is refused with a sentence naming the byte or value
(`LandmarksRefused`), which the socket turns into the same fatal `bad_message` as a
malformed JSON landmarks message.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backbuddy.motion.landmarks import N_LANDMARKS
from backbuddy.web.page_pose import IMAGE_XY, IMAGE_Z, WORLD_XYZ, LandmarksRefused

MAGIC = b"BBL1"
HEADER = struct.Struct("<4sB3sHH4sdd")
#: Flags in byte 4.
IMAGE, WORLD, ROLE_MS = 1, 2, 4
KNOWN_FLAGS = IMAGE | WORLD | ROLE_MS
#: Bytes of one set of points: 33 x 4 float32.
POINTS_BYTES = N_LANDMARKS * 4 * 4
#: The longest landmarks message: header, image and world.
MAX_BYTES = HEADER.size + 2 * POINTS_BYTES
MAX_SIDE = 8192

_CHANNELS = ("x", "y", "z", "visibility")
_IMAGE_LO = np.array([IMAGE_XY[0], IMAGE_XY[0], IMAGE_Z[0], 0.0], np.float32)
_IMAGE_HI = np.array([IMAGE_XY[1], IMAGE_XY[1], IMAGE_Z[1], 1.0], np.float32)
_WORLD_LO = np.array([WORLD_XYZ[0]] * 3 + [0.0], np.float32)
_WORLD_HI = np.array([WORLD_XYZ[1]] * 3 + [1.0], np.float32)
#: Per set (image, world): the bounds of every channel, shaped to compare with the points.
_LO = np.stack([_IMAGE_LO, _WORLD_LO])[:, None, :]
_HI = np.stack([_IMAGE_HI, _WORLD_HI])[:, None, :]

Points = NDArray[np.float32]


@dataclass(frozen=True)
class PageLandmarks:
    """One checked landmarks message: 33 x 4 float32 arrays (None: not sent)."""

    image: Points | None
    world: Points | None
    size: tuple[int, int]
    #: None only from a JSON landmarks message without `ms` (the binary form always has it).
    ms: float | None
    role_ms: float | None


def is_landmarks(data: bytes) -> bool:
    """A binary message that claims to be landmarks (frames start FF D8, audio BBA1)."""
    return data[:4] == MAGIC


def read(data: bytes) -> PageLandmarks:
    """The message's landmarks, or LandmarksRefused saying which rule it broke."""
    if len(data) < HEADER.size:
        raise LandmarksRefused(
            f"a landmarks message starts with a {HEADER.size}-byte header; "
            f"this one has {len(data)} bytes"
        )
    magic, flags, pad, width, height, pad2, ms, role_ms = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise LandmarksRefused(f"a landmarks message starts with {MAGIC!r}, not {magic!r}")
    if flags & ~KNOWN_FLAGS:
        raise LandmarksRefused(f"landmarks flags {flags} has unknown bits (known: 1, 2, 4)")
    if pad != b"\0\0\0" or pad2 != b"\0\0\0\0":
        raise LandmarksRefused("landmarks header bytes 5-7 and 12-15 must be 0")
    if flags & WORLD and not flags & IMAGE:
        raise LandmarksRefused("world landmarks without image landmarks")
    sets = bool(flags & IMAGE) + bool(flags & WORLD)
    want = HEADER.size + sets * POINTS_BYTES
    if len(data) != want:
        raise LandmarksRefused(
            f"a landmarks message with flags {flags} is {want} bytes "
            f"({sets} x 33 points of 4 float32 after the header); this one has {len(data)}"
        )
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise LandmarksRefused(f"frame size {width}x{height} is not within 1..{MAX_SIDE} pixels")
    _time("ms", ms)
    if flags & ROLE_MS:
        _time("role_ms", role_ms)
    elif role_ms != 0.0:
        raise LandmarksRefused("role_ms must be 0 when flag 4 (role_ms given) is not set")
    image, world = _points(data, sets)
    return PageLandmarks(image, world, (width, height), ms, role_ms if flags & ROLE_MS else None)


def _points(data: bytes, sets: int) -> tuple[Points | None, Points | None]:
    """The image and world points after the header (None: not sent), every value checked."""
    points = np.frombuffer(data, "<f4", sets * N_LANDMARKS * 4, HEADER.size)
    points = points.reshape(sets, N_LANDMARKS, 4).astype(np.float32)  # a writable copy
    # Both sets in one pass (NaN fails both sides); only a refused message is looked at set
    # by set, for the sentence naming the first bad value.
    if sets and not ((points >= _LO[:sets]) & (points <= _HI[:sets])).all():
        _checked(points[0], "image", _IMAGE_LO, _IMAGE_HI)
        _checked(points[1], "world", _WORLD_LO, _WORLD_HI)
    return (points[0] if sets else None), (points[1] if sets == 2 else None)


def _time(name: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 0.0):
        raise LandmarksRefused(f"{name} = {value!r} must be a finite number >= 0")


def _checked(points: Points, what: str, lo: Points, hi: Points) -> Points:
    """`points` when every value is finite and within its channel's bounds (NaN fails both)."""
    good = (points >= lo) & (points <= hi)
    if not good.all():
        i, c = (int(k) for k in np.argwhere(~good)[0])
        value = float(points[i, c])
        name = _CHANNELS[c]
        if not math.isfinite(value):
            raise LandmarksRefused(f"{what}[{i}] {name} is {value}: every value must be finite")
        raise LandmarksRefused(
            f"{what}[{i}] {name} = {value:g} is outside {float(lo[c]):g}..{float(hi[c]):g}"
        )
    return points


def encode(
    image: object,
    world: object,
    size: tuple[int, int],
    ms: float,
    role_ms: float | None = None,
) -> bytes:
    """The message for these landmarks (33 x 4 each, or None), as the page builds it
    (`static/js/landmarks_bin.js`); for tests and the bench. World goes only with image."""
    flags = (IMAGE if image is not None else 0) | (
        WORLD if image is not None and world is not None else 0
    )
    flags |= ROLE_MS if role_ms is not None else 0
    head = HEADER.pack(MAGIC, flags, b"\0\0\0", size[0], size[1], b"\0\0\0\0", ms, role_ms or 0.0)
    sets = [s for s in (image, world if image is not None else None) if s is not None]
    return head + b"".join(np.asarray(s, "<f4").reshape(N_LANDMARKS, 4).tobytes() for s in sets)
