"""Each device's own view for the two-person step (red-team review, leftover 1).

A session's camera watch keeps one `PageRoles` (who is who). The laptop's page and a
paired phone's page both send role frames, from different places in the room: the
receiver's box in one picture says nothing about the other. So each socket judges its
landmarks against the answers to its own role frames only (`view_of`): its own newest
answer and its own role rule state, with the session's one people detector, opened once
and asked by one thread at a time (a TFLite interpreter is not safe to share between
threads).
"""

from __future__ import annotations

import threading
import weakref

from backbuddy.motion import people as P
from backbuddy.web.page_roles import Detector, PageRoles, Rgb

_LOCKS: weakref.WeakKeyDictionary[PageRoles, threading.Lock] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


class _OneAtATime:
    """The session's detector, asked by one view at a time."""

    def __init__(self, detector: Detector, lock: threading.Lock) -> None:
        self._detector = detector
        self._lock = lock

    def detect(self, rgb: Rgb) -> P.People:
        with self._lock:
            return self._detector.detect(rgb)


def view_of(roles: PageRoles) -> PageRoles:
    """A new view of the session's role keeping for one socket: no answer yet (so its
    landmarks are unsure until its own first role answer), the session's detector."""
    with _GUARD:
        lock = _LOCKS.setdefault(roles, threading.Lock())

    def open_shared() -> Detector:
        with lock:
            detector = roles.prepare()
        return _OneAtATime(detector, lock)

    return PageRoles(
        open_shared, roles.decode, lying=roles.lying, fades=roles.fades, grey=roles.grey
    )
