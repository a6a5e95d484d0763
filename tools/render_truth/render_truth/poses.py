"""The two techniques' set-ups (correct and wrong variants) and their movement, as bone rotations.

All rotations are in the body frame (body.py): x = person's left, y = person's back, z = up.
Signs used here (checked on renders): about +x, +a flexes an upward bone (spine, neck, head)
forward and a shank backward (knee flexion); -a swings a thigh forward (hip flexion).

Movement parameters (the renderer inverts them so that the primary measure follows the
requested profile exactly):
- seated hug: `s` degrees of thoracic extension, spread over the thoracic bones
  spine03 20 %, spine02 40 %, spine01 40 % (anny's MakeHuman rig: spine05/spine04 lumbar,
  spine03 thoraco-lumbar, spine02/spine01 mid/upper thoracic); the pelvis and legs stay still,
  the crossed arms, neck and head ride along with the thorax.
- side-lying rotation: `s` degrees of shoulder-hip twist; the pelvis (root) rolls forward by
  s/2 about the body's long axis (top knee toward the floor) and the spine counter-rotates by s in
  total, spread spine05 10 %, spine04 15 %, spine03 20 %, spine02 25 %, spine01 30 % (more in the
  thoracic than the lumbar spine, as in life), so the shoulders roll back by s/2.
"""

from __future__ import annotations

import numpy as np

from .body import Body, rot

THORACIC_EXTENSION = {"spine03": 0.2, "spine02": 0.4, "spine01": 0.4}
TWIST_SPINE = {"spine05": 0.10, "spine04": 0.15, "spine03": 0.20, "spine02": 0.25, "spine01": 0.30}
NECK = {"neck01": 0.35, "neck02": 0.25, "neck03": 0.1, "head": 0.3}

HUG_SETUPS = ("correct", "arms_hanging", "slouched", "chin_up")
SIDE_SETUPS = ("correct", "legs_straight", "knee_too_low", "bottom_leg_bent")


def _neck(r: dict, flexion_deg: float) -> dict:
    for b, w in NECK.items():
        r[b] = rot("x", flexion_deg * w) @ r.get(b, np.eye(3))
    return r


def _kp_body(body: Body, rots: dict) -> np.ndarray:
    return body.skin(body.pose_tensor([rots]))[1][0]


def hug_setup(body: Body, variant: str) -> tuple[dict, float]:
    """Bone rotations of the seated receiver, and the applied chin-tuck (neck+head flexion
    relative to the thorax, degrees)."""
    if variant not in HUG_SETUPS:
        raise ValueError(
            f"unknown seated_hug_extension set-up {variant!r}; choose from {HUG_SETUPS}"
        )
    r: dict = {}
    for s, sign in (("L", 1), ("R", -1)):
        # hips flexed ~88 deg with the thighs a little apart, knees ~92 deg, feet flat
        r[f"upperleg01.{s}"] = rot("y", sign * -6) @ rot("x", -88)
        r[f"lowerleg01.{s}"] = rot("x", 92)
        r[f"foot.{s}"] = rot("x", -4)
    if variant == "slouched":
        for b, a in {"spine05": 6, "spine04": 8, "spine03": 9, "spine02": 9, "spine01": 8}.items():
            r[b] = rot("x", a)
    tuck = {"correct": 22.0, "arms_hanging": 22.0, "slouched": 22.0, "chin_up": -14.0}[variant]
    if variant == "slouched":
        tuck = (
            10.0  # the head comes partly back up to look ahead; still a tuck relative to the thorax
        )
    _neck(r, tuck)
    heads = body.bone_heads(body.pose_tensor([r]))[0].detach().numpy()
    sh_l, sh_r = heads[body.index["upperarm01.L"]], heads[body.index["upperarm01.R"]]
    if variant == "arms_hanging":
        for side, sh, sx in (("left", sh_l, 1), ("right", sh_r, -1)):
            r = body.solve_arm(
                r,
                side,
                wrist_target=sh + np.array([sx * 0.06, 0.03, -0.50]),
                elbow_target=sh + np.array([sx * 0.04, 0.04, -0.26]),
            )
    else:
        # arms crossed, each hand on the opposite shoulder; left forearm in front of the right
        fwd = np.array([0.0, -1.0, 0.0])
        r = body.solve_arm(
            r,
            "left",
            wrist_target=sh_r + np.array([0.05, -0.085, -0.04]),
            elbow_target=(sh_l + sh_r) / 2 + np.array([0.11, 0, -0.17]) + 0.26 * fwd,
        )
        r = body.solve_arm(
            r,
            "right",
            wrist_target=sh_l + np.array([-0.05, -0.065, -0.025]),
            elbow_target=(sh_l + sh_r) / 2 + np.array([-0.11, 0, -0.22]) + 0.22 * fwd,
        )
    return r, tuck


