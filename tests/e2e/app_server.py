"""The real web app for browser tests and benchmarks: `python app_server.py PORT DB [--camera]`.

The camera watch is wired here the way `bootstrap` would wire it: MediaPipe's
pose model (adapters.mediapipe_pose) and an OpenCV JPEG decoder, composed with
the motion monitors by `web.camera_watch.factory`.
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
import uvicorn
from numpy.typing import NDArray

from backbuddy.adapters.mediapipe_pose import PoseModel
from backbuddy.config import Settings
from backbuddy.web import camera_watch
from backbuddy.web.app import create_app


def decode_jpeg(data: bytes) -> NDArray[np.uint8]:
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError("the frame is not a decodable image")
    return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("db")
    parser.add_argument("--camera", action="store_true")
    parser.add_argument("--grace", type=float, default=5.0)
    args = parser.parse_args()
    analyzers = camera_watch.factory(PoseModel, decode_jpeg) if args.camera else None
    app = create_app(Settings(db=args.db), analyzers=analyzers, grace_s=args.grace)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
