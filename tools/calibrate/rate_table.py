"""The speed monitor's goals at lower frame rates → each technique's minimum (issue 12 item 4,
issue 15 item 3).

    .venv/bin/python tools/calibrate/rate_table.py [--json OUT] [--from-json IN] [--write]

Every one-person clip (the still set-up, slow, limit, jerk) of each placement where the technique's
measures are valid (`regions.json`), re-timed to `RATES` frames/s (`degrade.picks`: each frame
keeps its source frame's own time; MediaPipe runs on those frames only, video mode, after the
2 s still pre-roll at the same rate: `degrade.landmarks`, cached under `.cache/degraded/`) →
`PoseMonitor` built for 30 frames/s, as a live session builds it whatever the page sends →
compared with the clip's truth, **in time**:

* speed error (slow and limit clips): as `measure.py`, mean |speed − true speed| over the
  frames kept where a speed is reported;
* halt delay (jerks): seconds from the first truth frame (30 a second) whose true speed is
  over the hard limit to the first halt from the jerk's rise (`halts.halt_outcome` on the
  frames kept): the camera's own sampling delay and the monitor's together, what the body
  travels through before the engine stops it;
* false halts: halts while no jerk is under way (`halts`).

Goals (`GOALS`): speed error ≤ 2 °/s; every jerk halted within `HALT_S` of its crossing; no
false halt. A rate meets them for a technique when every placement's clips do; the
technique's `min_fps` is the lowest rate in `RATES` that does and every rate above it does
too (`minimum`). A YAML's `video.min_fps` must lie above every rate that misses a goal
(`check`: between the highest such rate and `minimum`, a figure from other evidence stands,
e.g. the phone-like runs at 24 frames/s); `--write` raises it to `minimum` where it does not
and puts the table into docs/accuracy.md (between `<!-- rate:start -->` and
`<!-- rate:end -->`); `--check` fails where a YAML lets a failing rate through;
`tests/unit/tools/test_rate_table.py` holds the YAMLs to `rates.json`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import degrade  # noqa: E402
import measure  # noqa: E402
from halts import GENTLE, HARD, halt_outcome  # noqa: E402

from backbuddy.domain import techniques  # noqa: E402
from backbuddy.motion.monitors import PoseMonitor  # noqa: E402

RATES = (5.0, 7.0, 10.0, 15.0, 30.0)
#: A jerk over the hard limit is halted within this of the true crossing (docs/accuracy.md
#: "Frame rate"): the goal at 30 frames a second (2 frames, 67 ms) and one 30/s frame more for
#: where a slower camera's frames happen to fall. A 45 °/s jerk (the truth clips') travels
#: 4.5° in it, under half the hug's 12° range limit; in 0.2 s it would travel 9°.
HALT_S = 0.1
GOALS = {"speed_error_deg_s": 2.0, "halt_s": HALT_S, "false_halts": 0}
JSON = HERE / "rates.json"
DOC = ROOT / "docs" / "accuracy.md"
TECHNIQUES = ROOT / "src" / "backbuddy" / "data" / "techniques"


def clips() -> list[dict[str, str]]:
    """The one-person motion clips of every valid placement."""
    regions = json.loads((HERE / "regions.json").read_text())
    valid = {k for k, v in regions.items() if v["valid"]}
    return [
        m
        for m in measure.clips()
        if f"{m['technique']}/{m['camera']}" in valid
        and not m["assistant"]
        and m["motion"] in ("setup", "slow", "limit", "jerk", "slow_then_jerk")
    ]


def at_rate(fps: float) -> degrade.Degradation:
    """The clean render re-timed to `fps` after its still pre-roll (`measure.WARM` at 30)."""
    return measure.WARM if fps == 30.0 else replace(measure.WARM, name=f"rate_{fps:g}fps", fps=fps)


def clip_figures(meta: dict[str, str], fps: float) -> dict[str, float | bool | None]:
    """One clip at one rate against its truth (module doc)."""
    cid = meta["id"]
    tr = measure.truth_table(cid)
    true_full = np.abs(tr["primary_speed_deg_s"])
    lm, index = degrade.landmarks(cid, at_rate(fps))
    mon = PoseMonitor(techniques.get(meta["technique"]), fps=30.0)
    pre = int(np.sum(index < 0))
    mon.update(lm.take(slice(0, pre)))  # the still set-up: tracker, filter and gate warm
    lm, index = lm.take(slice(pre, None)), index[pre:]
    trace = mon.update(lm)
    true_speed = true_full[index]  # the frames kept
    out: dict[str, float | bool | None] = {"speed_err": None, "halt_s": None}
    measured = np.isfinite(trace.primary.velocity)
    if float(meta["peak_primary_speed_deg_s"]) <= GENTLE and measured.any():
        err = np.abs(trace.speed[measured] - true_speed[measured])
        out["speed_err"] = float(np.mean(err))
    # Halts judged on the source's 30 frames a second (a frame kept halts at its source
    # frame): a slower camera may miss the true peak, not the jerk.
    halts = np.zeros(true_full.size, bool)
    halts[index] = np.asarray(trace.sudden | (trace.speed > HARD))
    judged = halt_outcome(true_full, halts)
    out["false_halt"] = judged.false_halt
    if judged.rise is not None:
        latency = judged.latency / degrade.SOURCE_FPS
        out["halt_s"] = float(latency) if np.isfinite(latency) else 99.0
    return out


def run() -> dict[str, dict[str, dict[str, float | int | None]]]:
    """Per technique and rate: the worst figures over its clips (JSON-ready)."""
    table: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for fps in RATES:
        per: dict[str, list[dict[str, float | bool | None]]] = {}
        for meta in clips():
            fig = clip_figures(meta, fps)
            fig["placement"] = meta["camera"]  # type: ignore[assignment]
            per.setdefault(meta["technique"], []).append(fig)
            print(f"{fps:4g} {meta['id']:48s} {fig}", file=sys.stderr, flush=True)
        for tech, figs in per.items():
            table.setdefault(tech, {})[f"{fps:g}"] = worst(figs)
    return table


def worst(figs: list[dict[str, float | bool | None]]) -> dict[str, float | int | None]:
    """A technique's figures at one rate: per placement as `measure.goal_figures` (the mean
    speed error over its clips, the latest halt), then the worst placement."""
    speeds, halts = [], []
    for place in sorted({str(f["placement"]) for f in figs}):
        mine = [f for f in figs if f["placement"] == place]
        speed = [float(f["speed_err"]) for f in mine if f["speed_err"] is not None]
        speeds += [float(np.mean(speed))] if speed else []
        halts += [float(f["halt_s"]) for f in mine if f["halt_s"] is not None]
    return {
        "speed_error_deg_s": max(speeds) if speeds else None,
        "halt_s": max(halts) if halts else None,
        "false_halts": sum(bool(f["false_halt"]) for f in figs),
        "clips": len(figs),
    }


def meets(fig: dict[str, float | int | None]) -> bool:
    speed, halt = fig["speed_error_deg_s"], fig["halt_s"]
    return (
        speed is not None
        and halt is not None
        and speed <= GOALS["speed_error_deg_s"]
        and halt <= GOALS["halt_s"]
        and fig["false_halts"] == 0
    )


def minimum(rows: dict[str, dict[str, float | int | None]]) -> float:
    """The lowest rate that meets the goals with every rate above it (30 when none does)."""
    rates = sorted(float(r) for r in rows)
    best = 30.0
    for r in reversed(rates):
        if not meets(rows[f"{r:g}"]):
            break
        best = r
    return best


def markdown(table: dict[str, dict[str, dict[str, float | int | None]]]) -> str:
    lines = [
        "| technique | frames/s | speed error, worst placement (°/s) | jerk halted after, worst"
        " (s) | false halts | clips | meets the goals |",
        "|---|---|---|---|---|---|---|",
    ]
    for tech, rows in table.items():
        for rate, f in rows.items():
            speed = "–" if f["speed_error_deg_s"] is None else f"{f['speed_error_deg_s']:.2f}"
            halt = f["halt_s"]
            halt_text = "–" if halt is None else ("never" if halt >= 99 else f"{halt:.2f}")
            ok = "yes" if meets(f) else "no"
            lines.append(
                f"| {tech} | {rate} | {speed} | {halt_text} | {f['false_halts']} |"
                f" {f['clips']} | {ok} |"
            )
        need = yaml_min_fps(tech)
        lines.append(
            f"| **{tech}: minimum measured** | **{minimum(rows):g}** | | | | |"
            f" technique data: **{need:g}** |"
        )
    return "\n".join(lines)


def yaml_min_fps(tech: str) -> float:
    """The technique's `video.min_fps` as its YAML says (0: none)."""
    return float(techniques.load_all(TECHNIQUES)[tech].video.min_fps)


