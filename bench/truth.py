"""Camera layer against the rendered truth clips (issues 7 and 12): tools/calibrate/measure.py.

The real pipeline (MediaPipe full model → PoseMonitor, with the placement gate) on every
single-person truth clip in tests/data/truth, each fed after 2 s of its own still first frame
(a warm tracker, as after a session's set-up: `measure.WARM`), landmarks cached per clip under
tools/calibrate/.cache/degraded (the first run takes 10-20 minutes of MediaPipe, later runs
seconds).
A clip is *accepted* when the placement gate was open on the frame where a movement cue would
come (the last still frame before the clip's motion; the end of a set-up clip); a placement is
accepted when any of its correct set-up clips is. Over every clip of the accepted placements
(`measure.goal_figures`):

* truth_check_agreement: set-up checks' frame agreement with the truth labels (set-up clips;
  a placement without them: the still frames before each motion). Goal ≥ 0.95.
* truth_speed_error_deg_s: mean |speed read − true speed| over the clips under the gentle
  limit (set-up, 5 and 10 °/s). Goal ≤ 2.
* truth_halt_frames: the worst frames from a true speed over 30 °/s to the halt (never halted
  counts as 99). Goal ≤ 2.
* truth_false_halts: clips with a halt while no jerk was under way: any halt on a clip whose
  true speed stays under the hard limit, or a halt before a jerk's own rise (a still receiver
  or a slow movement halted; `tools/calibrate/halts.py`). Goal 0.
* truth_refused_outside_region: share of correct set-up clips at placements where the truth run
  showed the measure not valid (tools/calibrate/regions.json) that the gate refused. Goal 1.
* truth_accepted_inside_region: share of correct set-up clips at valid placements that the gate
  let start (how often a good placement is used; no goal, safety does not need it).
* the same per technique, and per technique and placement (`truth_<technique>_<placement>_...`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import measure  # noqa: E402

from bench import Result, emit  # noqa: E402

NEVER = 99.0
REGIONS = ROOT / "tools" / "calibrate" / "regions.json"


def _goal_lines(name: str, group: list[measure.ClipResult]) -> list[Result]:
    fig = measure.goal_figures(group)
    out = []
    for key, unit, goal in (
        ("check_agreement", "ratio", ">=0.95"),
        ("speed_error_deg_s", "deg/s", "<=2"),
        ("halt_frames", "frames", "<=2"),
        ("false_halts", "clips", "==0"),
    ):
        value = fig[key]
        if value is not None:
            out.append(emit(f"{name}_{key}", float(value), unit, goal))
    return out


def accepted_placements(results: list[measure.ClipResult]) -> set[tuple[str, str]]:
    """Placements where the gate let at least one correct set-up clip start."""
    return {(r.technique, r.camera) for r in results if r.setup == "correct" and r.accepted}


def run() -> list[Result]:
    results = measure.run(single=True)
    valid = {k: v["valid"] for k, v in json.loads(REGIONS.read_text()).items()}
    places = accepted_placements(results)
    accepted = [r for r in results if (r.technique, r.camera) in places]
    out = _goal_lines("truth", accepted)
    correct = [r for r in results if r.setup == "correct"]
    outside = [r for r in correct if not valid.get(f"{r.technique}/{r.camera}", False)]
    inside = [r for r in correct if valid.get(f"{r.technique}/{r.camera}", False)]
    if outside:
        share = 1 - sum(r.accepted for r in outside) / len(outside)
        out.append(emit("truth_refused_outside_region", share, "ratio", ">=1"))
    if inside:
        share = sum(r.accepted for r in inside) / len(inside)
        out.append(emit("truth_accepted_inside_region", share, "ratio", "info"))
    for tech in sorted({r.technique for r in results}):
        mine = [r for r in accepted if r.technique == tech]
        if mine:
            out += _goal_lines(f"truth_{tech}", mine)
        else:  # the gate accepts no placement: the technique never moves with the camera on
            out.append(emit(f"truth_{tech}_accepted_placements", 0.0, "placements", "info"))
        cams = sorted({r.camera for r in results if r.technique == tech})
        for cam in cams:
            group = [r for r in accepted if r.technique == tech and r.camera == cam]
            if (tech, cam) in places:
                out += _goal_lines(f"truth_{tech}_{cam}", group)
            else:
                refused = [r for r in correct if r.technique == tech and r.camera == cam]
                if refused:
                    out.append(emit(f"truth_{tech}_{cam}_refused", 1.0, "ratio", "info"))
    return out


if __name__ == "__main__":
    run()
