"""Record MoveNet's looks on a truth clip: the people found on every `EVERY`-th frame, for unit
tests that replay the detector's real jitter and score flicker without running it.

    .venv/bin/python tools/calibrate/record_looks.py CLIP_ID OUT.npz

Writes keypoints (L, N, 17, 3), boxes (L, N, 4), scores (L, N) (NaN-padded to the most people
any look found), count (L,) and frame (L,): the clip's frames looked at (real decoder, real
`PeopleDetector`, every `receiver_pose.EVERY`-th frame from the first).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from landmarks_cache import TRUTH  # noqa: E402


def record(cid: str, out: Path) -> None:
    from backbuddy.adapters.movenet import PeopleDetector
    from backbuddy.adapters.receiver_pose import EVERY
    from backbuddy.adapters.video import open_file

    detector = PeopleDetector()
    looks, frames = [], []
    with open_file(TRUTH / f"{cid}.mp4") as src:
        for i, frame in enumerate(src):
            if i % EVERY == 0:
                looks.append(detector.detect(frame.rgb))
                frames.append(i)
    n = max(len(p) for p in looks)
    kp = np.full((len(looks), n, 17, 3), np.nan, np.float32)
    box = np.full((len(looks), n, 4), np.nan, np.float32)
    score = np.full((len(looks), n), np.nan, np.float32)
    for k, p in enumerate(looks):
        kp[k, : len(p)], box[k, : len(p)], score[k, : len(p)] = p.keypoints, p.boxes, p.scores
    count = np.array([len(p) for p in looks])
    np.savez_compressed(
        out, keypoints=kp, boxes=box, scores=score, count=count, frame=np.array(frames), clip=cid
    )


if __name__ == "__main__":
    record(sys.argv[1], Path(sys.argv[2]))
