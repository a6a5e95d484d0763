"""Valid camera regions per technique, from the truth run: the `placement` block of each
technique YAML.

    .venv/bin/python tools/calibrate/regions.py            # measure, write regions.json + YAML
    .venv/bin/python tools/calibrate/regions.py --from-json  # rewrite the YAML from regions.json
    .venv/bin/python tools/calibrate/regions.py --check      # exit 1 if the YAML is out of date
    .venv/bin/python tools/calibrate/regions.py --from-json --estimates live  # the box from the
        # live server path's readings (live_views.json, by live_views.py); verdicts unchanged

Each single-person truth placement (technique × camera) is *valid* when the whole pipeline
(`measure.py`, each clip after a 2 s still pre-roll: a warm tracker, as after a session's
set-up; `measure.WARM`) meets every goal there: check agreement ≥ 0.95 (mean over its clips'
checks), speed error ≤ 2 °/s (mean over its clips under the gentle limit), every true jerk
over the hard limit halted within 2 frames, no false halt; and it has the evidence (a slow and
a jerk clip).
A placement with two-person truth clips (`*_with_*`, the assistant in contact) is also refused
when, on any of them, the two-person pipeline (`receiver_truth.measures`: MoveNet → role rule →
crop → MediaPipe, warm) acts on a frame whose landmarks are the assistant's; their gate readings
count among the placement's (so a refused placement's two-person readings keep the box away
too). It is refused, too, when a true jerk over the hard limit on any of them is not stopped
(halted, or paused for an unsure identity or lost tracking) within 2 frames: a missed jerk is
unsafe wherever it happens (docs/accuracy.md, "A jerk missed at 45° with two people"). Their
check agreement, speed error and false halts do not decide (those errors stop needlessly, on
the safe side; docs/accuracy.md, "Two people where the hug's region grew").
(`measure.goal_figures`: check agreement over the placement's set-up clips, or where it has
none, over the still frames before each motion; speed error the mean over its clips under the
gentle limit.)
The region is the box (azimuth × elevation, |azimuth| for a mirrored technique) around the
placement gate's readings (`measure.py`: at the frame a movement cue would come) of the valid
placements' correct set-up clips, grown by up to `GROW_DEG` but at most half-way to a refused
reading level with that side (within the exit margin across it: a reading far off in the other
direction does not stop a side growing), then shrunk until no reading of a refused placement lies
inside it or within the gate's exit margin of it (cutting the side that loses the fewest valid
readings). `regions.json` keeps the figures behind it (the test
`tests/unit/tools/test_regions.py` checks the YAML against it).

`--estimates live` (session 25): the gate's readings of the single-person clips are those of the
live server path (`live_views.py`: the two-person step `ReceiverPose`, told the technique, which
a live session runs with one person in view too), not MediaPipe's alone on the full picture: a
live session's gate reads the view through her crop. The verdicts (valid/refused) stay the
truth run's; only the box moves. The MediaPipe-alone readings stay in `regions.json`
(`estimates_mediapipe`) and a refused placement's keep the box away as well, so the gate refuses
it on either reading (a session with the two-person step off, `settings.two_person`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from backbuddy.motion.placement_gate import EXIT_MARGIN_DEG

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import measure  # noqa: E402

ROOT = HERE.parents[1]
TECH_DIR = ROOT / "src" / "backbuddy" / "data" / "techniques"
JSON = HERE / "regions.json"
#: The gate's readings of the single-person clips by MediaPipe alone and by the live server path
#: (`live_views.py`), for `--estimates live`.
VIEWS = HERE / "live_views.json"
#: How far past the outermost valid placement the region may reach (degrees).
GROW_DEG = 5.0
MIRRORED = {"seated_hug_extension": True, "side_lying_rotation": False}
#: The side every truth receiver lies on (tools/render_truth: "lying on the left side"): the
#: region holds for it only (`PlacementRegion.lying_side`; a receiver on the other side is the
#: mirror image, which MediaPipe reads differently: docs/accuracy.md, "The other side").
LYING_SIDE = {"seated_hug_extension": None, "side_lying_rotation": "left"}
START, END = "# placement:start", "# placement:end"


def figures(results: list, people: list | None = None) -> dict[str, dict]:  # type: ignore[type-arg]
    """Per `technique/camera`: the goal figures, the true view and the verdict; `people`
    (`receiver_truth.measures` of the two-person clips) adds each placement's two-person
    evidence: the gate's readings there and the frames the app acted on with the assistant's
    landmarks (any such frame refuses the placement: `valid`)."""
    groups: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for r in results:
        if not r.assistant:
            groups[f"{r.technique}/{r.camera}"].append(r)
    two: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for p in people or []:
        two[f"{p.result.technique}/{p.camera}"].append(p)
    out = {}
    for key, g in sorted(groups.items()):
        fig: dict = dict(measure.goal_figures(g))  # type: ignore[type-arg]
        fig["view"] = [round(v, 1) for v in g[0].true_view]
        fig["estimates"] = [
            [round(v, 1) for v in r.est_view]
            for r in g + [p.result for p in two[key]]
            if r.setup == "correct" and np.isfinite(r.est_view).all()
        ]
        fig["clips"] = len(g)
        if two[key]:
            fig["two_people"] = {
                "clips": len(two[key]),
                "assistant_frames": sum(len(p.acted_off) for p in two[key]),
                "halt_frames": two_person_halt(two[key]),
            }
        fig["valid"] = valid(fig)
        out[key] = fig
    return out


def two_person_halt(people: list) -> float | None:  # type: ignore[type-arg]
    """The worst frames from a true jerk's rise over the hard limit to the app's halt or pause
    over a placement's two-person jerk clips (99: never; None: no such clip). A clip whose
    set-up never lets the movement cue come (`ClipResult.cued`: its crossed arms never seen with
    the receiver apart, session 14) is no evidence either way: no attempt runs there."""
    stops = [
        float(min(p.stop_frames, 99.0))
        for p in people
        if p.result.peak_true > measure.HARD and p.result.cued and not np.isnan(p.stop_frames)
    ]
    return max(stops) if stops else None


def valid(fig: dict) -> bool:  # type: ignore[type-arg]
    """Every goal met on the single-person clips (`measure.meets_goals`); on the two-person
    clips there, no frame the app acted on was the assistant's (the hug's assistant is always
    behind the receiver: from behind, both bodies read as one, the assistant's), and every true
    jerk over the hard limit stopped (halt or pause) within the goal's frames (at 45° with the
    assistant in contact the landmarks lag: a true 45 °/s jerk read as 18 °/s, never halted)."""
    two = fig.get("two_people", {})
    halt = two.get("halt_frames")
    return (
        measure.meets_goals(fig)
        and two.get("assistant_frames", 0) == 0
        and (halt is None or halt <= measure.GOALS["halt_frames"])
    )


def region(figs: dict[str, dict], technique: str) -> dict:  # type: ignore[type-arg]
    """The box around where the estimator reads the valid placements that holds no reading of
    a refused one (the estimator's own bias is then inside the box, and the gate compares
    estimates with it).

    When no box holds every valid placement without a refused reading (two valid placements with
    refused ones read between them), the valid placements are tried in smaller groups and the box
    that holds the most valid readings is kept; the others are given up (refused, and named so).
    """
    whole = _region(figs, technique, None)
    mine = [
        k.split("/")[1] for k, f in figs.items() if k.startswith(technique + "/") and f["valid"]
    ]
    if whole["azimuth_deg"] is not None or len(mine) < 2:
        return whole
    best: tuple[int, int, dict] | None = None  # type: ignore[type-arg]
    for size in range(len(mine) - 1, 0, -1):
        for keep in itertools.combinations(sorted(mine), size):
            reg = _region(figs, technique, set(keep))
            if reg["azimuth_deg"] is None:
                continue
            held = reg.pop("_held")
            if best is None or (held, size) > best[:2]:
                best = (held, size, reg)
    return whole if best is None else best[2]


def _region(figs: dict[str, dict], technique: str, keep: set[str] | None) -> dict:  # type: ignore[type-arg]
    """`region` for the valid placements in `keep` (all when None); the other valid placements
    neither grow nor block the box."""
    mirrored = MIRRORED[technique]
    mine = {k.split("/")[1]: f for k, f in figs.items() if k.startswith(technique + "/")}

    def points(valid: bool) -> list[tuple[float, float]]:
        return [
            ((abs(a) if mirrored else a), e)
            for k, f in mine.items()
            if f["valid"] == valid and (not valid or keep is None or k in keep)
            for a, e in f["estimates"]
        ]

    pts = {k: (0.0, 0.0, f["valid"]) for k, f in mine.items()}
    good, bad = points(True), points(False)
    bad += [  # made from the live path's readings: a refused placement's others keep out too
        ((abs(a) if mirrored else a), e)
        for f in mine.values()
        if not f["valid"]
        for a, e in f.get("estimates_mediapipe", [])
    ]
    if not good:
        refused = ", ".join(sorted(mine))
        return {
            "azimuth_deg": None,
            "elevation_deg": None,
            "mirrored": mirrored,
            "lying_side": LYING_SIDE[technique],
            "evidence": f"truth run: no placement met the goals; refused at {refused}",
        }
    box = [
        min(a for a, _ in good),
        max(a for a, _ in good),
        min(e for _, e in good),
        max(e for _, e in good),
    ]
    m = EXIT_MARGIN_DEG + 0.5  # a refused reading must stay out even of the gate's exit margin
    grown = list(box)
    for side, sign in ((0, -1), (1, 1), (2, -1), (3, 1)):
        axis = 0 if side < 2 else 1
        other = (2, 3) if axis == 0 else (0, 1)
        blockers = [
            p[axis]
            for p in bad
            if box[other[0]] - m <= p[1 - axis] <= box[other[1]] + m
            and sign * (p[axis] - box[side]) > 0
        ]
        room = min(
            (max(0.0, min(abs(b - box[side]) / 2, abs(b - box[side]) - m)) for b in blockers),
            default=GROW_DEG,
        )
        grown[side] = box[side] + sign * min(GROW_DEG, room)
    box = grown
    for _ in range(4 * len(bad) + 4):  # shrink away refused readings inside or near the box
        near = [
            p for p in bad if box[0] - m <= p[0] <= box[1] + m and box[2] - m <= p[1] <= box[3] + m
        ]
        if not near:
            break
        a, e = near[0]
        c = m + 0.1  # just past the margin
        cuts = [  # (side index, new bound, valid readings lost)
            (0, a + c, sum(g[0] < a + c for g in good)),
            (1, a - c, sum(g[0] > a - c for g in good)),
            (2, e + c, sum(g[1] < e + c for g in good)),
            (3, e - c, sum(g[1] > e - c for g in good)),
        ]
        side, bound, _ = min(cuts, key=lambda c: c[2])
        box[side] = bound
    grown = box
    inside = [g for g in good if box[0] <= g[0] <= box[1] and box[2] <= g[1] <= box[3]]
    valid = sorted(k for k, p in pts.items() if p[2])
    refused = sorted(k for k, p in pts.items() if not p[2])
    if box[0] > box[1] or box[2] > box[3] or not inside:  # the gate cannot tell them apart
        return {
            "azimuth_deg": None,
            "elevation_deg": None,
            "mirrored": mirrored,
            "lying_side": LYING_SIDE[technique],
            "evidence": f"truth run: valid at {', '.join(valid)}, but the gate reads it like a "
            f"refused placement; refused at {', '.join(refused)}",
        }
    given_up = [  # valid, but every reading of it lies outside the box: the gate refuses it
        k
        for k in valid
        if not any(
            box[0] <= (abs(a) if mirrored else a) <= box[1] and box[2] <= e <= box[3]
            for a, e in mine[k]["estimates"]
        )
    ]
    kept = [k for k in valid if k not in given_up]
    also = (
        f" (also valid at {', '.join(given_up)}, but read like a refused placement: refused)"
        if given_up
        else ""
    )
    out = {
        "azimuth_deg": [round(grown[0], 1), round(grown[1], 1)],
        "elevation_deg": [round(grown[2], 1), round(grown[3], 1)],
        "mirrored": mirrored,
        "lying_side": LYING_SIDE[technique],
        "evidence": f"truth run (warm tracker): valid at {', '.join(kept)}{also}; "
        f"refused at {', '.join(refused)}",
    }
    if keep is not None:
        out["_held"] = len(inside)
    return out


def live_estimates(figs: dict[str, dict], views: dict[str, dict]) -> dict[str, dict]:  # type: ignore[type-arg]
    """`figs` with each placement's single-person readings replaced by the live server path's
    (`live_views.py`: the two-person step, told the technique, on the same clips at the same
    frame); the two-person readings (already the live step's) and every verdict stay. The
    MediaPipe-alone readings are kept as `estimates_mediapipe`: a refused placement's keep the
    box away too (`_region`), so the gate refuses it on either reading."""
    out = {}
    for key, fig in figs.items():
        fig = {k: v for k, v in fig.items() if k != "estimates_from"}
        rows = [
            v
            for v in views.values()
            if f"{v['technique']}/{v['camera']}" == key
            and np.isfinite(v["mediapipe"]["view"]).all()
        ]
        ours = [[round(c, 1) for c in v["mediapipe"]["view"]] for v in rows]
        live = [
            [round(c, 1) for c in v["live"]["view"]]
            for v in rows
            if np.isfinite(v["live"]["view"]).all()
        ]
        if "estimates_mediapipe" in fig:  # already made from the live readings
            single = fig.pop("estimates_mediapipe")
            two = fig["estimates"][len(live) :]
        else:  # `figures`: the single-person readings first, then the two-person ones
            single, two = fig["estimates"][: len(ours)], fig["estimates"][len(ours) :]
        for a, b in zip(single, ours, strict=True):  # the same clips, the same frame
            if max(abs(a[0] - b[0]), abs(a[1] - b[1])) > 0.15:
                raise ValueError(f"{key}: regions.json reads {a}, live_views.json {b}")
        fig["estimates"] = live + two
        fig["estimates_mediapipe"] = single
        fig["estimates_from"] = "live"
        out[key] = fig
    return out


def block(reg: dict) -> str:  # type: ignore[type-arg]
    head = f"{START} (generated by tools/calibrate/regions.py from the truth run; do not edit)\n"
    if reg["azimuth_deg"] is None:
        return (
            head
            + "placement:  # no valid placement: every one is refused\n"
            + "  azimuth_deg: null\n  elevation_deg: null\n"
            + f"  mirrored: {'true' if reg['mirrored'] else 'false'}\n"
            + _side(reg)
            + f'  evidence: "{reg["evidence"]}"\n'
            + END
        )
    return (
        head
        + "placement:\n"
        + f"  azimuth_deg: [{reg['azimuth_deg'][0]:g}, {reg['azimuth_deg'][1]:g}]\n"
        + f"  elevation_deg: [{reg['elevation_deg'][0]:g}, {reg['elevation_deg'][1]:g}]\n"
        + f"  mirrored: {'true' if reg['mirrored'] else 'false'}\n"
        + _side(reg)
        + f'  evidence: "{reg["evidence"]}"\n'
        + END
    )


def _side(reg: dict) -> str:  # type: ignore[type-arg]
    """The region's `lying_side` line, for a lying technique."""
    side = reg.get("lying_side")
    return "" if side is None else f"  lying_side: {side}\n"


def with_block(text: str, reg: dict) -> str:  # type: ignore[type-arg]
    new = block(reg)
    if START in text:
        return re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _m: new, text, flags=re.S)
    return text.replace("\nprimary_measure:", "\n" + new + "\nprimary_measure:", 1)


