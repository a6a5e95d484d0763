"""Phone-like versions of the truth clips (issue 12, item 5): cameras are not renders.

    .venv/bin/python tools/calibrate/degrade.py CLIP_ID NAME OUT.mp4   # write one, for a look

A `Degradation` turns a rendered clip into what the app's server receives from a phone on a
table, in the order a real phone and the app's page do it:

1. **Frame rate** (15, 24 or 30 fps): the phone's frame k is the render's frame nearest its
   capture time k/fps, and it carries **that source frame's own time** (so a 24 fps clip has
   the 33/33/33/67 ms gaps of dropped frames, and every timestamp matches its picture; the truth
   rows follow the same picks).
2. **Framing** (720p or 1080p, portrait or landscape): the phone sees the same room from the
   same place, so the receiver keeps their size and the frame changes shape: the render is cut
   to the phone's aspect ratio where the receiver's whole body (every true joint over the
   clip, plus a margin) still fits, and widened with the render's own edge colour where it
   does not (a plain wall beyond the render); then scaled to the phone's pixels.
3. **Motion blur** proportional to image speed: a straight blur along the fastest true joint's
   image velocity, as long as that joint travels in one exposure (`exposure_s`, default one
   frame period: a dim room). Applied to the whole frame, so it blurs still limbs too (harsher
   than a real shutter, never kinder). Still frames stay sharp.
4. **Sensor noise**: Gaussian read noise plus shot noise that grows with brightness
   (σ² = read² + shot_gain · level), per sensor pixel.
5. **The phone's compression** (JPEG `camera_quality`, 70–85: a stand-in for its video codec).
6. **The app's page** (`web/static/js/camera.js`): scaled so its shorter side is at most
   `send_side` (480) pixels and JPEG-encoded at `send_quality` (0.7 → 70) before it goes to
   the server. (Until issue 12 the page capped the *width* at 480: a landscape phone gave
   480×270, where a seated receiver is 270 px tall; `send_width` keeps that rule for the
   before/after comparison.)

Every degraded clip starts with `PRE_ROLL_S` of its first (still) frame, as a session's set-up
does: MediaPipe's tracker settles in its first half second (the top leg drifts by tens of
degrees of the twist), which a rendered clip starting cold would count as the receiver's motion.

Deterministic: the noise comes from a generator seeded by the clip's id and the degradation's
seed (the same clip and degradation give the same bytes on every run; two clips get different
noise). numpy + OpenCV only.

The landmarks of a degraded clip are cached like the clean ones (`landmarks_cache.py`), under
`.cache/degraded/` (gitignored), keyed by the mp4's SHA-1, the degradation's parameters and
`VERSION`.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from landmarks_cache import CACHE, TRUTH, _key  # noqa: E402

#: Bump when the pixels a degradation makes change (the landmark cache keys on it).
VERSION = 4
#: Seconds of the clip's first frame shown before it (fresh noise on every frame): a session's
#: set-up, where the receiver holds still for far longer before any movement cue, so the
#: tracker has settled and the filter is warm when the movement starts. Index −1.
PRE_ROLL_S = 2.0
SOURCE_FPS = 30.0
#: Short side in pixels of each phone resolution.
RESOLUTIONS = {"720p": 720, "1080p": 1080}
#: The page's frame to the server (web/static/js/camera.js: MAX_SHORT_SIDE, QUALITY).
PAGE_SIDE, PAGE_QUALITY = 480, 70
#: Margin kept round the receiver's true joints when the frame is cut, as a share of the body's
#: larger extent (a head or a foot is wider than its joint).
BODY_MARGIN = 0.15


@dataclass(frozen=True)
class Degradation:
    """What a phone and the app's page do to a clip (module doc). `resolution` None keeps the
    render's frame; `exposure_s` None = one frame period, 0 = no blur."""

    name: str
    fps: float = SOURCE_FPS
    resolution: str | None = None
    portrait: bool = False
    exposure_s: float | None = 0.0
    noise_sigma: float = 0.0
    shot_gain: float = 0.0
    camera_quality: int | None = None
    send_side: int | None = None
    send_width: int | None = None
    send_quality: int | None = None
    seed: int = 42

    @property
    def size(self) -> tuple[int, int] | None:
        """The phone's frame (width, height), or None to keep the render's."""
        if self.resolution is None:
            return None
        short = RESOLUTIONS[self.resolution]
        long = short * 16 // 9
        return (short, long) if self.portrait else (long, short)

    @property
    def exposure(self) -> float:
        return 1.0 / self.fps if self.exposure_s is None else self.exposure_s

    def key(self) -> str:
        fields = sorted({**asdict(self), "version": VERSION}.items())
        return hashlib.sha1(repr(fields).encode()).hexdigest()[:12]


