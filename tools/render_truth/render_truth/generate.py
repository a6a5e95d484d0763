"""Render the truth clips described in scenes.yaml: an mp4 plus a per-frame CSV of true values
and a JSON sidecar per clip, and a manifest (clips.csv) for the set.

    python -m render_truth.generate --scenes scenes.yaml --out ../../tests/data/truth [--only GLOB]
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

import numpy as np  # noqa: E402
import pyrender  # noqa: E402
import yaml  # noqa: E402
from scipy.interpolate import CubicSpline  # noqa: E402

from . import measures as M  # noqa: E402
from .assistant import hug_assistant_frames, receiver_back_vertex, side_assistant_frames  # noqa: E402
from .body import KEYPOINTS, KP, KP_NAMES, Body  # noqa: E402
from .poses import (  # noqa: E402
    LYING_LEFT_TO_WORLD,
    SEATED_TO_WORLD,
    hug_motion,
    hug_setup,
    side_motion,
    side_setup,
)
from .render import Camera, Mp4Writer, Renderer, box, look_at  # noqa: E402
from .scene import ClipSpec, Look, Scenes, load  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
TECH_DIR = REPO / "src" / "backbuddy" / "data" / "techniques"
GENERATOR_VERSION = "1"
OCCLUSION_TOLERANCE_M = 0.12
# Per-frame true angles (degrees) written with their speeds; names follow the app's measures
# (src/backbuddy/motion/angles.py, joints.py). See README.md for each convention.
ANGLE_COLUMNS = [
    "trunk_incline_deg",
    "trunk_lean_deg",
    "trunk_extension_deg",
    "shoulder_hip_twist_deg",
    "twist_change_deg",
    "left_hip_flexion_deg",
    "right_hip_flexion_deg",
    "left_knee_flexion_deg",
    "right_knee_flexion_deg",
    "left_elbow_flexion_deg",
    "right_elbow_flexion_deg",
    "top_hip_flexion_deg",
    "bottom_knee_flexion_deg",
    "chin_tuck_deg",
    "primary_deg",
]


_BODIES: dict = {}


def get_body(phenotype) -> Body:
    if phenotype not in _BODIES:
        _BODIES[phenotype] = Body(phenotype)
    return _BODIES[phenotype]


# ---------------------------------------------------------------------------------------------
# motion profile
def profile(segments, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Target primary-measure change (deg) and its speed (deg/s) at times t, from hold/move
    segments; a move has a cosine velocity profile v = (A/T)(1 - cos(2 pi tau / T)), peak 2A/T."""
    pos = np.zeros_like(t)
    vel = np.zeros_like(t)
    start, level = 0.0, 0.0
    for seg in segments:
        d = seg.duration
        tau = np.clip(t - start, 0.0, d)
        if seg.kind == "move":
            A, T = seg.amplitude_deg, d
            inside = (t > start) & (t < start + d)
            pos = np.where(
                t >= start, level + A * (tau / T - np.sin(2 * np.pi * tau / T) / (2 * np.pi)), pos
            )
            vel = np.where(inside, (A / T) * (1 - np.cos(2 * np.pi * tau / T)), vel)
            level += A
        else:
            pos = np.where(t >= start, level, pos)
        start += d
    return pos, vel


