"""The assistant: a second person standing behind the seated receiver (Seated Hug Extension).

The assistant stands behind the receiver, facing the same way, knees and hips bent so that the
chest rests on the receiver's mid-back, and reaches under the receiver's armpits to hold the
receiver's crossed forearms (arms by inverse kinematics, re-solved every frame). When the receiver
extends, the assistant leans back about the ankles just enough to keep the chest on the
receiver's back. The assistant's numbers are not truth for any check: only their pixels are
written (columns `assistant_<kp>_u/v`), so a tracker that latches onto the assistant can be told.
"""

from __future__ import annotations

import numpy as np

from .body import KP, Body, rot


def _legs(knee: float) -> dict:
    r = {}
    for s in ("L", "R"):
        r[f"upperleg01.{s}"] = rot("x", -knee * 0.55)
        r[f"lowerleg01.{s}"] = rot("x", knee)
        r[f"foot.{s}"] = rot("x", -knee * 0.45)
    for b, a in {"spine04": 4, "spine03": 5, "spine02": 5}.items():
        r[b] = rot("x", a)  # a slight forward lean onto the receiver
    return r


def _region_vertex(body: Body, bones: tuple[str, ...], pick: str) -> int:
    """Index of the front-most ('front') or back-most ('back') rest vertex moved by `bones`,
    between the heads of spine02 and spine01 (the chest / the mid-back)."""
    names = np.array([body.labels[i] for i in body.vertex_bone])
    v = body.rest_verts_np
    z0 = body.rest_heads[body.index["spine02"]][2]
    z1 = body.rest_heads[body.index["spine01"]][2]
    ok = np.isin(names, bones) & (v[:, 2] > z0) & (v[:, 2] < z1) & (np.abs(v[:, 0]) < 0.03)
    idx = np.nonzero(ok)[0]
    return int(idx[np.argmin(v[idx, 1])] if pick == "front" else idx[np.argmax(v[idx, 1])])


def receiver_back_vertex(body: Body) -> int:
    return _region_vertex(body, ("spine02", "spine01", "spine03"), "back")


def hug_assistant_frames(
    a: Body, r_verts: np.ndarray, r_kps: np.ndarray, back_vertex: int, ik_iters: int = 15
) -> tuple[np.ndarray, np.ndarray, dict]:
    """World vertices (T x V x 3) and keypoints (T x K x 3) of the assistant for the receiver's
    world vertices/keypoints per frame, and a description for the clip's JSON."""
    chest = _region_vertex(
        a, ("spine02", "spine01", "spine03", "clavicle.L", "clavicle.R"), "front"
    )
    back0 = r_verts[0, back_vertex]
    # knee bend so that the chest meets the receiver's mid-back height (feet on the floor);
    # a tall assistant stops at a deep squat (110 deg) with the chest a little higher
    knees = np.arange(0.0, 111.0, 5.0)
    v, _ = a.skin(a.pose_tensor([_legs(k) for k in knees]))
    feet = np.array([n.startswith(("foot", "toe")) for n in (a.labels[i] for i in a.vertex_bone)])
    heights = v[:, chest, 2] - v[:, feet, 2].min(axis=1)
    knee = float(knees[np.argmin(np.abs(heights - back0[2]))])
    base = _legs(knee)
    v0, _ = a.skin(a.pose_tensor([base]))
    v0 = v0[0]
    t0 = back0 + np.array([0.0, 0.012, 0.0]) - v0[chest]  # chest 12 mm behind the back surface
    t0[2] = -v0[feet, 2].min()  # feet on the floor
    pivot = np.array([t0[0], v0[feet, 1].mean() + t0[1], 0.08])  # between the ankles
    chest_h = (v0[chest] + t0)[2] - pivot[2]

    T = len(r_verts)
    poses, transforms = [], []
    state: dict = {}
    leans = []
    for t in range(T):
        # lean back (about the ankles) just enough to keep the chest on the receiver's back
        dy = r_verts[t, back_vertex, 1] - r_verts[0, back_vertex, 1]
        phi = float(np.degrees(np.arcsin(np.clip(dy / chest_h, -0.5, 0.5))))
        leans.append(phi)
        R = rot("x", -phi)
        trans = R @ (t0 - pivot) + pivot
        # hands on the receiver's forearms (mid-forearm), elbows under the receiver's armpits
        pose = dict(base)
        for side, sx in (("left", 1.0), ("right", -1.0)):
            fore = (r_kps[t, KP[f"{side}_elbow"]] + r_kps[t, KP[f"{side}_wrist"]]) / 2
            elbow = r_kps[t, KP[f"{side}_shoulder"]] + np.array([sx * 0.09, 0.06, -0.17])
            pose = a.solve_arm(
                pose,
                side,
                wrist_target=R.T @ (fore - trans),
                elbow_target=R.T @ (elbow - trans),
                iters=300 if t == 0 else ik_iters,
                init=state.get(side),
                state=state,
            )
        poses.append(pose)
        transforms.append((R, trans))
    verts, kps = [], []
    for i in range(0, T, 32):
        vb, kb = a.skin(a.pose_tensor(poses[i : i + 32]))
        for j in range(len(vb)):
            R, trans = transforms[i + j]
            verts.append(vb[j] @ R.T + trans)
            kps.append(kb[j] @ R.T + trans)
    info = {
        "knee_bend_deg": knee,
        "lean_back_deg": [round(min(leans), 2), round(max(leans), 2)],
        "hands": "on the receiver's mid-forearms",
        "chest": "on the receiver's mid-back",
    }
    return np.array(verts), np.array(kps), info


