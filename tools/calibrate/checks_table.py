"""Per two-person clip and per set-up check: where the checks disagree with the truth, and how.

    .venv/bin/python tools/calibrate/checks_table.py [CLIP_ID ...]

Each two-person truth clip through the server's two-person path after its still pre-roll
(`receiver_truth.measures`, landmarks cached under `.cache/degraded/*.people.npz`), the
technique's first set-up step active as `measure.measure_clip` runs it. Per check: agreement
with the truth of the frame's own reading (a check not seen counts as failing) and of the
verdict the engine acts on (`measure.held_verdicts`), over the clip and its still frames; false
passes (that verdict passing where the truth fails the check: the unsafe side); false fails; and
how often each status was read ("covered": her hands on the assistant's body with no pass read
while she was apart). Session 16 (docs/accuracy.md, "Two-person check agreement").
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import receiver_truth  # noqa: E402
from measure import WARM, clips, held_verdicts, truth_table  # noqa: E402

from backbuddy.domain import techniques  # noqa: E402
from backbuddy.motion.checks import STATUSES  # noqa: E402
from backbuddy.motion.monitors import PoseMonitor  # noqa: E402


def rows(cid: str) -> list[str]:
    """The table's rows for one clip (one per check)."""
    m = receiver_truth.measures(cid, cache=receiver_truth.CACHE)
    r = m.result
    meta = next(x for x in clips() if x["id"] == cid)
    tech = techniques.get(meta["technique"])
    lm, index = receiver_truth.warm_estimate(cid, cache=receiver_truth.CACHE)
    mon = PoseMonitor(tech, fps=WARM.fps)
    pre = int(np.sum(index < 0))
    setup = mon.update(lm.take(slice(0, pre)))
    trace = mon.update(lm.take(slice(pre, None)))
    tr = truth_table(cid)
    n = min(len(trace), tr["frame"].size)
    held = held_verdicts(trace, setup)
    gate = "open" if r.accepted else "refused"
    cue = "cued" if r.cued else ("held, truth wrong" if not r.truth_ready else "held")
    out = []
    for c in tech.checks:
        label = tr[c.id][:n] == 1
        status = trace.checks[c.id].status[:n]
        counts = ", ".join(
            f"{name} {int((status == k).sum())}"
            for k, name in enumerate(STATUSES)
            if (status == k).any()
        )
        false_fail = int(np.sum(~held[c.id][:n] & label))
        out.append(
            f"| `{cid}` | {gate}, {cue} | {c.id} | {int(label.sum())}/{n} "
            f"| {r.check_agree[c.id]:.2f} / {r.check_agree_still[c.id]:.2f} "
            f"| {r.check_held[c.id]:.2f} / {r.check_held_still[c.id]:.2f} "
            f"| {r.false_passes[c.id]} | {false_fail} | {counts} |"
        )
    return out


def main(argv: list[str]) -> int:
    print(
        "| clip | gate, set-up | check | truth passes | own reading: agreement clip / still "
        "| acted on: agreement clip / still | false passes | false fails | statuses read |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for cid in argv or receiver_truth.two_person_clips():
        for row in rows(cid):
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
