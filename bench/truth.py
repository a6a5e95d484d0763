"""Camera layer against the rendered truth clips (issue 7): tools/calibrate/measure.py's figures.

The real pipeline (MediaPipe full model → PoseMonitor) on every single-person truth clip in
tests/data/truth, landmarks cached per clip under tools/calibrate/.cache (the first run takes
about 2 minutes of MediaPipe, later runs seconds):

* truth_check_agreement: set-up checks' frame agreement with the truth labels, mean over the
  checks and set-up clips from the recommended placements (hug: 60° and side; side-lying:
  front). Goal ≥ 0.95.
* truth_speed_error_deg_s: mean |speed read − true speed| on the clips under the gentle limit
  (set-up, 5 and 10 °/s) from the recommended placements. Goal ≤ 2.
* truth_halt_frames: the worst frames from a true speed over 30 °/s to the halt, recommended
  placements (a jerk never halted counts as 99). Goal ≤ 2.
* truth_false_halts: halts on clips whose true speed stays under the gentle limit. Goal 0.
* the same per technique and placement (`truth_<technique>_<placement>_...`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import measure  # noqa: E402

from bench import Result, emit  # noqa: E402

RECOMMENDED = {
    "seated_hug_extension": ("side_front_60", "side"),
    "side_lying_rotation": ("front",),
}
NEVER = 99.0


def _figures(group: list[measure.ClipResult]) -> tuple[float, float, float, float]:
    agree = [v for r in group if r.motion == "setup" for v in r.check_agree.values()]
    speed = [r.speed_err for r in group if np.isfinite(r.speed_err)]
    halts = [min(r.halt_latency, NEVER) for r in group if r.peak_true > measure.HARD]
    false = sum(r.false_halt for r in group)
    nan = float("nan")
    return (
        float(np.mean(agree)) if agree else nan,
        float(np.mean(speed)) if speed else nan,
        float(max(halts)) if halts else nan,
        float(false),
    )


def run() -> list[Result]:
    results = [r for r in measure.run() if not r.assistant]
    out: list[Result] = []
    rec = [r for r in results if r.camera in RECOMMENDED[r.technique]]
    agree, speed, halt, false = _figures(rec)
    out.append(emit("truth_check_agreement", agree, "ratio", ">=0.95"))
    out.append(emit("truth_speed_error_deg_s", speed, "deg/s", "<=2"))
    out.append(emit("truth_halt_frames", halt, "frames", "<=2"))
    out.append(emit("truth_false_halts", false, "clips", "==0"))
    keys = sorted({(r.technique, r.camera) for r in results})
    for tech, cam in keys:
        group = [r for r in results if r.technique == tech and r.camera == cam]
        agree, speed, halt, false = _figures(group)
        name = f"truth_{tech}_{cam}"
        for suffix, value, unit, goal in (
            ("check_agreement", agree, "ratio", ">=0.95"),
            ("speed_error_deg_s", speed, "deg/s", "<=2"),
            ("halt_frames", halt, "frames", "<=2"),
            ("false_halts", false, "clips", "==0"),
        ):
            if np.isfinite(value):
                out.append(emit(f"{name}_{suffix}", value, unit, goal))
    return out


if __name__ == "__main__":
    run()