def smooth01(x: np.ndarray) -> np.ndarray:
    """0 -> 1 with zero speed at both ends (a cosine ease)."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


def blend_pose(a: dict, b: dict, w: float) -> dict:
    """Bone rotations between two poses (w = 0: a, 1: b), each bone by spherical interpolation."""
    from scipy.spatial.transform import Rotation, Slerp

    out = {}
    for k in set(a) | set(b):
        ra, rb = a.get(k, np.eye(3)), b.get(k, np.eye(3))
        out[k] = Slerp([0.0, 1.0], Rotation.from_matrix(np.stack([ra, rb])))([w]).as_matrix()[0]
    return out


def num(x: float, nd: int = 3) -> str:
    return "" if not np.isfinite(x) else f"{x:.{nd}f}"


def technique_checks(technique: str) -> list[dict]:
    return yaml.safe_load((TECH_DIR / f"{technique}.yaml").read_text())["checks"]


# ---------------------------------------------------------------------------------------------
def vertex_colors(body: Body, look: Look) -> np.ndarray:
    labels = body.labels
    names = np.array([labels[i] for i in body.vertex_bone])
    skin, hair = np.array(look.skin), np.array(look.hair)
    col = np.tile(np.array(look.shirt, float), (len(names), 1))

    def has(*prefixes):
        return np.array([any(n.startswith(p) for p in prefixes) for n in names])

    col[has("root", "pelvis", "upperleg", "lowerleg")] = look.trousers
    col[has("neck", "head", "eye", "wrist", "finger", "metacarpal")] = skin
    if not look.long_sleeves:
        col[has("lowerarm")] = skin
    feet = has("foot", "toe")
    col[feet] = skin if look.feet is None else look.feet
    # hair: the head's vertices above the eyes or behind the ears (rest pose)
    v = body.rest_verts_np
    eye_z = body.rest_heads[body.index["eye.L"]][2]
    head_y = body.rest_heads[body.index["head"]][1]
    headish = has("head", "neck03")
    col[
        headish
        & ((v[:, 2] > eye_z + 0.035) | ((v[:, 1] > head_y + 0.03) & (v[:, 2] > eye_z - 0.07)))
    ] = hair
    rgba = np.concatenate([col, np.ones((len(col), 1))], 1)
    return (np.clip(rgba, 0, 1) * 255).astype(np.uint8)


def light_nodes(light, cam_pose: np.ndarray, target: np.ndarray):
    eye = cam_pose[:3, 3]
    base_az = math.atan2(eye[1] - target[1], eye[0] - target[0])
    out = []
    for intensity, daz, el in (
        (light.key, light.key_azimuth_deg, light.key_elevation_deg),
        (light.fill, -light.key_azimuth_deg * 1.5, 15.0),
    ):
        if intensity <= 0:
            continue
        az = base_az + math.radians(daz)
        d = np.array(
            [
                math.cos(az) * math.cos(math.radians(el)),
                math.sin(az) * math.cos(math.radians(el)),
                math.sin(math.radians(el)),
            ]
        )
        pose = look_at(target + 3 * d, target)
        out.append(
            (pyrender.DirectionalLight(color=np.array(light.color), intensity=intensity), pose)
        )
    return out


# ---------------------------------------------------------------------------------------------
def render_clip(clip: ClipSpec, scenes: Scenes, out_dir: Path) -> dict:
    t0 = time.time()
    bspec = scenes.bodies[clip.body]
    cspec = scenes.cameras[clip.technique][clip.camera]
    light = scenes.lights[clip.light]
    body = get_body(bspec.phenotype)
    fps = scenes.fps
    hug = clip.technique == "seated_hug_extension"
    if hug:
        base, tuck = hug_setup(body, clip.setup)
        motion_fn, R = hug_motion, SEATED_TO_WORLD
    else:
        base, tuck = side_setup(body, clip.setup)
        motion_fn, R = side_motion, LYING_LEFT_TO_WORLD
    W, H = clip.size or scenes.size["seated" if hug else "lying"]

    # primary measure as a function of the motion parameter s, to invert the target profile
    grid = np.linspace(0.0, 45.0, 91)
    _, kg = body.skin(body.pose_tensor([motion_fn(base, s) for s in grid]))
    kg = kg @ R.T
    if hug:
        prim = M.trunk_lean_deg(kg) - M.trunk_lean_deg(kg[0])
    else:
        tw = M.shoulder_hip_twist_deg(kg)
        prim = -(tw - tw[0])  # the technique turns the shoulders back: twist grows negative
    if np.any(np.diff(prim) <= 0):
        raise RuntimeError(f"{clip.id}: primary measure not monotonic in the motion parameter")

    duration = sum(seg.duration for seg in clip.motion)
    n = int(math.ceil(duration * fps - 1e-9)) + 1
    t = np.arange(n) / fps
    h = 1.0 / (fps * 20)
    target, target_speed = profile(clip.motion, t)
    if target.max() > prim[-1]:
        raise RuntimeError(f"{clip.id}: profile beyond the renderable range ({prim[-1]:.1f} deg)")

    inverse = CubicSpline(prim, grid)  # the measure is smooth in s; a spline keeps speeds exact

    def s_of(tt):
        return inverse(profile(clip.motion, tt)[0])

    s_now, s_minus, s_plus = s_of(t), s_of(t - h), s_of(t + h)

    # the receiver's arms dropping from crossed to hanging (a wrong set-up begun once seen right)
    if clip.arms_drop:
        hanging, _ = hug_setup(body, "arms_hanging")
        w_drop = smooth01((t - clip.arms_drop[0]) / max(clip.arms_drop[1], 1e-6))
        bases = [blend_pose(base, hanging, float(w)) for w in w_drop]
    else:
        bases = [base] * n

    # skin every frame (and the +-h neighbours for exact speeds), batched
    verts, kps, kps_m, kps_p = [], [], [], []
    for i in range(0, n, 32):
        sl = slice(i, min(n, i + 32))
        bs = bases[sl]
        v, k = body.skin(body.pose_tensor([motion_fn(b, s) for b, s in zip(bs, s_now[sl])]))
        verts.append(v)
        kps.append(k)
        kps_m.append(
            body.skin(body.pose_tensor([motion_fn(b, s) for b, s in zip(bs, s_minus[sl])]))[1]
        )
        kps_p.append(
            body.skin(body.pose_tensor([motion_fn(b, s) for b, s in zip(bs, s_plus[sl])]))[1]
        )
    verts = np.concatenate(verts) @ R.T
    kps, kps_m, kps_p = (np.concatenate(a) @ R.T for a in (kps, kps_m, kps_p))

    # place the body in the room
    v0 = verts[0]
    props = []
    if hug:
        names = [body.labels[i] for i in body.vertex_bone]
        feet = np.array([n.startswith(("foot", "toe")) for n in names])
        seat = np.array([n.startswith(("root", "pelvis", "upperleg01")) for n in names])
        hipmid = (kps[0, KP["left_hip"]] + kps[0, KP["right_hip"]]) / 2
        shift = np.array([-hipmid[0], -hipmid[1], -v0[feet, 2].min()])
        seat_v = v0[seat] + shift
        seat_v = seat_v[seat_v[:, 1] > -0.12]  # buttocks and back of the thighs
        stool_h = float(seat_v[:, 2].min())
        props.append(box([0.40, 0.38, stool_h], [0.0, 0.05, stool_h / 2], (0.42, 0.30, 0.22)))
        support = {"stool_height_m": round(stool_h, 3)}
    else:
        mat_top = 0.02
        c = (v0.min(0) + v0.max(0)) / 2
        shift = np.array([-c[0], -c[1], mat_top - v0[:, 2].min()])
        props.append(box([2.0, 0.75, mat_top], [0.0, 0.05, mat_top / 2], (0.25, 0.45, 0.42)))
        support = {"mat_top_m": mat_top}
    verts = verts + shift
    kps, kps_m, kps_p = kps + shift, kps_m + shift, kps_p + shift
    props += [
        box([9.0, 9.0, 0.02], [0, 0, -0.01], light.floor),
        box([9.0, 0.05, 4.0], [0, 2.4, 2.0], light.wall),
        box([0.05, 9.0, 4.0], [-3.4, 0, 2.0], light.wall),
        box([0.05, 9.0, 4.0], [3.4, 0, 2.0], tuple(0.95 * np.array(light.wall))),
        box([9.0, 0.05, 4.0], [0, -3.6, 2.0], light.wall),
    ]

    # the assistant, when there is one
    a_verts = a_kps = a_info = None
    if clip.assistant:
        abody = get_body(scenes.bodies[clip.assistant].phenotype)
        if hug:
            a_verts, a_kps, a_info = hug_assistant_frames(
                abody, verts, kps, receiver_back_vertex(body)
            )
        else:
            a_verts, a_kps, a_info = side_assistant_frames(abody, verts, kps)
        a_colors = vertex_colors(abody, scenes.bodies[clip.assistant].look)
        a_info = {"body": clip.assistant, "height_m": round(abody.height_m, 3), **a_info}

    # camera
    bb = (verts[0].min(0) + verts[0].max(0)) / 2
    az = math.radians(cspec.azimuth_deg)
    if a_verts is not None and clip.assistant_enters:
        # out of view to the side away from the camera and a little behind, in the pose he takes
        # hold in; then he comes in (a rigid glide, not a walk) and holds on as before
        alone, step = clip.assistant_enters
        arrive = min(n - 1, int(math.ceil((alone + step) * fps)))
        side = np.array([math.cos(az), math.sin(az), 0.0])  # the camera's image-right, on the floor
        if side[1] < 0:
            side = -side  # the side that is behind the receiver
        off = (1.0 - smooth01((t - alone) / max(step, 1e-6)))[:, None] * (
            2.6 * side + np.array([0, 0.4, 0])
        )
        for i in range(arrive):
            a_verts[i] = a_verts[arrive] + off[i]
            a_kps[i] = a_kps[arrive] + off[i]
        a_info = a_info | {
            "enters": {
                "alone_s": alone,
                "step_s": step,
                "from_m": np.round(off[0], 3).tolist(),
                "note": "out of view, then a rigid glide in the pose he takes hold in",
            }
        }
    eye = np.array(
        [
            bb[0] + cspec.distance_m * math.sin(az),
            bb[1] - cspec.distance_m * math.cos(az),
            cspec.height_m,
        ]
    )
    cam = Camera(W, H, cspec.yfov_deg, look_at(eye, bb))
    renderer = Renderer(
        cam, props, light_nodes(light, cam.pose, bb), light.ambient, light.background
    )
    colors = vertex_colors(body, bspec.look)

    # true measures at t and t +- h
    lean0 = M.trunk_lean_deg(kps[0])
    twist0 = M.shoulder_hip_twist_deg(kps[0])

    def measures(k):
        out = {
            "trunk_incline_deg": M.trunk_incline_deg(k),
            "trunk_lean_deg": M.trunk_lean_deg(k),
            "shoulder_hip_twist_deg": M.shoulder_hip_twist_deg(k),
            "chin_tuck_deg": M.chin_tuck_deg(k),
        }
        for side in ("left", "right"):
            out[f"{side}_hip_flexion_deg"] = M.hip_flexion_deg(k, side)
            out[f"{side}_knee_flexion_deg"] = M.knee_flexion_deg(k, side)
            out[f"{side}_elbow_flexion_deg"] = M.elbow_flexion_deg(k, side)
        nan = np.full(len(k), np.nan)
        # lying on the LEFT side: the right leg is on top
        out["top_hip_flexion_deg"] = nan if hug else out["right_hip_flexion_deg"]
        out["bottom_knee_flexion_deg"] = nan if hug else out["left_knee_flexion_deg"]
        out["trunk_extension_deg"] = out["trunk_lean_deg"] - lean0
        out["twist_change_deg"] = out["shoulder_hip_twist_deg"] - twist0
        out["primary_deg"] = out["trunk_extension_deg"] if hug else -out["twist_change_deg"]
        return out

    m_now, m_minus, m_plus = measures(kps), measures(kps_m), measures(kps_p)
    speeds = {c: (m_plus[c] - m_minus[c]) / (2 * h) for c in ANGLE_COLUMNS}
    err = np.abs(m_now["primary_deg"] - target).max()
    serr = np.abs(speeds["primary_deg"] - target_speed).max()
    if (
        clip.arms_drop
    ):  # the arms moving shifts the surface keypoints a little: record it, truth stays exact
        a_info = a_info or {}
    elif err > 0.02 or serr > 0.05:
        raise RuntimeError(
            f"{clip.id}: primary profile not reproduced (err {err:.3f} deg, {serr:.3f} deg/s)"
        )

    ratio = M.wrist_to_opposite_shoulder_ratio(kps)
    hl = kps[:, KP["left_hip"]] - kps[:, KP["right_hip"]]
    hip_line_from_vertical = np.degrees(np.arccos(np.abs(hl[:, 2]) / np.linalg.norm(hl, axis=1)))
    check_values = dict(m_now, wrist_to_opposite_shoulder_ratio=ratio)
    labels = {}
    checks = technique_checks(clip.technique)
    for chk in checks:
        if chk["measure"] not in check_values:
            raise RuntimeError(
                f"{clip.technique}.yaml check {chk['id']} reads {chk['measure']!r}, "
                f"which the renderer does not compute; add it to measures.py"
            )
        val = check_values[chk["measure"]]
        ok = (val >= chk["min"]) & (val <= chk["max"])
        if chk["id"] == "lying_on_side":
            ok &= hip_line_from_vertical <= 45.0  # on the side, not on the back or front
        labels[chk["id"]] = ok

    # image-side of the person's back, for the signed 2D trunk angle
    back = np.array([0.0, 1.0, 0.0])  # receiver faces world -Y in both techniques
    hm = (kps[0, KP["left_hip"]] + kps[0, KP["right_hip"]]) / 2
    duv = cam.project(np.stack([hm + 0.3 * back, hm]))[0]
    du = duv[0, 0] - duv[1, 0]
    back_sign = 1.0 if du >= -2.0 else -1.0

    # render
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = Mp4Writer(str(out_dir / f"{clip.id}.mp4"), W, H, fps)
    uv_all, depth_all, occl_all = [], [], []
    for i in range(n):
        if a_verts is None:
            rgb, zbuf = renderer.render(verts[i], body.faces, colors)
        else:
            rgb, zbuf = renderer.render(
                np.concatenate([verts[i], a_verts[i]]),
                np.concatenate([body.faces, abody.faces + len(verts[i])]),
                np.concatenate([colors, a_colors]),
            )
        writer.write(rgb)
        uv, depth = cam.project(kps[i])
        px = np.clip(np.floor(uv).astype(int), [0, 0], [W - 1, H - 1])
        zb = zbuf[px[:, 1], px[:, 0]]
        inside = (uv[:, 0] >= 0) & (uv[:, 0] < W) & (uv[:, 1] >= 0) & (uv[:, 1] < H)
        occl = inside & (zb > 0) & (zb < depth - OCCLUSION_TOLERANCE_M)
        uv_all.append(uv)
        depth_all.append(depth)
        occl_all.append(occl)
        if os.environ.get("TRUTH_PNG") and i in (0, n - 1):  # debugging aid: first and last frame
            from PIL import Image

            Image.fromarray(rgb).save(out_dir / f"{clip.id}.{'first' if i == 0 else 'last'}.png")
    writer.close()
    renderer.close()
    uv_all, depth_all, occl_all = np.array(uv_all), np.array(depth_all), np.array(occl_all)
    a_uv = None if a_kps is None else cam.project(a_kps)[0]
    if a_uv is not None:
        seen = (
            (a_uv[..., 0] >= 0) & (a_uv[..., 0] < W) & (a_uv[..., 1] >= 0) & (a_uv[..., 1] < H)
        ).any(1)
        a_info = a_info | {"first_frame_in_view": int(np.argmax(seen)) if seen.any() else None}
    img_incline = M.image_trunk_incline_deg(uv_all)
    img_lean = M.image_trunk_lean_deg(uv_all, back_sign)
    out_of_frame = ~(
        (uv_all[..., 0] >= 0) & (uv_all[..., 0] < W) & (uv_all[..., 1] >= 0) & (uv_all[..., 1] < H)
    )

    # CSV
    header = ["frame", "t_s", "s_param_deg"]
    header += ANGLE_COLUMNS + [c.replace("_deg", "_speed_deg_s") for c in ANGLE_COLUMNS]
    header += [
        "wrist_to_opposite_shoulder_ratio",
        "neck_flexion_applied_deg",
        "image_trunk_incline_deg",
        "image_trunk_lean_deg",
    ]
    header += [c["id"] for c in checks]
    for name in KP_NAMES:
        header += [f"{name}_u", f"{name}_v", f"{name}_depth_m", f"{name}_occluded"]
    if a_uv is not None:
        for name in KP_NAMES:
            header += [f"assistant_{name}_u", f"assistant_{name}_v"]
    with open(out_dir / f"{clip.id}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(n):
            row = [i, f"{t[i]:.4f}", f"{s_now[i]:.3f}"]
            row += [num(m_now[c][i]) for c in ANGLE_COLUMNS]
            row += [num(speeds[c][i]) for c in ANGLE_COLUMNS]
            row += [num(ratio[i], 4), f"{tuck:.1f}", num(img_incline[i]), num(img_lean[i])]
            row += [int(labels[c["id"]][i]) for c in checks]
            for j in range(len(KP_NAMES)):
                row += [
                    f"{uv_all[i, j, 0]:.2f}",
                    f"{uv_all[i, j, 1]:.2f}",
                    f"{depth_all[i, j]:.3f}",
                    int(occl_all[i, j]),
                ]
            if a_uv is not None:
                for j in range(len(KP_NAMES)):
                    row += [f"{a_uv[i, j, 0]:.2f}", f"{a_uv[i, j, 1]:.2f}"]
            w.writerow(row)

    moves = [s for s in clip.motion if s.kind == "move"]
    meta = {
        "id": clip.id,
        "generator_version": GENERATOR_VERSION,
        "technique": clip.technique,
        "setup": clip.setup,
        "motion_name": clip.motion_name,
        "motion": [
            {
                "kind": s.kind,
                "seconds": round(s.duration, 4),
                "amplitude_deg": s.amplitude_deg,
                "peak_deg_s": s.peak_deg_s,
            }
            for s in clip.motion
        ],
        "peak_primary_speed_deg_s": max([s.peak_deg_s for s in moves], default=0.0),
        "primary_measure": "trunk_extension_deg"
        if hug
        else "shoulder_hip_twist_deg (change, + = more twist)",
        "frames": n,
        "fps": fps,
        "size": [W, H],
        "body": {
            "id": bspec.id,
            "phenotype": vars(bspec.phenotype)
            | {"anny_age": round(body.phenotype.kwargs()["age"], 4)},
            "height_m": round(body.height_m, 3),
            "mass_kg_est": round(body.mass_kg, 1),
            "bmi_est": round(body.bmi, 1),
            "look": vars(bspec.look),
            "note": bspec.note,
        },
        "camera": {
            "placement": cspec.id,
            "azimuth_deg": cspec.azimuth_deg,
            "height_m": cspec.height_m,
            "distance_m": cspec.distance_m,
            "yfov_deg": cspec.yfov_deg,
            "K": np.round(cam.K, 4).tolist(),
            "camera_to_world": np.round(cam.pose, 6).tolist(),
            "look_at": np.round(bb, 4).tolist(),
            "back_faces_image": "right" if back_sign > 0 else "left",
        },
        "light": vars(light),
        "support": support,
        "assistant": a_info,
        "neck_flexion_applied_deg": tuck,
        "arms_drop": None
        if not clip.arms_drop
        else {
            "start_s": clip.arms_drop[0],
            "seconds": clip.arms_drop[1],
            "primary_err_deg": round(float(err), 3),
        },
        "labels_all_frames": {k: bool(v.all()) for k, v in labels.items()},
        "labels_any_frame": {k: bool(v.any()) for k, v in labels.items()},
        "ranges": {
            c: [round(float(m_now[c].min()), 3), round(float(m_now[c].max()), 3)]
            for c in ANGLE_COLUMNS
            if np.isfinite(m_now[c]).all()
        },
        "max_abs_speed_deg_s": {
            c: round(float(np.abs(speeds[c]).max()), 3)
            for c in ANGLE_COLUMNS
            if np.isfinite(speeds[c]).all()
        },
        "wrist_to_opposite_shoulder_ratio": [
            round(float(ratio.min()), 4),
            round(float(ratio.max()), 4),
        ],
        "keypoints_out_of_frame": sorted({KP_NAMES[j] for j in np.nonzero(out_of_frame.any(0))[0]}),
        "keypoint_occluded_fraction": {
            name: round(float(occl_all[:, j].mean()), 3) for j, name in enumerate(KP_NAMES)
        },
        "mediapipe_index": dict(KEYPOINTS),
        "note": clip.note,
    }
    (out_dir / f"{clip.id}.json").write_text(json.dumps(meta, indent=1, default=float) + "\n")
    return meta | {
        "render_seconds": round(time.time() - t0, 1)
    }  # printed, not stored: keeps re-renders identical


def write_clip_table(out: Path, rows: list[dict]) -> None:
    """Rewrite the clip table between the markers of the set's README.md (if it has them)."""
    readme = out / "README.md"
    start, end = "<!-- clips:start -->", "<!-- clips:end -->"
    if not readme.exists() or start not in readme.read_text():
        return
    lines = [
        "| clip | set-up | motion (peak °/s) | camera (azimuth °, height m) | body | light | s | KiB | "
        "true labels (all frames) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for m in rows:
        size = (out / f"{m['id']}.mp4").stat().st_size / 1024
        cam = m["camera"]
        bad = [k for k, v in m["labels_all_frames"].items() if not v]
        peak = "" if m["motion_name"] == "setup" else f" ({m['peak_primary_speed_deg_s']:g})"
        lines.append(
            f"| `{m['id']}` | {m['setup']} | {m['motion_name']}{peak} | "
            f"{cam['placement']} ({cam['azimuth_deg']:g}, {cam['height_m']:g}) | {m['body']['id']}"
            f"{' + assistant ' + m['assistant']['body'] if m.get('assistant') else ''} | "
            f"{m['light']['id']} | {m['frames'] / m['fps']:.2f} | {size:.0f} | "
            f"{'all pass' if not bad else 'fail: ' + ', '.join(bad)} |"
        )
    text = readme.read_text()
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    readme.write_text(head + start + "\n" + "\n".join(lines) + "\n" + end + tail)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    here = Path(__file__).resolve().parents[1]
    ap.add_argument("--scenes", default=str(here / "scenes.yaml"))
    ap.add_argument("--out", default=str(REPO / "tests" / "data" / "truth"))
    ap.add_argument("--only", nargs="+", default=["*"], help="globs over clip ids (any matches)")
    ap.add_argument("--list", action="store_true", help="list the clips and exit")
    a = ap.parse_args(argv)
    sc = load(a.scenes)
    clips = [c for c in sc.clips if any(fnmatch.fnmatch(c.id, g) for g in a.only)]
    if a.list:
        for c in clips:
            print(c.id)
        return 0
    out = Path(a.out)
    t_all = time.time()
    for i, c in enumerate(clips, 1):
        meta = render_clip(c, sc, out)
        size = (out / f"{c.id}.mp4").stat().st_size
        print(
            f"[{i}/{len(clips)}] {c.id}: {meta['frames']} frames, {size / 1024:.0f} KiB, "
            f"{meta['render_seconds']} s",
            flush=True,
        )
    if a.only == ["*"]:
        keep = {c.id for c in clips}
        for f in list(out.glob("hug_*")) + list(out.glob("side_*")):
            if f.name.split(".")[0] not in keep:
                f.unlink()  # a clip no longer in scenes.yaml
    # the manifest and the README's table cover every clip of scenes.yaml already rendered
    rows = [
        json.loads((out / f"{c.id}.json").read_text())
        for c in sc.clips
        if (out / f"{c.id}.json").exists()
    ]
    with open(out / "clips.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "id",
                "technique",
                "setup",
                "motion",
                "peak_primary_speed_deg_s",
                "camera",
                "azimuth_deg",
                "body",
                "assistant",
                "light",
                "frames",
                "seconds",
                "labels_all_frames",
            ]
        )
        for m in rows:
            w.writerow(
                [
                    m["id"],
                    m["technique"],
                    m["setup"],
                    m["motion_name"],
                    m["peak_primary_speed_deg_s"],
                    m["camera"]["placement"],
                    m["camera"]["azimuth_deg"],
                    m["body"]["id"],
                    (m.get("assistant") or {}).get("body", ""),
                    m["light"]["id"],
                    m["frames"],
                    round(m["frames"] / m["fps"], 2),
                    " ".join(f"{k}={int(v)}" for k, v in m["labels_all_frames"].items()),
                ]
            )
    write_clip_table(out, rows)
    print(f"done: {len(clips)} clips in {time.time() - t_all:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
