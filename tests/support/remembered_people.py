"""MoveNet's people for the two-person truth tests, each distinct picture detected once.

The two-person truth tests run the same clip's decoded frames through the two-person
estimator up to three times (from a cold start, warm after the still pre-roll, and with the
looks answered late), and the warm run's pre-roll is one picture over and over: the same
pixels reach MoveNet again and again. `RememberingDetector` is the real `PeopleDetector` (the
same model, input size and `detect`); only a picture it has already detected, the same
pixels and shape, is given back from memory. The detector keeps no state between pictures
(`detect` resizes, runs the model, decodes its output), so the people are the ones a second
detection would give. One memory per test process; the tests that share clips are kept on
one xdist worker (their module's `xdist_group`).
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from backbuddy.adapters.movenet import PeopleDetector
from backbuddy.motion.people import People


class RememberingDetector(PeopleDetector):
    """`PeopleDetector` that detects a picture once per process (`seen` is shared)."""

    seen: ClassVar[dict[tuple[object, ...], People]] = {}
    detected: ClassVar[int] = 0  # detections the model really ran (the rest came from memory)

    def detect(self, rgb: NDArray[np.uint8]) -> People:
        pixels = np.ascontiguousarray(rgb)
        key = (
            str(self.path),
            self.input_size,
            pixels.shape,
            pixels.dtype.str,
            hashlib.blake2b(pixels.tobytes(), digest_size=16).digest(),
        )
        if key not in self.seen:
            self.seen[key] = super().detect(pixels)
            RememberingDetector.detected += 1
        found = self.seen[key]
        return People(found.keypoints.copy(), found.boxes.copy(), found.scores.copy())