def _cell(v: float | None, nd: int = 2) -> str:
    return "–" if v is None else ("never" if v >= 99 else f"{v:.{nd}f}")


def table(figs: dict[str, dict], results: list | None = None) -> str:  # type: ignore[type-arg]
    """Markdown: per placement, the goal figures, the verdict, and what the gate did.

    Before issue 12 every placement could start a movement; after, only the gate's accepted
    ones can. `results` (measure.run() output) adds the gate's decisions per clip."""
    head = (
        "| technique | placement | azimuth °, elevation ° (true) | gate readings (az, el) "
        "| check agreement | speed err °/s | halt frames (worst) | false halts | goals "
        "| before: movement allowed | after: gate |\n|---|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = [head]
    for key, f in figs.items():
        tech, cam = key.split("/")
        readings = "; ".join(f"{a:g}, {e:g}" for a, e in f["estimates"]) or "–"
        gate = "–"
        if results is not None:
            gate = gate_text(gate_decisions(results, tech, cam))
        rows.append(
            f"| {tech} | {cam} | {f['view'][0]:g}, {f['view'][1]:g} | {readings} "
            f"| {_cell(f['check_agreement'])} | {_cell(f['speed_error_deg_s'])} "
            f"| {_cell(f['halt_frames'], 0)} | {f['false_halts']} "
            f"| {'met' if f['valid'] else 'missed'} | yes | {gate} |"
        )
    return "\n".join(rows)


def gate_decisions(results: list[measure.ClipResult], tech: str, cam: str) -> list[int]:
    """[accepted, clips]: the gate's decisions on one placement's correct single-person clips."""
    mine = [
        r
        for r in results
        if r.technique == tech and r.camera == cam and r.setup == "correct" and not r.assistant
    ]
    return [sum(r.accepted for r in mine), len(mine)]


def gate_text(decisions: list[int]) -> str:
    took, clips = decisions
    return f"accepted {took}/{clips}" if took else f"refused {clips}/{clips}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from-json", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--table", action="store_true", help="print the per-placement table (markdown)")
    ap.add_argument(
        "--estimates",
        choices=("mediapipe", "live"),
        help="live: the box from the live server path's readings of the single-person clips "
        "(live_views.json, by live_views.py), the verdicts the truth run's (`live_estimates`)",
    )
    args = ap.parse_args(argv)
    if args.table:
        print(table(json.loads(JSON.read_text()), measure.run(single=True)))
        return 0
    if args.from_json or args.check:
        figs = json.loads(JSON.read_text())
    else:
        import receiver_truth

        people = [
            receiver_truth.measures(c, cache=receiver_truth.CACHE)
            for c in receiver_truth.two_person_clips()
        ]
        figs = figures(measure.run(single=True), people)
    if args.estimates == "live" and not args.check:
        figs = live_estimates(figs, json.loads(VIEWS.read_text()))
    if not args.check:
        JSON.write_text(json.dumps(figs, indent=1) + "\n")
    stale = []
    for tech in MIRRORED:
        path = TECH_DIR / f"{tech}.yaml"
        text = path.read_text()
        new = with_block(text, region(figs, tech))
        if new != text:
            stale.append(path.name)
            if not args.check:
                path.write_text(new)
        print(tech, region(figs, tech))
    if args.check and stale:
        print(f"out of date: {', '.join(stale)} (run tools/calibrate/regions.py --from-json)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