def hug_motion(base: dict, s: float) -> dict:
    r = dict(base)
    for b, w in THORACIC_EXTENSION.items():
        r[b] = rot("x", -s * w) @ r.get(b, np.eye(3))
    return r


def side_setup(body: Body, variant: str) -> tuple[dict, float]:
    """Bone rotations of the receiver lying on the LEFT side (body +x will point down), and the
    applied chin-tuck (0: head in line)."""
    if variant not in SIDE_SETUPS:
        raise ValueError(
            f"unknown side_lying_rotation set-up {variant!r}; choose from {SIDE_SETUPS}"
        )
    top_hip, top_knee, bottom_hip, bottom_knee = {
        "correct": (90, 90, 12, 4),
        "legs_straight": (12, 6, 8, 4),
        "knee_too_low": (42, 85, 12, 4),
        "bottom_leg_bent": (90, 90, 35, 60),
    }[variant]
    # bottom (left) leg: in its sagittal plane, which lies parallel to the mat; a little adduction
    # (toward -x, up) cancels the rest pose's abduction so the leg lies along the mat.
    r: dict = {
        "upperleg01.L": rot("y", 6) @ rot("x", -bottom_hip),
        "lowerleg01.L": rot("x", bottom_knee),
        "foot.L": rot("x", -15),
        "foot.R": rot("x", -20),
    }
    # top (right) leg: flexed, then adducted toward the mat so that the knee rests toward the mat
    # and the foot lies on or behind the bottom leg (small search over two adduction angles).
    r["upperleg01.R"], r["lowerleg01.R"] = _rest_top_leg(body, r, top_hip, top_knee)
    _neck(r, 8.0)
    heads = body.bone_heads(body.pose_tensor([r]))[0].detach().numpy()
    sh_l, sh_r = heads[body.index["upperarm01.L"]], heads[body.index["upperarm01.R"]]
    # bottom (left) arm forward along the mat, forearm toward the head; top arm resting in front
    r = body.solve_arm(
        r,
        "left",
        wrist_target=sh_l + np.array([0.02, -0.40, 0.16]),
        elbow_target=sh_l + np.array([0.02, -0.30, -0.05]),
    )
    r = body.solve_arm(
        r,
        "right",
        wrist_target=sh_r + np.array([0.24, -0.32, -0.22]),
        elbow_target=sh_r + np.array([0.10, -0.24, -0.05]),
    )
    return r, 8.0


def _rest_top_leg(body: Body, r: dict, hip: float, knee: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotations R_y(b) R_z(a) R_x(-hip) of the top thigh (and the knee hinge) whose knee and ankle
    come closest to resting on the bottom leg / toward the mat (body frame; the mat is at +x)."""
    i_hip, i_knee, i_ankle = (body.index[b] for b in ("upperleg01.L", "lowerleg01.R", "foot.R"))
    bottom_x = body.rest_heads[i_hip][0]  # the bottom leg's centre line, x
    knee_x = bottom_x - (0.04 if hip < 30 else -0.02)
    ankle_x = bottom_x - 0.11
    cands = [(a, b) for a in range(0, 46, 3) for b in range(-30, 11, 2)]
    rots = []
    for a, b in cands:
        rr = dict(r)
        rr["upperleg01.R"] = rot("y", b) @ rot("z", a) @ rot("x", -hip)
        rr["lowerleg01.R"] = rot("x", knee)
        rots.append(rr)
    heads = body.bone_heads(body.pose_tensor(rots)).detach().numpy()
    cost = (heads[:, i_knee, 0] - knee_x) ** 2 + (heads[:, i_ankle, 0] - ankle_x) ** 2
    a, b = cands[int(np.argmin(cost))]
    return rot("y", b) @ rot("z", a) @ rot("x", -hip), rot("x", knee)


def side_motion(base: dict, s: float) -> dict:
    r = dict(base)
    r["root"] = rot("z", s / 2) @ r.get("root", np.eye(3))
    for b, w in TWIST_SPINE.items():
        r[b] = rot("z", -s * w) @ r.get(b, np.eye(3))
    return r


# body frame -> world rotation for each technique's posture (receiver faces world -Y)
SEATED_TO_WORLD = np.eye(3)
# lying on the left side: body x (left) -> world -Z, body y (back) -> world +Y, body z (head) -> world +X
LYING_LEFT_TO_WORLD = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])
