"""MediaPipe Pose (legacy `mp.solutions.pose`, mediapipe 0.10.14): RGB frames → `Landmarks`.

Only the full model (`model_complexity=1`) ships inside the mediapipe wheel; the
lite (0) and heavy (2) models would be downloaded on first use, and backbuddy
never downloads, so they are refused with `PoseModelError`. Video mode follows
one person from frame to frame (with MediaPipe's own landmark smoothing, which
lags less than a frame at 60 fps on the real clips); image mode looks at every
frame afresh (for stills). A frame without a person gives all-NaN landmarks.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from importlib import resources
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backbuddy.adapters.video import Frame, quiet_stderr
from backbuddy.domain.errors import PoseModelError
from backbuddy.motion.landmarks import N_LANDMARKS, Landmarks, no_person

#: The only pose landmark model in the wheel (relative to the mediapipe package).
BUNDLED_MODEL = "modules/pose_landmark/pose_landmark_full.tflite"
SUPPORTED_COMPLEXITY = 1
#: Legacy MediaPipe's own step between frames, µs (`solution_base`: "simulate 30 fps").
STEP_US = 33_333


def bundled_model_present() -> bool:
    """Is the full pose model inside the installed mediapipe package?"""
    try:
        return resources.files("mediapipe").joinpath(BUNDLED_MODEL).is_file()
    except ModuleNotFoundError:
        return False


class PoseModel:
    """One MediaPipe Pose graph. Not thread-safe; close it (or use `with`) when done."""

    def __init__(
        self,
        *,
        still: bool = False,
        model_complexity: int = SUPPORTED_COMPLEXITY,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if model_complexity != SUPPORTED_COMPLEXITY:
            name = {0: "lite", 2: "heavy"}.get(model_complexity, str(model_complexity))
            raise PoseModelError(
                f"model_complexity={model_complexity} ({name}) is not bundled with mediapipe "
                "0.10.14 and would be downloaded; backbuddy never downloads models. "
                "Use model_complexity=1 (the full model, bundled)."
            )
        if not bundled_model_present():
            raise PoseModelError(
                f"the bundled pose model ({BUNDLED_MODEL}) is missing from the mediapipe "
                "package: reinstall mediapipe==0.10.14 (`make` does this)"
            )
        with warnings.catch_warnings(), quiet_stderr():
            warnings.simplefilter("ignore")
            import mediapipe as mp

            self._pose: Any = mp.solutions.pose.Pose(
                static_image_mode=still,
                model_complexity=SUPPORTED_COMPLEXITY,
                smooth_landmarks=not still,
                enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
        self.still = still
        self._started = False
        self._last_us: int | None = None  # the last timed frame's time (`estimate`)

    def estimate(
        self, rgb: NDArray[np.uint8], t: float | None = None
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """(image (33, 4), world (33, 4)) for one RGB frame; all NaN when no person is found.

        `t`: the frame's time (s). Legacy MediaPipe stamps every frame 33 ms after the last
        (`solution_base._simulated_timestamp`), so at 15 frames/s its landmark smoothing sees
        half the motion's true speed and lags a jerk by a frame more; given `t`, a frame is
        stamped the real interval after the last timed one. Only intervals count, so times may
        start anywhere (the tools' pre-roll is at negative times). A frame without a time (the
        blank frame `ReceiverPose` shows to make it look afresh) takes MediaPipe's own 33 ms
        step, as it always did: at 30 frames/s the stamps are the ones MediaPipe gave itself."""
        if t is not None:
            now = round(t * 1e6)
            if self._last_us is not None:  # process() adds STEP_US before use
                self._pose._simulated_timestamp += max(now - self._last_us, 1) - STEP_US
            self._last_us = now
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self._started:
                result = self._pose.process(rgb)
            else:  # the landmark model starts on the first person found, and prints to fd 2
                with quiet_stderr():
                    result = self._pose.process(rgb)
                self._started = result.pose_landmarks is not None
        if result.pose_landmarks is None:
            return no_person(), no_person()
        return _array(result.pose_landmarks.landmark), _array(result.pose_world_landmarks.landmark)

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> PoseModel:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _array(points: Any) -> NDArray[np.float32]:
    out = np.array([(p.x, p.y, p.z, p.visibility) for p in points], dtype=np.float32)
    if out.shape != (N_LANDMARKS, 4):  # pragma: no cover - MediaPipe always gives 33
        raise PoseModelError(f"the pose model returned {out.shape[0]} landmarks, expected 33")
    return out


def estimate_frames(
    frames: Iterable[Frame],
    size: tuple[int, int],
    *,
    still: bool = False,
    on_frame: Callable[[Frame], None] | None = None,
) -> Landmarks:
    """Landmarks for a sequence of frames (video mode unless `still`), one entry per frame."""
    t: list[float] = []
    image: list[NDArray[np.float32]] = []
    world: list[NDArray[np.float32]] = []
    with PoseModel(still=still) as model:
        for frame in frames:
            a, b = model.estimate(frame.rgb)
            t.append(frame.t)
            image.append(a)
            world.append(b)
            if on_frame is not None:
                on_frame(frame)
    if not t:
        return Landmarks.empty(size)
    return Landmarks(np.stack(image), np.stack(world), np.array(t), size)
