"""Writing a report or export file whole or not at all: a temp file beside it, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from backbuddy.domain.errors import BackbuddyError


class OutputError(BackbuddyError):
    """The target file cannot be written; nothing was written."""


def write_atomic(path: Path, content: bytes) -> Path:
    """Write `content` to `path` via a temp file in the same folder; return the resolved path."""
    target = path.expanduser().resolve()
    if target.is_dir():
        raise OutputError(
            f"{target} is a folder; give a file name, such as {target / 'report.html'}"
        )
    if target.exists() and not target.is_file():
        # A device, a pipe or a socket (`--out /dev/stdout` resolves to the terminal): the
        # rename below would put a file in its place, and as root that replaces the device.
        raise OutputError(
            f"{target} is not a regular file (a device, pipe or socket); nothing was written. "
            "Give a file name, such as report.html"
        )
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: the folder {folder} does not exist")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as err:
        raise OutputError(f"cannot write {target}: {err.strerror}; nothing was written") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise OutputError(f"cannot write {target}: {err.strerror}; nothing was written") from None
    return target
