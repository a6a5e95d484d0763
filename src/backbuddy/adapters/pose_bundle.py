"""The PoseLandmarker `.task` bundle, assembled from the mediapipe wheel's own model files.

No PyPI wheel ships a `.task` file and backbuddy never downloads one, but mediapipe
0.10.14 carries both models the Tasks `PoseLandmarker` needs (shared/verified.md):

* `pose_detector.tflite` = `modules/pose_detection/pose_detection.tflite`, as it is
  (it already carries its input normalisation metadata);
* `pose_landmarks_detector.tflite` = `modules/pose_landmark/pose_landmark_full.tflite`
  with TFLite metadata added through mediapipe's own `MetadataWriter`: the image input
  normalised with mean 0 / std 255 (pixels 0..255 → 0..1), and the five outputs named
  as the Tasks graph expects. Without it the graph refuses the float input
  ("requires specifying NormalizationOptions metadata").

The bundle is a stored (uncompressed, 4-byte aligned) zip with fixed timestamps, so
the same wheel always gives the same bytes and one sha256 pins it. The page's pose
model (web/static/js/pose_page.js) and `TasksPoseModel` below load the same file.
"""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backbuddy.adapters.video import quiet_stderr
from backbuddy.domain.errors import PoseModelError
from backbuddy.motion.landmarks import N_LANDMARKS, no_person

#: Inside the mediapipe package (0.10.14).
DETECTOR_SOURCE = "modules/pose_detection/pose_detection.tflite"
LANDMARKER_SOURCE = "modules/pose_landmark/pose_landmark_full.tflite"
#: Names the Tasks graph looks for inside the bundle.
DETECTOR_NAME = "pose_detector.tflite"
LANDMARKER_NAME = "pose_landmarks_detector.tflite"
#: The landmark model's outputs, in the model's order (what the Tasks graph reads by name).
LANDMARKER_OUTPUTS = ("landmarks", "presence", "segmentation_mask", "heat_map", "world_landmarks")
#: Zip entries get this fixed time, so the bundle's bytes depend on the models alone.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _wheel_file(relative: str) -> bytes:
    try:
        path = resources.files("mediapipe").joinpath(relative)
    except ModuleNotFoundError:
        raise PoseModelError("mediapipe is not installed: `make` installs it") from None
    if not path.is_file():
        raise PoseModelError(
            f"{relative} is missing from the mediapipe package: reinstall mediapipe==0.10.14"
        )
    return path.read_bytes()


def landmarker_with_metadata(model: bytes) -> bytes:
    """The full landmark model with the metadata the Tasks graph needs (see module doc)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info("pose_landmarks_detector", "MediaPipe Pose landmark model (full)")
    writer.add_image_input(norm_mean=[0.0], norm_std=[255.0])
    for name in LANDMARKER_OUTPUTS:
        writer.add_feature_output(name=name)
    content, _ = writer.populate()
    return bytes(content)


def bundle_bytes() -> bytes:
    """The `.task` bundle's bytes, built from the installed mediapipe wheel."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils

    members = {
        DETECTOR_NAME: _wheel_file(DETECTOR_SOURCE),
        LANDMARKER_NAME: landmarker_with_metadata(_wheel_file(LANDMARKER_SOURCE)),
    }
    out = io.BytesIO()
    with model_asset_bundle_utils.AlignZipFile(out, mode="w", alignment=4) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, data)
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_bundle(path: Path) -> str:
    """Write the bundle to `path` (atomically) and return its sha256."""
    data = bundle_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return sha256(data)


class TasksPoseModel:
    """MediaPipe Tasks `PoseLandmarker` (video mode) on the assembled bundle: the page's model.

    Used to check the bundle and to compare the page's path with the server's; the
    server's own camera watch stays on the legacy `PoseModel`. Not thread-safe.
    """

    def __init__(self, bundle: Path, *, min_confidence: float = 0.5) -> None:
        if not bundle.is_file():
            raise PoseModelError(f"no pose bundle at {bundle}: run `make` to assemble it")
        with warnings.catch_warnings(), quiet_stderr():
            warnings.simplefilter("ignore")
            from mediapipe.tasks.python import vision
            from mediapipe.tasks.python.core.base_options import BaseOptions

            options = vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_buffer=bundle.read_bytes()),
                running_mode=vision.RunningMode.VIDEO,
                num_poses=1,
                min_pose_detection_confidence=min_confidence,
                min_pose_presence_confidence=min_confidence,
                min_tracking_confidence=min_confidence,
            )
            self._landmarker: Any = vision.PoseLandmarker.create_from_options(options)
        self._started = False

    def estimate(
        self, rgb: NDArray[np.uint8], t_ms: int
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """(image (33, 4), world (33, 4)) for one RGB frame at `t_ms` (strictly increasing)."""
        import mediapipe as mp

        frame = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._started:
            result = self._landmarker.detect_for_video(frame, t_ms)
        else:  # the graph logs to fd 2 as it starts
            with quiet_stderr():
                result = self._landmarker.detect_for_video(frame, t_ms)
            self._started = True
        if not result.pose_landmarks:
            return no_person(), no_person()
        return _points(result.pose_landmarks[0]), _points(result.pose_world_landmarks[0])

    def close(self) -> None:
        self._landmarker.close()


def _points(points: Any) -> NDArray[np.float32]:
    out = np.array([(p.x, p.y, p.z, p.visibility) for p in points], dtype=np.float32)
    if out.shape != (N_LANDMARKS, 4):  # pragma: no cover - the model always gives 33
        raise PoseModelError(f"the pose model returned {out.shape[0]} landmarks, expected 33")
    return out
