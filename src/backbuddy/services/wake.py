"""A wake-up a worker thread gives the session loop: the loop selects on `fileno()`.

The terminal guide's loop sleeps in `select` until a key, a tick or a wake-up. Without it,
what the camera or the microphone found waited for the next 0.1 s tick: up to three camera
frames between a jerk seen and the halt. A non-blocking pipe: a write never blocks the
worker (a full pipe already wakes the loop), a read never blocks the loop.
"""

from __future__ import annotations

import contextlib
import os
import threading


class Wake:
    """One pipe; `set()` from any thread, `clear()` and `fileno()` from the loop."""

    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        os.set_blocking(self._r, False)
        os.set_blocking(self._w, False)
        self._lock = threading.Lock()  # no late write may land on a reused descriptor
        self._closed = False

    def fileno(self) -> int:
        """Readable (select) from a `set()` until the next `clear()`."""
        return self._r

    def set(self) -> None:
        with self._lock, contextlib.suppress(BlockingIOError):
            if not self._closed:
                os.write(self._w, b"!")

    def clear(self) -> None:
        with self._lock, contextlib.suppress(BlockingIOError):
            while not self._closed and os.read(self._r, 64):
                pass

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                os.close(self._r)
                os.close(self._w)
