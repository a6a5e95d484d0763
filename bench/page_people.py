"""Two people in view with pose in the page (issue 15, item 2): whom the page path measures.

The page stand-in (`tests/support/page_people.py`: the page's own model and bundle, its crop
and grey-out, role frames when the server wants them, answered ~100 ms later, through the
server's real role and unsure code) runs over the two-person truth clips at placements the
camera can read; each frame is judged against both true skeletons
(tools/calibrate/receiver_truth.py):

* page_people_receiver_measured_share: tracked, identity "receiver" and on the receiver (the
  frames the app may act on, and right; info);
* page_people_wrong_share: tracked, identity "receiver" but not on the receiver. Goal 0;
* page_people_unsure_share: identity "unsure" (no movement cue; info);
* page_people_alone_wrong_share: the page's model alone (today's page path without role
  frames): tracked frames not on the receiver (before; info);
* page_people_role_frames_rate: role frames a second over the clips (5.2 s or shorter, so
  mostly the settling at the start; a fixed 2.5 a second before; info).

Takes about three and a half minutes on this shared machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))
sys.path.insert(0, str(ROOT / "tests" / "support"))

import page_people  # noqa: E402
import receiver_truth  # noqa: E402
from measure import truth_table  # noqa: E402

from backbuddy.adapters import video  # noqa: E402
from backbuddy.domain import techniques as tech  # noqa: E402
from bench import Result, emit  # noqa: E402

CLIPS = (
    "hug_correct_slow_side_front_60_f34_with_m26",
    "hug_correct_jerk_side_front_60_f71_with_m58",
    "hug_correct_slow_side_m26_with_f71",
    "side_correct_slow_front_f34_with_m58",
    "side_correct_limit_front_f71_with_m26",
)


def _judge(clip: str, roles_on: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Per frame: acted on (tracked, receiver), on the receiver, unsure; and the role frames."""
    technique = tech.get(
        "seated_hug_extension" if clip.startswith("hug") else "side_lying_rotation"
    )
    run = page_people.run_clip(clip, technique, roles_on=roles_on)
    with video.open_file(page_people.TRUTH / f"{clip}.mp4") as source:
        size = (source.info.width, source.info.height)
    tr = truth_table(clip)
    n = min(len(run.results), tr["frame"].size)
    on = receiver_truth.on_receiver(run.pixels(size)[:n], tr)
    poses = [r.pose for r in run.results[:n]]
    acted = np.array([p.tracked and p.identity == "receiver" for p in poses])
    unsure = np.array([p.identity == "unsure" for p in poses])
    return acted, on, unsure, run.looks


def run() -> list[Result]:
    acted, on, unsure, alone_wrong, looks = [], [], [], [], 0
    for clip in CLIPS:
        a, o, u, n = _judge(clip, True)
        looks += n
        print(
            f"# {clip}: measured {np.mean(a & o):.3f} wrong {np.mean(a & ~o):.3f} "
            f"unsure {np.mean(u):.3f}",
            file=sys.stderr,
        )
        acted.append(a), on.append(o), unsure.append(u)
        a1, o1, _, _ = _judge(clip, False)
        alone_wrong.append(a1 & ~o1)
    a, o, u = np.concatenate(acted), np.concatenate(on), np.concatenate(unsure)
    return [
        emit("page_people_receiver_measured_share", float(np.mean(a & o)), "ratio", "info"),
        emit("page_people_wrong_share", float(np.mean(a & ~o)), "ratio", "==0"),
        emit("page_people_unsure_share", float(np.mean(u)), "ratio", "info"),
        emit(
            "page_people_alone_wrong_share",
            float(np.mean(np.concatenate(alone_wrong))),
            "ratio",
            "info",
        ),
        emit("page_people_role_frames_rate", looks / (len(a) / 30.0), "frames/s", "info"),
    ]


if __name__ == "__main__":
    run()