def phone(fps: float, resolution: str, portrait: bool) -> Degradation:
    """A phone on a table indoors: its frame rate and frame, blur over a full frame period,
    read noise σ 3 plus shot noise (σ ≈ 5 grey levels at mid-grey), its compression at JPEG 80,
    then the app's page (shorter side 480 px, JPEG 70)."""
    shape = "portrait" if portrait else "landscape"
    return Degradation(
        f"phone_{int(fps)}fps_{resolution}_{shape}",
        fps=fps,
        resolution=resolution,
        portrait=portrait,
        exposure_s=None,
        noise_sigma=3.0,
        shot_gain=0.15,
        camera_quality=80,
        send_side=PAGE_SIDE,
        send_quality=PAGE_QUALITY,
    )


#: The matrix: 15/24/30 fps × 720p/1080p × portrait/landscape, each a whole phone.
MATRIX: dict[str, Degradation] = {
    d.name: d
    for d in (
        phone(fps, res, portrait)
        for fps, res, portrait in itertools.product(
            (15.0, 24.0, 30.0), ("720p", "1080p"), (True, False)
        )
    )
}

#: One factor at a time, at the render's frame (to tell which one moves a reading).
SINGLE: dict[str, Degradation] = {
    d.name: d
    for d in (
        Degradation("render"),  # nothing but the pre-roll: the baseline to compare with
        Degradation("fps_15", fps=15.0),
        Degradation("fps_24", fps=24.0),
        Degradation("jpeg_70", camera_quality=70),
        Degradation("noise_6", noise_sigma=6.0),
        Degradation("blur_frame", exposure_s=None),
        Degradation("page_1080p_landscape", resolution="1080p", send_side=PAGE_SIDE),
        Degradation("page_720p_portrait", resolution="720p", portrait=True, send_side=PAGE_SIDE),
        # the page before issue 12 (width capped at 480), on two of the phones
        *(
            replace(
                phone(fps, "1080p", False),
                name=f"old_page_{int(fps)}fps_1080p_landscape",
                send_side=None,
                send_width=PAGE_SIDE,
            )
            for fps in (15.0, 30.0)
        ),
        # a dim room: the worst of the phone's own parts together, no app step
        Degradation(
            "dim_room",
            exposure_s=None,
            noise_sigma=6.0,
            shot_gain=0.3,
            camera_quality=70,
        ),
    )
}

PHONE: dict[str, Degradation] = {**MATRIX, **SINGLE}


def picks(n: int, fps: float, source_fps: float = SOURCE_FPS) -> np.ndarray:
    """Source frame indices of a clip of `n` frames re-timed to `fps` (nearest source time)."""
    count = int(np.floor((n - 1) / source_fps * fps + 1e-9)) + 1
    return np.minimum(np.rint(np.arange(count) * source_fps / fps).astype(int), n - 1)


def times(index: np.ndarray, source_fps: float = SOURCE_FPS) -> np.ndarray:
    """The capture time of each picked frame: its source frame's own time, seconds."""
    return np.asarray(index, np.float64) / source_fps


def clip_seed(clip_id: str, d: Degradation) -> int:
    """The noise seed of one clip under one degradation (stable across runs and machines)."""
    return int.from_bytes(hashlib.sha1(f"{clip_id}:{d.seed}".encode()).digest()[:8], "big")


