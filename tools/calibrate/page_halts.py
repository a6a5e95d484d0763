"""Two-person jerks on the page's path and the server's, judged by `halts.halt_outcome` (issue
12/15; session 15, jerk15). A measurement script, not a test.

    .venv/bin/python tools/calibrate/page_halts.py [--path page|server] [--fps 30 15 10] [--cued]
        [--phases 0 0.25 0.5 0.75] [--variant follow1] [--json OUT] [CLIP ...]

Each two-person truth clip whose true speed passes the hard limit (every `*_jerk_*` clip with
an assistant) runs after 2 s of its own still first frame (`degrade.PRE_ROLL_S`, as a session's
set-up; `measure.WARM`), re-timed to 30, 15 or 10 frames/s (`degrade.picks`; each frame keeps
its own time), through

* `page`: the page stand-in (tests/support/page_people.py: the page's own model on the crop
  with the grey mask, role frames through the server's real code, the landmarks message through
  `schemas`, `page_pose.admit`, `PageRoles.unsure` and `CameraWatch.analyze_landmarks`);
* `server`: the server's two-person estimator (`ReceiverPose`, real MoveNet and MediaPipe, the
  look in line) and a live `PoseMonitor` (30 frames/s, as `CameraWatch` builds it whatever the
  camera sends). It is told a movement runs (`ReceiverPose.moving`: a look every 0.13 s, else
  every 4th frame) as a session tells it (`rules.movement_watched`: from the assistant's set-up
  step on, hands-on). `--switch hold` (the default): from the first frame. A session switches
  as her own step is confirmed (her alone, before he steps in and takes hold), which in these
  clips falls in the still pre-roll (or, in the whole-flow clips, while she sits alone), so
  every frame that moves runs at the movement's cadence; where in the still frames the switch
  falls moves only where the looks fall, which `--phases` sweeps, and from the first frame the
  phases are those of sessions 20–21 (the same runs: nothing switches). `--switch attempt`:
  from the clip's set-up end (`measure.setup_frames`, the earliest an attempt can begin), as
  if the looks quickened only as the attempt begins: the switch as near the movement as it can
  land.

A stop is what `receiver_truth.measures` counts on the server at 30 frames/s: a halt (`sudden`,
or the speed over the hard limit: `rules.watch`) or a pause (untracked, the identity unsure).
Latency: frames (of that rate) from the first frame over the hard limit to the first stop on or
after the jerk's rise; `halt` the same for halts alone; `false`: a stop before the rise.
The placement gate's decision at the movement and whether the rate is under the technique's
`video.min_fps` (the engine pauses then: no attempt runs) are printed beside.

`--phases` (server path): each clip × rate once per look phase (`ReceiverPose(look_phase=…)`,
a share of a look period: where MoveNet's looks fall against the movement), then a summary:
jerks stopped more than `LATE` frames after the crossing (or never), and false stops.
`--variant follow1` on either path: the receiver's cut-out moves all the way to each look
(`receiver_pose.FOLLOW_SHARE` 1.0); `--variant frames` (server path): her cut-out follows her
every frame from MediaPipe's landmarks (`receiver_pose.FOLLOW_FRAMES`); `--variant fadeout`
(server path): his grey no longer drawn fades out (`receiver_pose.FADE_OUT`); `--variant
armcut` (server path): her cut-out wide only beside his drawn arms (`receiver_pose.CUT_ARMS`);
`--variant nofade` (server path): neither (both are on by default here, whatever the technique's
`video.grey_fades`: nobody tells the tool's `ReceiverPose` its technique). The page path follows
the technique's `video.grey_fades` (told with each role answer, as mask.js is); `--variant fades`
/ `nofade` there: the page's grey fading or not, whatever the technique says.
`--variant ownjoints` (server path): her cut-out takes no joint on his same joint
(`receiver_pose.OWN_JOINTS`, the live hug's: `grey_fades`).
`--variant nogrey` (either path): nothing greyed over the assistant, the technique's
`video.grey_assistant: false` (session 25, twist25): the page told by its answers'
`mask.grey_assistant`, the server's `ReceiverPose.grey_assistant(False)`.
The summary counts the placement gate open at the movement per clip.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import degrade  # noqa: E402
import receiver_truth  # noqa: E402
from halts import HARD, halt_outcome  # noqa: E402
from measure import clips, setup_frames, truth_table  # noqa: E402

from backbuddy.adapters import video  # noqa: E402
from backbuddy.domain import techniques as tech  # noqa: E402
from backbuddy.motion.landmarks import Landmarks, stack  # noqa: E402

TRUTH = receiver_truth.TRUTH


def jerk_clips() -> list[str]:
    return [
        m["id"]
        for m in clips(TRUTH)
        if m["assistant"] and float(m["peak_primary_speed_deg_s"]) > HARD
    ]


def technique_of(cid: str, cued: bool = False) -> tech.Technique:
    """The clip's technique; `cued`: without the arms check in its last set-up step, as a
    session where her crossed arms were seen before the assistant took hold (the older
    two-person clips show him holding her from their first frame: their set-up never passes,
    so no baseline is taken and no `sudden` can come; the whole-flow clips show the cue)."""
    meta = next(m for m in clips(TRUTH) if m["id"] == cid)
    technique = tech.get(meta["technique"])
    if not cued:
        return technique
    last = technique.setup[-1]
    last = last.model_copy(update={"checks": tuple(c for c in last.checks if c != "arms_crossed")})
    return technique.model_copy(update={"setup": (*technique.setup[:-1], last)})


def warm_frames(cid: str, fps: float) -> tuple[list[video.Frame], np.ndarray]:
    """The clip after its still pre-roll, re-timed to `fps` (`degrade.picks`: each frame keeps
    its source frame's own time); source index (−1: pre-roll)."""
    with video.open_file(TRUTH / f"{cid}.mp4") as source:
        base = list(source)
    dt = base[1].t - base[0].t
    pre = int(round(degrade.PRE_ROLL_S / dt))
    seq = [dataclasses.replace(base[0], t=j * dt) for j in range(pre)]
    seq += [dataclasses.replace(f, t=f.t + pre * dt) for f in base]
    index = np.array([-1] * pre + list(range(len(base))))
    keep = degrade.picks(len(seq), fps)
    return [seq[k] for k in keep], index[keep]


@dataclasses.dataclass
class Trace:
    """Per frame of the rate run: the engine's halt, its pause (untracked/unsure), the speed
    read, the gate open."""

    halt: np.ndarray
    pause: np.ndarray
    speed: np.ndarray
    gate: np.ndarray
    #: The landmarks the monitors got, with the identity and covered flags (`--save`).
    landmarks: Landmarks


#: Measured variants of the page (not the product): `every4`, role frames every 4th frame (the
#: server's look cadence) instead of when the server asks; `follow1`: the receiver's cut-out
#: moves all the way to each answer (`receiver_pose.FOLLOW_SHARE` 1.0).
VARIANT: set[str] = set()


def page_trace(cid: str, technique: tech.Technique, frames: list[video.Frame]) -> Trace:
    import page_people as pp

    if "follow1" in VARIANT:
        import backbuddy.adapters.receiver_grey as grey

        grey.FOLLOW_SHARE = 1.0  # read there, by `follow_person`
    if {"fades", "nofade"} & VARIANT:  # the technique's grey fading, or not (`grey_fades`)
        video = technique.video.model_copy(update={"grey_fades": "fades" in VARIANT})
        technique = technique.model_copy(update={"video": video})
    if "nogrey" in VARIANT:  # nothing greyed over the assistant (`grey_assistant`)
        video = technique.video.model_copy(update={"grey_assistant": False, "grey_fades": False})
        technique = technique.model_copy(update={"video": video})
    policy = "server"
    if "every4" in VARIANT:
        policy, pp.ROLE_EVERY = "fixed", 4
    run = pp.run_clip(cid, technique, roles_on=True, frames=frames, policy=policy)
    res = run.results
    hard = technique.limits.hard_speed_deg_s
    size = (frames[0].rgb.shape[1], frames[0].rgb.shape[0])
    unsure = [r.pose.identity != "receiver" for r in res]
    return Trace(
        np.array([r.pose.sudden or r.pose.speed_deg_s > hard for r in res]),
        np.array([not (r.pose.tracked and r.pose.identity == "receiver") for r in res]),
        np.array([r.pose.speed_deg_s for r in res]),
        np.array([bool(r.pose.placement_ok) for r in res]),
        stack(zip(run.t, run.image, run.world, strict=True), size, unsure, run.covered),
    )


#: A jerk stopped more than this many frames after its crossing counts as late (`--phases`).
LATE = 2


def server_trace(
    cid: str,
    technique: tech.Technique,
    frames: list[video.Frame],
    phase: float = 0.0,
    index: np.ndarray | None = None,
    switch: str = "hold",
) -> Trace:
    """`index`: each frame's source frame (−1: pre-roll); a movement runs from `switch` on
    (module docstring; no `index`: throughout)."""
    import backbuddy.adapters.receiver_pose as rp
    from backbuddy.adapters.looks import InLine
    from backbuddy.adapters.mediapipe_pose import PoseModel
    from backbuddy.adapters.receiver_pose import EVERY, ReceiverPose
    from backbuddy.motion.monitors import PoseMonitor
    from backbuddy.services.analyze import identity_unsure, wrists_covered

    if "follow1" in VARIANT:
        import backbuddy.adapters.receiver_grey as grey

        grey.FOLLOW_SHARE = 1.0  # read there, by `follow_person`
    if "frames" in VARIANT:
        rp.FOLLOW_FRAMES = True
    if "fadeout" in VARIANT:
        rp.FADE_OUT = True
    if "armcut" in VARIANT:
        rp.CUT_ARMS = True
    if "nofade" in VARIANT:  # both levers off: the grey as a look draws it (before session 22)
        rp.FADE_OUT = rp.CUT_ARMS = False
    if "ownjoints" in VARIANT:
        rp.OWN_JOINTS = True
    rows, unsure, covered = [], [], []
    size = (frames[0].rgb.shape[1], frames[0].rgb.shape[0])
    moving = np.ones(len(frames), bool)
    if index is not None and switch == "attempt":
        moving = index >= setup_frames(cid, technique, TRUTH)
    with ReceiverPose(
        receiver_truth.people_detector(), PoseModel, every=EVERY, looks=InLine, look_phase=phase
    ) as model:
        model.receiver_lies(receiver_truth.lies(cid, TRUTH))
        model.grey_assistant("nogrey" not in VARIANT)
        for f, on in zip(frames, moving, strict=True):
            model.moving(bool(on))  # as `LiveSession` tells it before each frame
            image, world = model.estimate(f.rgb, f.t)  # as `analyze.estimate_at`
            rows.append((f.t, image, world))
            unsure.append(identity_unsure(model))
            covered.append(wrists_covered(model))
    lm = stack(rows, size, unsure, covered)
    mon = PoseMonitor(technique, fps=30.0, live=True)
    mon.active_checks = tuple(technique.setup[-1].checks)  # as the page's `CameraWatch`
    trace = mon.update(lm)
    hard = technique.limits.hard_speed_deg_s
    return Trace(
        np.asarray(trace.sudden | (trace.speed > hard)),
        np.asarray(~trace.tracked | trace.unsure),
        np.asarray(trace.speed),
        np.asarray(trace.placement.ok),
        lm,
    )


def judge(cid: str, technique: tech.Technique, t: Trace, index: np.ndarray, fps: float) -> dict:  # type: ignore[type-arg]
    tr = truth_table(cid)
    live = index >= 0
    src = index[live]
    true = np.abs(tr["primary_speed_deg_s"][src])
    halt, pause = t.halt[live].copy(), t.pause[live].copy()
    before = src < setup_frames(cid, technique, TRUTH)
    halt[before] = pause[before] = False
    stops = halt_outcome(true, halt | pause)
    halts = halt_outcome(true, halt)
    moving = np.abs(tr["primary_speed_deg_s"][src]) > 0.5
    decide = max(int(np.argmax(moving)) - 1, 0)
    mn = technique.video.min_fps
    full = np.abs(tr["primary_speed_deg_s"])
    crossing = int(np.argmax(full > HARD))  # the first truth frame (30 a second) over the limit
    seconds = float("inf")
    if stops.rise is not None and math.isfinite(stops.latency):
        first = int(np.argmax(true > HARD))
        seconds = round((src[first + int(stops.latency)] - crossing) / 30.0, 3)
    return {
        "clip": cid,
        "fps": fps,
        "stop": stops.latency,
        "stop_s": seconds,
        "halt": halts.latency,
        "false": stops.false_halt,
        "gate_open": bool(t.gate[live][decide]),
        "under_min_fps": bool(mn and fps < mn),
        "speed_max": round(float(np.nanmax(t.speed[live])), 1),
        "paused_from_rise": int(pause[stops.rise :].sum()) if stops.rise is not None else 0,
    }


def _fmt(x: float) -> str:
    return "never" if math.isinf(x) else ("–" if math.isnan(x) else f"{x:.0f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="*")
    ap.add_argument("--path", choices=("page", "server"), default="page")
    ap.add_argument("--fps", type=float, nargs="+", default=[30.0, 15.0, 10.0])
    ap.add_argument("--json", type=Path, help="append one JSON line per run")
    ap.add_argument("--variant", nargs="*", default=[], help="page variants (VARIANT)")
    ap.add_argument("--save", type=Path, help="write <clip>_<path>_<fps>.npz here (tests/data)")
    ap.add_argument("--cued", action="store_true", help="the arms check dropped (technique_of)")
    ap.add_argument("--phases", type=float, nargs="+", help="look phases, server path (0 <= p < 1)")
    ap.add_argument(
        "--switch",
        choices=("hold", "attempt"),
        default="hold",
        help="server path: when the movement's looks begin (module docstring)",
    )
    a = ap.parse_args(argv)
    if a.phases and a.path != "server":
        ap.error("--phases needs --path server (the page's answers come when it asks)")
    VARIANT.update(a.variant)
    rows = []
    for cid in a.clips or jerk_clips():
        technique = technique_of(cid, a.cued)
        for fps in a.fps:
            frames, index = warm_frames(cid, fps)
            for phase in a.phases or [None]:
                if a.path == "page":
                    trace = page_trace(cid, technique, frames)
                else:
                    trace = server_trace(cid, technique, frames, phase or 0.0, index, a.switch)
                out = {"path": a.path, "cued": a.cued, "variant": a.variant}
                if a.path == "server":
                    out["switch"] = a.switch
                out |= judge(cid, technique, trace, index, fps)
                if phase is not None:
                    out["phase"] = phase
                rows.append(out)
                _emit(out, a.json)
                if a.save:
                    _save(a.save, cid, a.path, fps, index, trace)
    if a.phases:
        print(summary(rows), flush=True)
    return 0


def _emit(out: dict, path: Path | None) -> None:  # type: ignore[type-arg]
    line = json.dumps(out)
    print(line, flush=True)
    if path:
        with path.open("a") as f:
            f.write(line + "\n")


def summary(rows: list[dict]) -> str:  # type: ignore[type-arg]
    """The phase sweep in a few lines: per clip, each rate's stops over the phases; then the
    jerks (true speed over the hard limit at the clip's peak: `*_jerk_*`) stopped more than
    `LATE` frames after the crossing or never, and the false stops (a stop before the rise)."""
    lines = ["clip | rate | phase: frames from the crossing to the stop (jerks)"]
    late, false, jerks, runs = [], [], 0, 0
    for cid in dict.fromkeys(r["clip"] for r in rows):
        for fps in dict.fromkeys(r["fps"] for r in rows if r["clip"] == cid):
            cell = []
            for r in (r for r in rows if r["clip"] == cid and r["fps"] == fps):
                runs += 1
                jerk = "_jerk_" in cid
                jerks += jerk
                s = _fmt(r["stop"]) if jerk else "–"
                if r["false"]:
                    s += " (false stop)"
                    false.append(r)
                if jerk and not r["stop"] <= LATE:
                    late.append(r)
                cell.append(f"{r['phase']:g}: {s}")
            lines.append(f"{cid} | {fps:g} | " + ", ".join(cell))
    lines.append(f"jerks stopped > {LATE} frames late or never: {len(late)} of {jerks} runs")
    lines += [f"  {r['clip']} {r['fps']:g} phase {r['phase']:g}: {_fmt(r['stop'])}" for r in late]
    lines.append(f"false stops: {len(false)} of {runs} runs")
    lines += [f"  {r['clip']} {r['fps']:g} phase {r['phase']:g}" for r in false]
    lines.append("placement gate open at the movement:")
    for cid in dict.fromkeys(r["clip"] for r in rows):
        mine = [r for r in rows if r["clip"] == cid]
        lines.append(f"  {cid}: {sum(r['gate_open'] for r in mine)} of {len(mine)} runs")
    return "\n".join(lines)


def _save(
    where: Path,
    cid: str,
    path: str,
    fps: float,
    index: np.ndarray,
    trace: Trace,  # type: ignore[type-arg]
) -> None:
    true = truth_table(cid)["primary_speed_deg_s"]
    np.savez_compressed(
        where / f"{cid}_{path}_{fps:g}.npz",
        index=index,
        true_speed=np.where(index >= 0, true[np.maximum(index, 0)], 0.0),
        **trace.landmarks.to_arrays(),
    )


if __name__ == "__main__":
    sys.exit(main())
