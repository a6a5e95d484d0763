"""Cold → warm tracker, per truth placement: the table of docs/accuracy.md ("A warm tracker").

    .venv/bin/python tools/calibrate/warm_table.py --save-before   # cold run → regions_cold.json
    .venv/bin/python tools/calibrate/warm_table.py [--write]       # warm run vs that file

Until 2026-11-27 every truth clip was fed to MediaPipe from its first frame (a cold tracker:
its start-up drift moved the speed filter before the movement), and the valid regions were
drawn from that run. A session films the receiver for seconds of still set-up first; the
truth run now does too (`measure.WARM`: 2 s of the clip's first frame). `--save-before` keeps
the cold run's figures (`regions.figures`) and the gate's decisions under the region then in
the technique YAMLs in `regions_cold.json`; without it, the warm run (under the YAMLs as they
are now) is set against that file. `--write` puts the table into docs/accuracy.md between
`<!-- warm:start -->` and `<!-- warm:end -->`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import doc_tables  # noqa: E402
import measure  # noqa: E402
import regions  # noqa: E402

ROOT = HERE.parents[1]
BEFORE = HERE / "regions_cold.json"
DOC = ROOT / "docs" / "accuracy.md"
START, END = "<!-- warm:start -->", "<!-- warm:end -->"


def with_gate(results: list[measure.ClipResult]) -> dict[str, dict]:  # type: ignore[type-arg]
    """`regions.figures` plus, per placement, the gate's decisions on its correct clips
    ([accepted, clips]) under the region the technique YAML holds now."""
    figs = regions.figures(results)
    for key, fig in figs.items():
        fig["gate"] = regions.gate_decisions(results, *key.split("/"))
    return figs


def _pair(a: str, b: str) -> str:
    return a if a == b else f"{a} → **{b}**"


def table(before: dict, after: dict, names: str = "cold → warm") -> str:  # type: ignore[type-arg]
    """Per placement, `before` → `after` figures (`with_gate`); `names` heads each column."""
    cell = regions._cell  # noqa: SLF001 - the same cells as the regions table
    rows = [
        f"| technique | placement (az °, el ° true) | check agreement {names} "
        f"| speed err °/s {names} | halt frames (worst) {names} "
        f"| false halts {names} | goals {names} | gate {names} |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, a in after.items():
        b = before.get(key, a)
        tech, cam = key.split("/")
        goals = ("met" if b["valid"] else "missed", "met" if a["valid"] else "missed")
        rows.append(
            f"| {tech} | {cam} ({a['view'][0]:g}, {a['view'][1]:g}) "
            f"| {_pair(cell(b['check_agreement']), cell(a['check_agreement']))} "
            f"| {_pair(cell(b['speed_error_deg_s']), cell(a['speed_error_deg_s']))} "
            f"| {_pair(cell(b['halt_frames'], 0), cell(a['halt_frames'], 0))} "
            f"| {_pair(str(b['false_halts']), str(a['false_halts']))} "
            f"| {_pair(*goals)} | {_pair(regions.gate_text(b['gate']), regions.gate_text(a['gate']))} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--save-before", action="store_true", help="run cold, write regions_cold.json")
    ap.add_argument("--write", action="store_true", help="rewrite the table in docs/accuracy.md")
    args = ap.parse_args(argv)
    if args.save_before:
        BEFORE.write_text(
            json.dumps(with_gate(measure.run(warm=False, single=True)), indent=1) + "\n"
        )
        return 0
    text = table(json.loads(BEFORE.read_text()), with_gate(measure.run(single=True)))
    print(text)
    if args.write:
        doc_tables.write_between(DOC, START, END, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
