"""Frames from video files, still images and cameras (OpenCV), as RGB arrays with timestamps.

Every failure a person can cause (a missing or corrupt file, an unsupported format,
no camera) is a `VideoError`/`CameraError` whose message says what to do. Frames
are scaled down so the long side is at most `max_side` pixels: the pose model
works at 256×256 anyway, and smaller frames cost less to convert.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from backbuddy.domain.errors import CameraError, VideoError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
MAX_SIDE = 640
#: A still larger than this is refused before decoding (a phone photo is 12–50 MP; 100 MP
#: of RGB is 300 MB of memory).
MAX_IMAGE_PIXELS = 100_000_000
#: FFmpeg's decoding threads for a file. One costs the least CPU per frame (frame threading
#: adds hand-offs; a 640-pixel frame decodes in well under a millisecond anyway), and
#: `prefetch` already overlaps decoding with pose estimation. The frames are the same.
DECODE_THREADS = 1
#: A frame's presentation time this close to `index / fps` is that time (rounding only).
SAME_TIME_S = 1e-6
#: Frame rate assumed when a file does not state one.
DEFAULT_FPS = 30.0

T = TypeVar("T")


@dataclass(frozen=True)
class Frame:
    """One frame: its index in the source, time in seconds, and RGB pixels (H, W, 3) uint8."""

    index: int
    t: float
    rgb: NDArray[np.uint8]


@dataclass(frozen=True)
class VideoInfo:
    """What a source is: frames per second, frame count (None for a camera), size after scaling."""

    source: str
    fps: float
    frames: int | None
    width: int
    height: int
    still: bool = False


def _scaled(bgr: Any, max_side: int) -> NDArray[np.uint8]:
    h, w = bgr.shape[:2]
    scale = max_side / max(h, w)
    if scale < 1:
        bgr = cv2.resize(bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


def _scaled_size(w: int, h: int, max_side: int) -> tuple[int, int]:
    scale = min(1.0, max_side / max(w, h))
    return round(w * scale), round(h * scale)


class VideoSource:
    """A video file, image or camera, iterated as `Frame`s; use it as a context manager."""

    def __init__(
        self,
        info: VideoInfo,
        frames: Callable[[], Iterator[Frame]],
        close: Callable[[], None] = lambda: None,
    ) -> None:
        self.info = info
        self._frames = frames
        self._close = close

    def __iter__(self) -> Iterator[Frame]:
        return self._frames()

    def close(self) -> None:
        self._close()

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def quiet_stderr() -> Iterator[TextIO]:
    """Send file descriptor 2 to /dev/null for a while; yield a stream to the real stderr.

    FFmpeg (inside OpenCV) and MediaPipe's C++ log straight to fd 2, bypassing Python,
    sometimes from their own threads; wrap a whole run in this and print progress to
    the stream it yields. Python's own errors still surface once the block exits.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    real = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield real
    finally:
        real.flush()
        os.dup2(saved, 2)
        os.close(saved)
        real.close()


def open_file(path: str | Path, max_side: int = MAX_SIDE) -> VideoSource:
    """Open a video or a still image; raises VideoError naming the file and the problem."""
    p = Path(path)
    if not p.exists():
        raise VideoError(f"no such file: {p}")
    if p.is_dir():
        raise VideoError(f"{p} is a folder; give a video or image file")
    if p.suffix.lower() in IMAGE_SUFFIXES:
        return _open_image(p, max_side)
    return _open_video(p, max_side)


def _open_image(p: Path, max_side: int) -> VideoSource:
    width, height = _image_size(p)
    if width * height > MAX_IMAGE_PIXELS:
        raise VideoError(
            f"{p}: an image of {width}×{height} pixels is over the "
            f"{MAX_IMAGE_PIXELS // 1_000_000} megapixel limit; use a smaller copy"
        )
    try:
        bgr = cv2.imread(str(p), cv2.IMREAD_COLOR)
    except cv2.error:  # OpenCV refuses some files by assertion instead of returning None
        bgr = None
    if bgr is None:
        raise VideoError(f"{p}: not an image OpenCV can read (corrupt, or an unsupported format)")
    rgb = _scaled(bgr, max_side)
    info = VideoInfo(str(p), float("nan"), 1, rgb.shape[1], rgb.shape[0], still=True)
    return VideoSource(info, lambda: iter([Frame(0, 0.0, rgb)]))


