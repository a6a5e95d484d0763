"""What MediaPipe's landmarks do under the assistant's hand on the top knee (issue 12, side-lying).

    .venv/bin/python tools/calibrate/knee_under_hand.py [--all] [CLIP_ID ...]
    .venv/bin/python tools/calibrate/knee_under_hand.py --mask [CLIP_ID ...]

Per side-lying floor clip (single-person and two-person, warm: after the still pre-roll; the
two-person ones through the app's two-person step, `receiver_truth.warm_estimate`), against the
truth CSV, frame by frame:

* the top knee's and top ankle's 2D error (pixels; along the trunk and across it) and the top
  knee's visibility; the twist's pixel size (`joints.LEG_DROP_TWIST_DEG` / image trunk length:
  degrees of twist per pixel the top ankle moves across the trunk) and the frame-to-frame
  jitter of the drop's two points across the trunk (top ankle, reference), in pixels;
(`--all`: every single-person side-lying clip too, at every placement, and per placement the
three readings' check agreement and wrong passes.)

* the top hip flexion three ways, with the check's agreement (70–110°) and wrong passes:
  `world` (the app's `top_hip_flexion_deg`: world landmarks), `image` (the thigh's image
  component along the trunk over its expected length: the trunk taken in the image plane, the
  thigh length from the world skeleton's proportions) and `hybrid` (the thigh's image-plane
  components from pixels, its depth from the bone length with the world's sign, the trunk's
  depth from the world). Not used by the app: the figures behind docs/accuracy.md
  ("The top knee under the assistant's hand, frame by frame").

`--mask`: the two-person floor clips through the whole pipeline (as `receiver_truth.measures`)
as the app runs the two-person step, and with its grey mask over everyone but the receiver
changed (`VARIANTS`: left off, drawn once, the receiver's cut-out wider; experiments, not
configurations the app has): the top knee's 2D error, check agreement, speed error, peak speed
read, halt and halt-or-pause frames, false halt, share of frames unsure, frames acted on that
are not the receiver's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import degrade  # noqa: E402
import measure  # noqa: E402
import receiver_truth  # noqa: E402
from landmarks_cache import CACHE  # noqa: E402

from backbuddy.motion import geometry, joints  # noqa: E402
from backbuddy.motion import landmarks as L  # noqa: E402

LOW, HIGH = 70.0, 110.0  # the top-knee check's range (side_lying_rotation.yaml)


def warm(cid: str):  # type: ignore[no-untyped-def]
    """(landmarks after the pre-roll, truth rows for them, the true top side "left"/"right")."""
    if "_with_" in cid:
        lm, index = receiver_truth.warm_estimate(cid, cache=CACHE)
    else:
        lm, index = degrade.landmarks(cid, measure.WARM, measure.TRUTH, CACHE)
    pre = int(np.sum(index < 0))
    lm, index = lm.take(slice(pre, None)), index[pre:]
    tr = {k: v[index] for k, v in measure.truth_table(cid).items()}
    left = np.nanmean(np.abs(tr["left_hip_flexion_deg"] - tr["top_hip_flexion_deg"])) < 1
    return lm, tr, "left" if left else "right"


def _pick(a: np.ndarray, top_left: np.ndarray, left: int, right: int) -> np.ndarray:
    return np.where(top_left[:, None], a[:, left], a[:, right])


def flexions(lm) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """(image, hybrid) top hip flexion, degrees (module docstring)."""
    px, w = lm.pixels(), geometry.world(lm)
    side = joints.top_side(lm)
    tl = side > 0
    s_px, h_px, k_px = (_pick(px, tl, *p) for p in _PAIRS)
    s_w, h_w, k_w = (_pick(w, tl, *p) for p in _PAIRS)
    bh_w, bk_w = _pick(w, tl, L.RIGHT_HIP, L.LEFT_HIP), _pick(w, tl, L.RIGHT_KNEE, L.LEFT_KNEE)
    bone = np.maximum(np.linalg.norm(bk_w - bh_w, axis=1), np.linalg.norm(k_w - h_w, axis=1))
    # image: the trunk in the image plane, the thigh's component along it over its length
    trunk = geometry.trunk_px(lm)
    trunk_len = np.linalg.norm(trunk, axis=1)
    w_axis = geometry.mid(w, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - geometry.mid(
        w, L.LEFT_HIP, L.RIGHT_HIP
    )
    length_px = bone / np.linalg.norm(w_axis, axis=1) * trunk_len
    along = np.einsum("ij,ij->i", k_px - h_px, -trunk / trunk_len[:, None])
    image = np.degrees(np.arccos(np.clip(along / length_px, -1.0, 1.0)))
    # hybrid: image-plane components in metres, depth from the world (trunk) or the bone (thigh)
    t_w = h_w - s_w
    scale = np.linalg.norm(h_px - s_px, axis=1) / np.linalg.norm(t_w[:, :2], axis=1)
    trunk3 = np.concatenate([(h_px - s_px) / scale[:, None], t_w[:, 2:3]], axis=1)
    plane = (k_px - h_px) / scale[:, None]
    depth = np.sqrt(np.maximum(0.0, bone**2 - np.sum(plane**2, axis=1)))
    thigh3 = np.concatenate([plane, (np.sign(k_w[:, 2] - h_w[:, 2]) * depth)[:, None]], axis=1)
    hybrid = geometry.angle_between(trunk3, thigh3)
    known = np.isfinite(side)
    return np.where(known, image, np.nan), np.where(known, hybrid, np.nan)


_PAIRS = (
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    (L.LEFT_HIP, L.RIGHT_HIP),
    (L.LEFT_KNEE, L.RIGHT_KNEE),
)


def agreement(cid: str) -> list[tuple[float, float]]:
    """(agreement, wrong-pass share) of the top-knee check on the clip: world, image, hybrid."""
    lm, tr, _ = warm(cid)
    n = min(len(lm), tr["frame"].size)
    label = tr["top_knee_at_90"][:n] == 1
    out = []
    for values in (joints.top_hip_flexion_deg(lm)[:n], *(v[:n] for v in flexions(lm))):
        passed = (values >= LOW) & (values <= HIGH)
        out.append((float(np.mean(passed == label)), float(np.mean(passed & ~label))))
    return out


def row(cid: str) -> str:
    lm, tr, top = warm(cid)
    n = min(len(lm), tr["frame"].size)
    px, vis = lm.pixels()[:n], lm.visibility()[:n]
    bottom = "left" if top == "right" else "right"
    idx = {"left": (L.LEFT_KNEE, L.LEFT_ANKLE), "right": (L.RIGHT_KNEE, L.RIGHT_ANKLE)}
    trunk = geometry.trunk_px(lm)[:n]
    trunk_len = np.linalg.norm(trunk, axis=1)
    along_u = -trunk / trunk_len[:, None]
    across_u = np.stack([-along_u[:, 1], along_u[:, 0]], axis=1)

    def err(name: str, side: str, j: int) -> tuple[np.ndarray, np.ndarray]:
        e = px[:, j] - np.stack([tr[f"{side}_{name}_u"][:n], tr[f"{side}_{name}_v"][:n]], 1)
        return np.abs(np.einsum("ij,ij->i", e, along_u)), np.abs(np.einsum("ij,ij->i", e, across_u))

    knee_al, knee_ac = err("knee", top, idx[top][0])
    ank_al, ank_ac = err("ankle", top, idx[top][1])
    deg_px = joints.LEG_DROP_TWIST_DEG / float(np.nanmedian(trunk_len))
    hip = px[:, L.LEFT_HIP if top == "left" else L.RIGHT_HIP]
    reference = (hip + px[:, idx[bottom][1]]) / 2
    jitter = [
        float(np.nanmedian(np.abs(np.diff(np.einsum("ij,ij->i", p, across_u)))))
        for p in (px[:, idx[top][1]], reference)
    ]
    label = tr["top_knee_at_90"][:n] == 1
    cells = []
    image, hybrid = flexions(lm)
    for values in (joints.top_hip_flexion_deg(lm)[:n], image[:n], hybrid[:n]):
        passed = (values >= LOW) & (values <= HIGH)
        cells.append(
            f"{np.nanmedian(values):.0f} ({np.nanmin(values):.0f}–{np.nanmax(values):.0f}) "
            f"{np.mean(passed == label):.2f} / {np.mean(passed & ~label):.2f}"
        )
    return (
        f"| `{cid}` | {np.median(tr['top_hip_flexion_deg'][:n]):.0f} | "
        f"{np.median(knee_al):.0f} / {np.max(knee_al):.0f} | {np.median(knee_ac):.0f} / "
        f"{np.max(knee_ac):.0f} | {np.min(vis[:, idx[top][0]]):.2f} | "
        f"{np.median(ank_ac):.0f} / {np.max(ank_ac):.0f} | {deg_px:.1f} | "
        f"{jitter[0]:.2f} / {jitter[1]:.2f} | " + " | ".join(cells) + " |"
    )


HEADER = (
    "| clip | true top hip ° | top knee 2D error along trunk px (median / max) "
    "| across (median / max) | top knee visibility (min) | top ankle error across px "
    "| twist ° per px | drop jitter px/frame (top ankle / reference) "
    "| world ° (range) agreement / wrong passes | image ° … | hybrid ° … |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def _off(receiver_pose):  # type: ignore[no-untyped-def]
    """The grey mask left off: every crop goes to MediaPipe as it is."""
    masked = receiver_pose.masked
    return "masked", lambda image, crop, mask: masked(image, crop, None)


def _once(receiver_pose):  # type: ignore[no-untyped-def]
    """The grey mask drawn once and never redrawn (unless the crop moves)."""
    return "MaskBasis.same_drawing", lambda self, other: True


def _wide_cutout(receiver_pose):  # type: ignore[no-untyped-def]
    """The receiver's cut-out from the grey drawn twice as wide."""
    body_mask = receiver_pose.body_mask

    def others_mask(receiver, others, crop):  # type: ignore[no-untyped-def]
        if not others:
            return None
        theirs = np.zeros((crop.y1 - crop.y0, crop.x1 - crop.x0), bool)
        for kp, box in others:
            theirs |= body_mask(kp, box, crop, scale=receiver_pose.OTHERS_SCALE)
        return theirs & ~body_mask(*receiver, crop, scale=2.0)

    return "others_mask", others_mask


