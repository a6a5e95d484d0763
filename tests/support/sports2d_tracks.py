"""Who is where on the Sports2D demo: the judge of `test_two_people.py`'s analyze test, recorded.

The test asks whether `analyze` marks every change of the person it measures; to know which
person the landmarks are on it needs, per frame, each person's box with a lasting number. That
judge is MoveNet MultiPose on every frame, each box given the number of the nearest box centre
seen before (within half a box height). It is not what the test tests (the two-person step
runs afresh in the test, on a look every 4th frame), and it cost ~10 s of CPU per run, so it
is kept in `tests/data/two_people/sports2d_tracks.npz` (the pinned MoveNet file and the
committed clip make it the same on every run), made with

    .venv/bin/python -m tests.support.sports2d_tracks

(2026-11-28, session 17 `trim17`; `ai-edge-litert` as pinned).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SPORTS2D = ROOT / "tests" / "data" / "sports2d_demo.mp4"
RECORDED = ROOT / "tests" / "data" / "two_people" / "sports2d_tracks.npz"

#: Per frame, (lasting number, box x0 y0 x1 y1 in pixels) of each person found.
Tracks = list[list[tuple[int, np.ndarray]]]


def people_tracks(frames: list[np.ndarray]) -> Tracks:
    """MoveNet on every frame, each person given a lasting number by following box centres
    (nearest within half a box height of where that number was last seen)."""
    from backbuddy.adapters.movenet import PeopleDetector
    from backbuddy.motion.people import real_people

    detector = PeopleDetector()
    last: dict[int, np.ndarray] = {}
    out: Tracks = []
    for rgb in frames:
        found = real_people(detector.detect(rgb))
        here: list[tuple[int, np.ndarray]] = []
        for box in found.boxes:
            centre = (box[:2] + box[2:]) / 2
            near = [
                (float(np.linalg.norm(centre - c)), k)
                for k, c in last.items()
                if np.linalg.norm(centre - c) < 0.5 * (box[3] - box[1])
            ]
            key = min(near)[1] if near else len(last)
            last[key] = centre
            here.append((key, box))
        out.append(here)
    return out


def record(path: Path = RECORDED) -> Tracks:
    """Runs the judge on the demo's decoded frames and writes it to `path`."""
    from backbuddy.adapters import video

    with video.open_file(SPORTS2D) as src:
        tracks = people_tracks([f.rgb for f in src])
    rows = [(i, k, *box) for i, here in enumerate(tracks) for k, box in here]
    table = np.asarray(rows, np.float64).reshape(-1, 6)
    np.savez_compressed(path, frames=np.int64(len(tracks)), rows=table)
    return tracks


def load(path: Path = RECORDED) -> Tracks:
    """The recorded judge, as `people_tracks` gave it."""
    z = np.load(path)
    out: Tracks = [[] for _ in range(int(z["frames"]))]
    for row in z["rows"]:
        out[int(row[0])].append((int(row[1]), np.asarray(row[2:], np.float32)))
    return out


if __name__ == "__main__":
    t = record()
    print(f"{RECORDED}: {len(t)} frames, {sum(len(h) for h in t)} boxes")
