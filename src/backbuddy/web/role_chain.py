"""The receiver's identity carried between role frames (issue 15, item 2; `page_roles`).

A role answer says where the receiver was at one page moment. `RoleChain` matches it
with the page's landmarks of that moment (they must lie on the receiver), then carries
the identity frame by frame while the landmarks stay continuous (`motion.continuity`),
and says when the next role frame is wanted: soon while unsettled, at the keep-alive
rate once settled, at once after a break. The rules and their figures are in the
`page_roles` docstring. Thread-safe: answers arrive on the role thread, landmarks on
the session's frame thread.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backbuddy.motion import continuity as C

Judge = Callable[[NDArray[np.float64]], bool]
#: An answer: its page ms, whether it found the receiver, its judge, the server s it arrived.
Answer = tuple[float, bool, Judge | None, float]


@dataclass(frozen=True)
class Anchor:
    """The answer (its page ms) that started the chain, and the landmarks it vouched for."""

    answer_ms: float
    body: C.Body
    #: The server's clock (s) when the answer's role frame arrived: a page whose clock runs
    #: slow must not stretch `max_anchor_ms`, so the age is bounded on both clocks.
    arrived_s: float = float("-inf")


@dataclass(frozen=True)
class Timing:
    """The rule figures (page ms, trunk lengths); `page_roles` holds the values."""

    match_ms: float
    settle_ms: float
    settle_answers: int
    keepalive_ms: float
    max_anchor_ms: float
    drift_ask: float
    drift_unsure: float
    recent_ms: float
    after_break_ms: float


class RoleChain:
    """One session's chain: the newest answer, the page's recent landmarks, the anchor."""

    def __init__(self, timing: Timing, clock: Callable[[], float] = time.monotonic) -> None:
        self.timing = timing
        #: The server's own clock (s): the chain's age is held to `max_anchor_ms` on it too.
        self.clock = clock
        self._lock = threading.Lock()
        self._recent: deque[tuple[float, NDArray[np.float64], C.Body]] = deque()
        self._last: C.Body | None = None
        self._broken_at = -np.inf  # page ms of the newest break (s in Body.t, ms here)
        self._anchor: Anchor | None = None
        self._answer: Answer | None = None  # page ms, receiver?, judge, server s of arrival
        #: Answers whose moment's landmarks are not all here yet, oldest first.
        self._pending: deque[Answer] = deque()
        self._streak = 0
        self._want: str | None = None
        self._asked = False
        #: Why the chain broke, newest last (for tests and the bench), bounded.
        self.breaks: deque[tuple[float, str]] = deque(maxlen=64)

    def answered(
        self, ms: float, receiver: bool, judge: Judge | None, arrived_s: float | None = None
    ) -> float:
        """A new answer (`judge`: does a frame's landmarks lie on that receiver?; `arrived_s`:
        the server's clock when its role frame arrived, now if None); the page time until the
        next role frame is wanted."""
        arrived = self.clock() if arrived_s is None else arrived_s
        with self._lock:
            if self._answer is not None and ms <= self._answer[0]:
                return self.timing.settle_ms
            self._answer = (ms, receiver, judge, arrived)
            self._pending.append(self._answer)
            self._streak = self._streak + 1 if receiver else 0
            self._asked = False
            if not receiver:
                self._anchor = None
                return self.timing.settle_ms
            settled_at = self._broken_at + self.timing.after_break_ms
            if ms < settled_at:  # too near the newest break to anchor: another once past it
                return max(0.0, settled_at - ms)
            settled = self._streak >= self.timing.settle_answers and self._anchor is not None
            return self.timing.keepalive_ms if settled else self.timing.settle_ms

    def frame(self, image: NDArray[np.float64] | None, size: tuple[int, int], ms: float) -> bool:
        """One landmarks frame (page ms); is its identity carried by the chain?"""
        with self._lock:
            if image is None or not C.torso_seen(image):
                self._break(ms, "nobody in view" if image is None else "the torso is unseen")
                self._last = None
                return False
            body = C.body(image, size, ms / 1000.0)
            if self._last is not None:
                since = max(ms - 1000.0 * C.WINDOW_S, self._broken_at)  # this segment's
                why = C.break_within([*self._window(since), self._last], body)
                if why is not None:
                    self._break(ms, why)
            self._last = body
            self._remember(ms, image, body)
            self._match()
            return self._carried(body, ms)

    def _window(self, since: float) -> list[C.Body]:
        """The remembered bodies from page ms `since` on, oldest first, bar the last one's:
        read from the newest back (the frames' times only grow), so a message costs the
        window's ~8 frames, not the `recent_ms` (~90) kept for matching answers."""
        window: list[C.Body] = []
        for ms, _, body in reversed(self._recent):
            if ms < since:
                break
            if body is not self._last:
                window.append(body)
        window.reverse()
        return window

    def take_want(self) -> str | None:
        """Why a role frame is wanted now (once per answer awaited), or None."""
        with self._lock:
            want, self._want = self._want, None
            if want is None or self._asked:
                return None
            self._asked = True
            return want

    def _break(self, ms: float, why: str) -> None:
        if self._anchor is not None or self._broken_at < ms:
            self.breaks.append((ms, why))
        self._broken_at = max(self._broken_at, ms)
        self._anchor = None
        self._want = why

    def _remember(self, ms: float, image: NDArray[np.float64], body: C.Body) -> None:
        self._recent.append((ms, image, body))
        while self._recent and ms - self._recent[0][0] > self.timing.recent_ms:
            self._recent.popleft()

    def _match(self) -> None:
        """Anchor a chain on each answer, in order, once the landmarks of its whole moment
        (every frame within `match_ms` of it and not too near a break, at least two) are here
        and all lie on its receiver: the check's margin is small where the assistant stands
        right behind the receiver, and one frame that passes by chance must not start a chain."""
        while self._pending:
            ms, receiver, judge, arrived = self._pending[0]
            settled_at = self._broken_at + self.timing.after_break_ms
            if receiver and judge is not None and ms >= settled_at:
                if not self._recent or self._recent[-1][0] < ms + self.timing.match_ms:
                    return  # its moment's landmarks are not all here yet
                self._anchor_on(ms, judge, settled_at, arrived)
            self._pending.popleft()  # matched, unsure, or too near a break (asked again)

    def _anchor_on(self, ms: float, judge: Judge, settled_at: float, arrived: float) -> None:
        near = [
            r for r in self._recent if abs(r[0] - ms) <= self.timing.match_ms and r[0] >= settled_at
        ]
        # A failed match asks for nothing at once: the next role frame comes at the settling
        # rate (`answered`), or a view where the check never passes would cost one a frame.
        if len(near) < 2:
            self.breaks.append((ms, "no steady landmarks at the role frame's moment"))
        elif all(judge(image) for _, image, _ in near):
            body = min(near, key=lambda r: abs(r[0] - ms))[2]
            if self._answer is not None and self._answer[1]:  # the newest is not unsure
                self._anchor = Anchor(ms, body, arrived)
        else:
            self._anchor = None
            self.breaks.append((ms, "the landmarks are not on the receiver"))

    def _carried(self, body: C.Body, ms: float) -> bool:
        anchor = self._anchor
        if anchor is None or self._answer is None or not self._answer[1]:
            return False
        # Old on the page's clock, or on the server's (a page clock running slow would
        # otherwise stretch the limit: the identity carried unseen for longer than measured).
        server_ms = 1000.0 * (self.clock() - anchor.arrived_s)
        if max(ms - anchor.answer_ms, server_ms) > self.timing.max_anchor_ms:
            self._want = "the last role frame is too old"
            return False
        drift = C.displacement(anchor.body, body)
        if drift > self.timing.drift_ask:
            self._want = f"drifted {drift:.2f} trunk lengths"
        return drift <= self.timing.drift_unsure
