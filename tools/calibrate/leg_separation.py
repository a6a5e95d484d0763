"""Does the top knee tell the slow twist's catch-up from a jerk? The table of docs/accuracy.md
("The slow twist on phone video: the knee does not separate it either").

    .venv/bin/python tools/calibrate/leg_separation.py

The side-lying twist is read from the top ankle (`joints.top_leg_drop`). On phone-like video
MediaPipe lets the top leg lag a slow twist and then catch up in a burst (`twist_filters.py`:
no threshold on the filtered speed, a velocity step or the movement in 0.3 s separates it from
the floor jerks by their last allowed halt frame). A true jerk moves the whole leg; if the catch-up
were the ankle alone, the top knee would not follow it. This reads, unfiltered, the same drop
with the knee in place of the ankle and, for both, the frame-to-frame speed (× the twist's
260 °/trunk length) and the movement over 0.1 s: on the slow and still runs the highest reading of
the clip, on the jerks the highest by the last frame the goal allows (2 frames after the true
speed passes 30 °/s). A reading separates when the lowest jerk reads above the highest slow run;
"both" asks whether any slow run reaches the jerks' lowest on the ankle and on the knee at once.
The floor's clips (the accepted placement) under the conditions of `twist_table.py` and the
held-out phones; landmarks from the `.cache/degraded/` cache (MediaPipe where missing).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import degrade  # noqa: E402
import measure  # noqa: E402

from backbuddy.motion import joints  # noqa: E402
from backbuddy.motion import landmarks as L  # noqa: E402

CLIPS = (
    "side_correct_setup_front_floor_m26",
    "side_correct_slow_front_floor_f71",
    "side_correct_jerk_front_floor_m26",
    "side_correct_jerk_front_floor_f71",
)
CONDITIONS = (
    "render",
    "fps_24",
    "jpeg_70",
    "page_1080p_landscape",
    "phone_24fps_720p_landscape",
    "phone_30fps_1080p_landscape",
    "phone_24fps_1080p_landscape",
    "phone_30fps_720p_landscape",
)
POINTS = {"ankle": (L.LEFT_ANKLE, L.RIGHT_ANKLE), "knee": (L.LEFT_KNEE, L.RIGHT_KNEE)}


def drop_twist(lm, leg: tuple[int, int]) -> np.ndarray:  # type: ignore[no-untyped-def]
    """`joints.leg_drop_twist_deg` with `leg` as the top leg's point followed."""
    kept = joints.LEG
    joints.LEG = leg
    try:
        return joints.leg_drop_twist_deg(lm)
    finally:
        joints.LEG = kept


def readings(cid: str, condition: str) -> tuple[bool, dict[str, float], dict[str, np.ndarray]]:
    """(is a jerk, reading → the highest value counted, point → its speed per frame) for one
    run."""
    d = degrade.PHONE.get(condition) or degrade.SINGLE[condition]
    lm, index = degrade.landmarks(cid, d)
    pre = int(np.sum(index < 0))
    lm, index = lm.take(slice(pre, None)), index[pre:]
    true = np.abs(measure.truth_table(cid)["primary_speed_deg_s"][index])
    jerk = bool(true.max() > measure.HARD)
    last = int(np.argmax(true > measure.HARD)) + 2 if jerk else len(true) - 1
    k = max(1, int(round(0.1 * d.fps)))
    out, speeds = {}, {}
    for name, leg in POINTS.items():
        x = drop_twist(lm, leg)
        speed = np.abs(np.diff(x)) * d.fps  # speed[i]: frames i → i + 1
        moved = np.abs(x[k:] - x[:-k])  # moved[i]: frames i → i + k
        out[f"{name} speed °/s"] = float(np.nanmax(speed[:last]))
        out[f"{name} moved in 0.1 s °"] = float(np.nanmax(moved[: last - k + 1]))
        speeds[name] = speed[:last]
    return jerk, out, speeds


def both_rule(runs: dict) -> tuple[int, float, float]:  # type: ignore[type-arg]
    """(slow or still runs halted, A, B): the rule "ankle ≥ A and knee ≥ B on one frame" that
    halts every jerk run by its last allowed frame with the fewest slow or still runs halted,
    over every A a jerk frame reads (for each A, B the highest that still halts every jerk)."""
    jerks = [sp for j, _, sp in runs.values() if j]
    calm = [sp for j, _, sp in runs.values() if not j]
    best = (len(calm) + 1, float("nan"), float("nan"))
    for a in sorted({float(v) for sp in jerks for v in sp["ankle"] if np.isfinite(v)}):
        reach = [sp["knee"][sp["ankle"] >= a] for sp in jerks]
        if any(not np.isfinite(r).any() for r in reach):
            continue
        b = min(float(np.nanmax(r)) for r in reach)
        halted = sum(bool(np.any((sp["ankle"] >= a) & (sp["knee"] >= b))) for sp in calm)
        best = min(best, (halted, a, b))
    return best


def main() -> int:
    runs = {(c, n): readings(c, n) for c in CLIPS for n in CONDITIONS}
    names = list(next(iter(runs.values()))[1])
    print(
        "| reading | highest on a slow or still run | lowest a jerk run reached by its last "
        "allowed halt frame | a threshold separates? |\n|---|---|---|---|"
    )
    for name in names:
        slow = max((v[name], k) for k, (j, v, _) in runs.items() if not j)
        fast = min((v[name], k) for k, (j, v, _) in runs.items() if j)
        print(
            f"| {name} | {slow[0]:.1f} (`{slow[1][0][13:]}` {slow[1][1]}) "
            f"| {fast[0]:.1f} (`{fast[1][0][13:]}` {fast[1][1]}) "
            f"| {'yes' if fast[0] > slow[0] else '**no**'} |"
        )
    best = both_rule(runs)
    print(
        "\nankle and knee together (halt where the ankle reads at least A °/s and the knee at "
        "least B on one frame; of the rules that halt every jerk by its last allowed frame, the "
        f"one with the fewest slow or still runs halted): A {best[1]:.1f}, B {best[2]:.1f}: "
        f"{best[0]} of {sum(not j for j, _, _ in runs.values())} slow or still runs halted"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
