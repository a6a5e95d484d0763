"""Golden monitor outputs on real landmark streams (issue 15's server speed work).

The monitors were made cheaper per frame for pose in the page; no decision may change. This
module replays recorded page landmarks (tests/data/page_pose/*.npz: MediaPipe Tasks, the page's
model, on rendered truth clips, rounded as the page rounds them) frame by frame through the
live path (`CameraWatch.analyze_landmarks`), switching the active checks mid-clip as a session
does and marking a stretch of frames as of unsure identity (the two-person step), and reads
every output the engine and the page get.

    .venv/bin/python -m tests.support.monitor_golden record   # landmarks (needs `make vendor`)
    .venv/bin/python -m tests.support.monitor_golden golden   # golden outputs from this code

The golden file was written by the code before the speed work (commit b662013 on main);
`tests/unit/web/test_monitor_golden.py` compares today's outputs with it. Rewritten 2026-11-27
for a data change only (the side-lying valid region redrawn from the warm-tracker truth run):
on `side_correct_jerk_front_f71`, 44 frames' `placement_ok` (true → false: the low front is
refused now) and 45 frames' `placement_hint`; nothing else moved, on any clip. Rewritten again
2026-11-27 for a measure change (the side-lying twist's top ankle read against the top hip and
the bottom ankle, not the top hip alone: docs/accuracy.md, "One ankle landmark"): on
`side_correct_jerk_front_f71` only, the measure (its value moved by the new reference, e.g.
68.8 → 21.7 on frame 20), its baseline, range and speed (peak 82.0 → 75.2 °/s, a halt
both), and the camera estimate on 43 frames
(the gate reads the view on still frames, and "still" follows the speed); tracked, checks,
placement_ok, sudden and hints are unchanged; the two hug clips are unchanged bit for bit.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from backbuddy.domain import events as ev
from backbuddy.domain import techniques as tech
from backbuddy.motion.landmarks import Landmarks
from backbuddy.web.camera_watch import CameraWatch

DATA = Path(__file__).resolve().parents[1] / "data" / "page_pose"
TRUTH = Path(__file__).resolve().parents[1] / "data" / "truth"
GOLDEN = DATA / "monitor_golden.json"
#: clip → technique: a slow hug, a hug jerk (halt), a side-lying jerk (the lying placement path).
CLIPS = {
    "hug_correct_slow_side_front_60_f71": "seated_hug_extension",
    "hug_correct_jerk_side_front_60_m58": "seated_hug_extension",
    "side_correct_jerk_front_f71": "side_lying_rotation",
}
#: Frames whose identity the two-person step could not confirm (as `page_roles` would say).
UNSURE = range(30, 36)
#: Frames sent with no person in view (tracking lost for 0.4 s, then found again).
NO_PERSON = range(60, 72)


def record(clip: str) -> None:
    """The page's landmarks for `clip`, rounded as the page's worker rounds them."""
    from backbuddy.adapters import video
    from backbuddy.adapters.pose_bundle import TasksPoseModel
    from backbuddy.web.page_pose import BUNDLE

    model = TasksPoseModel(BUNDLE)
    image, world, t = [], [], []
    try:
        with video.open_file(TRUTH / f"{clip}.mp4") as source:
            for f in source:
                a, b = model.estimate(f.rgb, round(f.t * 1000))
                image.append(_rounded(a))
                world.append(_rounded(b))
                t.append(f.t)
                size = (f.rgb.shape[1], f.rgb.shape[0])
    finally:
        model.close()
    np.savez_compressed(
        DATA / f"{clip}.npz",
        image=np.array(image),
        world=np.array(world),
        t=np.array(t),
        size=np.array(size),
    )


def _rounded(points: np.ndarray) -> np.ndarray:
    out = np.array(points, dtype=np.float64)
    out[:, :3] = np.round(out[:, :3], 5)
    out[:, 3] = np.round(out[:, 3], 3)
    return out


def replay(clip: str) -> list[dict[str, Any]]:
    """Every frame of the recorded `clip` through the live path: what comes out, per frame."""
    technique = tech.get(CLIPS[clip])
    with np.load(DATA / f"{clip}.npz") as stored:
        data = {name: stored[name] for name in stored.files}
    size = (int(data["size"][0]), int(data["size"][1]))
    no_model = lambda: (_ for _ in ()).throw(AssertionError("no frame may reach a model"))  # noqa: E731
    watch = CameraWatch(technique, no_model, lambda b: np.zeros((1, 1, 3), np.uint8))
    steps = [technique.setup[0].checks, technique.setup[1].checks]
    out = []
    n = len(data["t"])
    for i in range(n):
        seen = i not in NO_PERSON
        image = data["image"][i].tolist() if seen else None
        world = data["world"][i].tolist() if seen else None
        checks = steps[0] if i < n // 2 else steps[1]
        result = watch.analyze_landmarks(
            image, world, size, float(data["t"][i]), checks, unsure=i in UNSURE
        )
        out.append(
            {
                "pose": ev.to_dict(result.pose),
                "measure": result.measure,
                "checks": dict(result.checks),
                "hints": dict(result.hints),
                "placement_hint": result.placement_hint,
                "baseline": watch.monitor.baseline,
                "estimate": watch.monitor.placement.estimate,
            }
        )
    return out


def _exact(value: Any) -> Any:
    """Floats as their repr (exact), NaN as a string: JSON keeps them bit for bit."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_exact(v) for v in value]
    return value


def exact(frames: list[dict[str, Any]]) -> list[Any]:
    return _exact(frames)


if __name__ == "__main__":
    if sys.argv[1] == "record":
        for name in CLIPS:
            record(name)
    else:
        golden = {name: exact(replay(name)) for name in CLIPS}
        lines = [
            f"{json.dumps(name)}: [\n"
            + ",\n".join(json.dumps(f, sort_keys=True) for f in frames)
            + "\n]"
            for name, frames in golden.items()
        ]
        GOLDEN.write_text("{\n" + ",\n".join(lines) + "\n}\n")


def with_gaps(clip: str, seed: int, hidden: tuple[int, ...]) -> Landmarks:
    """A golden clip roughened for the one-frame paths' bit-for-bit tests: the `hidden` joints
    unsure now and then (15 %), a few frames with nobody (5 %), a few with every point at one
    place (3 %: zero lengths, numpy's NaN)."""
    with np.load(DATA / f"{clip}.npz") as stored:
        image, world, t = stored["image"].copy(), stored["world"].copy(), stored["t"]
        size = (int(stored["size"][0]), int(stored["size"][1]))
    rng = np.random.default_rng(seed)
    n = len(t)
    for joint in hidden:
        image[rng.random(n) < 0.15, joint, 3] = 0.05
    image[rng.random(n) < 0.05] = np.nan
    world[np.isnan(image[:, :, 0])] = np.nan
    flat = rng.random(n) < 0.03
    image[flat, :, :3] = 0.5
    world[flat, :, :3] = 0.0
    return Landmarks(image, world, t, size)
