"""Real MediaPipe on the truth clips, each clip once per test process, with a warm tracker.

A session films the receiver's still set-up for seconds before any movement: MediaPipe's
tracker and smoothing, the speed filter and the placement gate are warm when the movement
starts. So every truth integration test feeds a clip after `degrade.PRE_ROLL_S` (2 s) of its
own first frame (`measure.WARM`), as `tools/calibrate/measure.py` and the bench do. The
truth tests run in one xdist group, "truth" (one process), so a clip used by several tests, or by
several truth test modules, is estimated once (no landmark cache on disk: MediaPipe for real).
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import numpy as np

from backbuddy.domain import techniques
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor, Trace

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import degrade  # noqa: E402
import measure  # noqa: E402


def meta(clip_id: str) -> dict[str, str]:
    return next(m for m in measure.clips() if m["id"] == clip_id)


@cache
def warm_landmarks(clip_id: str) -> tuple[Landmarks, np.ndarray]:
    """(landmarks, source frame index) of the pre-roll (index −1) and the clip."""
    lm, index = degrade.landmarks(clip_id, measure.WARM, cache=None)
    return lm, index


def clip_landmarks(clip_id: str) -> Landmarks:
    """The clip's own frames, as a tracker that had run through the still pre-roll saw them."""
    lm, index = warm_landmarks(clip_id)
    return lm.take(slice(int(np.sum(index < 0)), None))


@cache
def result(clip_id: str) -> measure.ClipResult:
    """The clip through the whole pipeline against its truth (`measure.measure_clip`)."""
    return measure.measure_clip(meta(clip_id), source=warm_landmarks(clip_id))


@cache
def trace(clip_id: str) -> Trace:
    """The monitors over the pre-roll and the clip, as a live session sees them."""
    tech = techniques.get(meta(clip_id)["technique"])
    return PoseMonitor(tech).update(warm_landmarks(clip_id)[0])