@dataclass(frozen=True)
class Joints:
    """The true joint pixels of a clip: (T, K, 2) in the render's pixels (u right, v down)."""

    uv: np.ndarray

    @classmethod
    def read(cls, clip_id: str, truth: Path = TRUTH) -> Joints:
        with open(truth / f"{clip_id}.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        names = [k[:-2] for k in rows[0] if k.endswith("_u") and not k.startswith("assistant_")]
        uv = [[(float(r[f"{n}_u"]), float(r[f"{n}_v"])) for n in names] for r in rows]
        return cls(np.asarray(uv, np.float64))

    def velocity(self, source_fps: float = SOURCE_FPS) -> np.ndarray:
        """(T, 2): the image velocity of the fastest joint on each frame, render px/s."""
        v = np.gradient(self.uv, axis=0) * source_fps if len(self.uv) > 1 else self.uv * 0
        fastest = np.argmax(np.linalg.norm(v, axis=2), axis=1)
        return np.asarray(v[np.arange(len(v)), fastest])

    def box(self) -> tuple[float, float, float, float]:
        """(u0, v0, u1, v1): every joint over the clip, with `BODY_MARGIN`."""
        u, v = self.uv[..., 0], self.uv[..., 1]
        u0, u1, v0, v1 = np.nanmin(u), np.nanmax(u), np.nanmin(v), np.nanmax(v)
        m = BODY_MARGIN * max(u1 - u0, v1 - v0)
        return float(u0 - m), float(v0 - m), float(u1 + m), float(v1 + m)


def frame_window(
    src: tuple[int, int], body: tuple[float, float, float, float], aspect: float
) -> tuple[int, int, int, int]:
    """The window (x0, y0, width, height) of the render, in render pixels, with the phone's
    aspect (width / height): cut from the render where the body fits, widened past its edges
    (x0 or y0 negative, or the window larger than the render) where it does not."""
    sw, sh = src
    if sw / sh > aspect:  # the render is wider: cut (or keep) its width
        w, h = round(sh * aspect), sh
        needed = body[2] - body[0]
        if w < needed:  # the body would not fit: widen the height instead
            w, h = sw, round(sw / aspect)
    else:
        w, h = sw, round(sw / aspect)
        needed = body[3] - body[1]
        if h < needed:
            w, h = round(sh * aspect), sh
    cx = (body[0] + body[2]) / 2 if w < sw else sw / 2
    cy = (body[1] + body[3]) / 2 if h < sh else sh / 2
    x0 = int(round(min(max(cx - w / 2, 0), sw - w))) if w <= sw else (sw - w) // 2
    y0 = int(round(min(max(cy - h / 2, 0), sh - h))) if h <= sh else (sh - h) // 2
    return x0, y0, int(w), int(h)


def reframe(
    rgb: np.ndarray, window: tuple[int, int, int, int], size: tuple[int, int]
) -> np.ndarray:
    """The render seen through `window` (padded with its own edge colour), scaled to `size`."""
    import cv2

    x0, y0, w, h = window
    sh, sw = rgb.shape[:2]
    edge = np.median(np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]), axis=0)
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = edge.astype(np.uint8)
    sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x0 + w, sw), min(y0 + h, sh)
    canvas[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = rgb[sy0:sy1, sx0:sx1]
    return np.asarray(cv2.resize(canvas, size, interpolation=cv2.INTER_LINEAR))


def motion_blur(rgb: np.ndarray, velocity: np.ndarray, exposure_s: float) -> np.ndarray:
    """A straight blur along `velocity` (px/s, this image's pixels) over `exposure_s`."""
    import cv2

    du, dv = velocity * exposure_s
    length = float(np.hypot(du, dv))
    if length < 1.0:
        return rgb
    half = int(np.ceil(length / 2))
    size = 2 * half + 1
    kernel = np.zeros((size, size), np.float32)
    a = (half - du / 2, half - dv / 2)
    b = (half + du / 2, half + dv / 2)
    shift = 4  # sub-pixel line ends (cv2 fixed point)
    pa = (int(round(a[0] * 2**shift)), int(round(a[1] * 2**shift)))
    pb = (int(round(b[0] * 2**shift)), int(round(b[1] * 2**shift)))
    cv2.line(kernel, pa, pb, 1.0, 1, cv2.LINE_AA, shift)
    kernel /= kernel.sum()
    return np.asarray(cv2.filter2D(rgb, -1, kernel, borderType=cv2.BORDER_REPLICATE))


def sensor_noise(
    rgb: np.ndarray, read_sigma: float, shot_gain: float, rng: np.random.Generator
) -> np.ndarray:
    """Read noise plus shot noise (variance shot_gain · level), rounded and clipped."""
    if read_sigma <= 0 and shot_gain <= 0:
        return rgb
    levels = np.arange(256, dtype=np.float32)
    sigma = np.sqrt(np.float32(read_sigma**2) + np.float32(shot_gain) * levels)[rgb]
    noisy = rng.standard_normal(rgb.shape, dtype=np.float32)
    noisy *= sigma
    noisy += rgb
    return np.clip(np.rint(noisy, out=noisy), 0, 255).astype(np.uint8)


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    import cv2

    ok, buf = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV always encodes an RGB array
        raise RuntimeError("JPEG encoding failed")
    return np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1])


