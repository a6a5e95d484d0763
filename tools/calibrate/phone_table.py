"""The phone-degradation tables of docs/accuracy.md (issue 12, item 5), before and after.

    .venv/bin/python tools/calibrate/phone_table.py [--full] [--write]

Runs `bench/truth_phone.py`'s plan (landmarks cached under .cache/degraded/: seconds once the
bench has run) twice per clip: *before*, the gate as it was (placement region only), and
*after*, with the technique's `video` needs (frame rate, landscape). Per technique and
condition: clips, how many the app let start, and the goals over those (check agreement on the
still frames before the motion, mean speed error of the slow clips, worst halt frames of the
jerks, false halts). `--write` puts the tables into docs/accuracy.md between
`<!-- phone:start -->` and `<!-- phone:end -->`.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import degrade  # noqa: E402
import doc_tables  # noqa: E402
import measure  # noqa: E402
from bench import truth_phone  # noqa: E402

from backbuddy.domain import techniques  # noqa: E402
from backbuddy.domain.techniques import VideoNeeds  # noqa: E402

DOC = ROOT / "docs" / "accuracy.md"
START, END = "<!-- phone:start -->", "<!-- phone:end -->"


def _cell(results: list[measure.ClipResult]) -> list[str]:
    started = [r for r in results if r.accepted]
    if not started:
        return [f"0/{len(results)}", "–", "–", "–", "–", "refused"]
    fig = measure.goal_figures(started)
    agree = [v for r in started for v in r.check_agree_still.values()]
    a = sum(agree) / len(agree) if agree else None
    speed, halt = fig["speed_error_deg_s"], fig["halt_frames"]
    ok = (
        (a is None or a >= 0.95)
        and (speed is None or speed <= 2)
        and (halt is None or halt <= 2)
        and fig["false_halts"] == 0
    )
    return [
        f"{len(started)}/{len(results)}",
        "–" if a is None else f"{a:.2f}",
        "–" if speed is None else f"{speed:.2f}",
        "–" if halt is None else ("never" if halt >= 99 else f"{halt:.0f}"),
        str(fig["false_halts"]),
        "met" if ok else "**MISSED**",
    ]


def rows(full: bool) -> list[tuple[str, str, list[str], list[str]]]:
    """(technique, condition, before cells, after cells) per technique and condition."""
    before: dict[tuple[str, str], list[measure.ClipResult]] = defaultdict(list)
    after: dict[tuple[str, str], list[measure.ClipResult]] = defaultdict(list)
    for m, name in truth_phone.plan(full):
        tech = techniques.get(m["technique"])
        d = degrade.PHONE[name]
        plain = tech.model_copy(update={"video": VideoNeeds()})
        before[(m["technique"], name)].append(
            measure.measure_clip(m, degradation=d, technique=plain)
        )
        after[(m["technique"], name)].append(measure.measure_clip(m, degradation=d))
    out = []
    for key in sorted(before, key=lambda k: (k[0], k[1] != "render", k[1])):
        out.append((key[0], key[1], _cell(before[key]), _cell(after[key])))
    return out


def table(full: bool) -> str:
    head = (
        "| technique | condition | started before → after | check agreement | speed err °/s "
        "(slow) | halt frames (worst jerk) | false halts | goals |\n|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for tech, name, b, a in rows(full):
        pair = [f"{x} → {y}" if x != y else x for x, y in zip(b, a, strict=True)]
        lines.append(f"| {tech} | {name} | " + " | ".join(pair) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="every clip under every condition")
    ap.add_argument("--write", action="store_true", help="rewrite the table in docs/accuracy.md")
    args = ap.parse_args(argv)
    text = table(args.full)
    print(text)
    if args.write:
        doc_tables.write_between(DOC, START, END, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
