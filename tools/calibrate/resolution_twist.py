"""Why the floor's slow twist misses on 1080p landscape phones and not on 720p ones. The table of
docs/accuracy.md ("The slow twist on 1080p phones: the gate's jitter, not the picture's size").

    .venv/bin/python tools/calibrate/resolution_twist.py

`python -m bench truth_phone` misses only on the 24 and 30 fps 1080p landscape phones (the slow
twist `side_correct_slow_front_floor_f71`: speed error and one false halt each). This runs that
clip through the whole pipeline (`measure.measure_clip`: warm, after the 2 s still pre-roll) under
each phone and one factor at a time, and shows for each: the picture the server receives (its
size, and its noise: the σ of the difference between two pre-roll frames, the same picture with
fresh noise, over √2), the still jitter the gate reads (`video.max_still_jitter_deg`, 0.15° for
the side-lying rotation), whether the gate lets the movement start, the speed error and a false
halt. A speed error and a false halt are shown for refused runs too (what the measure would have
said). Variants not in `degrade.PHONE` are made here: one field of a degradation changed (cached
under their own name), and three that change the JPEG step itself (`degrade.jpeg` replaced for
the run: not cached, MediaPipe runs afresh).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import degrade  # noqa: E402
import measure  # noqa: E402

from backbuddy.domain import techniques  # noqa: E402

CLIP = "side_correct_slow_front_floor_f71"
HEADER = (
    "| condition | picture at the server | its noise σ | still jitter ° | gate "
    "| speed error °/s | false halt |"
)
Jpeg = Callable[[np.ndarray, int], np.ndarray]


def _jpeg_444(rgb: np.ndarray, quality: int) -> np.ndarray:
    """JPEG without chroma subsampling (4:4:4)."""
    import cv2

    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    params += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
    ok, buf = cv2.imencode(".jpg", rgb[:, :, ::-1], params)
    return np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1])


def _chroma_only(rgb: np.ndarray, quality: int) -> np.ndarray:
    """No JPEG: only its chroma subsampling (colour at half resolution, 4:2:0)."""
    import cv2

    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    h, w = ycc.shape[:2]
    for c in (1, 2):
        small = cv2.resize(ycc[:, :, c], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        ycc[:, :, c] = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.asarray(cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB))


def _luma_only(rgb: np.ndarray, quality: int) -> np.ndarray:
    """JPEG of the brightness alone; colour kept exact."""
    import cv2

    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    ok, buf = cv2.imencode(".jpg", ycc[:, :, 0], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    ycc[:, :, 0] = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return np.asarray(cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB))


def _variant(base: str, **change: object) -> degrade.Degradation:
    d = degrade.PHONE[base]
    suffix = "_".join(f"{k}{v}" for k, v in change.items())
    return replace(d, name=f"{base}_{suffix}", **change)  # type: ignore[arg-type]


JPEG_90 = _variant("render", camera_quality=90)
#: (label, degradation, replacement of degrade.jpeg or None), in the table's order.
ROWS: list[tuple[str, degrade.Degradation, Jpeg | None]] = [
    ("clean render", degrade.SINGLE["render"], None),
    ("render, noise σ 1", _variant("render", noise_sigma=1.0), None),
    ("render, noise σ 6", degrade.SINGLE["noise_6"], None),
    ("render, motion blur (a frame)", degrade.SINGLE["blur_frame"], None),
    ("render, 24 fps", degrade.SINGLE["fps_24"], None),
    ("render, JPEG 90", JPEG_90, None),
    ("render, JPEG 80", _variant("render", camera_quality=80), None),
    ("render, JPEG 70", degrade.SINGLE["jpeg_70"], None),
    ("render, JPEG 90 without chroma subsampling", JPEG_90, _jpeg_444),
    ("render, chroma subsampling alone (no JPEG)", JPEG_90, _chroma_only),
    ("render, JPEG 90 of the brightness alone", JPEG_90, _luma_only),
    ("1080p landscape page alone (853×480 sent)", degrade.SINGLE["page_1080p_landscape"], None),
    *(
        (f"phone {fps} fps {res} landscape", degrade.PHONE[f"phone_{fps}fps_{res}_landscape"], None)
        for fps in (15, 24, 30)
        for res in ("720p", "1080p")
    ),
    *(
        (
            f"phone {fps} fps {res} landscape, page JPEG 90 (not 70)",
            _variant(f"phone_{fps}fps_{res}_landscape", send_quality=90),
            None,
        )
        for fps, res in ((24, "1080p"), (30, "1080p"), (30, "720p"))
    ),
]


def _server_picture(d: degrade.Degradation) -> tuple[str, float]:
    """The size the server receives and its noise σ (two pre-roll frames: the same picture)."""
    frames = degrade.frames(CLIP, d)
    (_, _, a), (_, _, b) = next(frames), next(frames)
    frames.close()
    sigma = float(np.std(a.astype(np.float64) - b.astype(np.float64)) / np.sqrt(2))
    return f"{a.shape[1]}×{a.shape[0]}", sigma


def main() -> int:
    meta = {m["id"]: m for m in measure.clips()}[CLIP]
    limit = techniques.get("side_lying_rotation").video.max_still_jitter_deg
    jpeg = degrade.jpeg
    peak = meta["peak_primary_speed_deg_s"]
    print(f"still-jitter limit {limit}°; clip `{CLIP}` (true peak {peak} °/s)\n")
    print(HEADER)
    print("|---|---|---|---|---|---|---|")
    for label, d, swap in ROWS:
        degrade.jpeg = swap or jpeg
        try:
            size, sigma = _server_picture(d)
            r = measure.measure_clip(meta, degradation=d, cache=None if swap else measure.CACHE)
        finally:
            degrade.jpeg = jpeg
        gate = "starts" if r.accepted else "refused"
        halt = "**yes**" if r.false_halt else "no"
        err = f"{r.speed_err:.2f}"
        err = f"**{err}**" if r.speed_err > measure.GOALS["speed_error_deg_s"] else err
        cells = (label, size, f"{sigma:.1f}", f"{r.still_jitter:.3f}", gate, err, halt)
        print("| " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