def _image_size(p: Path) -> tuple[int, int]:
    """(width, height) from the file's header, without decoding a pixel ((0, 0) when Pillow
    cannot read it: OpenCV then decides). A 200-byte PNG can claim 60000×60000 pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(p) as image:
                return int(image.size[0]), int(image.size[1])
    except Image.DecompressionBombError as err:  # Pillow's own limit, past ours
        raise VideoError(f"{p}: {str(err).rstrip('.')}; use a smaller copy") from None
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a file it cannot read
        return (0, 0)


def _open_video(p: Path, max_side: int) -> VideoSource:
    with quiet_stderr():  # FFmpeg prints its own complaint about a bad file
        cap = cv2.VideoCapture(str(p), cv2.CAP_ANY, [cv2.CAP_PROP_N_THREADS, DECODE_THREADS])
    if not cap.isOpened():
        cap.release()
        raise VideoError(
            f"{p}: not a video OpenCV can read (corrupt, or an unsupported format; try an .mp4)"
        )
    ok, first = cap.read()
    if not ok or first is None:
        cap.release()
        raise VideoError(f"{p}: no frame could be decoded (the file is empty or corrupt)")
    fps = float(cap.get(cv2.CAP_PROP_FPS))
    fps = fps if np.isfinite(fps) and 1 <= fps <= 1000 else DEFAULT_FPS
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    w, h = _scaled_size(first.shape[1], first.shape[0], max_side)
    info = VideoInfo(str(p), fps, count if count > 0 else None, w, h)
    state: dict[str, Any] = {"first": first, "first_ms": cap.get(cv2.CAP_PROP_POS_MSEC)}

    def frames() -> Iterator[Frame]:
        bgr = state.pop("first", None)
        start_ms = state.pop("first_ms", None)
        if bgr is None:  # iterated again: start from the top
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, bgr = cap.read()
            start_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
        times = FrameTimes(fps, start_ms)
        index = 0
        while bgr is not None:
            yield Frame(index, times.at(index, start_ms), _scaled(bgr, max_side))
            index += 1
            ok, bgr = cap.read()
            if not ok:
                break
            start_ms = cap.get(cv2.CAP_PROP_POS_MSEC)

    return VideoSource(info, frames, cap.release)


class FrameTimes:
    """Each decoded frame's time (s from the first): its own presentation time in the file.

    A phone records at a variable frame rate (slower in the dark) and the file states the
    average: `index / fps` then spaced a 30 fps stretch of a clip averaging 21 fps 47 ms apart
    instead of 33, and every speed there read at 0.71 of the truth: a 40 °/s jerk at 28, under
    the hard limit (red team, session 11). A time that is missing or does not move forward
    (a container without them) is the last good one plus a frame at `fps`."""

    def __init__(self, fps: float, first_ms: float | None) -> None:
        self.fps = fps
        self.origin = first_ms if first_ms is not None and math.isfinite(first_ms) else None
        self.index, self.t = -1, -math.inf  # the last frame timed

    def at(self, index: int, ms: float | None) -> float:
        """The time of frame `index`, whose presentation time OpenCV gave as `ms`."""
        # without a time of its own: a frame after the last one timed (or from the start)
        t = index / self.fps if self.index < 0 else self.t + (index - self.index) / self.fps
        if self.origin is not None and ms is not None and math.isfinite(ms):
            own = (ms - self.origin) / 1000.0
            if own > self.t:
                # a constant rate's time is `index / fps` to the bit, as before (the
                # presentation time in ms differs from it by rounding only)
                t = index / self.fps if abs(own - index / self.fps) < SAME_TIME_S else own
        self.index, self.t = index, t
        return t


def read_frames(
    path: str | Path, indices: Iterable[int], max_side: int = MAX_SIDE
) -> dict[int, NDArray[np.uint8]]:
    """Chosen frames of a file by index (RGB), e.g. for report snapshots; missing ones left out."""
    wanted = sorted(set(indices))
    out: dict[int, NDArray[np.uint8]] = {}
    with open_file(path, max_side) as source:
        if source.info.still:
            return {0: next(iter(source)).rgb} if 0 in wanted else {}
        for frame in source:
            if frame.index in wanted:
                out[frame.index] = frame.rgb
            if frame.index >= wanted[-1]:
                break
    return out


def open_camera(
    index: int, max_side: int = MAX_SIDE, clock: Callable[[], float] = time.monotonic
) -> VideoSource:
    """A live camera; frame times come from `clock` (seconds since the first frame)."""
    with quiet_stderr():  # OpenCV warns on fd 2 about a missing device
        cap = cv2.VideoCapture(index)
        ok, first = cap.read() if cap.isOpened() else (False, None)
    if not ok or first is None:
        cap.release()
        raise CameraError(
            f"no picture from camera {index}: check it is connected and not in use by another app"
        )
    fps = float(cap.get(cv2.CAP_PROP_FPS)) or DEFAULT_FPS
    w, h = _scaled_size(first.shape[1], first.shape[0], max_side)
    info = VideoInfo(f"camera {index}", fps if 1 <= fps <= 240 else DEFAULT_FPS, None, w, h)

    def frames() -> Iterator[Frame]:
        start = clock()
        bgr, i = first, 0
        while True:
            yield Frame(i, clock() - start, _scaled(bgr, max_side))
            ok, bgr = cap.read()
            if not ok or bgr is None:
                raise CameraError(f"camera {index} stopped giving pictures")
            i += 1

    return VideoSource(info, frames, cap.release)


def paced(
    frames: Iterable[Frame],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Frame]:
    """Replay frames at their own timestamps, as if live (a file standing in for a camera)."""
    start: float | None = None
    for frame in frames:
        now = clock()
        start = now - frame.t if start is None else start
        wait = start + frame.t - now
        if wait > 0:
            sleep(wait)
        yield frame


def prefetch(items: Iterable[T], depth: int = 4) -> Iterator[T]:
    """Produce `items` on a background thread, `depth` ahead: decoding overlaps pose estimation."""
    q: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                q.put(("item", item))
            q.put(("end", None))
        except BaseException as err:  # handed to the consumer, re-raised there
            q.put(("error", err))

    thread = threading.Thread(target=work, name="backbuddy-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