def _others(receiver_pose, scale: float, skip: frozenset[tuple[int, int]]):  # type: ignore[no-untyped-def]
    """Everyone else's grey drawn at `scale` without the skeleton edges `skip`."""
    body_mask = receiver_pose.body_mask

    def others_mask(receiver, others, crop):  # type: ignore[no-untyped-def]
        if not others:
            return None
        theirs = np.zeros((crop.y1 - crop.y0, crop.x1 - crop.x0), bool)
        edges = receiver_pose.EDGES
        receiver_pose.EDGES = tuple(e for e in edges if e not in skip)
        try:
            for kp, box in others:
                theirs |= body_mask(kp, box, crop, scale=scale)
        finally:
            receiver_pose.EDGES = edges
        return theirs & ~body_mask(*receiver, crop)

    return "others_mask", others_mask


#: The assistant's arms (COCO shoulder–elbow–wrist edges).
ARMS = frozenset({(5, 7), (7, 9), (6, 8), (8, 10)})


#: The grey mask's variants tried (`--mask`): the row's label → what is replaced in
#: `adapters/receiver_pose.py` for the run (an experiment, not a configuration of the app).
VARIANTS = {
    "off": _off,
    "drawn once": _once,
    "receiver cut-out ×2": _wide_cutout,
    "others without arms": lambda rp: _others(rp, rp.OTHERS_SCALE, ARMS),
    "others ×1.0": lambda rp: _others(rp, 1.0, frozenset()),
}


