"""A wake-up a worker thread gives the session loop: the loop selects on `fileno()`.

The terminal guide's loop sleeps in `select` until a key, a tick or a wake-up. Without it,
what the camera or the microphone found waited for the next 0.1 s tick: up to three camera
frames between a jerk seen and the halt. A non-blocking pipe that holds one byte at most: a
write never blocks the worker, a read never blocks the loop.
"""

from __future__ import annotations

import contextlib
import os
import threading


class Wake:
    """One pipe; `set()` from any thread, `clear()` and `fileno()` from the loop.

    The pipe holds at most one byte, written only when the wake-up is not already set: a frame
    that finds the loop not yet woken costs no write, and a turn with nothing to clear (a tick's)
    costs no read (issue 12: the live loop turns 40 times a second)."""

    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        os.set_blocking(self._r, False)
        os.set_blocking(self._w, False)
        self._lock = threading.Lock()  # no late write may land on a reused descriptor
        self._closed = False
        self._set = False  # the pipe holds its byte (changed under the lock, with the pipe)

    def fileno(self) -> int:
        """Readable (select) from a `set()` until the next `clear()`."""
        return self._r

    def set(self) -> None:
        with self._lock:
            if not self._closed and not self._set:
                with contextlib.suppress(BlockingIOError):  # never full: one byte at most
                    os.write(self._w, b"!")
                self._set = True

    def clear(self) -> None:
        with self._lock:
            if not self._closed and self._set:
                with contextlib.suppress(BlockingIOError):  # never empty while set
                    os.read(self._r, 1)
                self._set = False

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                os.close(self._r)
                os.close(self._w)