def page_frame(rgb: np.ndarray, side: int | None, width: int | None = None) -> np.ndarray:
    """The page's canvas: scaled down (never up) so its shorter side is at most `side`
    pixels, or (the page before issue 12) its width at most `width`."""
    import cv2

    h, w = rgb.shape[:2]
    scale = 1.0
    if side is not None:
        scale = min(scale, side / min(w, h))
    if width is not None:
        scale = min(scale, width / w)
    if scale >= 1.0:
        return rgb
    size = (int(round(w * scale)), int(round(h * scale)))
    return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))


def degrade_frame(
    rgb: np.ndarray,
    d: Degradation,
    rng: np.random.Generator,
    velocity: np.ndarray | None = None,
    window: tuple[int, int, int, int] | None = None,
) -> np.ndarray:
    """One RGB render frame (H, W, 3) uint8 as the server receives it. `velocity`: the fastest
    joint's image velocity (render px/s; None = still); `window`: the framing (None = the
    whole render, widened to the phone's aspect)."""
    out = rgb
    if velocity is not None and d.exposure > 0:
        out = motion_blur(out, velocity, d.exposure)
    if d.size is not None:
        sh, sw = rgb.shape[:2]
        whole = (0.0, 0.0, float(sw), float(sh))
        win = window or frame_window((sw, sh), whole, d.size[0] / d.size[1])
        out = reframe(out, win, d.size)
    out = sensor_noise(out, d.noise_sigma, d.shot_gain, rng)
    if d.camera_quality is not None:
        out = jpeg(out, d.camera_quality)
    out = page_frame(out, d.send_side, d.send_width)
    if d.send_quality is not None:
        out = jpeg(out, d.send_quality)
    return np.ascontiguousarray(out)


def frames(
    clip_id: str, d: Degradation, truth: Path = TRUTH
) -> Iterator[tuple[int, float, np.ndarray]]:
    """(source frame index, capture time s, RGB as the server receives it), in order: first
    the pre-roll (index −1, negative times), then the clip."""
    from backbuddy.adapters.video import open_file

    with open_file(truth / f"{clip_id}.mp4") as src:
        clean = [f.rgb for f in src]
    joints = Joints.read(clip_id, truth)
    velocity = joints.velocity()
    window = None
    if d.size is not None:
        sh, sw = clean[0].shape[:2]
        window = frame_window((sw, sh), joints.box(), d.size[0] / d.size[1])
    rng = np.random.default_rng(clip_seed(clip_id, d))
    for k in range(int(round(PRE_ROLL_S * d.fps)), 0, -1):
        yield -1, -k / d.fps, degrade_frame(clean[0], d, rng, None, window)
    index = picks(len(clean), d.fps)
    for i, t in zip(index.tolist(), times(index).tolist(), strict=True):
        v = velocity[min(i, len(velocity) - 1)]
        yield i, t, degrade_frame(clean[i], d, rng, v, window)


def landmarks(clip_id: str, d: Degradation, truth: Path = TRUTH, cache: Path | None = CACHE):  # type: ignore[no-untyped-def]
    """(Landmarks, source frame indices) of the degraded clip with its pre-roll (index −1),
    MediaPipe full model, video mode."""
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