def variant_estimate(cid: str, variant: str):  # type: ignore[no-untyped-def]
    """As `receiver_truth.warm_estimate`, with one of `VARIANTS` (not cached)."""
    from degrade import frames

    from backbuddy.adapters import receiver_pose
    from backbuddy.adapters.looks import InLine
    from backbuddy.adapters.mediapipe_pose import PoseModel
    from backbuddy.adapters.movenet import PeopleDetector
    from backbuddy.motion.landmarks import stack
    from backbuddy.services.analyze import identity_unsure

    name, replacement = VARIANTS[variant](receiver_pose)
    owner, attr = (
        (receiver_pose.MaskBasis, "same_drawing") if "." in name else (receiver_pose, name)
    )
    saved = getattr(owner, attr)
    setattr(owner, attr, replacement)
    rows, unsure, index, size = [], [], [], (0, 0)
    try:
        with receiver_pose.ReceiverPose(
            PeopleDetector(), PoseModel, every=receiver_pose.EVERY, looks=InLine
        ) as model:
            model.receiver_lies(receiver_truth.lies(cid))
            for i, t, rgb in frames(cid, measure.WARM):
                image, world = model.estimate(rgb, t)
                rows.append((t, image, world))
                unsure.append(identity_unsure(model))
                index.append(i)
                size = (rgb.shape[1], rgb.shape[0])
    finally:
        setattr(owner, attr, saved)
    return stack(rows, size, unsure), np.array(index)


