"""Sanity check of the truth clips with MediaPipe Pose, before any calibration.

Run with the app's venv (it has mediapipe==0.10.14 and OpenCV), not the renderer's:

    .venv/bin/python tools/render_truth/mediapipe_check.py [--truth tests/data/truth] [--json OUT]

For every clip it runs `mp.solutions.pose.Pose(model_complexity=1)` in video mode over the mp4
and compares with the clip's CSV: detection rate, 2D joint error (pixels), the raw 2D trunk angle
(hip-mid -> shoulder-mid in the image) against the true projected angle and against the true 3D
trunk incline, the primary measure's amplitude and peak speed as read raw (no filter, no gain):
seated hug from the 2D image angle and from MediaPipe's world landmarks; side-lying twist from the
world landmarks. Then it prints per-placement tables (markdown).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import mediapipe as mp
import numpy as np

JOINTS = {  # truth keypoint -> MediaPipe landmark index
    "nose": 0,
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_elbow": 13,
    "right_elbow": 14,
    "left_wrist": 15,
    "right_wrist": 16,
    "left_hip": 23,
    "right_hip": 24,
    "left_knee": 25,
    "right_knee": 26,
    "left_ankle": 27,
    "right_ankle": 28,
}


def run_pose(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(T x 33 x 3 image px + visibility, T x 33 x 3 world m, detected mask, fps)."""
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    img, world, det = [], [], []
    with mp.solutions.pose.Pose(
        model_complexity=1, static_image_mode=False, smooth_landmarks=True
    ) as pose:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            h, w = frame.shape[:2]
            res = pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            if res.pose_landmarks is None:
                img.append(np.full((33, 3), np.nan))
                world.append(np.full((33, 3), np.nan))
                det.append(False)
                continue
            img.append(
                np.array(
                    [[lm.x * w, lm.y * h, lm.visibility] for lm in res.pose_landmarks.landmark]
                )
            )
            world.append(np.array([[lm.x, lm.y, lm.z] for lm in res.pose_world_landmarks.landmark]))
            det.append(True)
    cap.release()
    return np.array(img), np.array(world), np.array(det), fps


def image_angle(sh_l, sh_r, hip_l, hip_r, back_sign):
    d = (sh_l + sh_r) / 2 - (hip_l + hip_r) / 2
    return np.degrees(np.arctan2(back_sign * d[..., 0], -d[..., 1]))


def world_twist(w: np.ndarray) -> np.ndarray:
    """Same convention as the truth's shoulder_hip_twist_deg, on MediaPipe world landmarks
    (x right, y down, z away from the camera: right-handed)."""
    sh = (w[:, 11] + w[:, 12]) / 2
    hp = (w[:, 23] + w[:, 24]) / 2
    a = sh - hp
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    h = w[:, 23] - w[:, 24]
    s = w[:, 11] - w[:, 12]
    h = h - np.sum(h * a, 1, keepdims=True) * a
    s = s - np.sum(s * a, 1, keepdims=True) * a
    tw = np.degrees(np.arctan2(np.sum(np.cross(h, s) * a, 1), np.sum(h * s, 1)))
    return (tw + 90.0) % 180.0 - 90.0


def world_tilt(w: np.ndarray) -> np.ndarray:
    """Unsigned trunk angle from MediaPipe's world 'up' (-y)."""
    t = (w[:, 11] + w[:, 12]) / 2 - (w[:, 23] + w[:, 24]) / 2
    c = -t[:, 1] / np.linalg.norm(t, axis=1)
    return np.degrees(np.arccos(np.clip(c, -1, 1)))


