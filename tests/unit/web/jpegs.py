"""Small real JPEGs for socket tests, and a "decompression bomb": a tiny file whose header
claims a huge image (made here with Pillow, then the SOF size bytes patched)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator

import numpy as np
from PIL import Image


def tiny_jpeg(width: int = 16, height: int = 16) -> bytes:
    """A real grey JPEG of the given size."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (128, 128, 128)).save(out, "JPEG", quality=70)
    return out.getvalue()


def claims_size(width: int, height: int) -> bytes:
    """A ~1 KB JPEG whose start-of-frame header says `width` × `height` pixels."""
    data = bytearray(tiny_jpeg())
    sof = data.index(b"\xff\xc0")  # baseline start of frame: FF C0, length, precision, H, W
    data[sof + 5 : sof + 7] = height.to_bytes(2, "big")
    data[sof + 7 : sof + 9] = width.to_bytes(2, "big")
    return bytes(data)


def moving_jpegs(width: int = 16, height: int = 16) -> Iterator[bytes]:
    """Real JPEGs that differ from one to the next, as a live camera's do (the server drops
    a frame that repeats the previous one exactly: a frozen camera, `web.repeats`)."""
    for k in itertools.count():
        # Sensor-like noise, new each frame. A flat colour stepped by one level (as before)
        # coded to the same pixels up to 4 frames running: a loaded test sending them slower
        # than 0.1 s apart showed the server a frozen camera, and the frame went unanswered.
        noise = np.random.default_rng(k).integers(0, 256, (height, width, 3), dtype=np.uint8)
        out = io.BytesIO()
        Image.fromarray(noise, "RGB").save(out, "JPEG", quality=70)
        yield out.getvalue()
