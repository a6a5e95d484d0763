"""The assistant's arrival on the whole-flow clips: what the speed watch reads while he takes hold.

    .venv/bin/python tools/calibrate/arrival_table.py [--engine]

The recorded landmarks of each path on the four whole-flow clips (tests/data/flow, from their
first frame; `flow_truth.py --save`) through a live `PoseMonitor` frame by frame, the last set-up
step's checks active (where he takes hold), from his first frame in view (82) until the clip's
own motion starts or 1.5 s after he holds (frame 96). Per clip and path: the first frame her
wrists lie on his body (covered), the truth's largest trunk extension in that span (her body's
real motion), the reading's largest change from the frame before he came, its peak speed, and the
frames of `sudden`, of a speed over the hard limit, of the camera-move re-read, of the placement
gate shut and of an unsure identity. Session 16 (docs/accuracy.md, "His arrival").
`--engine`: the same clips through the engine, a Ready pressed as he takes hold, as session 17
left the engine and now (`arrival_engine`; sessions 17, 18); then the same with every covered
flag cleared (a placement where his hold is never seen: "-blind").
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from measure import HARD, truth_table  # noqa: E402

from backbuddy.domain import techniques  # noqa: E402
from backbuddy.motion.landmarks import Landmarks  # noqa: E402
from backbuddy.motion.monitors import PoseMonitor  # noqa: E402

DATA = HERE.parents[1] / "tests" / "data" / "flow"
CLIP = "hug_flow_{}_side_front_60_f34_with_m26"
KINDS = ("slow", "jerk", "arms_drop", "arms_drop_late")
FIRST_IN_VIEW, HOLDS = 82, 96  # the clips' JSON: in view at frame 82, holding over 1.2 s


def _frames(xs: list[int]) -> str:
    return f"{xs[0]}–{xs[-1]} ({len(xs)})" if xs else "none"


def row(kind: str, path: str) -> str:
    cid = CLIP.format(kind)
    stored = np.load(DATA / f"{cid}_{path}.npz")
    lm = Landmarks.from_arrays(
        {k: v.astype(np.float32) if v.dtype == np.float16 else v for k, v in stored.items()}
    )
    hug = techniques.get("seated_hug_extension")
    mon = PoseMonitor(hug, fps=30, active_checks=hug.setup[-1].checks, live=True)
    trace = [mon.update(lm.take(slice(i, i + 1))) for i in range(len(lm))]
    tr = truth_table(cid)
    end = min(len(lm), HOLDS + 45)
    moving = np.flatnonzero(np.abs(tr["primary_speed_deg_s"]) > 0.5)
    if kind in ("slow", "jerk") and moving.size:
        end = min(end, int(moving[0]))
    span = range(FIRST_IN_VIEW, end)
    before = trace[FIRST_IN_VIEW - 1].primary.value[0]
    values = [trace[i].primary.value[0] for i in span]
    phantom = max(abs(v - before) for v in values if np.isfinite(v))
    covered = np.flatnonzero(lm.wrists_covered)
    cells = [
        kind,
        path,
        str(int(covered[0])) if covered.size else "–",
        f"{float(np.max(np.abs(tr['primary_deg'][FIRST_IN_VIEW:end]))):.2f}",
        f"{phantom:.1f}",
        f"{max(trace[i].speed[0] for i in span):.1f}",
        _frames([i for i in span if trace[i].sudden[0]]),
        _frames([i for i in span if trace[i].speed[0] > HARD]),
        _frames([i for i in span if trace[i].camera_moved[0]]),
        _frames([i for i in span if not trace[i].placement.ok[0]]),
        _frames([i for i in span if lm.identity_unsure[i]]),
    ]
    return "| " + " | ".join(cells) + " |"


#: Ready pressed at these frames: as he comes in view (82), as he takes hold (88-96), during
#: the server's jolt (100) and its creep (110), in the camera re-read (125), after (140).
PRESSES = (82, 88, 92, 96, 100, 110, 125, 140)
#: …and where his hold is never seen: before he comes (60), as he takes hold (88), after (140).
BLIND_PRESSES = (60, 88, 140)


def main() -> int:
    if "--engine" in sys.argv[1:]:
        import arrival_engine

        print("\n".join(arrival_engine.table(KINDS, PRESSES)))
        print()
        blind = ("server-blind", "page-blind")
        print("\n".join(arrival_engine.table(KINDS, BLIND_PRESSES, blind)))
        return 0
    print(
        "| clip | path | first covered | true extension ° (max) | read change ° (max) "
        "| peak speed °/s | sudden | over 30 °/s | camera re-read | gate shut | unsure |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for kind in KINDS:
        for path in ("server", "page"):
            print(row(kind, path), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