def check_clip(truth: Path, cid: str) -> dict:
    meta = json.loads((truth / f"{cid}.json").read_text())
    with open(truth / f"{cid}.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    col = lambda name: np.array([float(r[name]) if r[name] != "" else np.nan for r in rows])  # noqa: E731
    img, world, det, fps = run_pose(truth / f"{cid}.mp4")
    n = min(len(rows), len(det))
    img, world, det = img[:n], world[:n], det[:n]
    back_sign = 1.0 if meta["camera"]["back_faces_image"] == "right" else -1.0
    out = {
        "id": cid,
        "technique": meta["technique"],
        "setup": meta["setup"],
        "motion": meta["motion_name"],
        "camera": meta["camera"]["placement"],
        "body": meta["body"]["id"],
        "frames": n,
        "detected": int(det.sum()),
        "peak_true_deg_s": meta["peak_primary_speed_deg_s"],
    }
    if det.sum() == 0:
        return out
    errs = []
    for name, idx in JOINTS.items():
        tu, tv = col(f"{name}_u")[:n], col(f"{name}_v")[:n]
        errs.append(np.hypot(img[:, idx, 0] - tu, img[:, idx, 1] - tv))
    errs = np.array(errs)  # J x T
    out["assistant"] = meta.get("assistant") and meta["assistant"]["body"]
    if out["assistant"]:  # which person did MediaPipe follow, frame by frame?
        a_err = np.array(
            [
                np.hypot(
                    img[:, idx, 0] - col(f"assistant_{name}_u")[:n],
                    img[:, idx, 1] - col(f"assistant_{name}_v")[:n],
                )
                for name, idx in JOINTS.items()
            ]
        )
        on_assistant = np.nanmedian(a_err, axis=0) < np.nanmedian(errs, axis=0)
        out["frames_on_assistant"] = int(on_assistant.sum())
        names = list(JOINTS)
        for part, group in (
            ("head_shoulders", ["nose", "left_shoulder", "right_shoulder"]),
            ("hips_knees", ["left_hip", "right_hip", "left_knee", "right_knee"]),
        ):
            ix = [names.index(g) for g in group]
            out[f"{part}_on_assistant_fraction"] = float(
                np.mean(np.nanmean(a_err[ix], axis=0) < np.nanmean(errs[ix], axis=0))
            )
    out["joint_err_px_median"] = float(np.nanmedian(errs))
    out["joint_err_px_p90"] = float(np.nanpercentile(errs, 90))
    out["joint_err_px_by_joint"] = {
        k: round(float(np.nanmedian(e)), 1) for k, e in zip(JOINTS, errs, strict=True)
    }
    mp_angle = image_angle(
        img[:, 11, :2], img[:, 12, :2], img[:, 23, :2], img[:, 24, :2], back_sign
    )
    if meta["technique"] == "side_lying_rotation":  # lying: unsigned angle from upright
        mp_angle = np.abs(mp_angle)
        true_2d, true_3d = col("image_trunk_incline_deg")[:n], col("trunk_incline_deg")[:n]
    else:  # seated: signed lean, + = leaning back
        true_2d, true_3d = col("image_trunk_lean_deg")[:n], col("trunk_lean_deg")[:n]
    out["trunk2d_err_vs_projected_deg"] = float(np.nanmedian(np.abs(mp_angle - true_2d)))
    out["trunk2d_bias_vs_projected_deg"] = float(np.nanmedian(mp_angle - true_2d))
    out["trunk2d_err_vs_true3d_deg"] = float(np.nanmedian(np.abs(mp_angle - true_3d)))
    out["trunk2d_bias_vs_true3d_deg"] = float(np.nanmedian(mp_angle - true_3d))
    prim = col("primary_deg")[:n]
    if meta["motion_name"] != "setup":
        base = slice(0, 10)  # the first 1/3 s is a hold in every motion
        true_amp = float(prim.max())
        if meta["technique"] == "seated_hug_extension":
            read_2d = mp_angle - np.nanmean(mp_angle[base])
            read_w = world_tilt(world) - np.nanmean(world_tilt(world)[base])
            reads = {"2d": read_2d, "world": read_w}
        else:
            tw = world_twist(world)
            reads = {"world": -(tw - np.nanmean(tw[base]))}
        for k, r in reads.items():
            spd = np.gradient(r) * fps
            out[f"amp_read_{k}_deg"] = float(np.nanmax(r[-10:]))
            out[f"amp_ratio_{k}"] = float(np.nanmax(r[-10:]) / true_amp)
            out[f"peak_speed_read_{k}_deg_s"] = float(np.nanmax(np.abs(spd)))
        out["true_amp_deg"] = true_amp
    return out


def fmt(x, nd=1):
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{nd}f}"