def _kneel(lean: float) -> dict:
    """Kneeling upright (knees on the floor, shins back), the trunk leaning forward by `lean`."""
    r = {}
    for s in ("L", "R"):
        r[f"upperleg01.{s}"] = rot("x", -10)
        r[f"lowerleg01.{s}"] = rot("x", 100)
        r[f"foot.{s}"] = rot("x", 50)  # toes pointing back
    for b, w in {
        "spine05": 0.15,
        "spine04": 0.2,
        "spine03": 0.25,
        "spine02": 0.2,
        "spine01": 0.2,
    }.items():
        r[b] = rot("x", lean * w)
    r["neck01"] = rot("x", -lean * 0.3)  # looking at the receiver, not at the floor
    return r


def side_assistant_frames(
    a: Body, r_verts: np.ndarray, r_kps: np.ndarray, lean: float = 50.0, ik_iters: int = 15
) -> tuple[np.ndarray, np.ndarray, dict]:
    """The assistant kneeling behind the receiver lying on the left side (facing the receiver's
    back, i.e. world -Y), leaning over: the left hand on the receiver's top (right) shoulder, the
    right hand on the outside of the top (right) knee. Arms re-solved every frame."""
    base = _kneel(lean)
    v0, _ = a.skin(a.pose_tensor([base]))
    v0 = v0[0]
    back_y = r_verts[0][:, 1].max()  # the receiver's back (world +Y side)
    sh, kn = r_kps[0, KP["right_shoulder"]], r_kps[0, KP["right_knee"]]
    knees = np.array(
        [n.startswith(("lowerleg", "foot", "toe")) for n in (a.labels[i] for i in a.vertex_bone)]
    )
    t = np.array(
        [
            (sh[0] + kn[0]) / 2 - 0.05,  # between the shoulder and the knee along the body
            back_y + 0.06 - v0[knees, 1].min(),  # knees just behind the receiver's back
            -v0[knees, 2].min(),
        ]
    )  # knees and shins on the floor
    T = len(r_verts)
    poses = []
    state: dict = {}
    for i in range(T):
        pose = dict(base)
        targets = (
            ("left", r_kps[i, KP["right_shoulder"]] + np.array([0.0, 0.03, 0.07])),
            ("right", r_kps[i, KP["right_knee"]] + np.array([0.0, 0.0, 0.08])),
        )
        for side, target in targets:
            sx = 1.0 if side == "left" else -1.0
            shoulder = a.rest_heads[a.index[f"upperarm01.{'L' if side == 'left' else 'R'}"]]
            tb = target - t
            elbow = shoulder + 0.5 * (tb - shoulder) + np.array([sx * 0.12, 0.10, 0.0])
            pose = a.solve_arm(
                pose,
                side,
                wrist_target=tb,
                elbow_target=elbow,
                elbow_weight=0.1,
                iters=300 if i == 0 else ik_iters,
                init=state.get(side),
                state=state,
            )
        poses.append(pose)
    verts, kps = [], []
    for i in range(0, T, 32):
        vb, kb = a.skin(a.pose_tensor(poses[i : i + 32]))
        verts += list(vb + t)
        kps += list(kb + t)
    info = {
        "posture": f"kneeling behind the receiver, trunk leaning {lean:g} deg",
        "hands": "left on the receiver's top shoulder, right on the outside of the top knee",
    }
    return np.array(verts), np.array(kps), info
