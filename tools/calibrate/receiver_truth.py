"""Whom the pose is on, frame by frame, on the two-person truth clips (issue 12, item 3).

    .venv/bin/python tools/calibrate/receiver_truth.py [--single] [--json OUT] [CLIP_ID ...]

Runs the app's two-person estimator (`ReceiverPose`: MoveNet MultiPose looks → role rule →
crop → MediaPipe) — or with `--single` the plain single-person MediaPipe — over each
two-person clip (`*_with_*`) through the real decoder, and compares every frame's landmarks
with both true skeletons in the clip's CSV. A frame is **on the receiver** when each of the
nose, shoulder-mid and hip-mid lies within `NEAR` true trunk lengths of the receiver's true
point and either nearer it than the assistant's or within `NOISE` of it. (`NOISE`: seen from
the side, the assistant's shoulders sit ~0.2 trunk lengths behind the receiver's, closer than
MediaPipe's own error on a hidden far shoulder with nobody else in view — p90 13.6 px, ~0.15
trunk lengths, docs/accuracy.md — so "nearer the assistant" within that error says nothing;
`wrong_strict` counts without the allowance.) Shares, over all frames of a clip:

* measured: identity "receiver" and on the receiver (what the app may act on, and right);
* unsure: identity "unsure" (the engine gives no move cue, pauses a movement);
* wrong: identity "receiver" but not on the receiver (the goal is 0);
* lost: identity "receiver" and no person found (tracking lost: the engine pauses).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from landmarks_cache import CACHE, TRUTH  # noqa: E402, F401  (CACHE: for callers)
from measure import ClipResult, clips, truth_table  # noqa: E402

#: A point within this many true trunk lengths of the receiver's, and nearer it, is on it…
NEAR = 0.5
#: …as is one within this many whichever is nearer (MediaPipe's own error, one person alone).
NOISE = 0.15
_MP = {"nose": 0, "left_shoulder": 11, "right_shoulder": 12, "left_hip": 23, "right_hip": 24}


def _movenet():  # type: ignore[no-untyped-def]
    from backbuddy.adapters.movenet import PeopleDetector

    return PeopleDetector()


#: Makes each run's people detector: the real MoveNet. The two-person truth tests run the same
#: clips' frames through it several times (cold, warm after the pre-roll, looks answered
#: late) and give one that detects each distinct picture once (tests/support/remembered_people.py).
people_detector = _movenet


@dataclass
class ClipPeople:
    id: str
    frames: int
    measured: float
    unsure: float
    wrong: float
    wrong_strict: float
    lost: float
    looks: int
    seconds: float
    wrong_frames: list[int]


def two_person_clips(truth: Path = TRUTH) -> list[str]:
    return [m["id"] for m in clips(truth) if m["assistant"]]


def lies(cid: str, truth: Path = TRUTH) -> bool:
    """Does the clip's receiver lie (the side-lying rotation)? The app tells its two-person step
    so (`people.tell_technique`): a lone upright person is then never taken for the receiver. Before
    2026-11-27 these tools ran the step without it, a configuration the app never runs."""
    from backbuddy.domain import techniques
    from backbuddy.motion.people import receiver_lies

    meta = next(m for m in clips(truth) if m["id"] == cid)
    return receiver_lies(techniques.get(meta["technique"]))


def grey_fades(cid: str, truth: Path = TRUTH) -> bool:
    """Does the clip's technique fade the assistant's grey (`video.grey_fades`: the Seated Hug's,
    not the side-lying rotation's)? The app tells its two-person step so
    (`people.tell_technique`). Before session 24 these tools ran the step as built (his grey
    fading, her cut-out wide by his arms, his joints taken: `receiver_pose.FADE_OUT`, `CUT_ARMS`
    on, `OWN_JOINTS` off) whatever the technique said: the side-lying rotation with two levers
    its live step has off, the hug without the third it has on (docs/accuracy.md, session 24)."""
    from backbuddy.domain import techniques

    meta = next(m for m in clips(truth) if m["id"] == cid)
    return techniques.get(meta["technique"]).video.grey_fades


def tell(model: object, cid: str, truth: Path = TRUTH) -> None:
    """Tell the two-person step what the app tells it for the clip's technique
    (`people.tell_technique`: the receiver lying, the grey fading)."""
    from backbuddy.domain import techniques
    from backbuddy.motion.people import tell_technique

    meta = next(m for m in clips(truth) if m["id"] == cid)
    tell_technique(model, techniques.get(meta["technique"]))


def _points(tr: dict[str, np.ndarray], prefix: str, n: int) -> np.ndarray:
    """(n, 3, 2): nose, shoulder-mid, hip-mid in pixels from the truth table."""

    def uv(name: str) -> np.ndarray:
        return np.stack([tr[f"{prefix}{name}_u"][:n], tr[f"{prefix}{name}_v"][:n]], axis=1)

    sh = (uv("left_shoulder") + uv("right_shoulder")) / 2
    hip = (uv("left_hip") + uv("right_hip")) / 2
    return np.stack([uv("nose"), sh, hip], axis=1)


def on_receiver(px: np.ndarray, tr: dict[str, np.ndarray], strict: bool = False) -> np.ndarray:
    """Per frame: are the landmarks (n, 33, 2 px) on the receiver (module docstring)?"""
    n = px.shape[0]
    ours = np.stack(
        [
            px[:, _MP["nose"]],
            (px[:, _MP["left_shoulder"]] + px[:, _MP["right_shoulder"]]) / 2,
            (px[:, _MP["left_hip"]] + px[:, _MP["right_hip"]]) / 2,
        ],
        axis=1,
    )
    rec, ast = _points(tr, "", n), _points(tr, "assistant_", n)
    trunk = np.linalg.norm(rec[:, 1] - rec[:, 2], axis=1)[:, None]
    d_rec = np.linalg.norm(ours - rec, axis=2)
    d_ast = np.linalg.norm(ours - ast, axis=2)
    with np.errstate(invalid="ignore"):
        ok = ((d_rec < d_ast) | (d_rec <= (0.0 if strict else NOISE) * trunk)) & (
            d_rec <= NEAR * trunk
        )
    return np.asarray(ok.all(axis=1))


def estimate(
    cid: str, single: bool = False, truth: Path = TRUTH, every: int | None = None, lag: int = 0
):  # type: ignore[no-untyped-def]
    """(Landmarks with their identity flags, looks, seconds) of one clip through the real
    decoder and the two-person estimator (or MediaPipe alone with `single`); `lag`: each
    look's answer used that many frames late, as a detector on its own thread gives it."""
    from backbuddy.adapters.looks import InLine, Late
    from backbuddy.adapters.mediapipe_pose import PoseModel
    from backbuddy.adapters.receiver_pose import EVERY, ReceiverPose
    from backbuddy.adapters.video import open_file
    from backbuddy.motion.landmarks import stack
    from backbuddy.services.analyze import estimate_at, identity_unsure, near_bits, wrists_covered

    rows, unsure, covered, near = [], [], [], []
    started = time.perf_counter()
    with open_file(truth / f"{cid}.mp4") as src:
        size = (src.info.width, src.info.height)
        if single:
            model = PoseModel()
        else:
            looks = (lambda d: Late(d, lag)) if lag else InLine
            model = ReceiverPose(people_detector(), PoseModel, every=every or EVERY, looks=looks)
            tell(model, cid, truth)  # as the app tells it (`people.tell_technique`)
        for frame in src:
            image, world = estimate_at(model, frame.rgb, frame.t)
            rows.append((frame.t, image, world))
            unsure.append(identity_unsure(model))
            covered.append(wrists_covered(model))
            near.append(near_bits(model) or 0)
        looks = getattr(model, "looks", 0)
        model.close()
    return stack(rows, size, unsure, covered, near), looks, time.perf_counter() - started


def judge(cid: str, lm, looks: int = 0, seconds: float = 0.0, truth: Path = TRUTH):  # type: ignore[no-untyped-def]
    """(ClipPeople, on the receiver per frame) for a clip's landmarks."""
    tr = truth_table(cid, truth)
    n = min(len(lm), tr["frame"].size)
    px = lm.pixels()[:n]
    seen = np.isfinite(px[:, 0, 0])
    on = on_receiver(px, tr)
    on_strict = on_receiver(px, tr, strict=True)
    sure = ~lm.identity_unsure[:n]
    result = ClipPeople(
        cid,
        n,
        measured=float(np.mean(sure & on)),
        unsure=float(np.mean(~sure)),
        wrong=float(np.mean(sure & seen & ~on)),
        wrong_strict=float(np.mean(sure & seen & ~on_strict)),
        lost=float(np.mean(sure & ~seen)),
        looks=looks,
        seconds=seconds,
        wrong_frames=np.flatnonzero(sure & seen & ~on).tolist(),
    )
    return result, on


def run_clip(
    cid: str, single: bool = False, truth: Path = TRUTH, every: int | None = None, lag: int = 0
):  # type: ignore[no-untyped-def]
    """(ClipPeople, Landmarks, on the receiver per frame) for one clip."""
    lm, looks, seconds = estimate(cid, single, truth, every, lag)
    result, on = judge(cid, lm, looks, seconds, truth)
    return result, lm, on


@dataclass
class ClipMeasures:
    """The whole pipeline on one two-person clip through the two-person estimator, warm (the
    clip after 2 s of its own still first frame, as after a session's set-up: `measure.WARM`),
    scored by `measure.measure_clip` (check agreement, speed error, halts, false halts, the
    placement gate), and judged against both true skeletons on the frames the app acts on."""

    id: str
    camera: str
    accepted: bool  # the placement gate open where the movement cue would come
    acted: int  # frames the monitors track with the identity sure (the app may act on them)
    allowed: int  # …of those, with the placement gate open (a movement may run)
    acted_off: list[int]  # frames acted on whose landmarks are not the receiver's
    allowed_off: list[
        int
    ]  # …of those, with the gate open: a movement measured on them (goal: none)
    unsure: float  # share of the clip's frames "unsure" (a pause)
    stop_frames: float  # a jerk's rise → a halt or a pause (unsure/untracked); nan: no jerk
    result: ClipResult


#: The two-person step's sources: a change to any of them re-runs the cached clips.
STEP_SOURCES = (
    "motion/people.py",
    "motion/crop.py",
    "motion/grey_mask.py",
    "adapters/receiver_pose.py",
    "adapters/mediapipe_pose.py",  # the crop model's frame times (session 17)
    "adapters/movenet.py",
    "motion/arms_cover.py",  # the covered flags (session 14: the cache before them had none)
)


def _step_key(cid: str, truth: Path) -> str:
    import hashlib

    from landmarks_cache import _key
    from measure import WARM

    import backbuddy

    src = Path(backbuddy.__file__).parent
    digest = hashlib.sha1(b"".join((src / f).read_bytes() for f in STEP_SOURCES)).hexdigest()
    lying = "-lying" if lies(cid, truth) else ""
    fades = "-fades" if grey_fades(cid, truth) else "-steady"
    return f"{_key(truth / f'{cid}.mp4')}-{WARM.key()}-{digest[:12]}{lying}{fades}"


def warm_estimate(cid: str, truth: Path = TRUTH, cache: Path | None = None):  # type: ignore[no-untyped-def]
    """(Landmarks with identity flags, source frame index; −1 = the pre-roll) of the clip
    after its still pre-roll, through the two-person estimator with the look in line;
    `cache`: a folder where they are kept (keyed by the clip, the pre-roll and the two-person
    step's sources)."""
    from backbuddy.motion.landmarks import Landmarks

    path = None if cache is None else cache / "degraded" / f"{cid}.people.npz"
    key = _step_key(cid, truth)
    if path is not None and path.exists():
        z = np.load(path)
        if str(z["key"]) == key:
            return Landmarks.from_arrays(dict(z)), z["index"]
    lm, index = _warm_estimate(cid, truth)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, key=key, index=index, **lm.to_arrays())
    return lm, index


