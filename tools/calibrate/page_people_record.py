"""Record the page stand-in's messages on a two-person truth clip, for a replay test.

    .venv/bin/python tools/calibrate/page_people_record.py CLIP STEP OUT.npz

Runs `tests/support/page_people.py` (the page in Python: its own model and bundle, role
frames through the server's real MoveNet and role rule) on every `STEP`-th frame of `CLIP`
(1, 2, 3: 30, 15, 10 frames a second) and keeps what the server got, in order, in the format
`tests/support/page_replay.py` reads: each landmarks message (binary, `page_landmarks.encode`)
and, before the landmarks of the frame it was taken from, each role frame's people as a
`role_people` message (what MoveNet found on the page's 384 px JPEG, normalised). Replaying
it needs no model, so a test on it is fast.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import page_people as pp  # noqa: E402
from page_people_camera import save  # noqa: E402

from backbuddy.adapters import video  # noqa: E402
from backbuddy.adapters.movenet import PeopleDetector  # noqa: E402
from backbuddy.domain import techniques as tech  # noqa: E402
from backbuddy.web import page_landmarks, page_pose  # noqa: E402
from backbuddy.web.page_roles import PageRoles  # noqa: E402


def record(clip: str, step: int) -> list[bytes | dict[str, Any]]:
    sent: list[bytes | dict[str, Any]] = []
    world: list[Any] = []

    class Recorded(PeopleDetector):
        def detect(self, rgb):  # type: ignore[no-untyped-def]
            found = super().detect(rgb)
            h, w = rgb.shape[:2]
            scale = np.array([w, h, w, h], np.float64)
            rows = [
                [
                    [[float(x) / w, float(y) / h, float(s)] for x, y, s in found.keypoints[k]],
                    [float(v) for v in found.boxes[k] / scale],
                    float(found.scores[k]),
                ]
                for k in range(len(found))
            ]
            sent.append({"v": 1, "type": "role_people", "ms": -1.0, "size": [w, h], "people": rows})
            return found

    admit, unsure, look = page_pose.admit, PageRoles.unsure, PageRoles.look

    def admitted(image, w, ms, clock, now):  # type: ignore[no-untyped-def]
        world.append(w)
        return admit(image, w, ms, clock, now)

    def judged(self, image, size, ms, role_ms):  # type: ignore[no-untyped-def]
        sent.append(page_landmarks.encode(image, world[-1], size, ms, role_ms))
        return unsure(self, image, size, ms, role_ms)

    def looked(self, rgb, ms, arrived_s=None):  # type: ignore[no-untyped-def]
        answer = look(self, rgb, ms, arrived_s)
        last = sent[-1]
        assert isinstance(last, dict)
        last["ms"] = ms
        return answer

    pp.PeopleDetector, page_pose.admit = Recorded, admitted  # type: ignore[misc]
    PageRoles.unsure, PageRoles.look = judged, looked  # type: ignore[method-assign]
    with video.open_file(pp.TRUTH / f"{clip}.mp4") as source:
        frames = list(source)[::step]
    technique = tech.get(
        "side_lying_rotation" if clip.startswith("side") else "seated_hug_extension"
    )
    pp.run_clip(clip, technique, frames=[dataclasses.replace(f) for f in frames])
    return sent


def main(argv: list[str]) -> int:
    clip, step, out = argv[0], int(argv[1]), Path(argv[2])
    sent = record(clip, step)
    technique = "side_lying_rotation" if clip.startswith("side") else "seated_hug_extension"
    save(out, sent, clip, technique)
    print(
        f"{out}: {sum(isinstance(m, bytes) for m in sent)} landmarks, "
        f"{sum(isinstance(m, dict) for m in sent)} role_people"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
