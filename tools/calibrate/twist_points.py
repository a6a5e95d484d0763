"""Which of her points hold still under his hands: the side-lying twist's points frame by frame
(issue 12; session 25, twist25). A measurement script, not a test.

    .venv/bin/python tools/calibrate/twist_points.py [--levers live nogrey ...] [--order warm]
        [--refs current ...] [CLIP ...]

Reads the landmarks `floor_levers.py` kept (`.cache/floor24/<clip>.<lever>.<order>.npz`; run
it first) for the two-person floor clips, and the single-person floor clips' warm landmarks
(`degrade.landmarks`, cached as the truth tools cache them), and against the truth CSV:

* `points`: per point of hers the twist reads or could read (top and bottom hip, knee, ankle,
  heel; her shoulders), its 2D error across her trunk (the twist's direction: the drop is the
  top ankle's offset across the trunk) in pixels: the median, how far the error wanders
  (p95 − p5 of its change from the clip's first measured frame, which a change from baseline
  cannot cancel), and its frame-to-frame jump (p95, the speed's noise);
* `refs`: the twist read with the top ankle's drop measured against other still points
  (`REFS`; `current` is `joints.top_leg_drop`'s: the top hip and the bottom ankle), each scored
  as `floor_levers.score` scores a clip (the whole monitor: speed error, peak read, false halt,
  the jerk's halt frames), by replacing the reference in `joints.top_leg_drop` for the run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import degrade  # noqa: E402
import floor_levers  # noqa: E402
import measure  # noqa: E402

from backbuddy.motion import geometry, joints  # noqa: E402
from backbuddy.motion import landmarks as L  # noqa: E402

SINGLE = [
    "side_correct_setup_front_floor_m26",
    "side_correct_slow_front_floor_f71",
    "side_correct_jerk_front_floor_m26",
    "side_correct_jerk_front_floor_f71",
]
#: MediaPipe's left and right heel.
HEELS = (29, 30)
#: The truth CSV's name of each MediaPipe landmark used here.
TRUTH_NAME = {
    L.LEFT_SHOULDER: "left_shoulder", L.RIGHT_SHOULDER: "right_shoulder",
    L.LEFT_HIP: "left_hip", L.RIGHT_HIP: "right_hip",
    L.LEFT_KNEE: "left_knee", L.RIGHT_KNEE: "right_knee",
    L.LEFT_ANKLE: "left_ankle", L.RIGHT_ANKLE: "right_ankle",
    HEELS[0]: "left_heel", HEELS[1]: "right_heel",
}  # fmt: skip
#: Her points, by (top-side landmark when the left side is up, when the right side is up).
POINTS = {
    "top hip": (L.LEFT_HIP, L.RIGHT_HIP),
    "bottom hip": (L.RIGHT_HIP, L.LEFT_HIP),
    "top knee": (L.LEFT_KNEE, L.RIGHT_KNEE),
    "bottom knee": (L.RIGHT_KNEE, L.LEFT_KNEE),
    "top ankle": (L.LEFT_ANKLE, L.RIGHT_ANKLE),
    "bottom ankle": (L.RIGHT_ANKLE, L.LEFT_ANKLE),
    "top heel": (HEELS[0], HEELS[1]),
    "bottom heel": (HEELS[1], HEELS[0]),
    "top shoulder": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    "bottom shoulder": (L.RIGHT_SHOULDER, L.LEFT_SHOULDER),
}
#: The drop's reference candidates: names of `POINTS`, averaged.
REFS: dict[str, tuple[str, ...]] = {
    "current": ("top hip", "bottom ankle"),
    "bottom ankle": ("bottom ankle",),
    "bottom hip+ankle": ("bottom hip", "bottom ankle"),
    "hips+bottom ankle": ("top hip", "bottom hip", "bottom ankle"),
    "top hip": ("top hip",),
    "bottom heel+ankle": ("bottom heel", "bottom ankle"),
}


def _truth_name(j: int) -> str:
    return TRUTH_NAME[j]


def load(cid: str, lever: str, order: str):  # type: ignore[no-untyped-def]
    """(landmarks, source index) with the pre-roll, as `floor_levers.score` takes them."""
    if "_with_" not in cid:
        return degrade.landmarks(cid, measure.WARM, measure.TRUTH, measure.CACHE)
    path = floor_levers.SAVE / f"{cid}.{lever}.{order}.npz"
    if not path.exists():
        return floor_levers.cached(cid, lever, order)
    from backbuddy.motion.landmarks import Landmarks

    z = np.load(path)
    return Landmarks.from_arrays(dict(z)), z["index"]


def point_rows(cid: str, lever: str, order: str) -> list[str]:
    lm, index = load(cid, lever, order)
    pre = int(np.sum(index < 0))
    lm, index = lm.take(slice(pre, None)), index[pre:]
    tr = {k: v[index] for k, v in measure.truth_table(cid).items()}
    n = min(len(lm), tr["frame"].size)
    px = lm.pixels()[:n]
    left_up = np.nanmean(np.abs(tr["left_hip_flexion_deg"] - tr["top_hip_flexion_deg"])) < 1
    trunk = geometry.trunk_px(lm)[:n]
    length = np.linalg.norm(trunk, axis=1)
    perp = np.stack([-trunk[:, 1], trunk[:, 0]], axis=1) / length[:, None]
    perp *= np.where(perp[:, 1] < 0, -1.0, 1.0)[:, None]
    rows = []
    for name, (a, b) in POINTS.items():
        j = a if left_up else b
        t = _truth_name(j)
        if f"{t}_u" not in tr:
            continue
        e = px[:, j] - np.stack([tr[f"{t}_u"][:n], tr[f"{t}_v"][:n]], axis=1)
        across = np.einsum("ij,ij->i", e, perp)
        ok = np.isfinite(across)
        if not ok.any():
            continue
        wander = across[ok] - across[ok][0]
        jump = np.abs(np.diff(across[ok]))
        rows.append(
            f"| `{cid}` | {lever} | {name} | {np.median(np.abs(across[ok])):.1f} "
            f"| {np.percentile(wander, 95) - np.percentile(wander, 5):.1f} "
            f"| {np.percentile(jump, 95) if jump.size else float('nan'):.2f} |"
        )
    return rows


POINT_HEADER = (
    "| clip | grey | point | error across the trunk px (median) | wander px (p95−p5) "
    "| jump px/frame (p95) |\n|---|---|---|---|---|---|"
)


def with_reference(names: tuple[str, ...]) -> Callable[..., np.ndarray]:
    """`joints.top_leg_drop` with the reference `names` (points averaged)."""

    def top_leg_drop(lm, min_visibility=joints.MIN_VISIBILITY):  # type: ignore[no-untyped-def]
        px = lm.pixels()
        side = joints.top_side(lm, min_visibility)
        top_left = (side > 0)[:, None]
        pts = [np.where(top_left, px[:, POINTS[k][0]], px[:, POINTS[k][1]]) for k in names]
        reference = np.mean(pts, axis=0)
        leg = np.where(top_left, px[:, L.LEFT_ANKLE], px[:, L.RIGHT_ANKLE])
        trunk = geometry.trunk_px(lm)
        length = np.linalg.norm(trunk, axis=1)
        with np.errstate(invalid="ignore"):
            perp = np.stack([-trunk[:, 1], trunk[:, 0]], axis=1) / length[:, None]
        perp *= np.where(perp[:, 1] < 0, -1.0, 1.0)[:, None]
        drop = np.einsum("ij,ij->i", leg - reference, perp) / length
        ids_l = [L.LEFT_ANKLE, *(POINTS[k][0] for k in names)]
        ids_r = [L.RIGHT_ANKLE, *(POINTS[k][1] for k in names)]
        leg_seen = np.where(
            side > 0, geometry.seen(lm, min_visibility, *ids_l),
            geometry.seen(lm, min_visibility, *ids_r),
        )  # fmt: skip
        return np.where(np.isnan(side) | ~leg_seen, np.nan, drop)

    return top_leg_drop


def ref_row(cid: str, lever: str, order: str, ref: str) -> str:
    saved = joints.top_leg_drop
    joints.top_leg_drop = with_reference(REFS[ref])  # type: ignore[assignment]
    try:
        lm, index = load(cid, lever, order)
        s = floor_levers.score(cid, lm, index) if "_with_" in cid else _single(cid, lm, index)
    finally:
        joints.top_leg_drop = saved  # type: ignore[assignment]
    f = floor_levers._f
    halt = s["halt"]
    return (
        f"| `{cid}` | {lever} | {ref} | {f(s['speed_err'])} | {f(s['peak_read'], 0)} "
        f"| {'yes' if s['false_halt'] else 'no'} | "
        f"{'never' if halt == float('inf') else f(halt, 0)} | {f(s.get('stop'), 0)} "
        f"| {'open' if s['accepted'] else 'shut'} |"
    )


def _single(cid: str, lm, index) -> dict[str, object]:  # type: ignore[no-untyped-def]
    meta = next(m for m in measure.clips() if m["id"] == cid)
    r = measure.measure_clip(meta, degradation=measure.WARM, source=(lm, index))
    return {
        "speed_err": r.speed_err,
        "peak_read": r.peak_read,
        "false_halt": r.false_halt,
        "halt": r.halt_latency,
        "stop": float("nan"),
        "accepted": r.accepted,
    }


REF_HEADER = (
    "| clip | grey | reference | speed err °/s | peak read °/s | false halt | halt frames "
    "| halt or pause | gate |\n|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("clips", nargs="*")
    parser.add_argument("--levers", nargs="+", default=["live", "nogrey"])
    parser.add_argument("--order", default="warm", choices=("warm", "session"))
    parser.add_argument("--refs", nargs="+", default=list(REFS), choices=list(REFS))
    parser.add_argument("--points", action="store_true", help="the points' table only")
    args = parser.parse_args(argv)
    clips = args.clips or [*floor_levers.floor_clips(), *SINGLE]
    if args.order == "session":
        clips = [c for c in clips if floor_levers.receiver_body(c) in floor_levers.ALONE]
    print(POINT_HEADER)
    for cid in clips:
        for lever in args.levers if "_with_" in cid else ["alone"]:
            for r in point_rows(cid, lever, args.order):
                print(r, flush=True)
    if args.points:
        return 0
    print()
    print(REF_HEADER)
    for cid in clips:
        for lever in args.levers if "_with_" in cid else ["alone"]:
            for ref in args.refs:
                print(ref_row(cid, lever, args.order, ref), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
