"""The side-lying twist on phone-like video, before and after its new reference (2026-11-27).

    .venv/bin/python tools/calibrate/twist_table.py [--write]

Before: the top ankle's drop against the top hip alone, × 220 ° per trunk length (the measure
until 2026-11-27, kept here as `before`). After: `joints.leg_drop_twist_deg` as it stands (the
top ankle against the midpoint of the top hip and the bottom ankle). Both run through the whole
pipeline (`measure.measure_clip`, warm, the technique's own gate) on the side-lying clips of the
floor (the accepted placement) and the low-front limit clip (10 °/s; refused, shown for the
measure), under the clean render, one factor at a time and two landscape phones
(`degrade.PHONE`; landmarks cached under .cache/degraded/, so a re-run takes seconds once they
exist). `--write` puts the table into docs/accuracy.md between `<!-- twist:start -->` and
`<!-- twist:end -->`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import degrade  # noqa: E402
import doc_tables  # noqa: E402
import measure  # noqa: E402

from backbuddy.motion import angles, joints  # noqa: E402
from backbuddy.motion import landmarks as L  # noqa: E402
from backbuddy.motion.geometry import seen, trunk_px  # noqa: E402
from backbuddy.motion.landmarks import FloatArray, Landmarks  # noqa: E402

DOC = ROOT / "docs" / "accuracy.md"
START, END = "<!-- twist:start -->", "<!-- twist:end -->"
CLIPS = (
    "side_correct_setup_front_floor_m26",
    "side_correct_slow_front_floor_f71",
    "side_correct_jerk_front_floor_m26",
    "side_correct_jerk_front_floor_f71",
    "side_correct_limit_front_m58",
)
CONDITIONS = (
    "render",
    "fps_24",
    "page_1080p_landscape",
    "jpeg_70",
    "noise_6",
    "phone_24fps_720p_landscape",
    "phone_30fps_1080p_landscape",
)
NAME = "leg_drop_twist_deg"


def _refusal(r: measure.ClipResult) -> str:
    """Why the gate refused a run: the still receiver's twist jittered over the technique's
    limit (`video.max_still_jitter_deg`, 2026-11-27: `jitter_table.py`), or the placement."""
    from backbuddy.domain import techniques

    limit = techniques.get("side_lying_rotation").video.max_still_jitter_deg
    if limit > 0 and r.still_jitter > limit:
        return "refused: unsteady picture"
    return "refused placement"


def before(lm: Landmarks, min_visibility: float = L.MIN_VISIBILITY) -> FloatArray:
    """The measure until 2026-11-27: the top ankle's drop below the top hip × 220."""
    px = lm.pixels()
    side = joints.top_side(lm, min_visibility)
    top_left = (side > 0)[:, None]
    hip = np.where(top_left, px[:, L.LEFT_HIP], px[:, L.RIGHT_HIP])
    leg = np.where(top_left, px[:, L.LEFT_ANKLE], px[:, L.RIGHT_ANKLE])
    trunk = trunk_px(lm)
    length = np.linalg.norm(trunk, axis=1)
    perp = np.stack([-trunk[:, 1], trunk[:, 0]], axis=1) / length[:, None]
    perp *= np.where(perp[:, 1] < 0, -1.0, 1.0)[:, None]
    drop = np.einsum("ij,ij->i", leg - hip, perp) / length
    leg_seen = np.where(
        side > 0,
        seen(lm, min_visibility, L.LEFT_HIP, L.LEFT_ANKLE),
        seen(lm, min_visibility, L.RIGHT_HIP, L.RIGHT_ANKLE),
    )
    return np.where(np.isnan(side) | ~leg_seen, np.nan, drop * 220.0)


def run_with(fn: Callable[..., FloatArray], clip_id: str, condition: str) -> measure.ClipResult:
    """One clip under one condition with `fn` as the side-lying twist measure."""
    meta = next(m for m in measure.clips() if m["id"] == clip_id)
    saved = angles.MEASURES[NAME]
    angles.MEASURES[NAME] = fn
    try:
        return measure.measure_clip(meta, degradation=degrade.PHONE[condition])
    finally:
        angles.MEASURES[NAME] = saved


def cell(r: measure.ClipResult) -> str:
    if np.isfinite(r.speed_err):
        text = f"{r.speed_err:.2f} °/s"
    else:
        text = "never halted" if r.halt_latency == float("inf") else f"halt {r.halt_latency:.0f}"
    if r.false_halt:
        text += ", **false halt**"
    return text


def summary(results: list[measure.ClipResult]) -> str:
    speed = [r.speed_err for r in results if np.isfinite(r.speed_err)]
    halts = [min(r.halt_latency, 99.0) for r in results if r.peak_true > measure.HARD]
    false = sum(r.false_halt for r in results)
    worst = f"worst halt {max(halts):.0f} frames, " if halts else ""
    return (
        f"speed err mean {np.mean(speed):.2f} / max {np.max(speed):.2f} °/s, "
        f"{worst}false halts {false} of {len(results)} clips"
    )


def table() -> str:
    lines = [
        "| clip | condition | before (top ankle − top hip, × 220) | after (top ankle − ½(top hip"
        " + bottom ankle), × 260) |",
        "|---|---|---|---|",
    ]
    groups: dict[tuple[str, bool], list[measure.ClipResult]] = {}
    for condition in CONDITIONS:
        for clip in CLIPS:
            old, new = (
                run_with(before, clip, condition),
                run_with(joints.leg_drop_twist_deg, clip, condition),
            )
            floor = "floor" in clip
            groups.setdefault(("before", floor), []).append(old)
            groups.setdefault(("after", floor), []).append(new)
            refused = (
                "" if new.accepted else f" ({_refusal(new) if floor else 'refused placement'})"
            )
            short = clip.removeprefix("side_correct_")
            lines.append(f"| `{short}`{refused} | {condition} | {cell(old)} | {cell(new)} |")
    lines.append("")
    for floor, label in (
        (True, "floor clips (the accepted placement)"),
        (False, "low-front limit clip (refused)"),
    ):
        lines.append(
            f"* {label}: before {summary(groups[('before', floor)])}; "
            f"after {summary(groups[('after', floor)])}."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="put the table into docs/accuracy.md")
    args = ap.parse_args(argv)
    text = table()
    if args.write:
        doc_tables.write_between(DOC, START, END, text)
    else:
        print(text)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
