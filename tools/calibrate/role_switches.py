"""How a switch from the receiver to the assistant looks in the page's landmarks (issue 15,
item 2): the figures behind `motion/continuity.py`.

    .venv/bin/python tools/calibrate/role_switches.py [--cache DIR]

For each two-person truth clip (`*_with_*`), three tracks of the page's own model
(MediaPipe Tasks on the page's bundle): the page path with role frames
(`tests/support/page_people.py`: on the receiver's crop), and the model on a crop around
the assistant's true joints (what the model gives once it follows the assistant). Each
frame is judged against both true skeletons (`receiver_truth.on_receiver`). Then:

* the receiver's own steps: between frames `step` apart (1, 2, 3, 5 at 30 frames/s, as a
  page at 30, 15, 10, 6 poses a second), how far nose, shoulders and hips moved
  (`continuity.displacement`, trunk lengths) and the trunk's log length change;
* a switch: the receiver's frame k, then the assistant-track frame k + step (judged not on
  the receiver): the same figures;
* how many of the receiver's steps `continuity.break_within` breaks (false breaks), and
  how many switches it misses, at each step.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT / "tests" / "support")]

import page_people  # noqa: E402
import receiver_truth  # noqa: E402
from measure import truth_table  # noqa: E402

from backbuddy.motion import continuity as C  # noqa: E402

STEPS = (1, 2, 3, 5)


def _swap(tr: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The truth with the assistant as the 'receiver' (to judge the assistant's track)."""
    out = dict(tr)
    for key in tr:
        if key.startswith("assistant_") and key[len("assistant_") :] in tr:
            out[key[len("assistant_") :]], out[key] = tr[key], tr[key[len("assistant_") :]]
    return out


def tracks(clip: str, cache: Path) -> dict[str, np.ndarray]:
    """The clip's tracks and judgements (cached as .npz)."""
    path = cache / f"{clip}.npz"
    if path.is_file():
        return dict(np.load(path))
    from backbuddy.adapters import video
    from backbuddy.adapters.pose_bundle import TasksPoseModel
    from backbuddy.adapters.receiver_pose import crop_around, to_frame
    from backbuddy.domain import techniques as tech
    from backbuddy.web import page_pose

    with video.open_file(page_people.TRUTH / f"{clip}.mp4") as source:
        frames = list(source)
        size = (source.info.width, source.info.height)
    tr = truth_table(clip)
    n = min(len(frames), tr["frame"].size)
    model = TasksPoseModel(page_pose.BUNDLE)
    ast = []
    for i, f in enumerate(frames[:n]):
        crop = crop_around(page_people.assistant_box(clip, i), *size)
        rgb = np.ascontiguousarray(f.rgb[crop.y0 : crop.y1, crop.x0 : crop.x1])
        image, _ = model.estimate(rgb, int(1000 * f.t) + 5)
        ast.append(to_frame(image, crop, *size))
    model.close()
    technique = tech.get(
        "seated_hug_extension" if clip.startswith("hug") else "side_lying_rotation"
    )
    on = np.stack(page_people.run_clip(clip, technique).image)[:n]
    px = np.array(size, np.float64)
    out = {
        "t": np.array([f.t for f in frames[:n]]),
        "size": np.array(size),
        "on": on,
        "ast": np.stack(ast),
        "on_rec": receiver_truth.on_receiver(on[:, :, :2] * px, tr),
        "ast_ast": receiver_truth.on_receiver(np.stack(ast)[:, :, :2] * px, _swap(tr)),
        "ast_rec": receiver_truth.on_receiver(np.stack(ast)[:, :, :2] * px, tr),
    }
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, **out)
    return out


def figures(data: dict[str, dict[str, np.ndarray]], step: int) -> str:
    own, switch, false, missed = [], [], 0, 0
    for d in data.values():
        size = tuple(int(v) for v in d["size"])
        ok = d["on_rec"] & np.isfinite(d["on"][:, 0, 0])
        bad = d["ast_ast"] & ~d["ast_rec"] & np.isfinite(d["ast"][:, 0, 0])
        bodies = [C.body(d["on"][k], size, d["t"][k]) if ok[k] else None for k in range(len(ok))]
        for k in range(len(ok) - step):
            a = bodies[k]
            if a is None:
                continue
            window = [b for b in bodies[max(0, k - 8) : k + 1 : step] if b is not None]
            if ok[k + step]:
                b = bodies[k + step]
                assert b is not None
                own.append(C.displacement(a, b))
                false += C.break_within(window, b) is not None
            if bad[k + step]:
                b = C.body(d["ast"][k + step], size, d["t"][k + step])
                switch.append(C.displacement(a, b))
                missed += C.break_within(window, b) is None
    return (
        f"step {step} ({30 / step:.0f} poses/s): receiver moved max {max(own):.3f} "
        f"(p99.9 {np.percentile(own, 99.9):.3f}), false breaks {false}/{len(own)}; "
        f"switch moved min {min(switch):.3f} (p1 {np.percentile(switch, 1):.3f}), "
        f"missed {missed}/{len(switch)}"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=Path("/tmp/role_switches"))
    args = parser.parse_args(argv)
    data = {c: tracks(c, args.cache) for c in receiver_truth.two_person_clips()}
    for step in STEPS:
        print(figures(data, step), flush=True)  # noqa: T201 - a developer tool's report
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
