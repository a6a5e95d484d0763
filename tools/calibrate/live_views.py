"""The placement gate's reading on the single-person truth clips, read as `regions.py` reads it
and as the live server path reads it (issue 12, session 25). A measurement script, not a test.

    nice -n 10 .venv/bin/python tools/calibrate/live_views.py [--json OUT] [CLIP ...]

Every single-person truth clip with a correct set-up (the clips `regions.py` makes the regions
from) runs after its 2 s still pre-roll (`measure.WARM`) up to the frame a movement cue would
come (`measure.measure_clip`'s `decide`: the last still frame before the motion; a set-up
clip's last frame) through

* `mediapipe`: MediaPipe alone on the full picture (full model, video mode), as
  `measure.run` (behind `regions.py`) reads it;
* `live`: the server's two-person step (`ReceiverPose`: MoveNet → role rule → her crop →
  MediaPipe; the look in line), told the technique as a live session tells it
  (`people.tell_technique`). A live session runs it with one person in view too
  (`bootstrap.pose_model_factory`: `settings.two_person`, on by default);
* `page` (`--paths page`): the page's stand-in (tests/support/page_people.py: the page's own
  model on her crop, role frames through the server's `PageRoles`, the landmarks through
  `schemas` and `page_pose.admit`), as `page_halts.py --path page` runs it.

Both are scored by the same `measure.measure_clip` (the gate's azimuth and elevation at the
decision; its open/shut there). The pipeline is causal, so the frames after the decision
change nothing there: they are not run. Landmarks are kept in `.cache/regions25/`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import degrade  # noqa: E402
import receiver_truth  # noqa: E402
from landmarks_cache import CACHE, TRUTH, _key  # noqa: E402
from measure import WARM, clips, measure_clip, truth_table  # noqa: E402

FOLDER = CACHE / "regions25"
PATHS = ("mediapipe", "live", "page")


def single_clips(truth: Path = TRUTH) -> list[dict[str, str]]:
    return [m for m in clips(truth) if not m["assistant"] and m["setup"] == "correct"]


def decision(cid: str, truth: Path = TRUTH) -> int:
    """The source frame of the decision (`measure.measure_clip`'s `decide`)."""
    tr = truth_table(cid, truth)
    moving = np.abs(tr["primary_speed_deg_s"]) > 0.5
    return int(np.argmax(moving)) - 1 if moving.any() else tr["frame"].size - 1


def _loaded(z):  # type: ignore[no-untyped-def]
    """(Landmarks, source index) from a cached `.npz`."""
    from backbuddy.motion.landmarks import Landmarks

    arrays = {k: z[k] for k in z.files if k not in ("key", "index")}
    return Landmarks.from_arrays(arrays), z["index"]


def estimate(cid: str, path: str, truth: Path = TRUTH):  # type: ignore[no-untyped-def]
    """(Landmarks, source index) up to and including the decision frame, cached."""
    from backbuddy.motion.landmarks import stack

    last = decision(cid, truth)
    key = f"{_key(truth / f'{cid}.mp4')}-{WARM.key()}-{last}"
    if path == "live":
        key = receiver_truth._step_key(cid, truth) + f"-{last}"
    if path == "page":
        return _page(cid, last, f"{key}-page-{_page_digest()}", FOLDER / f"{cid}.page.npz")
    file = FOLDER / f"{cid}.{path}.npz"
    if file.exists():
        z = np.load(file)
        if str(z["key"]) == key:
            return _loaded(z)
    from backbuddy.adapters.looks import InLine
    from backbuddy.adapters.mediapipe_pose import PoseModel
    from backbuddy.adapters.receiver_pose import EVERY, ReceiverPose
    from backbuddy.services.analyze import identity_unsure, wrists_covered

    rows, unsure, covered, index = [], [], [], []
    size = (0, 0)
    if path == "live":
        model = ReceiverPose(receiver_truth.people_detector(), PoseModel, every=EVERY, looks=InLine)
        receiver_truth.tell(model, cid, truth)  # as the app tells it (`people.tell_technique`)
    else:
        model = PoseModel()
    try:
        for i, t, rgb in degrade.frames(cid, WARM, truth):
            if i > last:
                break
            image, world = model.estimate(rgb, t) if path == "live" else model.estimate(rgb)
            rows.append((t, image, world))
            unsure.append(identity_unsure(model))
            covered.append(wrists_covered(model))
            index.append(i)
            size = (rgb.shape[1], rgb.shape[0])
    finally:
        model.close()
    lm = stack(rows, size, unsure, covered)
    idx = np.array(index)
    FOLDER.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(file, key=key, index=idx, **lm.to_arrays())
    return lm, idx


#: The page stand-in's sources: a change to any of them re-runs the cached page clips.
PAGE_SOURCES = (
    "tests/support/page_people.py",
    "src/backbuddy/adapters/receiver_grey.py",
    "src/backbuddy/adapters/pose_bundle.py",
    "src/backbuddy/web/page_pose.py",
    "src/backbuddy/web/page_roles.py",
    "src/backbuddy/motion/people.py",
)


def _page_digest() -> str:
    import hashlib

    root = HERE.parents[1]
    return hashlib.sha1(b"".join((root / f).read_bytes() for f in PAGE_SOURCES)).hexdigest()[:12]


def _page(cid: str, last: int, key: str, file: Path):  # type: ignore[no-untyped-def]
    """The page stand-in's landmarks up to the decision (`estimate`)."""
    from backbuddy.motion.landmarks import stack

    if file.exists():
        z = np.load(file)
        if str(z["key"]) == key:
            return _loaded(z)
    sys.path.insert(0, str(HERE.parents[1] / "tests" / "support"))
    import page_halts
    import page_people

    frames, index = page_halts.warm_frames(cid, WARM.fps)
    keep = index <= last
    frames = [f for f, k in zip(frames, keep, strict=True) if k]
    index = index[keep]
    run = page_people.run_clip(cid, page_halts.technique_of(cid), frames=frames)
    size = (frames[0].rgb.shape[1], frames[0].rgb.shape[0])
    unsure = [r.pose.identity != "receiver" for r in run.results]
    lm = stack(zip(run.t, run.image, run.world, strict=True), size, unsure, run.covered)
    FOLDER.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(file, key=key, index=index, **lm.to_arrays())
    return lm, index


def reading(meta: dict[str, str], path: str, truth: Path = TRUTH) -> dict:  # type: ignore[type-arg]
    lm, index = estimate(meta["id"], path, truth)
    r = measure_clip(meta, truth, degradation=WARM, source=(lm, index))
    return {"view": [round(v, 2) for v in r.est_view], "open": r.accepted}


def table(views: dict[str, dict], paths: tuple[str, ...] = PATHS[:2]) -> str:  # type: ignore[type-arg]
    """Markdown: per clip, each path's reading, the difference (live − MediaPipe), and where
    it lies against the technique's region today: `in` (the gate opens: `ENTER_MARGIN_DEG`
    inside), `edge` (inside, short of that margin), `near` (outside, within `EXIT_MARGIN_DEG`:
    an open gate would stay open) or `out`; and the gate open at the decision."""
    import json as _json

    from backbuddy.domain import techniques
    from backbuddy.motion.placement_gate import ENTER_MARGIN_DEG, EXIT_MARGIN_DEG

    verdicts = _json.loads((HERE / "regions.json").read_text())

    def where(tech: str, view: list[float]) -> str:
        region = techniques.get(tech).placement
        a, e = view
        if region is None or not np.isfinite(view).all():
            return "–"
        if region.contains(a, e, margin=ENTER_MARGIN_DEG):
            return "in"
        if region.contains(a, e):
            return "edge"
        return "near" if region.contains(a, e, margin=-EXIT_MARGIN_DEG) else "out"

    head = "| placement | valid | clip | " + " | ".join(
        f"{p} (az, el) | {p}: region, gate" for p in paths
    )
    head += " | live − mediapipe (az, el) |\n|" + "---|" * (4 + 2 * len(paths))
    rows = [head]
    for cid, v in sorted(
        views.items(), key=lambda kv: (kv[1]["technique"], kv[1]["camera"], kv[0])
    ):
        key = f"{v['technique']}/{v['camera']}"
        cells = []
        for p in paths:
            r = v.get(p)
            if r is None:
                cells += ["–", "–"]
                continue
            cells += [
                f"{r['view'][0]:.1f}, {r['view'][1]:.1f}",
                f"{where(v['technique'], r['view'])}, {'open' if r['open'] else 'shut'}",
            ]
        d = np.subtract(v["live"]["view"], v["mediapipe"]["view"])
        valid = "yes" if verdicts[key]["valid"] else "no"
        rows.append(
            f"| {key} | {valid} | {cid} | " + " | ".join(cells) + f" | {d[0]:+.1f}, {d[1]:+.1f} |"
        )
    return "\n".join(rows)


def summary(views: dict[str, dict]) -> str:  # type: ignore[type-arg]
    """Per technique: the mean, median and spread of live − MediaPipe over the clips."""
    out = []
    for tech in sorted({v["technique"] for v in views.values()}):
        d = np.array(
            [
                np.subtract(v["live"]["view"], v["mediapipe"]["view"])
                for v in views.values()
                if v["technique"] == tech
            ]
        )
        d = d[np.isfinite(d).all(axis=1)]
        out.append(
            f"{tech}: {len(d)} clips; live − mediapipe azimuth mean {d[:, 0].mean():+.2f}, median "
            f"{np.median(d[:, 0]):+.2f}, sd {d[:, 0].std():.2f}, "
            f"|max| {np.abs(d[:, 0]).max():.1f}; "
            f"elevation mean {d[:, 1].mean():+.2f}, median {np.median(d[:, 1]):+.2f}, sd "
            f"{d[:, 1].std():.2f}, |max| {np.abs(d[:, 1]).max():.1f}"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="*")
    ap.add_argument("--json", type=Path, default=HERE / "live_views.json")
    ap.add_argument("--paths", nargs="+", default=list(PATHS[:2]), choices=PATHS)
    ap.add_argument("--table", action="store_true", help="print the table from the JSON")
    args = ap.parse_args(argv)
    if args.table:
        views = json.loads(args.json.read_text())
        print(table(views, tuple(args.paths)))
        print()
        print(summary(views))
        return 0
    out = json.loads(args.json.read_text()) if args.json.exists() else {}
    for meta in single_clips():
        if args.clips and meta["id"] not in args.clips:
            continue
        row = out.setdefault(
            meta["id"],
            {"technique": meta["technique"], "camera": meta["camera"], "motion": meta["motion"]},
        )
        for path in args.paths:
            row[path] = reading(meta, path)
        print(meta["id"], {p: row.get(p) for p in PATHS}, flush=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
