"""Halts judged by the jerk's own rise, per truth placement: the table of docs/accuracy.md.

    .venv/bin/python tools/calibrate/halt_table.py [--write]

Until 2026-11-27 `measure.py` counted a halt anywhere after a motion's first frame as the
jerk's halt: a halt during the slow part of a slow-then-jerk clip read as the jerk halted
early (a negative latency) and not as a false halt. `halts.halt_outcome` now judges each halt
by the jerk's own rise. This table sets the figures `regions.py` wrote under the old
definition (`regions.json` at `BEFORE_REV`) against the warm run now (`regions.figures`); the
gate's decisions do not depend on the definition, so both sides show the gate now.
`--write` puts it into docs/accuracy.md between `<!-- halts:start -->` and `<!-- halts:end -->`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import doc_tables  # noqa: E402
import measure  # noqa: E402
import warm_table  # noqa: E402

ROOT = HERE.parents[1]
DOC = ROOT / "docs" / "accuracy.md"
START, END = "<!-- halts:start -->", "<!-- halts:end -->"
#: The last commit whose regions.json holds the figures under the old definition.
BEFORE_REV = "a34349c"


def before(rev: str = BEFORE_REV) -> dict:  # type: ignore[type-arg]
    text = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:tools/calibrate/regions.json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(text)  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="rewrite the table in docs/accuracy.md")
    args = ap.parse_args(argv)
    after = warm_table.with_gate(measure.run(single=True))
    old = before()
    for key, fig in old.items():
        fig["gate"] = after[key]["gate"]
    text = warm_table.table(old, after, names="before → after")
    print(text)
    if args.write:
        doc_tables.write_between(DOC, START, END, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
