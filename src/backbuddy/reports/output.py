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
