"""The regions redrawn after the dim wrists and the still-jitter gate: the table of
docs/accuracy.md ("The regions redrawn with the current measures").

    .venv/bin/python tools/calibrate/redraw_table.py [--write]

On 2026-11-27 the arms-crossed check began to read a wrist from visibility 0.3
(`landmarks.WRIST_MIN_VISIBILITY`) and the side-lying rotation got its still-jitter limit
(`video.max_still_jitter_deg`), after the valid regions had been drawn. This table sets the
figures and the gate's decisions of the regions then in force (`regions.json` and the
technique YAMLs at `BEFORE_REV`; the gate re-run on today's measures with the old region, so
only the region differs) against the warm run now, under the regions `regions.py` drew from
it. `--write` puts it into docs/accuracy.md between `<!-- redraw:start -->` and
`<!-- redraw:end -->`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import doc_tables  # noqa: E402
import measure  # noqa: E402
import regions  # noqa: E402
import warm_table  # noqa: E402

from backbuddy.domain import techniques  # noqa: E402

ROOT = HERE.parents[1]
DOC = ROOT / "docs" / "accuracy.md"
START, END = "<!-- redraw:start -->", "<!-- redraw:end -->"
#: The last commit whose regions were drawn before the dim wrists and the still-jitter limit.
BEFORE_REV = "2a9c4ce"


def _show(path: str, rev: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def old_technique(tech_id: str, rev: str = BEFORE_REV) -> techniques.Technique:
    """Today's technique with the placement region it had at `rev`."""
    raw = yaml.safe_load(_show(f"src/backbuddy/data/techniques/{tech_id}.yaml", rev))
    old = techniques.PlacementRegion.model_validate(raw["placement"])
    return techniques.get(tech_id).model_copy(update={"placement": old})


def before(rev: str = BEFORE_REV) -> dict:  # type: ignore[type-arg]
    """`regions.json` at `rev`, with the gate's decisions on today's measures under its regions."""
    figs = json.loads(_show("tools/calibrate/regions.json", rev))
    olds = {t: old_technique(t, rev) for t in regions.MIRRORED}
    results = [
        measure.measure_clip(meta, technique=olds[meta["technique"]])
        for meta in measure.clips()
        if not meta["assistant"]
    ]
    for key, fig in figs.items():
        fig["gate"] = regions.gate_decisions(results, *key.split("/"))
    return figs  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="rewrite the table in docs/accuracy.md")
    args = ap.parse_args(argv)
    after = warm_table.with_gate(measure.run(single=True))
    text = warm_table.table(before(), after, "before → after")
    print(text)
    if args.write:
        doc_tables.write_between(DOC, START, END, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