def _warm_estimate(cid: str, truth: Path):  # type: ignore[no-untyped-def]
    from degrade import frames
    from measure import WARM

    from backbuddy.adapters.looks import InLine
    from backbuddy.adapters.mediapipe_pose import PoseModel
    from backbuddy.adapters.receiver_pose import EVERY, ReceiverPose
    from backbuddy.motion.landmarks import stack
    from backbuddy.services.analyze import identity_unsure, near_bits, wrists_covered

    rows, unsure, covered, near, index = [], [], [], [], []
    size = (0, 0)
    with ReceiverPose(people_detector(), PoseModel, every=EVERY, looks=InLine) as model:
        tell(model, cid, truth)  # as the app tells it (`people.tell_technique`)
        for i, t, rgb in frames(cid, WARM, truth):
            image, world = model.estimate(rgb, t)
            rows.append((t, image, world))
            unsure.append(identity_unsure(model))
            covered.append(wrists_covered(model))  # as the app's pose feed passes it
            near.append(near_bits(model) or 0)
            index.append(i)
            size = (rgb.shape[1], rgb.shape[0])
    return stack(rows, size, unsure, covered, near), np.array(index)


@dataclass(frozen=True)
class Monitored:
    """A clip's warm two-person landmarks through `measure_clip` and one `PoseMonitor` (the
    pre-roll first), against its truth: what `measures`, `floor_levers.score` and
    `knee_under_hand.pipeline` read. `live`: the landmarks after the pre-roll; `n`: frames
    scored; `on`: frames whose landmarks lie on the receiver; `acted`: frames tracked with her
    identity sure; `stop`: frames from the first over the hard limit to a halt or a pause
    (`halt_outcome`), NaN where the clip has no jerk."""

    result: ClipResult
    trace: Any
    truth: dict[str, np.ndarray]
    live: Any
    pre: int
    n: int
    on: np.ndarray
    acted: np.ndarray
    stop: float


