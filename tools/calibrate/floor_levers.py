"""The side-lying floor's two-person clips as the app runs them today, each grey lever alone
(issue 12; session 24), and greys the app does not have (`noforearms`; session 25: `nogrey`,
`headonly`, `outbox`, `outbox15`). A measurement script, not a test.

    .venv/bin/python tools/calibrate/floor_levers.py [--order warm|session]
        [--levers live fades cutarms ownjoints tools nogrey ...] [--json OUT] [CLIP ...]

Each two-person floor clip (`*_front_floor_*_with_*`, default: all five) through the server's
two-person step (`ReceiverPose`: real MoveNet and MediaPipe, the look in line, told the receiver
lies as `people.tell_technique` does) with the grey levers set per `LEVERS`:

* `live`: all off, as a live side-lying session runs it (`video.grey_fades: false`:
  `people.tell_technique` → `ReceiverPose.grey_fades(False)`);
* `fades` / `cutarms` / `ownjoints`: that lever alone (`FADE_OUT`, `CUT_ARMS`, `OWN_JOINTS`);
* `tools`: the module's defaults (fades and cut-arms on, own joints off), what
  `receiver_truth.warm_estimate` (behind `tests/integration/test_two_people.py`,
  `bench/people.py`, `people_table.py`) runs: nobody tells the tools' `ReceiverPose` the
  technique's `grey_fades`.
* `greyoff`: nothing greyed over the assistant, the app's lever `video.grey_assistant: false`
  (session 25; `people.tell_technique` → `ReceiverPose.grey_assistant(False)`);
* experiments (`PATCHED`, `noforearms`): the live levers with `receiver_pose.others_mask`
  replaced for the run (see `FOREARMS`, `OUTBOX`; docs/accuracy.md, sessions 24 and 25).

`--order warm` (the truth tools' order): the clip after 2 s of its own still first frame
(`measure.WARM`). `--order session`: as a session runs, her alone first: the single-person
floor clip of the same receiver body (`ALONE`, `ALONE_LIT`; set-up step 1, the step told no
movement runs, `ReceiverPose.moving(False)`: a look every 4th frame), then the two-person
clip's first frame held 2 s and the clip with a movement's cadence (from the assistant's set-up
step on, `rules.movement_watched`), one estimator and one `PoseMonitor` throughout (the gate
read from her alone). Every floor receiver body has a single-person floor clip since session 25
(f34 and m58 rendered by render25; a body without one runs `warm` only: with another body alone
first, the receiver changes at the join and her identity stays unsure).

Scored as `receiver_truth.measures` scores a clip (`measure.measure_clip` on the frames after
the set-up): check agreement (`top_knee_at_90` apart), speed error and peak read on the gentle
clips, false halts, the jerk's speed halt and halt-or-pause frames, the placement gate at the
movement, the unsure share and frames acted on that are not the receiver's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import degrade  # noqa: E402
import measure  # noqa: E402
import receiver_truth  # noqa: E402

#: Grey levers per configuration (`ReceiverPose` keyword arguments).
LEVERS: dict[str, dict[str, bool]] = {
    "live": {"fade_out": False, "cut_arms": False, "own_joints": False},
    "fades": {"fade_out": True, "cut_arms": False, "own_joints": False},
    "cutarms": {"fade_out": False, "cut_arms": True, "own_joints": False},
    "ownjoints": {"fade_out": False, "cut_arms": False, "own_joints": True},
    "tools": {"fade_out": True, "cut_arms": True, "own_joints": False},
    "noforearms": {"fade_out": False, "cut_arms": False, "own_joints": False},
    "nogrey": {"fade_out": False, "cut_arms": False, "own_joints": False},
    "headonly": {"fade_out": False, "cut_arms": False, "own_joints": False},
    "outbox": {"fade_out": False, "cut_arms": False, "own_joints": False},
    "outbox15": {"fade_out": False, "cut_arms": False, "own_joints": False},
    "nogrey_nose": {"fade_out": False, "cut_arms": False, "own_joints": False},
    "greyoff": {"fade_out": False, "cut_arms": False, "own_joints": False, "grey": False},
}
#: Experiments, not levers the app has (`estimate` patches `receiver_pose.others_mask` for the
#: run): `noforearms`, the live grey without his forearms (elbow–wrist), so nothing is greyed
#: where his hands lie on her top shoulder and knee.
FOREARMS = ((7, 9), (8, 10))
#: Session 25 (twist25), experiments too: `nogrey`, no grey at all (MediaPipe on her crop with
#: him in view; the identity guard still runs: MoveNet's roles, MediaPipe's torso on hers);
#: `headonly`, only his head greyed (the face MediaPipe's detector starts from), nothing of his
#: body or arms; `outbox`, the live grey but none inside her MoveNet box grown by `OUTBOX`
#: of its long side (his hands and forearms on her, and his trunk where it meets her hip);
#: `outbox15`, the same grown by 0.15. `greyoff` (session 25, second round) is the app's lever,
#: not a patch: `video.grey_assistant: false` (`ReceiverPose.grey_assistant`), nothing greyed;
#: the same picture as `nogrey`.
OUTBOX = 0.05


def _no_grey(receiver, others, crop):  # type: ignore[no-untyped-def]
    return None


def _head_only(receiver, others, crop):  # type: ignore[no-untyped-def]
    from backbuddy.adapters import receiver_grey as G
    from backbuddy.motion.grey_mask import OTHERS_SCALE

    if not others:
        return None
    theirs = np.zeros((crop.y1 - crop.y0, crop.x1 - crop.x0), bool)
    for kp, box in others:
        theirs |= G.body_mask(kp, box, crop, scale=OTHERS_SCALE, edges=())
    return theirs & ~G.body_mask(*receiver, crop)


def _outside_box(receiver, others, crop, margin=OUTBOX):  # type: ignore[no-untyped-def]
    from backbuddy.adapters import receiver_grey as G

    grey = G.others_mask(receiver, others, crop)
    if grey is None:
        return None
    box = receiver[1]
    grow = margin * float(max(box[2] - box[0], box[3] - box[1]))
    x0, y0 = int(box[0] - grow - crop.x0), int(box[1] - grow - crop.y0)
    x1, y1 = int(box[2] + grow - crop.x0) + 1, int(box[3] + grow - crop.y0) + 1
    grey = grey.copy()
    grey[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = False
    return grey


#: `nogrey_nose`: `nogrey` with the identity guard's nose tolerance (`people.ANCHOR_TOLERANCE`,
#: 0.12 trunk lengths) at `NOSE_TOLERANCE`: a threshold experiment, not a proposal. Without the
#: grey the twist at the limit was unsure on 41 % of its frames because MediaPipe's nose lay 8 px
#: from MoveNet's with 7 allowed, on every look, while it lay 1.6 px from her true nose.
NOSE_TOLERANCE = 0.15

PATCHED = {
    "nogrey": _no_grey,
    "headonly": _head_only,
    "outbox": _outside_box,
    "outbox15": lambda r, o, c: _outside_box(r, o, c, 0.15),
    "nogrey_nose": _no_grey,
}


def _grey_without(edges: tuple[tuple[int, int], ...]):  # type: ignore[no-untyped-def]
    from backbuddy.adapters import receiver_grey as G
    from backbuddy.motion.grey_mask import EDGES, OTHERS_SCALE

    keep = tuple(e for e in EDGES if e not in edges)

    def others_mask(receiver, others, crop):  # type: ignore[no-untyped-def]
        if not others:
            return None
        theirs = np.zeros((crop.y1 - crop.y0, crop.x1 - crop.x0), bool)
        for kp, box in others:
            theirs |= G.body_mask(kp, box, crop, scale=OTHERS_SCALE, edges=keep)
        return theirs & ~G.body_mask(*receiver, crop)

    return others_mask


#: Her alone on the floor (set-up step 1), per receiver body: the single-person floor clip of
#: that body (the 2026-11-27 replay's for m26; f34 and m58 rendered in session 25, render25),
#: its first frame held `ALONE_S` where it moves. `ALONE_LIT`: her alone in the two-person
#: clip's own light where one was rendered (f34's heavy jerk is warm_dim), else `ALONE`'s.
ALONE = {
    "m26": "side_correct_setup_front_floor_m26",
    "f71": "side_correct_slow_front_floor_f71",
    "f34": "side_correct_setup_front_floor_f34",
    "m58": "side_correct_setup_front_floor_m58",
}
ALONE_LIT = {("f34", "warm_dim"): "side_correct_setup_front_floor_f34_warm_dim"}
ALONE_S = 2.0
SAVE = HERE / ".cache" / "floor24"


def floor_clips() -> list[str]:
    return [
        m["id"]
        for m in measure.clips()
        if m["assistant"]
        and m["camera"] == "front_floor"
        and m["technique"] != "seated_hug_extension"
    ]


def receiver_body(cid: str) -> str:
    return cid.split("_with_")[0].rsplit("_", 1)[1]


def alone_clip(cid: str) -> str:
    """The clip of her alone that runs before `cid` in session order."""
    body = receiver_body(cid)
    light = next(m["light"] for m in measure.clips() if m["id"] == cid)
    return ALONE_LIT.get((body, light), ALONE[body])


def _sequence(cid: str, order: str):  # type: ignore[no-untyped-def]
    """(source index, time, rgb, moving) in the order the estimator sees them."""
    from backbuddy.adapters.video import open_file

    seq = list(degrade.frames(cid, measure.WARM))
    if order == "session":
        clip = alone_clip(cid)
        with open_file(measure.TRUTH / f"{clip}.mp4") as src:
            alone = [f.rgb for f in src]
        if "_setup_" not in clip:  # her still set-up: the clip's first frame, held
            alone = [alone[0]] * int(round(ALONE_S * measure.WARM.fps))
        t0 = seq[0][1] - 1.0 / measure.WARM.fps
        n = len(alone)
        for k, rgb in enumerate(alone):
            yield -1, t0 - (n - 1 - k) / measure.WARM.fps, rgb, False
    for i, t, rgb in seq:
        yield i, t, rgb, True


def estimate(cid: str, lever: str, order: str):  # type: ignore[no-untyped-def]
    """(Landmarks with identity and covered flags, source index; −1: before the clip)."""
    from backbuddy.adapters import receiver_pose

    from backbuddy.motion import people

    saved, tolerance = receiver_pose.others_mask, people.ANCHOR_TOLERANCE
    if lever == "noforearms":
        receiver_pose.others_mask = _grey_without(FOREARMS)
    elif lever in PATCHED:
        receiver_pose.others_mask = PATCHED[lever]
    if lever == "nogrey_nose":
        people.ANCHOR_TOLERANCE = (NOSE_TOLERANCE, *tolerance[1:])
    try:
        return _run(cid, lever, order)
    finally:
        receiver_pose.others_mask, people.ANCHOR_TOLERANCE = saved, tolerance


def _run(cid: str, lever: str, order: str):  # type: ignore[no-untyped-def]
    from backbuddy.adapters.looks import InLine
    from backbuddy.adapters.mediapipe_pose import PoseModel
    from backbuddy.adapters.movenet import PeopleDetector
    from backbuddy.adapters.receiver_pose import EVERY, ReceiverPose
    from backbuddy.motion.landmarks import stack
    from backbuddy.services.analyze import identity_unsure, near_bits, wrists_covered

    rows, unsure, covered, near, index = [], [], [], [], []
    size = (0, 0)
    with ReceiverPose(
        PeopleDetector(), PoseModel, every=EVERY, looks=InLine, **LEVERS[lever]
    ) as model:
        model.receiver_lies(receiver_truth.lies(cid))
        for i, t, rgb, moving in _sequence(cid, order):
            model.moving(moving)
            image, world = model.estimate(rgb, t)
            rows.append((t, image, world))
            unsure.append(identity_unsure(model))
            covered.append(wrists_covered(model))
            near.append(near_bits(model) or 0)
            index.append(i)
            size = (rgb.shape[1], rgb.shape[0])
    return stack(rows, size, unsure, covered, near), np.array(index)


def cached(cid: str, lever: str, order: str):  # type: ignore[no-untyped-def]
    from backbuddy.motion.landmarks import Landmarks

    path = SAVE / f"{cid}.{lever}.{order}.npz"
    key = receiver_truth._step_key(cid, measure.TRUTH)
    # session order: which clip of her alone ran first (caches from before it was recorded
    # ran `ALONE`'s, the only one a body had then)
    alone = alone_clip(cid) if order == "session" else ""
    if path.exists():
        z = np.load(path)
        legacy = ALONE.get(receiver_body(cid), "") if alone else ""
        ran = str(z["alone"]) if "alone" in z else legacy
        if str(z["key"]) == key and ran == alone:
            return Landmarks.from_arrays(dict(z)), z["index"]
    lm, index = estimate(cid, lever, order)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, key=key, index=index, alone=alone, **lm.to_arrays())
    return lm, index


def score(cid: str, lm, index, view_alone: bool = False) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The clip's figures, as `receiver_truth.measures` reads them; `view_alone`: with the
    technique's `video.view_read_alone` on (session 25)."""
    from backbuddy.domain import techniques

    meta = next(m for m in measure.clips() if m["id"] == cid)
    tech = techniques.get(meta["technique"])
    if view_alone:
        tech = tech.model_copy(
            update={"video": tech.video.model_copy(update={"view_read_alone": True})}
        )
    run = receiver_truth.monitored(meta, lm, index, technique=tech)
    r, trace, n, pre, acted, stop = run.result, run.trace, run.n, run.pre, run.acted, run.stop
    on = run.on
    return {
        "clip": cid,
        "checks": {k: round(float(v), 2) for k, v in r.check_agree.items()},
        "speed_err": r.speed_err,
        "peak_read": r.peak_read,
        "false_halt": bool(r.false_halt),
        "halt": r.halt_latency,
        "stop": stop,
        "accepted": bool(r.accepted),
        "view": [round(v, 1) for v in r.est_view],
        "still_jitter": r.still_jitter,
        "unsure": float(np.mean(trace.unsure[:n])),
        "unsure_pre": float(np.mean(lm.identity_unsure[:pre])) if pre else float("nan"),
        "acted_off": int(np.sum(acted & ~on)),
        "acted": int(acted.sum()),
    }


