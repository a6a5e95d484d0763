"""Phone-like degradations of the truth clips (issue 12, item 5): cameras are not renders.

    .venv/bin/python tools/calibrate/degrade.py CLIP_ID NAME OUT.mp4   # write one, for a look

A `Degradation` turns a clip's frames into what a phone would send: a different frame rate
(frames picked at the nearest source time; the truth rows follow the same picks), a 720p or
1080p frame in portrait or landscape (the render scaled to fit and letterboxed with its own
edge colour), a little motion blur, sensor noise and JPEG compression, in that order. Seeded:
the same clip and degradation always give the same pixels. numpy + OpenCV only.

The landmarks of a degraded clip are cached like the clean ones (`landmarks_cache.py`), keyed
by the mp4's SHA-1 and the degradation's name and parameters.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from landmarks_cache import CACHE, TRUTH, _key  # noqa: E402


@dataclass(frozen=True)
class Degradation:
    """What a phone does to a clip. `size` (width, height) None keeps the render's size."""

    name: str
    fps: float = 30.0
    size: tuple[int, int] | None = None
    blur_px: int = 0
    noise_sigma: float = 0.0
    jpeg_quality: int | None = None
    seed: int = 42

    def key(self) -> str:
        return hashlib.sha1(repr(sorted(asdict(self).items())).encode()).hexdigest()[:12]


#: The phone-like set (issue 12 item 5). `phone_*` combine them as a real phone would.
PHONE: dict[str, Degradation] = {
    d.name: d
    for d in (
        Degradation(
            "phone_24fps_720p",
            fps=24.0,
            size=(720, 1280),
            blur_px=3,
            noise_sigma=5.0,
            jpeg_quality=70,
        ),
        Degradation(
            "phone_15fps_1080p_landscape",
            fps=15.0,
            size=(1920, 1080),
            blur_px=5,
            noise_sigma=6.0,
            jpeg_quality=60,
        ),
        Degradation("fps_15", fps=15.0),
        Degradation("jpeg_q50", jpeg_quality=50),
        Degradation("noise_8", noise_sigma=8.0),
        Degradation("blur_5px", blur_px=5),
        Degradation("fps_24", fps=24.0),
        Degradation("720p_portrait", size=(720, 1280)),
        Degradation("1080p_landscape", size=(1920, 1080)),
    )
}


def picks(n: int, fps: float, source_fps: float = 30.0) -> np.ndarray:
    """Source frame indices for a clip of `n` frames re-timed to `fps` (nearest source time)."""
    count = int(np.floor((n - 1) / source_fps * fps + 1e-9)) + 1
    return np.minimum(np.rint(np.arange(count) * source_fps / fps).astype(int), n - 1)


def _fit(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    w, h = size
    sh, sw = rgb.shape[:2]
    scale = min(w / sw, h / sh)
    nw, nh = int(round(sw * scale)), int(round(sh * scale))
    scaled = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR)
    edge = np.median(np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]), axis=0)
    out = np.empty((h, w, 3), np.uint8)
    out[:] = edge.astype(np.uint8)
    y, x = (h - nh) // 2, (w - nw) // 2
    out[y : y + nh, x : x + nw] = scaled
    return out


def _blur(rgb: np.ndarray, px: int) -> np.ndarray:
    """A horizontal motion blur of `px` pixels (a hand-held phone, a slow shutter)."""
    import cv2

    kernel = np.zeros((px, px), np.float32)
    kernel[px // 2, :] = 1.0 / px
    return np.asarray(cv2.filter2D(rgb, -1, kernel))


def _jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    import cv2

    ok, buf = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV always encodes an RGB array
        raise RuntimeError("JPEG encoding failed")
    return np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1])


def degrade_frame(rgb: np.ndarray, d: Degradation, rng: np.random.Generator) -> np.ndarray:
    """One RGB frame (H, W, 3) uint8 as the phone would send it."""
    out = rgb if d.size is None else _fit(rgb, d.size)
    if d.blur_px > 1:
        out = _blur(out, d.blur_px)
    if d.noise_sigma > 0:
        noisy = out.astype(np.float32) + rng.normal(0.0, d.noise_sigma, out.shape)
        out = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
    if d.jpeg_quality is not None:
        out = _jpeg(out, d.jpeg_quality)
    return np.ascontiguousarray(out)


def frames(
    clip_id: str, d: Degradation, truth: Path = TRUTH
) -> Iterator[tuple[int, float, np.ndarray]]:
    """(source frame index, time s, RGB) of the degraded clip, in order."""
    from backbuddy.adapters.video import open_file

    with open_file(truth / f"{clip_id}.mp4") as src:
        clean = [f.rgb for f in src]
    rng = np.random.default_rng(d.seed)
    for k, i in enumerate(picks(len(clean), d.fps)):
        yield int(i), k / d.fps, degrade_frame(clean[i], d, rng)


def landmarks(clip_id: str, d: Degradation, truth: Path = TRUTH, cache: Path | None = CACHE):  # type: ignore[no-untyped-def]
    """(Landmarks, source frame indices) of the degraded clip, MediaPipe full model, video mode."""
    from backbuddy.motion.landmarks import Landmarks

    key = f"{_key(truth / f'{clip_id}.mp4')}-{d.key()}"
    path = None if cache is None else cache / "degraded" / f"{clip_id}.{d.name}.npz"
    if path is not None and path.exists():
        z = np.load(path)
        if str(z["key"]) == key:
            lm = Landmarks(z["image"], z["world"], z["t"], tuple(int(v) for v in z["size"]))
            return lm, z["index"]
    from backbuddy.adapters.mediapipe_pose import PoseModel

    index, t, image, world = [], [], [], []
    size = (0, 0)
    with PoseModel() as model:
        for i, ti, rgb in frames(clip_id, d, truth):
            a, b = model.estimate(rgb)
            index.append(i)
            t.append(ti)
            image.append(a)
            world.append(b)
            size = (rgb.shape[1], rgb.shape[0])
    lm = Landmarks(np.stack(image), np.stack(world), np.array(t), size)
    idx = np.array(index)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path, key=key, image=lm.image, world=lm.world, t=lm.t, size=np.array(size), index=idx
        )
    return lm, idx


def main(argv: list[str]) -> int:
    import cv2

    clip_id, name, out = argv
    d = PHONE[name]
    writer = None
    for _, _, rgb in frames(clip_id, d):
        if writer is None:
            fourcc = cv2.VideoWriter_fourcc(*"mp4v")
            writer = cv2.VideoWriter(out, fourcc, d.fps, (rgb.shape[1], rgb.shape[0]))
        writer.write(rgb[:, :, ::-1])
    if writer is not None:
        writer.release()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
