"""The truth goals on phone-like clips (issue 12, item 5): tools/calibrate/degrade.py.

Clips: the movement clips of every placement the gate accepts (valid in
tools/calibrate/regions.json and read inside the technique's region): a slow and a jerk clip per
hug placement, every side-lying movement clip at its accepted placements (its measure is the one at
the edge); and one slow clip of every refused placement. Conditions: `degrade.MATRIX`, phones at
15/24/30 fps × 720p/1080p × portrait/landscape (blur over a frame period, sensor noise, JPEG 80,
then the page's 480 px and JPEG 70), each clip after a 2 s still pre-roll; and `render`, the
same pre-roll on the clean render (the baseline).

`BACKBUDDY_PHONE_MATRIX=full` runs every clip under every condition (about an hour of CPU the
first time); the default is a representative subset that covers every condition with both
techniques: each clip under `PER_CLIP` conditions, rotated over the matrix (about 10 minutes of
CPU the first time; MediaPipe results are cached per degraded clip under
tools/calibrate/.cache/degraded, so a re-run takes seconds).

Per condition, over the accepted placements' clips it ran on (goals of `bench/truth.py`):
``truth_phone_<condition>_check_agreement`` (set-up checks on the still frames before the
motion, ≥ 0.95), ``_speed_error_deg_s`` (≤ 2), ``_halt_frames`` (worst, in the clip's own
frames, ≤ 2), ``_false_halts`` (0), ``_refused`` (info: clips whose start the app refused
by design: frame rate, orientation, or the placement read outside the region), and per
technique the same over all conditions (``truth_phone_<technique>_...``); over the refused
placements: ``truth_phone_refused_outside_region`` (1).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import degrade  # noqa: E402
import measure  # noqa: E402

from backbuddy.domain import techniques  # noqa: E402
from backbuddy.motion.placement_gate import ENTER_MARGIN_DEG  # noqa: E402
from bench import Result, emit  # noqa: E402

REGIONS = ROOT / "tools" / "calibrate" / "regions.json"
#: Conditions per clip in the default subset (rotated over the matrix).
PER_CLIP = {"seated_hug_extension": 2, "side_lying_rotation": 3}
#: The page before issue 12 (width capped at 480: a landscape phone sent 480×270), on a few
#: clips, for the before/after of that change.
BEFORE_CONDITIONS = ("old_page_15fps_1080p_landscape", "old_page_30fps_1080p_landscape")
BEFORE_CLIPS = (
    "hug_correct_jerk_three_quarter_f34",
    "hug_correct_slow_side_front_60_f71",
    "side_correct_jerk_front_table_f71",
)
#: Every phone of the matrix the side-lying rotation's video needs accept (landscape, at least
#: its `min_fps`): its slow clips run under all of them. The rotation alone put the floor's slow
#: twist only under phones it refuses (15 fps, portrait), so the subset said nothing about its
#: false halts on the phones it accepts (2026-11-27).
SIDE_LYING_PHONES = tuple(
    name
    for name, d in degrade.MATRIX.items()
    if not d.portrait and d.fps >= techniques.get("side_lying_rotation").video.min_fps
)
GOALS = (
    ("check_agreement", "ratio", ">=0.95"),
    ("speed_error_deg_s", "deg/s", "<=2"),
    ("halt_frames", "frames", "<=2"),
    ("false_halts", "clips", "==0"),
)


def _accepted(key: str, fig: dict) -> bool:  # type: ignore[type-arg]
    """A valid placement the gate can accept: one of its readings lies inside the region."""
    region = techniques.get(key.split("/")[0]).placement
    inside = region is not None and any(
        region.contains(a, e, margin=ENTER_MARGIN_DEG) for a, e in fig["estimates"]
    )
    return bool(fig["valid"]) and inside


def selection() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(movement clips of the placements the gate accepts, one slow clip per refused one)."""
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
            every = m["technique"] == "side_lying_rotation"
            good.setdefault((key, m["id"] if every else kind), m)
        elif key in valid and m["motion"] == "slow":
            bad.setdefault(key, m)
    return list(good.values()), list(bad.values())


def plan(full: bool) -> list[tuple[dict[str, str], str]]:
    """(clip, condition) pairs: every pair, or each clip under a rotating few conditions."""
    good, _ = selection()
    names = list(degrade.MATRIX)
    pairs = []
    turn: dict[str, int] = defaultdict(int)
    for m in good:
        tech = m["technique"]
        if full:
            chosen = names
        else:
            k = PER_CLIP[tech]
            chosen = [names[(turn[tech] + j) % len(names)] for j in range(k)]
            turn[tech] += k
        if tech == "side_lying_rotation" and float(m["peak_primary_speed_deg_s"]) <= measure.GENTLE:
            chosen = list(dict.fromkeys([*chosen, *SIDE_LYING_PHONES]))
        pairs += [(m, "render")] + [(m, n) for n in chosen]
    ids = {m["id"]: m for m in good}
    pairs += [(ids[c], n) for c in BEFORE_CLIPS if c in ids for n in BEFORE_CONDITIONS]
    return pairs


def _lines(name: str, results: list[measure.ClipResult]) -> list[Result]:
    started = [r for r in results if r.accepted]
    out: list[Result] = []
    if not started:
        return [emit(f"{name}_refused", len(results), "clips", "info")]
    fig = measure.goal_figures(started)
    agree = [v for r in started for v in r.check_agree_still.values()]
    fig["check_agreement"] = sum(agree) / len(agree) if agree else None
    for key, unit, goal in GOALS:
        value = fig[key]
        if value is not None:
            out.append(emit(f"{name}_{key}", float(value), unit, goal))
    out.append(emit(f"{name}_refused", len(results) - len(started), "clips", "info"))
    return out


def run() -> list[Result]:
    full = os.environ.get("BACKBUDDY_PHONE_MATRIX", "") == "full"
    cpu = time.process_time()
    by_condition: dict[str, list[measure.ClipResult]] = defaultdict(list)
    by_tech: dict[str, list[measure.ClipResult]] = defaultdict(list)
    for m, name in plan(full):
        r = measure.measure_clip(m, degradation=degrade.PHONE[name])
        by_condition[name].append(r)
        if name in degrade.MATRIX:
            by_tech[r.technique].append(r)
    out: list[Result] = []
    for name in ["render", *degrade.MATRIX, *BEFORE_CONDITIONS]:
        if by_condition[name]:
            out += _lines(f"truth_phone_{name}", by_condition[name])
    for tech, results in sorted(by_tech.items()):
        out += _lines(f"truth_phone_{tech}", results)
    _, bad = selection()
    names = list(degrade.MATRIX)
    refused = [
        measure.measure_clip(m, degradation=degrade.MATRIX[names[(5 * i + 3) % len(names)]])
        for i, m in enumerate(bad)
    ]
    if refused:
        share = sum(not r.accepted for r in refused) / len(refused)
        out.append(emit("truth_phone_refused_outside_region", share, "ratio", ">=1"))
    out.append(emit("truth_phone_cpu_s", time.process_time() - cpu, "s", "info"))
    return out


if __name__ == "__main__":
    run()
