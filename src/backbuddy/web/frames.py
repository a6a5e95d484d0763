"""Camera frames from the page: what counts as a frame, and who turns it into a pose event.

The web layer does not run the pose model itself: a `FrameAnalyzer` (picked by
`bootstrap`, built per session) does. Pages may later send landmarks instead of
frames; an analyzer that also has `analyze_landmarks` serves them, and the engine
sees the same `Pose` events either way.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from backbuddy.domain.events import Pose
from backbuddy.domain.techniques import Limits, Technique

#: A frame larger than this is refused (a 640×480 JPEG at quality 0.7 is ~40 KB).
MAX_FRAME_BYTES = 256 * 1024
#: Frames per second the server analyses at most; the page is told this in `hello`.
MAX_FPS = 30.0
#: Frames arriving faster than this, beyond a backlog of `FLOOD_BURST`, are a misbehaving
#: page (`throttle.MessageRate`).
FLOOD_FPS = 60.0
#: A backlog this long may arrive at once (4 s of a 30 frames/s camera): a Wi-Fi stall, or
#: this server busy for a moment, delivers what queued meanwhile in one go. Counted over one
#: second, 1.5 s of it (45 frames, then 30 more in the next second) closed the socket
#: (session 20). Those captured too long ago are then dropped as late (`page_pose.LATE_S`).
FLOOD_BURST = 120
#: The largest frame (either side, pixels) decoded: a small JPEG may claim a huge
#: image (a "decompression bomb"), so the header's size is read before any pixel.
MAX_FRAME_SIDE = 1920
#: Page landmarks, 33 x [x, y, z, visibility]: rows of numbers (JSON) or float32 (binary).
Points = Sequence[Sequence[float]] | NDArray[np.float32]


class FrameRejected(ValueError):
    """A binary message that is not a frame we accept; `code` is the protocol error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FrameResult:
    """What one frame showed: the engine's pose event plus what the page draws.

    `landmarks` are (x, y, visibility) in 0..1 image coordinates, or None when no
    person was seen; `checks` maps each requested check to pass, fail or None (not
    visible); `measure` is the technique's primary measure (smoothed, its own units);
    `placement_hint` says what to change about the camera when its placement is not one where
    the technique's measures hold (None when it is, or before it is known);
    `placement_picture` names the set-up page's picture of that change
    (`placement_hints.PICTURES`: `accepted` when the placement is fine).
    """

    pose: Pose
    landmarks: Sequence[Sequence[float]] | None
    checks: Mapping[str, bool | None] = field(default_factory=dict)
    hints: Mapping[str, str] = field(default_factory=dict)
    measure: float | None = None
    placement_hint: str | None = None
    placement_picture: str | None = None


class FrameAnalyzer(Protocol):
    """One session's camera watch: frames in time order → `FrameResult`."""

    def analyze(self, jpeg: bytes, t: float, checks: tuple[str, ...]) -> FrameResult: ...

    def close(self) -> None: ...


@runtime_checkable
class LandmarkAnalyzer(Protocol):
    """An analyzer that also takes landmarks computed in the page (see `schemas.LandmarksIn`)."""

    def analyze_landmarks(
        self,
        image: Points | None,
        world: Points | None,
        size: tuple[int, int],
        t: float,
        checks: tuple[str, ...],
        unsure: bool = False,
        covered: bool = False,
        near: int | None = None,
    ) -> FrameResult: ...


def sees_hold(analyzer: FrameAnalyzer) -> bool:
    """Does the session's camera watch report the assistant's hold (`CameraWatch.sees_hold`;
    an analyzer without the two-person step does not)?"""
    return bool(getattr(analyzer, "sees_hold", False))


#: Builds the camera watch for one session; None when this build has no pose model.
AnalyzerFactory = Callable[[Technique, Limits], FrameAnalyzer]


def check_frame(data: bytes) -> tuple[int, int]:
    """Refuse anything that is not a plausible JPEG of acceptable size, before decoding.

    Returns the frame's (width, height) as its header gives them; only the header
    is read (Pillow opens lazily), so a bomb costs nothing to refuse.
    """
    if len(data) > MAX_FRAME_BYTES:
        raise FrameRejected(
            "too_big", f"frame of {len(data)} bytes is over the {MAX_FRAME_BYTES}-byte limit"
        )
    if len(data) < 4 or data[:3] != b"\xff\xd8\xff":
        raise FrameRejected("not_an_image", "binary messages must be JPEG images")
    width, height = frame_size(data)
    if width > MAX_FRAME_SIDE or height > MAX_FRAME_SIDE:
        raise FrameRejected(
            "too_big",
            f"frame of {width}×{height} pixels is over the "
            f"{MAX_FRAME_SIDE}×{MAX_FRAME_SIDE} limit; send a smaller image",
        )
    return width, height


def frame_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's header, without decoding a pixel; FrameRejected if none."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
                width, height = image.size
    except Image.DecompressionBombError as err:
        raise FrameRejected("too_big", f"frame refused: {err}") from None
    except Exception as err:  # noqa: BLE001 - Pillow raises many kinds for a broken header
        raise FrameRejected(
            "not_an_image", f"the frame is not a readable JPEG image ({err})"
        ) from None
    return int(width), int(height)


class FrameRate:
    """Counts frames over the last second to spot a flood (rate above FLOOD_FPS)."""

    def __init__(self, limit: float = FLOOD_FPS) -> None:
        self.limit = limit
        self._times: list[float] = []

    def flooded(self, now: float) -> bool:
        self._times = [t for t in self._times if now - t < 1.0]
        self._times.append(now)
        return len(self._times) > self.limit