def monitored(  # type: ignore[no-untyped-def]
    meta: dict[str, str], lm, index, truth: Path = TRUTH, technique: Any = None
) -> Monitored:
    """`Monitored` of one clip (`meta`: its `clips` row; `technique`: None, the clip's own)."""
    from halts import HARD, halt_outcome
    from measure import WARM, halt_frames, measure_clip

    from backbuddy.domain import techniques
    from backbuddy.motion.monitors import PoseMonitor

    tech = technique or techniques.get(meta["technique"])
    result = measure_clip(meta, truth, degradation=WARM, source=(lm, index), technique=tech)
    mon = PoseMonitor(tech, fps=WARM.fps)
    pre = int(np.sum(index < 0))
    mon.update(lm.take(slice(0, pre)))
    live = lm.take(slice(pre, None))
    trace = mon.update(live)
    tr = truth_table(meta["id"], truth)
    n = min(len(trace), tr["frame"].size)
    on = on_receiver(live.pixels()[:n], tr)
    acted = trace.tracked[:n] & ~trace.unsure[:n]
    stop = float("nan")
    if result.peak_true > HARD:
        stops = halt_frames(trace)[:n] | ~acted
        stop = halt_outcome(np.abs(tr["primary_speed_deg_s"][:n]), stops).latency
    return Monitored(result, trace, tr, live, pre, n, on, acted, stop)


