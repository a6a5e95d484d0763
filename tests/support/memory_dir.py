"""Where a test's SQLite file may live when the disk's fsync is not what it checks.

/dev/shm (memory-backed) when the machine has one: it is still a real SQLite file, opened by
the same code through as many connections, with the same file locks; only each commit's fsync
to disk goes. Property tests that commit hundreds of times per example spent half their time
there. None (the default temporary directory) where there is no /dev/shm.
"""

from __future__ import annotations

import os
from pathlib import Path

SHM = Path("/dev/shm")

#: `dir=` for `tempfile.TemporaryDirectory`.
MEMORY_DIR: str | None = str(SHM) if SHM.is_dir() and os.access(SHM, os.W_OK) else None