def tables(results: list[dict]) -> str:
    lines = []
    two = [r for r in results if r.get("assistant")]
    results = [r for r in results if not r.get("assistant")]
    for tech in ("seated_hug_extension", "side_lying_rotation"):
        rs = [r for r in results if r["technique"] == tech]
        if not rs:
            continue
        by = defaultdict(list)
        for r in rs:
            by[r["camera"]].append(r)
        lines.append(f"\n### {tech}: per camera placement (all clips)\n")
        lines.append(
            "| placement | clips | frames | detected | joint err px (median / p90) "
            "| 2D trunk angle: median abs err (bias) vs projected truth ° "
            "| 2D trunk angle: median abs err (bias) vs true 3D angle ° |"
        )
        lines.append("|---|---|---|---|---|---|---|")
        for cam, g in by.items():
            fr = sum(r["frames"] for r in g)
            de = sum(r["detected"] for r in g)

            def med(k, g=g):
                return float(np.nanmedian([r.get(k, np.nan) for r in g]))

            lines.append(
                f"| {cam} | {len(g)} | {fr} | {de / fr:.3f} | {fmt(med('joint_err_px_median'))} / "
                f"{fmt(med('joint_err_px_p90'))} | {fmt(med('trunk2d_err_vs_projected_deg'))} "
                f"({fmt(med('trunk2d_bias_vs_projected_deg'), 1)}) | "
                f"{fmt(med('trunk2d_err_vs_true3d_deg'))} ({fmt(med('trunk2d_bias_vs_true3d_deg'))}) |"
            )
        mv = [r for r in rs if r["motion"] != "setup"]
        if mv:
            lines.append(
                f"\n### {tech}: movements, primary measure read raw (no filter, no calibration)\n"
            )
            keys = ["2d", "world"] if tech == "seated_hug_extension" else ["world"]
            head = (
                "| clip | placement | true amplitude ° | true peak °/s | "
                + " | ".join(f"{k}: amplitude read ° | {k}: peak speed read °/s" for k in keys)
                + " |"
            )
            lines.append(head)
            lines.append("|" + "---|" * (4 + 2 * len(keys)))
            for r in mv:
                cells = [
                    r["id"],
                    r["camera"],
                    fmt(r.get("true_amp_deg")),
                    fmt(r["peak_true_deg_s"]),
                ]
                for k in keys:
                    cells += [
                        fmt(r.get(f"amp_read_{k}_deg")),
                        fmt(r.get(f"peak_speed_read_{k}_deg_s")),
                    ]
                lines.append("| " + " | ".join(cells) + " |")
    if two:
        lines.append("\n### Two people (the assistant behind the receiver)\n")
        lines.append(
            "| clip | placement | frames | detected | frames on the assistant (most joints) "
            "| head+shoulders on the assistant | hips+knees on the assistant "
            "| joint err px vs receiver (median) | 2D trunk angle err vs projected truth ° |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for r in two:
            lines.append(
                f"| {r['id']} | {r['camera']} | {r['frames']} | {r['detected']} | "
                f"{r.get('frames_on_assistant', '–')} | "
                f"{fmt(100 * r.get('head_shoulders_on_assistant_fraction', np.nan), 0)} % | "
                f"{fmt(100 * r.get('hips_knees_on_assistant_fraction', np.nan), 0)} % | "
                f"{fmt(r.get('joint_err_px_median'))} | "
                f"{fmt(r.get('trunk2d_err_vs_projected_deg'))} |"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--truth", default=str(Path(__file__).resolve().parents[2] / "tests" / "data" / "truth")
    )
    ap.add_argument("--json", default=None, help="write per-clip results here")
    ap.add_argument("--only", default="*")
    a = ap.parse_args(argv)
    truth = Path(a.truth)
    ids = sorted(p.stem for p in truth.glob(f"{a.only}.mp4"))
    results = []
    for cid in ids:
        r = check_clip(truth, cid)
        results.append(r)
        print(
            f"{cid}: detected {r['detected']}/{r['frames']}, joint err {fmt(r.get('joint_err_px_median'))} px, "
            f"2D trunk err {fmt(r.get('trunk2d_err_vs_projected_deg'))}°",
            file=sys.stderr,
            flush=True,
        )
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1) + "\n")
    print(tables(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