def failing(rows: dict[str, dict[str, float | int | None]]) -> float:
    """The highest rate that misses a goal (0: none does)."""
    return max((float(r) for r, f in rows.items() if not meets(f)), default=0.0)


def check(table: dict[str, dict[str, dict[str, float | int | None]]]) -> list[str]:
    """Techniques whose YAML lets through a rate the truth run shows misses a goal: its
    `min_fps` must lie above the highest such rate (between it and `minimum` a figure from
    other evidence, e.g. the phone-like runs at 24 frames/s, stands)."""
    return [t for t, rows in table.items() if yaml_min_fps(t) <= failing(rows)]


def write(table: dict[str, dict[str, dict[str, float | int | None]]]) -> None:
    """Raise each technique YAML's `video.min_fps` to the truth run's minimum where it lets a
    failing rate through (`check`; never lowers it), and put the table into docs/accuracy.md."""
    for tech in check(table):
        path = TECHNIQUES / f"{tech}.yaml"
        text = path.read_text()
        line = f"  min_fps: {minimum(table[tech]):g}  # tools/calibrate/rate_table.py"
        if re.search(r"^  min_fps: .*$", text, re.M):
            text = re.sub(r"^  min_fps: .*$", line, text, count=1, flags=re.M)
        else:
            text = re.sub(r"^video:\n", "video:\n" + line + "\n", text, count=1, flags=re.M)
        path.write_text(text)
    doc = DOC.read_text()
    body = f"<!-- rate:start -->\n{markdown(table)}\n<!-- rate:end -->"
    doc = re.sub(r"<!-- rate:start -->.*?<!-- rate:end -->", lambda _: body, doc, flags=re.S)
    DOC.write_text(doc)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", type=Path, help="write the figures here")
    p.add_argument("--from-json", type=Path, help="read the figures instead of measuring")
    p.add_argument("--write", action="store_true", help="technique YAMLs and docs/accuracy.md")
    p.add_argument("--check", action="store_true", help="fail when a YAML asks for too few")
    a = p.parse_args(argv)
    table = json.loads(a.from_json.read_text()) if a.from_json else run()
    if a.check:
        low = check(table)
        for tech in low:
            need, miss = yaml_min_fps(tech), failing(table[tech])
            print(f"{tech}: video.min_fps {need:g} lets {miss:g} through")
        return 1 if low else 0
    if a.json:
        a.json.write_text(json.dumps(table, indent=1) + "\n")
    print(markdown(table))
    if a.write:
        write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
