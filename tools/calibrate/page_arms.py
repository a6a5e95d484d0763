"""The page's two-person path at low frame rates: mask-rule variants for the receiver's crossed
arms (issues 12/15; session 12, arms12). A measurement script, not a test.

Runs `tests/support/page_people.py` (the page in Python: its model, role frames through the
server's real code) on a two-person truth clip at 30, 15 or 10 frames/s (every 1st, 2nd or 3rd
frame; `--loops` repeats the clip, as a still set-up lasts longer than the 6 s clip), with the
receiver's cut-out drawn by one of these rules (`VARIANTS`), and prints one JSON line: the
`arms_crossed` pass/fail shares over all frames, the median wrist-to-opposite-shoulder ratio on
the frames acted on (limit 1.2; truth 0.44 on the set-up clip) with its 95th percentile and
maximum, the not-shipped image reading (`image_ratio`), the speed error against truth,
frames read over the gentle limit or sudden (false halts on a correct clip), and frames acted on
with the assistant measured (identity; goal 0).

    .venv/bin/python tools/calibrate/page_arms.py cover 3 \
        hug_correct_setup_side_front_60_f34_with_m26 --loops 3
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import page_people as pp  # noqa: E402
import receiver_truth  # noqa: E402
from measure import truth_table  # noqa: E402

import backbuddy.adapters.receiver_pose as rp  # noqa: E402
from backbuddy.adapters import video  # noqa: E402
from backbuddy.domain import techniques as tech  # noqa: E402
from backbuddy.motion import angles  # noqa: E402
from backbuddy.motion import landmarks as L  # noqa: E402
from backbuddy.motion.landmarks import Landmarks  # noqa: E402
from backbuddy.motion.people import MIN_SCORE  # noqa: E402

#: The receiver's cut-out rules measured. The stand-in draws with the server's rule (a share of
#: 0.30 per answer, a keypoint forgotten after 30 answers); the page (mask.js) follows by its
#: clock (1 − e^(−Δt/0.37 s) per answer, since 2026-11-28 at most 0.30: `steady`; before, 0.996
#: at answers 2 s apart: `clock`, a false `sudden` on the slow 60° hug) and forgets after 4 s.
VARIANTS = {
    "base": "the stand-in as it is: the server's per-look rule, per answer",
    "clock": "the page's rule until 2026-11-28: share (uncapped) and forgetting by the clock",
    "steady": "the page's rule now: at most 0.30 per answer; forgotten after 4 s of the clock",
    "cover": "steady, and her elbows/wrists, once drawn unseen inside the assistant's box, "
    "stay covered while the same people are seen",
    "nocut": "steady, and her elbows/wrists never cut out of the grey",
    "clock_cover": "clock + cover",
    "clock_nocut": "clock + nocut",
}
ARMS = range(7, 11)  # MoveNet elbows and wrists


def _inside(p: np.ndarray, box: np.ndarray, pad: float = 0.1) -> bool:
    w, h = box[2] - box[0], box[3] - box[1]
    return bool(
        box[0] - pad * w <= p[0] <= box[2] + pad * w
        and box[1] - pad * h <= p[1] <= box[3] + pad * h
    )


def patch(variant: str) -> list:  # type: ignore[type-arg]  # noqa: C901
    """Patch the stand-in for `variant`; the world landmarks of each frame go to the list."""
    steady_basis, others_mask, pose = rp.steady_basis, pp.others_mask, pp.Page.pose
    state: dict = {"ms": None, "answer": 0.0, "sticky": set()}  # type: ignore[type-arg]
    world: list = []  # type: ignore[type-arg]
    clock, steady = variant.startswith("clock"), variant in ("steady", "cover", "nocut")
    cover, nocut = variant.endswith("cover"), variant.endswith("nocut")

    def basis(kept, receiver, others):  # type: ignore[no-untyped-def]
        ms = state["answer"]
        dt = 133.0 if state["ms"] is None else max(1.0, ms - state["ms"])
        if clock or steady:
            rp.FOLLOW_SHARE = float(1 - math.exp(-(dt if clock else 133.0) / 370.0))
            rp.MASK_FORGET_LOOKS = max(1, math.ceil(4000.0 / dt))
        state["ms"] = ms
        if kept is None or len(kept.others) != len(others):
            state["sticky"] = set()
        out = steady_basis(kept, receiver, others)
        if cover and out.others:
            kp = out.receiver.keypoints.copy()
            for i in ARMS:
                if kp[i, 2] < MIN_SCORE and any(_inside(receiver[0][i], o.box) for o in out.others):
                    state["sticky"].add(i)
            for i in state["sticky"]:
                kp[i, 2] = 0.0
            out = dataclasses.replace(out, receiver=dataclasses.replace(out.receiver, keypoints=kp))
        return out

    def mask(receiver, others, crop):  # type: ignore[no-untyped-def]
        kp, box = receiver
        if nocut:
            kp = kp.copy()
            kp[list(ARMS), 2] = 0.0
        return others_mask((kp, box), others, crop)

    def page_pose(self, rgb, ms, answer):  # type: ignore[no-untyped-def]
        if answer is not None:
            state["answer"] = float(answer["ms"])
        out = pose(self, rgb, ms, answer)
        world.append(out[1])
        return out

    pp.steady_basis, pp.others_mask, pp.Page.pose = basis, mask, page_pose
    return world


def image_ratio(lm: Landmarks) -> np.ndarray:
    """A candidate measured and not shipped (session 13, arms13): the arms reading in the image,
    each seen wrist (visibility ≥ 0.3) to the opposite shoulder over the image trunk (hip-mid to
    shoulder-mid), the larger of the two. It reads crossed arms with the assistant's arms around
    hers at 0.7-0.8 on both paths, but the same with her arms hanging (docs/accuracy.md, "The
    arms check with the assistant's arms around hers")."""
    px, vis = lm.pixels(), lm.visibility()
    shoulders = (px[:, L.LEFT_SHOULDER] + px[:, L.RIGHT_SHOULDER]) / 2
    trunk = np.linalg.norm(shoulders - (px[:, L.LEFT_HIP] + px[:, L.RIGHT_HIP]) / 2, axis=1)
    left = np.linalg.norm(px[:, L.LEFT_WRIST] - px[:, L.RIGHT_SHOULDER], axis=1) / trunk
    right = np.linalg.norm(px[:, L.RIGHT_WRIST] - px[:, L.LEFT_SHOULDER], axis=1) / trunk
    left[vis[:, L.LEFT_WRIST] < L.WRIST_MIN_VISIBILITY] = np.nan
    right[vis[:, L.RIGHT_WRIST] < L.WRIST_MIN_VISIBILITY] = np.nan
    return np.asarray(np.fmax(left, right))


def _q(values: list[float], q: float) -> float | None:
    """A percentile of the finite values, rounded; None when there are none."""
    finite = [v for v in values if math.isfinite(v)]
    return round(float(np.percentile(finite, q)), 2) if finite else None


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variant", choices=sorted(VARIANTS))
    ap.add_argument("step", type=int, help="every n-th frame: 1 = 30, 2 = 15, 3 = 10 frames/s")
    ap.add_argument("clip")
    ap.add_argument("--loops", type=int, default=1)
    a = ap.parse_args(argv)
    with video.open_file(pp.TRUTH / f"{a.clip}.mp4") as source:
        base = list(source)
        size = (source.info.width, source.info.height)
    period = base[-1].t + (base[1].t - base[0].t)
    frames = [dataclasses.replace(f, t=f.t + k * period) for k in range(a.loops) for f in base]
    index = np.array([i % len(base) for i in range(len(frames))])[:: a.step]
    world = patch(a.variant)
    technique = tech.get(
        "side_lying_rotation" if a.clip.startswith("side") else "seated_hug_extension"
    )
    run = pp.run_clip(a.clip, technique, roles_on=True, frames=frames[:: a.step])
    tr = truth_table(a.clip)
    res, n = run.results, len(run.results)
    px = run.pixels(size)
    on = receiver_truth.on_receiver(px, {k: v[index[:n]] for k, v in tr.items()})
    sure = np.array([r.pose.tracked and r.pose.identity == "receiver" for r in res])
    checks = {
        c: [round(float(np.mean([r.checks.get(c) is v for r in res])), 2) for v in (True, False)]
        for c in technique.setup[-1].checks
    }
    acted = [
        Landmarks(run.image[k][None], np.asarray(world[k], np.float32)[None], np.zeros(1), size)
        for k in range(n)
        if sure[k] and np.isfinite(px[k, 0, 0])
    ]
    ratios = [float(angles.wrist_to_opposite_shoulder_ratio(lm)[0]) for lm in acted]
    image_ratios = [float(image_ratio(lm)[0]) for lm in acted]
    speed = np.array([r.pose.speed_deg_s for r in res])
    true_speed = np.abs(tr["primary_speed_deg_s"][index[:n]])
    gentle = technique.limits.gentle_speed_deg_s
    slow = sure & (true_speed <= gentle)
    out = {
        "variant": a.variant,
        "fps": 30 // a.step,
        "clip": a.clip,
        "frames": n,
        "acted_share": round(float(sure.mean()), 2),
        "assistant_frames": int(np.sum(sure & ~on)),
        "assistant_at": [int(k) for k in np.flatnonzero(sure & ~on)],
        "placement_ok_at_those": [
            bool(res[k].pose.placement_ok) for k in np.flatnonzero(sure & ~on)
        ],
        "checks_pass_fail": checks,
        "ratio_median": round(float(np.nanmedian(ratios)), 2) if ratios else None,
        "ratio_p95": _q(ratios, 95),
        "ratio_max": _q(ratios, 100),
        "image_ratio_median": _q(image_ratios, 50),
        "image_ratio_p95": _q(image_ratios, 95),
        "image_ratio_max": _q(image_ratios, 100),
        "speed_err_mean": round(float(np.mean(np.abs(speed - true_speed)[slow])), 2)
        if slow.any()
        else None,
        "speed_max": round(float(speed.max()), 1),
        "sudden_at": [k for k, r in enumerate(res) if r.pose.sudden],
        "over_gentle_at": [
            int(k) for k in np.flatnonzero(sure & (speed > gentle) & (true_speed <= gentle))
        ],
        "looks_at": run.looks_at,
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
