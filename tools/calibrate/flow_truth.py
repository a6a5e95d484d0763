"""The Seated Hug's whole flow on camera (issue 12, session 14): the receiver alone with her arms
crossed, the assistant out of view; he steps in behind her and takes hold; then the extension.

    .venv/bin/python tools/calibrate/flow_truth.py [--page] [--save DIR] [--json OUT] [CLIP ...]

Runs each `hug_flow_*` truth clip (tools/render_truth, `assistant_enters`) from its first frame
through the server's two-person path (`receiver_truth.estimate`: real decoder, MoveNet roles,
crop, MediaPipe, the covered flags as the pose feed passes them) and, with `--page`, the page
stand-in (tests/support/page_people.py: the page's own model, role frames through the server's
real code, `PageRoles.covered` as the socket works it out), and prints per path:

* covered: frames where her arms lie at the assistant's body (the arms check not read);
  held: of those, frames where the pass read with her alone counts; waiting: the rest;
* cue: at the frame before the true movement begins (the end for a clip without one), the
  set-up checks have passed for the technique's `checks_hold_s` in a row, tracked, the
  identity sure, the placement gate open: the movement cue may come (I3);
* halt: the true jerk's halt latency in frames (halts: `sudden` or the speed over the hard
  limit, as `rules.watch`; a pause, untracked or unsure, stops it too), counted from the cue
  frame on (the engine halts only in an attempt); false: a halt with no jerk under way.

`--save DIR` writes the server path's landmarks (`Landmarks.to_arrays`, with the covered flags)
as DIR/<clip>_server.npz, the recorded data of tests/unit/motion/test_flow.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))
sys.path.insert(0, str(ROOT / "tests" / "support"))

import receiver_truth  # noqa: E402
from halts import HARD, halt_outcome  # noqa: E402
from measure import clips, truth_table  # noqa: E402

from backbuddy.domain import techniques  # noqa: E402
from backbuddy.motion.checks import COVERED, PASS  # noqa: E402
from backbuddy.motion.landmarks import Landmarks  # noqa: E402
from backbuddy.motion.monitors import PoseMonitor  # noqa: E402

TECH = techniques.get("seated_hug_extension")
ARMS = "arms_crossed"


@dataclass
class FlowResult:
    id: str
    path: str
    frames: int
    first_covered: int | None  # first frame her arms lie at his body
    covered: int
    held: int  # covered frames passing on the verdict read with her alone
    waiting: int  # covered frames not passing ("covered": let go for a moment)
    arrival: int  # the frame he has taken hold
    decide: int  # the frame the true movement starts after
    cue_frame: int | None  # first frame from his arrival the movement cue may come (module doc)
    cue: bool  # …and it comes before the movement
    checks_ok_after_arrival: float  # share of frames from his arrival on
    halt_latency: float  # frames from the jerk's rise over the limit to a halt or pause
    false_halt: bool  # a halt (sudden, over the hard limit) from the cue on, no jerk under way
    false_pause: bool  # a pause (position, tracking, identity, placement) in the movement
    speed_err: float  # °/s, mean over the frames from the movement's start (slow clips)


def decide_frame(tr: dict[str, np.ndarray]) -> int:
    """The frame before the true movement begins, or the last frame of a clip without one."""
    moving = np.abs(tr["primary_speed_deg_s"]) > 0.5
    return int(np.argmax(moving)) - 1 if moving.any() else tr["frame"].size - 1


def arrival(cid: str) -> int:
    meta = json.loads((receiver_truth.TRUTH / f"{cid}.json").read_text())
    enters = meta["assistant"]["enters"]
    return int(round((enters["alone_s"] + enters["step_s"]) * meta["fps"]))


def judge(
    cid: str,
    path: str,
    covered: np.ndarray,
    arms: np.ndarray,
    checks_ok: np.ndarray,
    may_move: np.ndarray,
    halts: np.ndarray,
    speed: np.ndarray,
    fps: float = 30.0,
) -> FlowResult:
    """`arms`: the arms check's status per frame; `may_move`: tracked, identity sure, the
    placement gate open, the view not being re-read (else `ready` is refused, and an attempt
    pauses: `rules.ready_refusal`, `rules._view_pause`); `halts`: `sudden` or over the hard
    limit (`rules._too_fast`)."""
    tr = truth_table(cid)
    n = min(len(covered), tr["frame"].size)
    decide = min(decide_frame(tr), n - 1)
    come = arrival(cid)
    hold = int(round(TECH.checks_hold_s * fps))
    ok = checks_ok[:n].astype(bool)
    run = np.zeros(n, int)  # frames the checks have passed in a row
    for i in range(n):
        run[i] = run[i - 1] + 1 if ok[i] and i else int(ok[i])
    can = (run > hold) & may_move[:n]
    can[:come] = False
    cue_frame = int(np.argmax(can)) if can.any() else None
    cue = cue_frame is not None and cue_frame <= decide
    true = np.abs(tr["primary_speed_deg_s"][:n])
    moving = tr["primary_speed_deg_s"].max() > 0.5
    pauses = ~(ok & may_move[:n])
    stops = (halts[:n] | pauses).copy()
    stops[:decide] = False  # before the cue the engine is in set-up: it never halts
    judged = halt_outcome(true, stops)
    only_halts = halts[:n].copy()
    only_halts[:decide] = False
    cov = covered[:n]
    jerk = true.max() > HARD
    return FlowResult(
        cid,
        path,
        n,
        int(np.argmax(cov)) if cov.any() else None,
        int(cov.sum()),
        int((cov & (arms[:n] == PASS)).sum()),
        int((cov & (arms[:n] == COVERED)).sum()),
        come,
        decide,
        cue_frame,
        cue,
        float(np.mean(ok[come:n])),
        judged.latency if jerk else float("nan"),
        bool(moving and not jerk and only_halts.any())
        or bool(jerk and halt_outcome(true, only_halts).false_halt),
        bool(moving and not jerk and pauses[decide:].any()),
        float(np.mean(np.abs(speed[decide:n] - true[decide:n])))
        if moving and not jerk
        else float("nan"),
    )


def server(cid: str, save: Path | None = None) -> FlowResult:
    lm, _, _ = receiver_truth.estimate(cid)  # from the first frame: her alone is the set-up
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(save / f"{cid}_server.npz", **lm.to_arrays())
    return from_landmarks(cid, lm)


def from_landmarks(cid: str, lm: Landmarks, path: str = "server") -> FlowResult:
    """The flow judged on recorded landmarks (with their identity and covered flags)."""
    trace = PoseMonitor(TECH, fps=30.0).update(lm)
    sure = trace.tracked & ~trace.unsure
    return judge(
        cid,
        path,
        lm.wrists_covered,
        trace.checks[ARMS].status,
        trace.checks_ok,
        sure & trace.placement.ok & ~trace.camera_moved,
        trace.sudden | (trace.speed > HARD),
        trace.speed,
    )


def page(cid: str, save: Path | None = None) -> FlowResult:
    import page_people as pp

    run = pp.run_clip(cid, TECH)
    if save is not None:  # what the page sent, as the server admitted it
        with open(receiver_truth.TRUTH / f"{cid}.json") as f:
            w, h = json.load(f)["size"]
        sent = Landmarks(
            np.stack(run.image).astype(np.float32),
            np.stack(run.world).astype(np.float32),
            np.array(run.t),
            (w, h),
            unsure=np.array([r.pose.identity == "unsure" for r in run.results]),
            covered=np.array(run.covered),
        )
        save.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(save / f"{cid}_page.npz", **sent.to_arrays())
    poses = [r.pose for r in run.results]
    arms = np.array([PASS if r.checks.get(ARMS) else COVERED for r in run.results])
    sure = np.array([p.tracked and p.identity == "receiver" for p in poses])
    return judge(
        cid,
        "page",
        np.array(run.covered),
        arms,
        np.array([p.checks_ok for p in poses]),
        sure & np.array([p.placement_ok and not p.camera_moved for p in poses]),
        np.array([p.sudden or p.speed_deg_s > HARD for p in poses]),
        np.array([p.speed_deg_s for p in poses]),
    )


def flow_clips() -> list[str]:
    return [m["id"] for m in clips() if m["id"].startswith("hug_flow_")]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("clips", nargs="*")
    parser.add_argument("--page", action="store_true", help="also the page stand-in")
    parser.add_argument("--save", type=Path, help="write the server landmarks here")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    out = []
    for cid in args.clips or flow_clips():
        runs = [server(cid, args.save)] + ([page(cid, args.save)] if args.page else [])
        for r in runs:
            out.append(asdict(r))
            print(json.dumps(asdict(r)), flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