def pipeline(cid: str, lm, index) -> str:  # type: ignore[no-untyped-def]
    """One table row's cells: the whole pipeline on the clip's warm two-person landmarks."""
    meta = next(m for m in measure.clips() if m["id"] == cid)
    run = receiver_truth.monitored(meta, lm, index)
    r, trace, tr, live, pre, n = run.result, run.trace, run.truth, run.live, run.pre, run.n
    on, acted, stop = run.on, run.acted, measure._f(run.stop, 0)
    left = np.nanmean(np.abs(tr["left_hip_flexion_deg"] - tr["top_hip_flexion_deg"])) < 1
    top = "left" if left else "right"
    knee = live.pixels()[:n, L.LEFT_KNEE if top == "left" else L.RIGHT_KNEE]
    rows = index[pre:][:n]
    true_knee = np.stack([tr[f"{top}_knee_u"][rows], tr[f"{top}_knee_v"][rows]], axis=1)
    knee_err = np.linalg.norm(knee - true_knee, axis=1)
    agree = ", ".join(f"{k} {v:.2f}" for k, v in r.check_agree.items())
    false_halt = "yes" if r.false_halt else "no"
    return (
        f"{np.nanmedian(knee_err):.0f} / {np.nanmax(knee_err):.0f} "
        f"| {agree} | {measure._f(r.speed_err, 2)} | {r.peak_read:.0f} "
        f"| {measure._f(r.halt_latency, 0)} | {stop} | {false_halt} "
        f"| {100 * float(np.mean(trace.unsure[:n])):.0f} % | {int(np.sum(acted & ~on))} |"
    )


MASK_HEADER = (
    "| clip | grey mask | top knee 2D error px (median / max) | check agreement | speed err °/s "
    "| peak read °/s | halt frames "
    "| halt or pause | false halt | unsure | acted on, not the receiver |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str]) -> int:
    every = "--all" in argv
    mask = "--mask" in argv
    argv = [a for a in argv if a not in ("--all", "--mask")]
    side = [m for m in measure.clips() if m["technique"] == "side_lying_rotation"]
    ids = argv or [m["id"] for m in side if "front_floor" in m["id"]]
    if mask:
        print(MASK_HEADER)
        for cid in (c for c in ids if "_with_" in c):
            lm, index = receiver_truth.warm_estimate(cid, cache=CACHE)
            print(f"| `{cid}` | on (the app) | {pipeline(cid, lm, index)}", flush=True)
            for variant in VARIANTS:
                cells = pipeline(cid, *variant_estimate(cid, variant))
                print(f"| | {variant} | {cells}", flush=True)
        return 0
    print(HEADER)
    for cid in ids:
        print(row(cid), flush=True)
    if every:
        print("\n| placement | clips | world agreement / wrong passes | image … | hybrid … |")
        print("|---|---|---|---|---|")
        by: dict[str, list[list[tuple[float, float]]]] = {}
        for m in side:
            if not m["assistant"]:
                by.setdefault(m["camera"], []).append(agreement(m["id"]))
        for camera, rows in by.items():
            cells = [
                f"{np.mean([r[k][0] for r in rows]):.2f} / {np.mean([r[k][1] for r in rows]):.2f}"
                for k in range(3)
            ]
            print(f"| {camera} | {len(rows)} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
