"""MediaPipe landmarks of the truth clips, cached per clip (an .npz under tools/calibrate/.cache/).

The real pipeline's estimator (`backbuddy.adapters.mediapipe_pose.PoseModel`, full model,
video mode) over the real decoder (`backbuddy.adapters.video.open_file`); the cache is keyed by
the mp4's SHA-1, so a re-rendered clip is estimated again and a motion change re-runs
in seconds.

    .venv/bin/python tools/calibrate/landmarks_cache.py [CLIP_ID ...]
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
TRUTH = Path(os.environ.get("BACKBUDDY_TRUTH", ROOT / "tests" / "data" / "truth"))
CACHE = Path(__file__).resolve().parent / ".cache"


def _key(mp4: Path) -> str:
    return hashlib.sha1(mp4.read_bytes()).hexdigest()


def landmarks(clip_id: str, truth: Path = TRUTH, cache: Path | None = CACHE):  # type: ignore[no-untyped-def]
    """The clip's `Landmarks` (MediaPipe full model, video mode), from the cache when fresh."""
    from backbuddy.motion.landmarks import Landmarks

    mp4 = truth / f"{clip_id}.mp4"
    key = _key(mp4)
    path = None if cache is None else cache / f"{clip_id}.npz"
    if path is not None and path.exists():
        z = np.load(path)
        if str(z["key"]) == key:
            return Landmarks(z["image"], z["world"], z["t"], tuple(int(v) for v in z["size"]))
    from backbuddy.adapters.mediapipe_pose import estimate_frames
    from backbuddy.adapters.video import open_file

    with open_file(mp4) as src:
        size = (src.info.width, src.info.height)
        lm = estimate_frames(iter(src), size)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path, key=key, image=lm.image, world=lm.world, t=lm.t, size=np.array(lm.size)
        )
    return lm


def main(argv: list[str]) -> int:
    import csv

    with open(TRUTH / "clips.csv", newline="") as f:
        ids = argv or [r["id"] for r in csv.DictReader(f)]
    for cid in ids:
        lm = landmarks(cid)
        print(cid, len(lm), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
