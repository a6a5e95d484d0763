"""The side-lying rotation's still-jitter limit, chosen on truth runs and checked on held-out ones
(2026-11-27).

    .venv/bin/python tools/calibrate/jitter_table.py [--write]

On phone-like pictures the floor's slow twist false-halts and no filter separates its catch-up
from a true jerk (`twist_filters.py`), so the gate refuses pictures too unsteady to read small
movements instead: `motion.still_jitter` reads the twist's jitter on the still receiver (the
robust σ of its second differences over the gate's still frames) and the technique's
`video.max_still_jitter_deg` keeps the movement cue shut above it.

Each run goes through the whole pipeline (`measure.measure_clip`: warm, so the 2 s still pre-roll
is the set-up the jitter is read on; the technique's own gate; `halts.py`) twice: without the
limit (before) and with the technique as it stands (after). A run *meets the goals* when it
has no false halt, its speed error (slow, still clips) is ≤ 2 °/s and its jerk halted within 2
frames; the goals count only where the gate lets the movement start.

* `CHOSEN_ON`: the floor's 28 runs of `twist_table.py` (4 clips × 7 conditions), where the
  limit was chosen: the sweep below counts, per candidate limit, the runs that miss a goal and
  would still start, and the runs that meet them and would be refused (a run starts when the gate
  started it before and its jitter at the decision is at or under the limit);
* `HELD_OUT`: the floor's clips under the three phone-like conditions `twist_filters.py` held
  out (`phone_24fps_1080p_landscape`, `phone_30fps_720p_landscape`, `dim_room`), never looked at
  while choosing. Only runs whose landmarks are cached (.cache/degraded/) are counted.

`--write` puts the tables into docs/accuracy.md between `<!-- stilljitter:start -->` and
`<!-- stilljitter:end -->`.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import degrade  # noqa: E402
import doc_tables  # noqa: E402
import measure  # noqa: E402
import twist_table  # noqa: E402
from halts import HARD  # noqa: E402

from backbuddy.domain import techniques  # noqa: E402

DOC = ROOT / "docs" / "accuracy.md"
START, END = "<!-- stilljitter:start -->", "<!-- stilljitter:end -->"
TECHNIQUE = "side_lying_rotation"
FLOOR = twist_table.CLIPS[:4]
CHOSEN_ON = [(c, k) for k in twist_table.CONDITIONS for c in FLOOR]
HELD_OUT = [
    (c, k)
    for k in ("phone_24fps_1080p_landscape", "phone_30fps_720p_landscape", "dim_room")
    for c in FLOOR
]
#: Candidate limits swept on the chosen runs (degrees of twist, robust σ).
SWEEP = (0.08, 0.10, 0.11, 0.12, 0.13, 0.15, 0.18, 0.2, 0.25, 0.3)


@dataclass(frozen=True)
class Run:
    clip: str
    condition: str
    before: measure.ClipResult
    after: measure.ClipResult

    @property
    def goals(self) -> bool:
        """The run meets the goals (module doc), whether or not the gate starts it."""
        r = self.before
        slow_ok = not np.isfinite(r.speed_err) or r.speed_err <= measure.GOALS["speed_error_deg_s"]
        jerk_ok = r.peak_true <= HARD or r.halt_latency <= measure.GOALS["halt_frames"]
        return slow_ok and jerk_ok and not r.false_halt

    @property
    def jitter(self) -> float:
        return self.after.still_jitter


def _cached(clip: str, condition: str) -> bool:
    return (measure.CACHE / "degraded" / f"{clip}.{condition}.npz").exists()


def run(clip: str, condition: str) -> Run:
    meta = next(m for m in measure.clips() if m["id"] == clip)
    tech = techniques.get(TECHNIQUE)
    loose = tech.model_copy(
        update={"video": tech.video.model_copy(update={"max_still_jitter_deg": 0.0})}
    )
    d = degrade.PHONE[condition]
    source = degrade.landmarks(clip, d)
    before = measure.measure_clip(meta, degradation=d, technique=loose, source=source)
    after = measure.measure_clip(meta, degradation=d, technique=tech, source=source)
    return Run(clip, condition, before, after)


def _verdict(started: bool, goals: bool) -> str:
    if not started:
        return "refused"
    return "starts, meets the goals" if goals else "starts, **misses**"


def _why(r: measure.ClipResult) -> str:
    parts = []
    if np.isfinite(r.speed_err):
        parts.append(f"{r.speed_err:.2f} °/s")
    if r.peak_true > HARD:
        never = r.halt_latency == float("inf")
        parts.append("never halted" if never else f"halt {r.halt_latency:.0f}")
    if r.false_halt:
        parts.append("**false halt**")
    return ", ".join(parts)


def sweep(runs: list[Run]) -> list[tuple[float, int, int]]:
    """Per candidate limit: (limit, runs missing a goal that would start, runs meeting the
    goals that would be refused), from each run's jitter at the decision."""
    out = []
    for limit in SWEEP:
        starts = [r for r in runs if r.before.accepted and r.jitter <= limit]
        missed = sum(not r.goals for r in starts)
        refused = sum(r.goals and r.before.accepted and r not in starts for r in runs)
        out.append((limit, missed, refused))
    return out


def _count(runs: list[Run]) -> str:
    bad = [r for r in runs if r.before.accepted and not r.goals]
    good = [r for r in runs if r.before.accepted and r.goals]
    return (
        f"{sum(not r.after.accepted for r in bad)} of {len(bad)} runs that miss a goal refused "
        f"({sum(r.after.accepted for r in bad)} still start), "
        f"{sum(r.after.accepted for r in good)} of {len(good)} runs that meet the goals start"
    )


def table() -> str:
    chosen = [run(*p) for p in CHOSEN_ON if _cached(*p)]
    held = [run(*p) for p in HELD_OUT if _cached(*p)]
    limit = techniques.get(TECHNIQUE).video.max_still_jitter_deg
    lines = [
        "| limit (° of twist) | runs missing a goal that start | runs meeting the goals refused |",
        "|---|---|---|",
        *(
            f"| {lim:.2f}{' (kept)' if abs(lim - limit) < 1e-9 else ''} | {m} | {g} |"
            for lim, m, g in sweep(chosen)
        ),
        "",
        "| clip | condition | set | still jitter ° | goals (no limit) | before | after |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, runs in (("chosen on", chosen), ("held out", held)):
        for r in runs:
            lines.append(
                f"| `{r.clip.removeprefix('side_correct_')}` | {r.condition} | {label} "
                f"| {r.jitter:.3f} | {_why(r.before)} "
                f"| {_verdict(r.before.accepted, r.goals)} "
                f"| {_verdict(r.after.accepted, r.goals)} |"
            )
    paused = [r for r in chosen + held if r.after.closed_later]
    lines += [
        "",
        f"* chosen on ({len(chosen)} runs), limit {limit:g}°: before: {_count_before(chosen)}; "
        f"after: {_count(chosen)}.",
        f"* held out ({len(held)} runs): before: {_count_before(held)}; after: {_count(held)}.",
        "* runs that start and then shut (a pause mid-movement) after: "
        + (", ".join(f"`{r.clip}` {r.condition}" for r in paused) or "none")
        + ".",
    ]
    return "\n".join(lines)


def _count_before(runs: list[Run]) -> str:
    started = [r for r in runs if r.before.accepted]
    return f"{sum(not r.goals for r in started)} of {len(started)} started runs miss a goal"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="put the tables into docs/accuracy.md")
    args = ap.parse_args(argv)
    text = table()
    if args.write:
        doc_tables.write_between(DOC, START, END, text)
    else:
        print(text)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
