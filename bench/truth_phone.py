"""The truth goals on phone-like clips (issue 12, item 5): tools/calibrate/degrade.py.

Every `degrade.PHONE` degradation (JPEG, sensor noise, motion blur, 15/24 fps, 720p/1080p in
portrait and landscape, and two phones combining them) applied to a slow and a jerk clip (the
correct set-up) of every placement the gate accepts (valid in tools/calibrate/regions.json and
read inside the technique's region); and the two combined phones to one movement clip of each
other placement. MediaPipe runs once per clip and degradation (landmarks cached under
tools/calibrate/.cache/degraded; the first run takes about 15 minutes). Per degradation:

* truth_phone_<name>_speed_error_deg_s, _halt_frames (in the degraded clip's own frames),
  _false_halts over the accepted placements' clips: the goals of `bench/truth.py`;
* truth_phone_<name>_check_agreement: set-up checks before the motion. Goal ≥ 0.95;
* truth_phone_<name>_refused_outside_region (the two combined phones): share of the refused
  placements' clips the gate still refuses. Goal 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import degrade  # noqa: E402
import measure  # noqa: E402

from backbuddy.domain import techniques  # noqa: E402
from backbuddy.motion.placement_gate import ENTER_MARGIN_DEG  # noqa: E402
from bench import Result, emit  # noqa: E402

REGIONS = ROOT / "tools" / "calibrate" / "regions.json"


#: Degradations applied to the refused placements too (the gate must still refuse them).
COMBINED = ("phone_24fps_720p", "phone_15fps_1080p_landscape")


def _accepted(key: str, fig: dict) -> bool:  # type: ignore[type-arg]
    """A valid placement the gate can accept: one of its readings lies inside the region."""
    region = techniques.get(key.split("/")[0]).placement
    inside = region is not None and any(
        region.contains(a, e, margin=ENTER_MARGIN_DEG) for a, e in fig["estimates"]
    )
    return bool(fig["valid"]) and inside


def selection() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(a slow and a jerk clip per placement the gate accepts, one movement clip per refused
    placement)."""
    valid = {k: _accepted(k, v) for k, v in json.loads(REGIONS.read_text()).items()}
    moving = [
        m
        for m in measure.clips()
        if not m["assistant"] and m["setup"] == "correct" and m["motion"] != "setup"
    ]
    good: dict[tuple[str, str], dict[str, str]] = {}
    bad: dict[str, dict[str, str]] = {}
    for m in moving:
        key = f"{m['technique']}/{m['camera']}"
        if valid.get(key, False):
            kind = "jerk" if float(m["peak_primary_speed_deg_s"]) > measure.HARD else "slow"
            good.setdefault((key, kind), m)
        elif key in valid:
            bad.setdefault(key, m)
    return list(good.values()), list(bad.values())


def run() -> list[Result]:
    good, bad = selection()
    out: list[Result] = []
    for name, d in degrade.PHONE.items():
        results = [measure.measure_clip(m, degradation=d) for m in good]
        fig = measure.goal_figures(results)
        agree = [v for r in results for v in r.check_agree_still.values()]
        if agree:
            value = sum(agree) / len(agree)
            out.append(emit(f"truth_phone_{name}_check_agreement", value, "ratio", ">=0.95"))
        for key, unit, goal in (
            ("speed_error_deg_s", "deg/s", "<=2"),
            ("halt_frames", "frames", "<=2"),
            ("false_halts", "clips", "==0"),
        ):
            if fig[key] is not None:
                out.append(emit(f"truth_phone_{name}_{key}", float(fig[key]), unit, goal))  # type: ignore[arg-type]
        refused = [measure.measure_clip(m, degradation=d) for m in bad] if name in COMBINED else []
        if refused:
            share = sum(not r.accepted for r in refused) / len(refused)
            out.append(emit(f"truth_phone_{name}_refused_outside_region", share, "ratio", ">=1"))
    return out


if __name__ == "__main__":
    run()
