"""Two people at every placement: identity and the whole pipeline's goals per two-person clip,
the table of docs/accuracy.md ("Two people where the hug's region grew").

    .venv/bin/python tools/calibrate/people_table.py [--json OUT] [--write] [CLIP_ID ...]
    .venv/bin/python tools/calibrate/people_table.py --from-json OUT [--write]  # cold from OUT

Per two-person truth clip (`*_with_*`; or the ids given), with the app's two-person estimator:

* identity, the clip starting cold (`receiver_truth.run_clip`, as `bench/people.py` and
  `tests/integration/test_two_people.py` count it): measured / unsure / wrong shares;
* the whole pipeline after the clip's still pre-roll (`receiver_truth.measures`): whether the
  placement gate let the movement start; frames the app acts on (tracked, identity sure) and
  how many of them are not on the receiver (the goal is none); the set-up checks' agreement,
  speed error, frames from a jerk's rise to the halt, and to a halt or a pause; false halts.

`--write` puts the table into docs/accuracy.md between `<!-- people:start -->` and
`<!-- people:end -->`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import doc_tables  # noqa: E402
import receiver_truth  # noqa: E402
from halts import GENTLE  # noqa: E402
from measure import _f  # noqa: E402

ROOT = HERE.parents[1]
DOC = ROOT / "docs" / "accuracy.md"
START, END = "<!-- people:start -->", "<!-- people:end -->"


def row(cold: receiver_truth.ClipPeople, warm: receiver_truth.ClipMeasures) -> str:
    r = warm.result
    agree = ", ".join(f"{k} {v:.2f}" for k, v in r.check_agree.items())
    gate = "open" if warm.accepted else "refused"
    if r.closed_later:
        gate += ", shut later"
    halt = "–" if np.isnan(r.halt_latency) else _f(min(r.halt_latency, 99.0), 0)
    stop = "–" if np.isnan(warm.stop_frames) else _f(min(warm.stop_frames, 99.0), 0)
    false_halt = "yes" if r.false_halt else ("no" if r.peak_true <= GENTLE else "–")
    return (
        f"| `{warm.id}` | {warm.camera} | {cold.frames} "
        f"| {100 * cold.measured:.1f} / {100 * cold.unsure:.1f} / {100 * cold.wrong:.1f} % "
        f"| {gate} | {warm.acted} ({warm.allowed}) "
        f"| {len(warm.acted_off)} (**{len(warm.allowed_off)}**) "
        f"| {100 * warm.unsure:.1f} % | {agree} | {_f(r.speed_err, 2)} | {halt} | {stop} "
        f"| {false_halt} |"
    )


HEADER = (
    "| clip | placement | frames | cold: measured / unsure / wrong | gate | frames acted on "
    "(gate open) | of those, not the receiver (gate open) | unsure | check agreement "
    "| speed err °/s | halt frames | halt or pause frames | false halt |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="*")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--from-json", type=Path, help="cold identity from an earlier --json run")
    ap.add_argument("--write", action="store_true", help="rewrite the table in docs/accuracy.md")
    args = ap.parse_args(argv)
    rows, dump = [HEADER], []
    saved = {}
    if args.from_json:
        saved = {
            i["cold"]["id"]: receiver_truth.ClipPeople(**i["cold"])
            for i in json.loads(args.from_json.read_text())
        }
    for cid in args.clips or receiver_truth.two_person_clips():
        cold = saved.get(cid) or receiver_truth.run_clip(cid)[0]
        warm = receiver_truth.measures(cid, cache=receiver_truth.CACHE)
        rows.append(row(cold, warm))
        dump.append({"cold": asdict(cold), "warm": asdict(warm)})
        print(rows[-1], flush=True)
    text = "\n".join(rows)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(dump, indent=1, default=float) + "\n")
    if args.write:
        doc_tables.write_between(DOC, START, END, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
