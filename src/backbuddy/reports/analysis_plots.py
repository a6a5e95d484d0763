"""Pictures for `analyze --out`: the primary measure and its speed against time, and skeleton
overlays on frames. PNG bytes from matplotlib's Agg canvas (no display, no global state).
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import NDArray

from backbuddy.motion import angles
from backbuddy.motion import landmarks as L
from backbuddy.motion.analysis import FLAGGED, Analysis

#: Bones drawn on snapshots: head, shoulders, arms, trunk, hips, legs.
BONES: tuple[tuple[int, int], ...] = (
    (L.LEFT_EAR, L.NOSE),
    (L.NOSE, L.RIGHT_EAR),
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    (L.LEFT_SHOULDER, L.LEFT_ELBOW),
    (L.LEFT_ELBOW, L.LEFT_WRIST),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW),
    (L.RIGHT_ELBOW, L.RIGHT_WRIST),
    (L.LEFT_SHOULDER, L.LEFT_HIP),
    (L.RIGHT_SHOULDER, L.RIGHT_HIP),
    (L.LEFT_HIP, L.RIGHT_HIP),
    (L.LEFT_HIP, L.LEFT_KNEE),
    (L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_HIP, L.RIGHT_KNEE),
    (L.RIGHT_KNEE, L.RIGHT_ANKLE),
)
COLOURS = {"left": "#1f77b4", "right": "#d62728", "middle": "#2ca02c"}
MOMENT_COLOURS = {
    "tracking_lost": "#7f7f7f",
    "identity_jump": "#9467bd",
    "identity_unsure": "#e377c2",
    "over_speed_limit": "#d62728",
    "sudden_motion": "#ff7f0e",
    "over_range": "#8c564b",
    "pop": "#e377c2",
}


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _untracked_spans(ax: Axes, t: NDArray[np.float64], tracked: NDArray[np.bool_]) -> None:
    lost = ~tracked
    if not lost.any():
        return
    edges = np.flatnonzero(np.diff(np.concatenate([[0], lost.astype(int), [0]])))
    dt = float(np.median(np.diff(t))) if t.size > 1 else 0.0
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        ax.axvspan(t[start], t[stop - 1] + dt, color="#cccccc", alpha=0.5, lw=0)


def measure_and_speed(a: Analysis) -> bytes:
    """Two panels sharing time: the primary measure with its range limits, and its speed with
    the gentle and hard limits; untracked stretches shaded, flagged moments marked."""
    tr, lim = a.trace, a.technique.limits
    t = tr.t
    base = angles.base_measure(a.technique.primary_measure)
    fig = Figure(figsize=(9, 5.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    value = tr.primary.value
    top.plot(t, tr.measures[base], color="#bbbbbb", lw=0.8, label=f"{base} (raw)")
    top.plot(t, value, color="#1f77b4", lw=1.6, label=f"{base} (filtered)")
    b = tr.baseline[np.isfinite(tr.baseline)]
    if b.size:
        top.axhline(b[0], color="#2ca02c", lw=1, ls=":", label="baseline")
        for sign in (-1, 1):
            top.axhline(b[0] + sign * lim.max_range_deg, color="#8c564b", lw=1, ls="--")
        top.plot([], [], color="#8c564b", ls="--", label=f"±{lim.max_range_deg:g}° range limit")
    top.set_ylabel("degrees")
    top.set_title(f"{a.technique.primary_measure}: {a.technique.name}", loc="left", fontsize=10)
    measurable = tr.tracked & np.isfinite(tr.primary.velocity)  # not in the first ~0.3 s
    bottom.plot(t, np.where(measurable, tr.speed, np.nan), color="#1f77b4", lw=1.4, label="speed")
    bottom.axhline(lim.gentle_speed_deg_s, color="#ff7f0e", ls="--", lw=1, label="gentle limit")
    bottom.axhline(lim.hard_speed_deg_s, color="#d62728", ls="--", lw=1, label="hard limit (halt)")
    bottom.set_ylabel("°/s")
    bottom.set_xlabel("time (s)")
    bottom.set_ylim(bottom=0)
    for ax in (top, bottom):
        _untracked_spans(ax, t, tr.tracked)
        for m in a.moments:
            if m.kind in FLAGGED:
                ax.axvline(m.t, color=MOMENT_COLOURS[m.kind], lw=1, alpha=0.8)
        ax.grid(alpha=0.3)
    for kind in dict.fromkeys(m.kind for m in a.moments if m.kind in FLAGGED):
        bottom.plot([], [], color=MOMENT_COLOURS[kind], label=kind.replace("_", " "))
    top.legend(fontsize=7, loc="upper left")
    bottom.legend(fontsize=7, loc="upper left", ncol=2)
    return _png(fig)


def _side(i: int, j: int) -> str:
    sides = {k % 2 for k in (i, j) if k not in (L.NOSE,)}
    if len(sides) != 1:
        return "middle"
    return "left" if sides == {1} else "right"


def snapshot(rgb: NDArray[np.uint8], image_landmarks: NDArray[np.float32], caption: str) -> bytes:
    """One frame with the skeleton drawn over it (faint where visibility < 0.5)."""
    h, w = rgb.shape[:2]
    fig = Figure(figsize=(4.0, 4.0 * h / w + 0.4), layout="constrained")
    ax = fig.subplots()
    ax.imshow(rgb)
    pts = image_landmarks.astype(np.float64)
    xy = pts[:, :2] * np.array([w, h])
    vis = np.nan_to_num(pts[:, 3])
    for i, j in BONES:
        if np.isfinite(xy[[i, j]]).all():
            seen = min(vis[i], vis[j]) >= L.MIN_VISIBILITY
            ax.plot(
                xy[[i, j], 0],
                xy[[i, j], 1],
                color=COLOURS[_side(i, j)],
                lw=2.2 if seen else 1,
                alpha=0.95 if seen else 0.35,
            )
    ax.set_title(caption, fontsize=7, wrap=True)
    ax.set_axis_off()
    return _png(fig)
