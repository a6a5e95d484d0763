"""Session plots as inline SVG: a measure against time, its limit, and where it paused or halted.

Drawn by hand (a polyline per series) so the summary page needs no plotting
library and renders the same in every browser and in a saved page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backbuddy.domain.cues import Cue
from backbuddy.domain.events import Event, Pose

WIDTH, HEIGHT, PAD = 640, 180, 36


@dataclass(frozen=True)
class Mark:
    t: float
    kind: str  # "pause" or "halt"
    label: str


@dataclass(frozen=True)
class Plot:
    """One chart ready for the template: SVG coordinates, not data."""

    title: str
    unit: str
    points: str
    limit_y: float | None
    limit_label: str
    marks: list[tuple[float, str, str]]
    y_max: float
    t_max: float
    empty: bool


def marks_from(cues: Sequence[tuple[int, Cue]]) -> list[Mark]:
    return [Mark(c.t, c.kind, c.reason or c.kind) for _, c in cues if c.kind in ("pause", "halt")]


def series(events: Sequence[Event], field: str) -> list[tuple[float, float]]:
    return [(e.t, float(getattr(e, field))) for e in events if isinstance(e, Pose) and e.tracked]


def plot(
    title: str,
    unit: str,
    data: list[tuple[float, float]],
    marks: list[Mark],
    limit: float | None,
    t_end: float,
) -> Plot:
    """Scale `data` into the chart box; the y axis always shows the limit."""
    t_max = max([t_end, 1.0, *(t for t, _ in data), *(m.t for m in marks)])
    y_max = max([1.0, *(v for _, v in data), (limit or 0.0) * 1.2])
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def x(t: float) -> float:
        return round(PAD + inner_w * t / t_max, 1)

    def y(v: float) -> float:
        return round(HEIGHT - PAD - inner_h * min(v, y_max) / y_max, 1)

    points = " ".join(f"{x(t)},{y(v)}" for t, v in data)
    return Plot(
        title=title,
        unit=unit,
        points=points,
        limit_y=y(limit) if limit is not None else None,
        limit_label=f"proposed limit {limit:g} {unit}" if limit is not None else "",
        marks=[(x(m.t), m.kind, m.label) for m in marks],
        y_max=round(y_max, 1),
        t_max=round(t_max, 1),
        empty=not data,
    )