def measures(cid: str, truth: Path = TRUTH, cache: Path | None = None) -> ClipMeasures:
    """`ClipMeasures` of one two-person clip (`cache`: as `warm_estimate`)."""
    meta = next(m for m in clips(truth) if m["id"] == cid)
    lm, index = warm_estimate(cid, truth, cache)
    run = monitored(meta, lm, index, truth)
    trace, n, on, acted = run.trace, run.n, run.on, run.acted
    allowed = acted & trace.placement.ok[:n]
    return ClipMeasures(
        cid,
        meta["camera"],
        run.result.accepted,
        int(acted.sum()),
        int(allowed.sum()),
        np.flatnonzero(acted & ~on).tolist(),
        np.flatnonzero(allowed & ~on).tolist(),
        float(np.mean(trace.unsure[:n])),
        run.stop,
        run.result,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("clips", nargs="*")
    parser.add_argument("--single", action="store_true", help="plain MediaPipe (before)")
    parser.add_argument("--every", type=int, default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    out = []
    for cid in args.clips or two_person_clips():
        r, _, _ = run_clip(cid, args.single, every=args.every)
        out.append(asdict(r))
        print(
            f"{cid}: measured {r.measured:.3f} unsure {r.unsure:.3f} wrong {r.wrong:.3f} "
            f"(strict {r.wrong_strict:.3f}) "
            f"lost {r.lost:.3f} ({r.frames} frames, {r.looks} looks, "
            f"{1000 * r.seconds / r.frames:.0f} ms/frame) wrong at {r.wrong_frames[:12]}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
