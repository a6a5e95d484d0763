"""`analyze --out DIR`: summary.json, landmarks.npz and a self-contained report.html."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
from numpy.typing import NDArray

from backbuddy.motion.analysis import FLAGGED, Analysis, cut_short_text
from backbuddy.reports import analysis_plots

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("backbuddy.reports", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
)


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def render(
    a: Analysis,
    summary: Mapping[str, Any],
    snapshots: Sequence[tuple[NDArray[np.uint8], NDArray[np.float32], str]],
) -> str:
    """The report page: plots (unless a still), checks, measures, moments, snapshots."""
    checks = [
        {
            "text": c.text,
            "measure": c.measure,
            "aim": f"{c.min:g} to {c.max:g} {'°' if c.unit == 'deg' else ''}".strip(),
            "fraction": f"{summary['checks'].get(c.id, 0.0):.0%}",
        }
        for c in a.technique.checks
    ]
    plot = None if a.still else _b64(analysis_plots.measure_and_speed(a))
    shots = [_b64(analysis_plots.snapshot(rgb, pts, caption)) for rgb, pts, caption in snapshots]
    return _ENV.get_template("analysis.html.j2").render(
        name=Path(str(summary["source"])).name,
        technique=a.technique,
        limits=a.technique.limits,
        s=summary,
        checks=checks,
        plot=plot,
        shots=shots,
        flagged=FLAGGED,
        cut_short=cut_short_text(dict(summary)) if summary.get("cut_short") else None,
    )


def write(
    out_dir: Path,
    a: Analysis,
    summary: Mapping[str, Any],
    arrays: Mapping[str, Any],
    snapshots: Sequence[tuple[NDArray[np.uint8], NDArray[np.float32], str]],
) -> dict[str, Path]:
    """Write the three files into `out_dir` (created if needed); return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "summary": out_dir / "summary.json",
        "landmarks": out_dir / "landmarks.npz",
        "report": out_dir / "report.html",
    }
    paths["summary"].write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    np.savez_compressed(paths["landmarks"], **arrays)
    paths["report"].write_text(render(a, summary, snapshots), encoding="utf-8")
    return paths