def _f(v: object, digits: int = 2) -> str:
    if isinstance(v, float) and v == float("inf"):
        return "never"
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def row(order: str, lever: str, s: dict[str, object]) -> str:
    checks = s["checks"]
    assert isinstance(checks, dict)
    others = min((v for k, v in checks.items() if k != "top_knee_at_90"), default=float("nan"))
    halt = s["halt"]
    halt_cell = "never" if isinstance(halt, float) and halt == float("inf") else _f(halt, 0)
    return (
        f"| `{s['clip']}` | {order} | {lever} | {_f(checks.get('top_knee_at_90'))} | {_f(others)} "
        f"| {_f(s['speed_err'])} | {_f(s['peak_read'], 0)} | {'yes' if s['false_halt'] else 'no'} "
        f"| {halt_cell} | {_f(s['stop'], 0)} | {'open' if s['accepted'] else 'shut'} "
        f"({s['view'][0]:.1f}, {s['view'][1]:.1f}) "
        f"| {100 * float(s['unsure']):.0f} % | {s['acted_off']} of {s['acted']} |"  # type: ignore[arg-type]
    )


HEADER = (
    "| clip | order | grey levers | top_knee_at_90 agreement | other checks (min) "
    "| speed err °/s | peak read °/s | false halt | jerk: halt frames | halt or pause "
    "| gate at the movement (view az, el °) | unsure | acted on, his |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("clips", nargs="*")
    parser.add_argument("--order", choices=("warm", "session"), default="session")
    parser.add_argument("--levers", nargs="+", default=list(LEVERS), choices=list(LEVERS))
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--view-read-alone", action="store_true", help="score with video.view_read_alone on"
    )
    args = parser.parse_args(argv)
    out = []
    print(HEADER, flush=True)
    for cid in args.clips or floor_clips():
        if args.order == "session" and receiver_body(cid) not in ALONE:
            print(f"| `{cid}` | session | (no clip of her alone: warm only) |", flush=True)
            continue
        for lever in args.levers:
            started = time.perf_counter()
            s = score(cid, *cached(cid, lever, args.order), view_alone=args.view_read_alone)
            s.update(order=args.order, lever=lever, seconds=time.perf_counter() - started)
            out.append(s)
            print(row(args.order, lever, s), flush=True)
            if args.json:
                args.json.write_text(json.dumps(out, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
