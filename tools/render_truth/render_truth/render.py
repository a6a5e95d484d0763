"""Offscreen rendering (pyrender + OSMesa), camera geometry and the mp4 writer.

World frame: metres, Z up, floor at Z = 0. Pixel convention: (u, v) with the origin at the
top-left corner of the top-left pixel, u to the right, v down; the centre of pixel (i, j) is
(i + 0.5, j + 0.5). MediaPipe's normalised landmark x, y equal u / width, v / height.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

import numpy as np  # noqa: E402
import pyrender  # noqa: E402
import trimesh  # noqa: E402
from PIL import Image  # noqa: E402


def look_at(eye: np.ndarray, target: np.ndarray, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """4x4 camera-to-world pose (OpenGL camera: looks along its -Z, +Y up in the image)."""
    eye, target, up = (np.asarray(a, float) for a in (eye, target, up))
    f = target - eye
    f /= np.linalg.norm(f)
    r = np.cross(f, up)
    r /= np.linalg.norm(r)
    u = np.cross(r, f)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = r, u, -f, eye
    return m


@dataclass
class Camera:
    width: int
    height: int
    yfov_deg: float
    pose: np.ndarray  # camera-to-world 4x4

    @property
    def focal_px(self) -> float:
        return (self.height / 2) / np.tan(np.radians(self.yfov_deg) / 2)

    @property
    def K(self) -> np.ndarray:
        f = self.focal_px
        return np.array([[f, 0, self.width / 2], [0, f, self.height / 2], [0, 0, 1.0]])

    def world_to_cam(self) -> np.ndarray:
        return np.linalg.inv(self.pose)

    def project(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points (..., 3) -> pixels (..., 2) and depth along the optical axis (..., ) in m."""
        w2c = self.world_to_cam()
        pc = pts @ w2c[:3, :3].T + w2c[:3, 3]
        depth = -pc[..., 2]
        f = self.focal_px
        u = self.width / 2 + f * pc[..., 0] / depth
        v = self.height / 2 - f * pc[..., 1] / depth
        return np.stack([u, v], -1), depth


def box(extents, center, color) -> pyrender.Mesh:
    m = trimesh.creation.box(extents=extents)
    m.apply_translation(center)
    mat = pyrender.MetallicRoughnessMaterial(
        baseColorFactor=list(color) + [1.0], metallicFactor=0.0, roughnessFactor=0.9
    )
    return pyrender.Mesh.from_trimesh(m, material=mat, smooth=False)


class _ProgramCache(pyrender.shader_program.ShaderProgramCache):
    """pyrender keys compiled shaders by the current GL context object, which under OSMesa is a
    new Python object at every make_current: every primitive's shader was recompiled every frame.
    One renderer owns one context, so key by the shader files and defines only."""

    def get_program(self, vertex_shader, fragment_shader, geometry_shader=None, defines=None):
        defines = defines or {}
        names = [
            os.path.split(f)[1] for f in (vertex_shader, fragment_shader, geometry_shader) if f
        ]
        key = tuple(sorted([(n, 1) for n in names] + list(defines.items())))
        if key not in self._program_cache:
            files = [os.path.join(self.shader_dir, n) for n in names] + [None] * (3 - len(names))
            self._program_cache[key] = pyrender.shader_program.ShaderProgram(
                vertex_shader=files[0],
                fragment_shader=files[1],
                geometry_shader=files[2],
                defines=defines,
            )
        return self._program_cache[key]


class Renderer:
    """Holds one pyrender scene: static props, lights and camera; the body mesh is swapped per frame."""

    def __init__(
        self,
        camera: Camera,
        props: list[pyrender.Mesh],
        lights: list[tuple],
        ambient: float,
        background=(0.9, 0.9, 0.88),
        supersample: int = 2,
    ):
        self.camera = camera
        self.ss = supersample
        self.scene = pyrender.Scene(ambient_light=[ambient] * 3, bg_color=list(background) + [1.0])
        for p in props:
            self.scene.add(p)
        for light, pose in lights:
            self.scene.add(light, pose=pose)
        cam = pyrender.PerspectiveCamera(
            yfov=np.radians(camera.yfov_deg),
            aspectRatio=camera.width / camera.height,
            znear=0.05,
            zfar=30.0,
        )
        self.scene.add(cam, pose=camera.pose)
        self.renderer = pyrender.OffscreenRenderer(camera.width * self.ss, camera.height * self.ss)
        self.renderer._renderer._program_cache = _ProgramCache()
        self.body_node = None

    def render(
        self, vertices: np.ndarray, faces: np.ndarray, colors: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """RGB uint8 (H x W x 3) and depth (H x W, metres along the optical axis, 0 = background)."""
        if self.body_node is not None:
            self.scene.remove_node(self.body_node)
        tm = trimesh.Trimesh(vertices, faces, vertex_colors=colors, process=False)
        mesh = pyrender.Mesh.from_trimesh(tm, smooth=True)
        self.body_node = self.scene.add(mesh)
        rgb, depth = self.renderer.render(self.scene)
        if self.ss > 1:
            img = Image.fromarray(rgb).resize(
                (self.camera.width, self.camera.height), Image.Resampling.BOX
            )
            rgb = np.asarray(img)
            depth = depth[self.ss // 2 :: self.ss, self.ss // 2 :: self.ss]
        return rgb, depth

    def close(self):
        self.renderer.delete()


class Mp4Writer:
    """H.264 (yuv420p) via the ffmpeg command line; frames are RGB uint8."""

    def __init__(self, path: str, width: int, height: int, fps: int, crf: int = 20):
        self.proc = subprocess.Popen(
            [
                "ffmpeg",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgb24",
                "-s",
                f"{width}x{height}",
                "-r",
                str(fps),
                "-i",
                "-",
                "-an",
                "-c:v",
                "libx264",
                "-preset",
                "slow",
                "-crf",
                str(crf),
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
                "-metadata",
                "comment=backbuddy truth renderer (anny body, pyrender/OSMesa)",
                path,
            ],
            stdin=subprocess.PIPE,
        )

    def write(self, rgb: np.ndarray):
        self.proc.stdin.write(np.ascontiguousarray(rgb).tobytes())

    def close(self):
        self.proc.stdin.close()
        if self.proc.wait() != 0:
            raise RuntimeError("ffmpeg failed")
