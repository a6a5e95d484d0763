"""The page's model starting afresh on a new crop: its first landmarks are not acted on.

From the floor at 75°, a short assistant (`f71`) stands right behind a tall seated receiver
(`m26`) and MoveNet sees one person. When the page gets its first role answer it crops to the
receiver, and its model looks afresh (roles.js, pose_worker.js); on the first two frames at
15 and at 10 frames a second its hips sat between the two people's, nearer the assistant's
(judged against both true skeletons, `tools/calibrate/receiver_truth.on_receiver`), and the
chain, anchored on the landmarks of the role frame's moment (taken before the crop), carried
them as the receiver's: 2 frames acted on with the assistant measured (the gate still shut:
no movement ran). A moved crop is now followed by the server from the answers it sent
(`PageRoles`, `motion.crop`), and the page's landmarks stay unsure for `AFTER_BREAK_MS` after
it (the page's own smoothing, as after a break).

The recordings (`tests/data/page_pose/…_page_people_{15,10}fps.npz`) are what the page
stand-in (`tests/support/page_people.py`: the page's own model and bundle, role frames through
real MoveNet) sent on every 2nd / 3rd frame of the truth clip, made by
`tools/calibrate/page_people_record.py CLIP STEP OUT`; replaying them runs no model.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from backbuddy.web import page_landmarks

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import page_replay  # noqa: E402
from measure import truth_table  # noqa: E402
from receiver_truth import on_receiver  # noqa: E402

CLIP = "hug_correct_slow_side_75_floor_m26_with_f71"


def recording(fps: int) -> Path:
    return ROOT / "tests/data/page_pose" / f"{CLIP}_page_people_{fps}fps.npz"


@cache
def judged(fps: int) -> tuple[list[page_replay.Step], np.ndarray]:
    """The replayed steps, and per step whether its landmarks are on the receiver."""
    rec = page_replay.load(recording(fps))
    steps = page_replay.replay(rec)
    sent = [page_landmarks.read(m).ms for m in rec.messages if isinstance(m, bytes)]
    truth = truth_table(CLIP)
    on = []
    for step, ms in zip(steps, sent, strict=True):
        if step.image is None:
            on.append(False)
            continue
        i = round((ms - 5.0) * 30 / 1000)  # the stand-in sends each frame at its time + 5 ms
        px = np.asarray(step.image)[None, :, :2] * np.array(step.size, np.float64)
        on.append(bool(on_receiver(px, {k: v[i : i + 1] for k, v in truth.items()})[0]))
    return steps, np.array(on)


@pytest.mark.parametrize("fps", [15, 10])
def test_the_page_models_first_frames_on_a_new_crop_are_never_acted_on(fps: int) -> None:
    steps, on = judged(fps)
    allowed = np.array([s.allowed for s in steps])
    assert not np.flatnonzero(allowed & ~on).size, "acted on with the assistant measured"
    assert allowed.mean() >= 0.4  # the receiver is measured once the page's model settled


@pytest.mark.parametrize("fps", [15, 10])
def test_the_page_model_is_unsure_while_it_settles_on_its_first_crop(fps: int) -> None:
    steps, _ = judged(fps)
    first = next(k for k, s in enumerate(steps) if s.role_ms is not None)
    assert not steps[first].allowed
    assert any(s.allowed for s in steps[first:])
