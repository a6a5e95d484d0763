"""Does each path see the assistant's hold on every two-person Seated Hug clip, and when?

    nice -n 10 .venv/bin/python tools/calibrate/hold_seen.py [--json OUT] [--from-json OUT]

(session 18's run: tools/calibrate/hold_seen.json, `--from-json` prints its table.)

The assistant's set-up step waits for a hold the camera has seen (`Pose.covered`, session 18,
issue 12): a path or placement where her wrists are never read as lying on his body would leave
the pair unable to go on. Per two-person hug truth clip (`*_with_*`) and path:

* server: the two-person estimator after the clip's still pre-roll
  (`receiver_truth.warm_estimate`, cached under .cache/degraded), the covered flags as the pose
  feed passes them (`Landmarks.wrists_covered`);
* page: the page stand-in from the clip's first frame (tests/support/page_people.py, the flags
  as the socket works them out: `PageRoles.covered`, none while unsure).

Per clip and path: the frames, the first covered frame (clip frame; "pre" on the server's
pre-roll), the share of frames covered from it on, the rises after the first (each a new
hold: the settle starts again), the longest run of uncovered frames after the first, the share
of frames whose placement gate is open and the set-up checks pass (where a Ready could be
taken at all). The flow clips (he steps in at frame 82 and holds from frame 96) are the ones a
session meets; the others start with him holding her.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "support"))
import receiver_truth  # noqa: E402
from landmarks_cache import CACHE  # noqa: E402
from measure import WARM, clips  # noqa: E402

from backbuddy.domain import techniques  # noqa: E402
from backbuddy.motion.monitors import PoseMonitor  # noqa: E402

HUG = techniques.get("seated_hug_extension")


@dataclass
class HoldSeen:
    id: str
    path: str
    frames: int
    first: int | None  # first covered clip frame (-1: on the server's pre-roll)
    share: float  # covered share of the frames from the first on
    rises: int  # new holds after the first
    longest_gap: int  # frames: the longest run uncovered after the first covered
    ready_frames: float  # share of clip frames with the gate open and the checks passing


def _summary(cid: str, path: str, covered: np.ndarray, ok: np.ndarray, pre: int) -> HoldSeen:
    """`covered`, `ok` over the pre-roll's `pre` frames and then the clip's."""
    on = np.flatnonzero(covered)
    clip_ok = ok[pre:]
    if not on.size:
        return HoldSeen(cid, path, len(clip_ok), None, 0.0, 0, 0, float(np.mean(clip_ok)))
    after = covered[on[0] :]
    rises = int(np.sum(after[1:] & ~after[:-1]))
    gap, run = 0, 0
    for c in after:
        run = 0 if c else run + 1
        gap = max(gap, run)
    first = int(on[0]) - pre
    return HoldSeen(
        cid, path, len(clip_ok), max(first, -1), float(np.mean(after)), rises, gap,
        float(np.mean(clip_ok)),
    )  # fmt: skip


def server(cid: str) -> HoldSeen:
    lm, index = receiver_truth.warm_estimate(cid, cache=CACHE)
    mon = PoseMonitor(HUG, fps=WARM.fps, active_checks=HUG.setup[-1].checks, live=True)
    trace = mon.update(lm)
    ok = trace.placement.ok & trace.checks_ok & trace.tracked & ~trace.unsure
    return _summary(cid, "server", np.asarray(lm.wrists_covered), ok, int(np.sum(index < 0)))


def page(cid: str) -> HoldSeen:
    import page_people as pp

    run = pp.run_clip(cid, HUG)
    poses = [r.pose for r in run.results]
    ok = np.array(
        [p.placement_ok and p.checks_ok and p.tracked and p.identity == "receiver" for p in poses]
    )
    return _summary(cid, "page", np.array(run.covered), ok, 0)


def hug_clips() -> list[str]:
    return [m["id"] for m in clips() if m["assistant"] and m["technique"] == HUG.id]


def _cell(r: HoldSeen) -> list[str]:
    first = "never" if r.first is None else ("pre-roll" if r.first < 0 else str(r.first))
    return [
        f"`{r.id}`",
        r.path,
        str(r.frames),
        first,
        f"{r.share:.2f}",
        str(r.rises),
        str(r.longest_gap),
        f"{r.ready_frames:.2f}",
    ]


def table(rows: list[HoldSeen]) -> list[str]:
    head = (
        "| clip | path | frames | first covered | covered from it | rises after | "
        "longest gap (frames) | gate open, checks pass |"
    )
    return [head, "|---|---|---|---|---|---|---|---|"] + [
        "| " + " | ".join(_cell(r)) + " |" for r in rows
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("clips", nargs="*")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--from-json", type=Path)
    parser.add_argument("--no-page", action="store_true")
    args = parser.parse_args(argv)
    if args.from_json:
        rows = [HoldSeen(**r) for r in json.loads(args.from_json.read_text())]
    else:
        rows = []
        for cid in args.clips or hug_clips():
            rows.append(server(cid))
            print(table([rows[-1]])[-1], flush=True)
            if not args.no_page:
                rows.append(page(cid))
                print(table([rows[-1]])[-1], flush=True)
        if args.json:
            args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    print("\n".join(table(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
