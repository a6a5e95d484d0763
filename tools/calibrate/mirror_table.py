"""The Assisted Side-Lying Rotation on the right side: the floor clips mirrored, three ways.

    .venv/bin/python tools/calibrate/mirror_table.py [--json OUT] [--save-npz DIR] [CLIP_ID ...]

Every side-lying truth clip lies on the left side. A receiver on the right side, filmed from
the same (front, azimuth 0) placement, is the clip's mirror image. Per clip (warm, as
`measure.py`: 2 s of the still first frame before it), three landmark sets go through the same
monitor (`measure.measure_clip`) with the region's side set to the one each shows:

* `left`: the clip as rendered (the reference);
* `flipped`: the same landmarks flipped in code (image x → 1 − x, world x → −x, each left
  landmark swapped with its right twin): what a mirror-symmetric pose model would give. Every
  reading here equal to `left`'s says the motion code holds no side assumption;
* `mirrored`: MediaPipe run on the frames flipped left to right: what the camera really gives
  for a receiver on the right side.

A rendered right-side clip (`render_truth`, the body mirrored) is the same picture up to the
lights' side, so `mirrored` stands for it (docs/accuracy.md, "The other side").
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import degrade  # noqa: E402
import measure  # noqa: E402

from backbuddy.domain import techniques  # noqa: E402
from backbuddy.motion.landmarks import Landmarks  # noqa: E402

FLOOR = (
    "side_correct_setup_front_floor_m26",
    "side_correct_slow_front_floor_f71",
    "side_correct_jerk_front_floor_m26",
    "side_correct_jerk_front_floor_f71",
)


def mirrored(cid: str) -> tuple[Landmarks, np.ndarray]:
    """MediaPipe (full model, video mode) on the warm clip's frames flipped left to right."""
    from backbuddy.adapters.mediapipe_pose import PoseModel

    index, t, image, world = [], [], [], []
    size = (0, 0)
    with PoseModel() as model:
        for i, ti, rgb in degrade.frames(cid, measure.WARM):
            a, b = model.estimate(np.ascontiguousarray(rgb[:, ::-1]))
            index.append(i)
            t.append(ti)
            image.append(a)
            world.append(b)
            size = (rgb.shape[1], rgb.shape[0])
    return Landmarks(np.stack(image), np.stack(world), np.array(t), size), np.array(index)


def on_side(side: str) -> techniques.Technique:
    """The side-lying technique with its region holding for `side` (the region as it is)."""
    tech = techniques.get("side_lying_rotation")
    assert tech.placement is not None
    region = tech.placement.model_copy(update={"lying_side": side})
    return tech.model_copy(update={"placement": region})


def row(r: measure.ClipResult) -> dict[str, object]:
    keep = ("accepted", "est_view", "peak_read", "speed_err", "halt_latency", "false_halt")
    out: dict[str, object] = {k: v for k, v in asdict(r).items() if k in keep}
    out["check_agree"] = {k: round(v, 3) for k, v in r.check_agree.items()}
    out["measure_err"] = {k: round(v, 2) for k, v in r.measure_err.items()}
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("ids", nargs="*")
    ap.add_argument("--json")
    ap.add_argument("--save-npz", help="a folder for the mirrored runs' landmarks (tests)")
    args = ap.parse_args(argv)
    metas = {m["id"]: m for m in measure.clips()}
    out: dict[str, dict[str, object]] = {}
    for cid in args.ids or FLOOR:
        meta = metas[cid]
        left = degrade.landmarks(cid, measure.WARM, measure.TRUTH, measure.CACHE)
        right = mirrored(cid)
        if args.save_npz:
            lm, index = right
            Path(args.save_npz).mkdir(parents=True, exist_ok=True)
            np.savez_compressed(
                Path(args.save_npz) / f"{cid}_mirrored_warm.npz",
                **lm.to_arrays(),
                index=index,
            )
        runs = {
            "left": (left, on_side("left")),
            "flipped": ((left[0].flipped(), left[1]), on_side("right")),
            "mirrored": (right, on_side("right")),
        }
        out[cid] = {}
        for name, (source, tech) in runs.items():
            r = measure.measure_clip(meta, degradation=measure.WARM, technique=tech, source=source)
            out[cid][name] = row(r)
            print(cid, name, json.dumps(out[cid][name], default=float))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=float) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
