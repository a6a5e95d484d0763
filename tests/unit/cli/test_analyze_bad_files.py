"""`backbuddy analyze` on an image whose header claims a huge size (a "decompression bomb"):
one red line and exit 2, before a pixel is decoded (no traceback, no gigabytes of memory)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result


def _png_claiming(path: Path, width: int, height: int) -> Path:
    """A ~100-byte PNG whose header claims width × height pixels (its data is cut short)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


@pytest.mark.parametrize(
    ("width", "height"),
    [(60000, 60000), (12000, 12000)],  # over OpenCV's own limit; under it but 432 MB of pixels
)
def test_an_image_claiming_a_huge_size_is_one_red_line(
    backbuddy: Callable[..., Result], tmp_path: Path, width: int, height: int
) -> None:
    path = _png_claiming(tmp_path / "bomb.png", width, height)
    result = backbuddy("analyze", str(path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "bomb.png" in lines[0]
    assert "smaller copy" in lines[0]
