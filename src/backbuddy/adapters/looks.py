"""Where the people detector runs for `ReceiverPose`: in line, on its own thread, or late.

MoveNet costs about four MediaPipe frames (issue 12). Run in line every 4th frame it still
holds MediaPipe up on that frame, and the live two-person pipeline fell short of 20
frames/s. `Threaded` runs it on a thread of its own: the frame that asks for a look goes on
at once with the roles it has, and the look's answer is used on the first frame after it
is done. `ReceiverPose` then says "unsure" when the roles it measures by grow too old
(`ReceiverPose.max_age`), so a slow detector pauses the engine instead of letting the
assistant be measured. `Late` gives the answer a set number of frames after the frame it
was asked on: the threaded timing made deterministic, for the truth tests.
"""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from backbuddy.motion import people as P

Rgb = NDArray[np.uint8]
#: A look's answer: (the frame it was asked on, the people found there).
Answer = tuple[int, P.People]


class Detector(Protocol):
    def detect(self, rgb: Rgb) -> P.People: ...


class Looks(Protocol):
    def submit(self, rgb: Rgb, frame: int) -> bool:
        """Ask for a look at `rgb` (frame number `frame`); False when one is still under way."""
        ...

    def ready(self, frame: int) -> Answer | None:
        """The answer of a finished look, once; None while there is none (now `frame`)."""
        ...

    def close(self) -> None: ...


class InLine:
    """The detector runs inside `submit`; its answer is ready on the same frame."""

    def __init__(self, detector: Detector) -> None:
        self.detector = detector
        self._answer: Answer | None = None

    def submit(self, rgb: Rgb, frame: int) -> bool:
        self._answer = (frame, self.detector.detect(rgb))
        return True

    def ready(self, frame: int) -> Answer | None:
        answer, self._answer = self._answer, None
        return answer

    def close(self) -> None:
        return None


class Late:
    """As `InLine`, but the answer is ready only `lag` frames after the frame it was asked on,
    and no other look is taken meanwhile (the threaded timing, deterministic)."""

    def __init__(self, detector: Detector, lag: int) -> None:
        self.detector = detector
        self.lag = max(0, lag)
        self._answer: Answer | None = None

    def submit(self, rgb: Rgb, frame: int) -> bool:
        if self._answer is not None:
            return False
        self._answer = (frame, self.detector.detect(rgb))
        return True

    def ready(self, frame: int) -> Answer | None:
        if self._answer is None or frame - self._answer[0] < self.lag:
            return None
        answer, self._answer = self._answer, None
        return answer

    def close(self) -> None:
        return None


class Threaded:
    """One worker thread runs the detector on the latest frame asked for; the caller never
    waits for it. An error in the detector is raised by the next `ready`."""

    def __init__(self, detector: Detector) -> None:
        self.detector = detector
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._job: tuple[int, Rgb] | None = None
        self._busy = False
        self._answer: Answer | None = None
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="people-looks", daemon=True)
        self._thread.start()

    def submit(self, rgb: Rgb, frame: int) -> bool:
        with self._lock:
            if self._busy or self._job is not None or self._closed:
                return False
            self._job = (frame, rgb.copy())
        self._wake.set()
        return True

    def ready(self, frame: int) -> Answer | None:
        with self._lock:
            answer, self._answer = self._answer, None
            error, self._error = self._error, None
        if error is not None:
            raise error
        return answer

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                if self._closed:
                    return
                job, self._job = self._job, None
                self._busy = job is not None
            if job is None:
                continue
            try:
                answer: Answer | None = (job[0], self.detector.detect(job[1]))
                error = None
            except Exception as exc:  # handed to the caller's thread by `ready`
                answer, error = None, exc
            with self._lock:
                self._answer, self._error, self._busy = answer, error, False

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._wake.set()
        self._thread.join(timeout=5.0)
