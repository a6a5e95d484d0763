"""A posable anny body: phenotype -> rest model once, then bone rotations -> vertices and keypoints.

Body frame (anny's own, root at the pelvis): x = the person's left, y = the person's back
(-y is where the face looks), z = up. Bone rotations use anny's "local-ref" parameterisation:
each bone's delta is a rotation about its head, in axes that are the body-frame axes of the rest
(A-)pose carried along by the bone's parent. So, for a bone whose parent is unrotated, a rotation
about +x by +a tips an upward bone (spine, neck) forward (flexion), a downward bone (shank) backward
(knee flexion) and a downward thigh backward (hip extension).
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass

import numpy as np
import torch

os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

import anny  # noqa: E402
from anny.anthropometry import Anthropometry  # noqa: E402
from anny.keypoints import KeypointsRegressor  # noqa: E402

# COCO-WholeBody keypoints that anny regresses from the mesh surface, with the MediaPipe Pose
# landmark index each one stands for (MediaPipe has no "big/small toe": its foot_index is the
# big toe's tip region; small toes are kept for completeness and map to none).
KEYPOINTS = [
    ("nose", 0),
    ("left_eye", 2),
    ("right_eye", 5),
    ("left_ear", 7),
    ("right_ear", 8),
    ("left_shoulder", 11),
    ("right_shoulder", 12),
    ("left_elbow", 13),
    ("right_elbow", 14),
    ("left_wrist", 15),
    ("right_wrist", 16),
    ("left_hip", 23),
    ("right_hip", 24),
    ("left_knee", 25),
    ("right_knee", 26),
    ("left_ankle", 27),
    ("right_ankle", 28),
    ("left_big_toe", 31),
    ("right_big_toe", 32),
    ("left_small_toe", None),
    ("right_small_toe", None),
    ("left_heel", 29),
    ("right_heel", 30),
]
KP_NAMES = [k for k, _ in KEYPOINTS]
KP = {k: i for i, k in enumerate(KP_NAMES)}

# anny's age parameter -> years (anchors from anny's own shape calibration, data/shape_calibration).
_AGE_PARAM = [0.0, 0.05, 0.215, 0.415, 0.67, 0.77, 0.83, 1.0]
_AGE_YEARS = [0.0, 1.0, 4.0, 11.0, 16.0, 18.0, 64.0, 110.0]


def age_param(years: float) -> float:
    return float(np.interp(years, _AGE_YEARS, _AGE_PARAM))


def rot(axis: str | np.ndarray, deg: float) -> np.ndarray:
    """3x3 rotation by `deg` degrees about a body-frame axis ('x', 'y', 'z' or a vector)."""
    if isinstance(axis, str):
        axis = {"x": np.array([1.0, 0, 0]), "y": np.array([0, 1.0, 0]), "z": np.array([0, 0, 1.0])}[
            axis
        ]
    a = np.asarray(axis, float)
    a = a / np.linalg.norm(a)
    t = math.radians(deg)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + math.sin(t) * k + (1 - math.cos(t)) * k @ k


def rotvec(v) -> np.ndarray:
    """3x3 rotation from a rotation vector in degrees (direction = axis, length = angle)."""
    v = np.asarray(v, float)
    n = np.linalg.norm(v)
    return np.eye(3) if n < 1e-9 else rot(v / n, n)


@functools.lru_cache(maxsize=1)
def _model():
    m = anny.Anny().to(dtype=torch.float32)
    m.eval()
    return m


@dataclass(frozen=True)
class Phenotype:
    """anny's phenotype parameters (each in [0, 1]); `age_years` is mapped to anny's age axis."""

    gender: float = 1.0  # 0 = male, 1 = female (anny's anchors: ["male", "female"])
    age_years: float = 35.0
    muscle: float = 0.5
    weight: float = 0.5
    height: float = 0.5
    proportions: float = 0.5

    def kwargs(self) -> dict[str, float]:
        return {
            "gender": self.gender,
            "age": age_param(self.age_years),
            "muscle": self.muscle,
            "weight": self.weight,
            "height": self.height,
            "proportions": self.proportions,
        }


class Body:
    """One person's rest shape; poses it by bone rotations (dict bone -> 3x3 body-frame delta)."""

    def __init__(self, phenotype: Phenotype):
        self.model = m = _model()
        self.phenotype = phenotype
        self.labels = list(m.bone_labels)
        self.index = {b: i for i, b in enumerate(self.labels)}
        self.faces = m.faces.numpy().astype(np.int64)
        ident = torch.eye(4)[None, None].repeat(1, m.bone_count, 1, 1)
        with torch.no_grad():
            out = m(pose_parameters=ident, phenotype_kwargs=phenotype.kwargs())
        self.rest_vertices = out["rest_vertices"]
        self.rest_bone_poses = out["rest_bone_poses"]
        self.rest_heads = (
            out["bone_poses"][0, :, :3, 3].numpy().copy()
        )  # identity pose = rest A-pose
        self.rest_verts_np = out["vertices"][0].numpy().copy()
        self.kp_regressor = KeypointsRegressor.coco(m, labels=KP_NAMES)
        anth = Anthropometry(m)(out["rest_vertices"])
        self.height_m = float(anth["height"][0])
        self.mass_kg = float(anth["mass"][0])
        self.bmi = float(anth["bmi"][0])
        # dominant bone per vertex (for clothing colours)
        w = m.vertex_bone_weights.numpy()
        idx = m.vertex_bone_indices.numpy()
        self.vertex_bone = idx[np.arange(len(idx)), np.argmax(w, axis=1)]

    # -- posing -----------------------------------------------------------------------------
    def pose_tensor(self, rots: list[dict[str, np.ndarray]]) -> torch.Tensor:
        """B x J x 4 x 4 pose parameters from a list (one per frame) of bone -> 3x3 rotation."""
        p = torch.eye(4).repeat(len(rots), self.model.bone_count, 1, 1)
        for b, r in enumerate(rots):
            for bone, R in r.items():
                p[b, self.index[bone], :3, :3] = torch.as_tensor(np.asarray(R), dtype=torch.float32)
        return p

    def bone_heads(self, pose: torch.Tensor) -> torch.Tensor:
        """B x J x 3 bone head positions (differentiable in `pose`)."""
        rest = self.rest_bone_poses.expand(pose.shape[0], -1, -1, -1)
        _, poses = self.model.get_bone_transforms(pose, rest)
        return poses[..., :3, 3]

    def skin(self, pose: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """Vertices (B x V x 3) and keypoints (B x K x 3) in the body frame, metres."""
        with torch.no_grad():
            rest = self.rest_bone_poses.expand(pose.shape[0], -1, -1, -1)
            transforms, _ = self.model.get_bone_transforms(pose, rest)
            verts = self.model.get_skinned_vertices(
                bone_transforms=transforms,
                rest_vertices=self.rest_vertices.expand(pose.shape[0], -1, -1),
            )
            kps = self.kp_regressor({"vertices": verts})
        return verts.numpy(), kps.numpy()

    def solve_arm(
        self,
        base: dict[str, np.ndarray],
        side: str,
        wrist_target: np.ndarray,
        elbow_target: np.ndarray | None = None,
        elbow_weight: float = 0.3,
        iters: int = 300,
        init: tuple[np.ndarray, float] | None = None,
        state: dict | None = None,
    ) -> dict[str, np.ndarray]:
        """Inverse kinematics for one arm: a 3-dof shoulder (upperarm01) and a hinge elbow
        (lowerarm01, about the axis perpendicular to the upper arm and the body's forward
        direction in the rest pose) that bring the wrist bone's head to `wrist_target` and the
        elbow (lowerarm01 head) near `elbow_target` (body frame, metres). Returns `base` plus
        the two arm rotations. `init` warm-starts (shoulder rotation vector in radians, elbow
        flexion in radians); when `state` is a dict, the solution is stored in state[side]."""
        s = "L" if side == "left" else "R"
        ua, la, wr = (
            self.index[f"upperarm01.{s}"],
            self.index[f"lowerarm01.{s}"],
            self.index[f"wrist.{s}"],
        )
        upper_dir = self.rest_heads[la] - self.rest_heads[ua]
        upper_dir /= np.linalg.norm(upper_dir)
        hinge = np.cross(upper_dir, np.array([0.0, -1.0, 0.0]))
        hinge = torch.as_tensor(hinge / np.linalg.norm(hinge), dtype=torch.float32)
        base_pose = self.pose_tensor([base])
        sv = torch.tensor(
            np.asarray(init[0], np.float32) if init else np.zeros(3, np.float32), requires_grad=True
        )
        flex = torch.tensor([float(init[1]) if init else 0.8], requires_grad=True)
        wt = torch.as_tensor(wrist_target, dtype=torch.float32)
        et = None if elbow_target is None else torch.as_tensor(elbow_target, dtype=torch.float32)
        opt = torch.optim.Adam([sv, flex], lr=0.03)

        def axis_angle(v):
            th = torch.linalg.norm(v) + 1e-9
            k = v / th
            K = torch.zeros(3, 3)
            K = K.index_put(
                (torch.tensor([0, 0, 1, 1, 2, 2]), torch.tensor([1, 2, 0, 2, 0, 1])),
                torch.stack([-k[2], k[1], k[2], -k[0], -k[1], k[0]]),
            )
            return torch.eye(3) + torch.sin(th) * K + (1 - torch.cos(th)) * K @ K

        for _ in range(iters):
            opt.zero_grad()
            pose = base_pose.clone()
            pose[0, ua, :3, :3] = axis_angle(sv)
            pose[0, la, :3, :3] = axis_angle(hinge * flex.clamp(0.0, 2.6))
            heads = self.bone_heads(pose)[0]
            loss = ((heads[wr] - wt) ** 2).sum()
            if et is not None:
                loss = loss + elbow_weight * ((heads[la] - et) ** 2).sum()
            loss = loss + 1e-4 * (sv**2).sum()
            loss.backward()
            opt.step()
        out = dict(base)
        if state is not None:
            state[side] = (sv.detach().numpy().copy(), float(flex.detach()[0]))
        with torch.no_grad():
            out[f"upperarm01.{s}"] = axis_angle(sv).numpy().astype(float)
            out[f"lowerarm01.{s}"] = axis_angle(hinge * flex.clamp(0.0, 2.6)).numpy().astype(float)
        return out
