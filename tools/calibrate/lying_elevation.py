"""Why the side-lying elevation estimate differs by ~5° from one lying body to another at the one
floor camera (issue 12, session 25), and two estimates that try to normalise the body out.
A measurement script, not a test.

    .venv/bin/python tools/calibrate/lying_elevation.py [--json OUT]

Every single-person, correct set-up side-lying truth clip, read from the cached MediaPipe
landmarks (full model, video mode, after the 2 s still pre-roll `measure.WARM`):
`.cache/degraded/<clip>.render.npz` (`degrade.landmarks`) or `.cache/regions25/<clip>.mediapipe.npz`
(`live_views.py`); a clip with neither is estimated (`--run`, MediaPipe, slow). The still frames
are the pre-roll's after `measure.SETTLE` plus the clip's up to the decision frame
(`live_views.decision`); every figure is the median over them.

Per clip (the cues behind `placement.world_view(lm, lying=True)`'s elevation):

* `raw`: arcsin(up · z) of the world up (shoulder line + hip line), the cue `CALIBRATION` maps;
  `hip`, `shoulder`: the same for each line alone; `cal`: the calibrated estimate.
* world proportions (MediaPipe's, m): shoulder and hip width, trunk and top-thigh length.
* truth (from the truth CSV's u, v, depth and the camera JSON): `true`: the clip's elevation
  (camera to body centre, world horizontal, as `measure.true_view`); `body`: the camera's
  elevation above the body's own plane (arcsin of the camera direction on the true
  shoulder+hip up), i.e. `true` plus the body's roll toward the camera; `roll` = body − true.
* image cues: `knee_drop`: arcsin of how far the top knee shows below the top hip in the image,
  over the world thigh length scaled by the trunk's image/world ratio (the bent top thigh points
  at a front camera, so from above its near end drops); `nose_drop`: the same for the nose
  below the ears' midpoint over the world nose-ear distance.

Then the alternatives, each fitted (least squares, as `placement_fit.py`) on the same clips and
scored: the spread of the floor readings over the bodies and the gap from the highest floor
reading to the lowest refused placement's reading (table, shelf, front, high_front).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from landmarks_cache import CACHE, TRUTH  # noqa: E402
from measure import SETTLE, clips, true_view, truth_table  # noqa: E402

from backbuddy.motion import landmarks as L  # noqa: E402
from backbuddy.motion import placement  # noqa: E402
from backbuddy.motion.geometry import mid, world  # noqa: E402
from backbuddy.motion.landmarks import Landmarks  # noqa: E402

ACCEPTED = ("front_floor", "head_20", "feet_20", "head_quarter", "three_quarter")
REFUSED_LOW = ("front_table", "front_shelf", "front", "high_front")


def selected(truth: Path = TRUTH) -> list[dict[str, str]]:
    return [
        m
        for m in clips(truth)
        if m["technique"] == "side_lying_rotation"
        and not m["assistant"]
        and m["setup"] == "correct"
    ]


def decision(cid: str, truth: Path = TRUTH) -> int:
    tr = truth_table(cid, truth)
    moving = np.abs(tr["primary_speed_deg_s"]) > 0.5
    return int(np.argmax(moving)) - 1 if moving.any() else tr["frame"].size - 1


def cached(cid: str, run: bool, path: str = "mediapipe") -> tuple[Landmarks, np.ndarray] | None:
    """(landmarks, source frame index; < 0 = the pre-roll) from a cache, or estimated with --run.
    `path` "live": the server's two-person step's landmarks cached by regions25's
    `live_views.py` (`.cache/regions25/<clip>.live.npz`) only."""
    files = (CACHE / "degraded" / f"{cid}.render.npz", CACHE / "regions25" / f"{cid}.mediapipe.npz")
    if path == "live":
        files = (CACHE / "regions25" / f"{cid}.live.npz",)
        run = False
    for file in files:
        if file.exists():
            z = np.load(file)
            arrays = {k: z[k] for k in z.files if k not in ("key", "index")}
            if "person" in arrays:
                return Landmarks.from_arrays(arrays), z["index"]
            return Landmarks(z["image"], z["world"], z["t"], tuple(int(v) for v in z["size"])), z[
                "index"
            ]
    if not run:
        return None
    import degrade
    from measure import WARM

    return degrade.landmarks(cid, WARM)  # type: ignore[no-any-return]


def still(cid: str, index: np.ndarray) -> np.ndarray:
    last = decision(cid)
    keep = index <= last
    keep[:SETTLE] = False
    return np.flatnonzero(keep)


def _asin(x: np.ndarray) -> np.ndarray:
    return np.degrees(np.arcsin(np.clip(x, -1.0, 1.0)))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def mp_cues(lm: Landmarks) -> dict[str, float]:
    """The MediaPipe cues (module doc), medians over the frames given."""
    w = world(lm) * np.array([1.0, -1.0, -1.0])  # y up, z toward the camera (as world_view)
    px = lm.pixels()
    top_left = px[:, L.LEFT_HIP, 1] < px[:, L.RIGHT_HIP, 1]
    sign = np.where(top_left, 1.0, -1.0)[:, None]
    hip_line = (w[:, L.LEFT_HIP] - w[:, L.RIGHT_HIP]) * sign
    sh_line = (w[:, L.LEFT_SHOULDER] - w[:, L.RIGHT_SHOULDER]) * sign
    _, raw = placement.world_view(lm, lying=True)
    trunk_w = np.linalg.norm(
        mid(w, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - mid(w, L.LEFT_HIP, L.RIGHT_HIP), axis=-1
    )
    trunk_px = np.linalg.norm(
        mid(px, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - mid(px, L.LEFT_HIP, L.RIGHT_HIP), axis=-1
    )
    k = trunk_px / trunk_w
    hip = np.where(top_left[:, None], w[:, L.LEFT_HIP], w[:, L.RIGHT_HIP])
    knee = np.where(top_left[:, None], w[:, L.LEFT_KNEE], w[:, L.RIGHT_KNEE])
    hip_px = np.where(top_left[:, None], px[:, L.LEFT_HIP], px[:, L.RIGHT_HIP])
    knee_px = np.where(top_left[:, None], px[:, L.LEFT_KNEE], px[:, L.RIGHT_KNEE])
    thigh = np.linalg.norm(knee - hip, axis=-1)
    ears_px = mid(px, L.LEFT_EAR, L.RIGHT_EAR)
    ears_w = mid(w, L.LEFT_EAR, L.RIGHT_EAR)
    nose_ear = np.linalg.norm(w[:, L.NOSE] - ears_w, axis=-1)
    # the world up's tilt from the hip and shoulder lines, and the top thigh's own slope
    # along that up (MediaPipe's: how far the knee sits below the top hip, body-relative)
    up = _unit(hip_line + sh_line)
    out = {
        "raw": raw,
        "hip": _asin(_unit(hip_line)[:, 2]),
        "shoulder": _asin(_unit(sh_line)[:, 2]),
        "shoulder_w": np.linalg.norm(sh_line, axis=-1),
        "hip_w": np.linalg.norm(hip_line, axis=-1),
        "trunk_w": trunk_w,
        "thigh_w": thigh,
        "thigh_slope_w": _asin(np.einsum("ij,ij->i", hip - knee, up) / thigh),
        "knee_drop": _asin((knee_px[:, 1] - hip_px[:, 1]) / (k * thigh)),
        "nose_drop": _asin((px[:, L.NOSE, 1] - ears_px[:, 1]) / (k * nose_ear)),
    }
    return {key: float(np.nanmedian(v)) for key, v in out.items()}


JOINTS = {
    "ls": "left_shoulder",
    "rs": "right_shoulder",
    "lh": "left_hip",
    "rh": "right_hip",
    "lk": "left_knee",
    "rk": "right_knee",
}


def truth_cues(cid: str, frames: np.ndarray, truth: Path = TRUTH) -> dict[str, float]:
    """The rendered body's own geometry (module doc), medians over the clip's still frames."""
    cam = json.loads((truth / f"{cid}.json").read_text())["camera"]
    K = np.array(cam["K"])
    c2w = np.array(cam["camera_to_world"])
    tr = truth_table(cid, truth)
    frames = frames[frames >= 0]
    p = {}
    for key, name in JOINTS.items():
        u, v, d = (np.asarray(tr[f"{name}_{c}"], float)[frames] for c in ("u", "v", "depth_m"))
        x = (u - K[0, 2]) / K[0, 0] * d
        y = (v - K[1, 2]) / K[1, 1] * d
        gl = np.stack([x, -y, -d, np.ones_like(d)], axis=-1)  # OpenGL camera: y up, -z ahead
        p[key] = (gl @ c2w.T)[:, :3]
    top_left = p["lh"][:, 2] > p["rh"][:, 2]  # world z up
    s = np.where(top_left, 1.0, -1.0)[:, None]
    up = _unit((p["lh"] - p["rh"] + p["ls"] - p["rs"]) * s)
    centre = (p["lh"] + p["rh"] + p["ls"] + p["rs"]) / 4
    to_cam = _unit(c2w[:3, 3] - centre)
    hip = np.where(top_left[:, None], p["lh"], p["rh"])
    knee = np.where(top_left[:, None], p["lk"], p["rk"])
    body = _asin(np.einsum("ij,ij->i", to_cam, up))
    t = true_view(cid, truth)[1]
    hip_line = _unit((p["lh"] - p["rh"]) * s)
    sh_line = _unit((p["ls"] - p["rs"]) * s)
    return {
        "true": t,
        "true_hip": float(np.median(_asin(np.einsum("ij,ij->i", to_cam, hip_line)))),
        "true_shoulder": float(np.median(_asin(np.einsum("ij,ij->i", to_cam, sh_line)))),
        "body_el": float(np.median(body)),
        "roll": float(np.median(body)) - t,
        "hip_h": float(np.median(hip[:, 2])),  # top hip's height above the floor, m
        "thigh_slope": float(
            np.median(_asin((hip[:, 2] - knee[:, 2]) / np.linalg.norm(hip - knee, axis=-1)))
        ),
    }


def rows(run: bool = False, path: str = "mediapipe") -> list[dict[str, object]]:
    out = []
    for m in selected():
        got = cached(m["id"], run, path)
        if got is None:
            print(f"{m['id']}: no cached landmarks (--run estimates them)", file=sys.stderr)
            continue
        lm, index = got
        keep = still(m["id"], index)
        cues = mp_cues(lm.take(keep))
        cues["cal"] = float(placement.CALIBRATION["lying"]["elevation"](np.array(cues["raw"])))
        shipped = placement.summary(placement.estimate_view(lm.take(keep), lying=True))
        cues["azimuth"] = float("nan") if shipped is None else shipped[0]
        out.append(
            {
                "id": m["id"],
                "camera": m["camera"],
                "body": m["body"],
                "light": m["light"],
                "motion": m["motion"],
                "frames": int(keep.size),
                **truth_cues(m["id"], index[keep]),
                **cues,
            }
        )
    return out


#: The estimates scored (module doc): name -> (raw cue from a row, or None = `cal` as shipped).
ESTIMATES: dict[str, object] = {
    "shipped (shoulder+hip, CALIBRATION)": None,
    "shoulder+hip, refitted": lambda x: x["raw"],
    "hip line alone": lambda x: x["hip"],
    "lower of hip and shoulder line": lambda x: min(x["hip"], x["shoulder"]),
    "nose below the ears (image)": lambda x: x["nose_drop"],
}

#: The new floor clips (render25): held out of the "old clips" fit.
NEW = (
    "side_correct_setup_front_floor_f34",
    "side_correct_setup_front_floor_f34_warm_dim",
    "side_correct_setup_front_floor_m58",
)


def scored(r: list[dict[str, object]], cue, held_out: bool = False) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Fit true ≈ a·cue + b (on every clip, or without `NEW` when `held_out`), then the floor
    readings' spread over the bodies and the gap up to the nearest refused front reading."""
    t = np.array([float(x["true"]) for x in r])  # type: ignore[arg-type]
    if cue is None:
        y = np.array([float(x["cal"]) for x in r])  # type: ignore[arg-type]
        fit = (
            placement.CALIBRATION["lying"]["elevation"].slope,
            placement.CALIBRATION["lying"]["elevation"].offset,
        )
    else:
        c = np.array([float(cue(x)) for x in r])
        use = np.array([not (held_out and x["id"] in NEW) for x in r])
        fit = tuple(float(v) for v in np.polyfit(c[use], t[use], 1))
        y = fit[0] * c + fit[1]
    floor = {
        str(x["id"]): float(v) for x, v in zip(r, y, strict=True) if x["camera"] == "front_floor"
    }
    bodies: dict[str, list[float]] = {}
    for x, v in zip(r, y, strict=True):
        if x["camera"] == "front_floor":
            bodies.setdefault(str(x["body"]), []).append(float(v))
    refused = [
        (str(x["id"]), float(v)) for x, v in zip(r, y, strict=True) if x["camera"] in REFUSED_LOW
    ]
    near = min(refused, key=lambda kv: kv[1])
    top = max(floor.values())
    per: dict[str, list[float]] = {}
    for x, v in zip(r, y, strict=True):
        per.setdefault(str(x["camera"]), []).append(float(v))
    return {
        "fit": [round(fit[0], 2), round(fit[1], 1)],
        "rms": float(np.sqrt(np.mean((y - t) ** 2))),
        "bodies": {b: float(np.mean(v)) for b, v in sorted(bodies.items())},
        "floor": [min(floor.values()), top],
        "spread": top - min(floor.values()),
        "nearest_refused": near,
        "gap": near[1] - top,
        "placements": {c: [min(v), max(v)] for c, v in sorted(per.items())},
    }


def score_table(r: list[dict[str, object]], held_out: bool = False) -> str:
    bodies = sorted({str(x["body"]) for x in r if x["camera"] == "front_floor"})
    lines = [
        "| estimate | fit (°/° , °) | floor: " + ", ".join(bodies) + " | floor spread ° "
        "| nearest refused reading ° | gap ° (needs ≥ 5) | rms error, all clips ° |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, cue in ESTIMATES.items():
        if held_out and cue is None:
            continue
        s = scored(r, cue, held_out)
        b = s["bodies"]  # type: ignore[index]
        near = s["nearest_refused"]  # type: ignore[index]
        lines.append(
            f"| {name} | {s['fit'][0]:.2f}, {s['fit'][1]:+.1f} | "  # type: ignore[index]
            + ", ".join(f"{b.get(k, float('nan')):.1f}" for k in bodies)
            + f" | {s['spread']:.1f} | {near[1]:.1f} ({near[0].removeprefix('side_correct_')}) "
            f"| **{s['gap']:.1f}** | {s['rms']:.1f} |"
        )
    return "\n".join(lines)


def placements_table(r: list[dict[str, object]]) -> str:
    cams = sorted({str(x["camera"]) for x in r})
    lines = ["| estimate | " + " | ".join(cams) + " |", "|---|" + "---|" * len(cams)]
    for name, cue in ESTIMATES.items():
        p = scored(r, cue)["placements"]  # type: ignore[index]
        lines.append(
            f"| {name} | " + " | ".join(f"{p[c][0]:.1f}..{p[c][1]:.1f}" for c in cams) + " |"
        )
    return "\n".join(lines)


def _inside(box: tuple[float, ...], a: float, e: float, margin: float) -> bool:
    """`PlacementRegion.contains` on (az lo, az hi, el lo, el hi)."""
    return box[0] + margin <= a <= box[1] - margin and box[2] + margin <= e <= box[3] - margin


def region_table(r: list[dict[str, object]]) -> str:
    """The side-lying region `regions.py` would draw (in memory: `regions._region` on
    regions.json's verdicts, each clip's shipped azimuth with the estimate's elevation), and
    where the gate would stand on each floor body and each refused front placement."""
    import regions

    from backbuddy.motion.placement_gate import ENTER_MARGIN_DEG, EXIT_MARGIN_DEG

    verdicts = json.loads((HERE / "regions.json").read_text())
    tech = "side_lying_rotation"
    lines = [
        "| estimate | region az °, el ° | floor bodies the gate opens for (2° inside) "
        "| refused readings within the exit margin (3° out) |",
        "|---|---|---|---|",
    ]
    for name, cue in ESTIMATES.items():
        s = scored(r, cue)
        fit = s["fit"]  # type: ignore[index]
        figs = {}
        for key, f in verdicts.items():
            if not key.startswith(tech + "/"):
                continue
            cam = key.split("/")[1]
            est = [
                [
                    float(x["azimuth"]),
                    float(x["cal"]) if cue is None else fit[0] * float(cue(x)) + fit[1],
                ]  # type: ignore[arg-type]
                for x in r
                if x["camera"] == cam
            ]
            figs[key] = {**f, "estimates": est}
        reg = regions._region(figs, tech, None)
        if reg["azimuth_deg"] is None:
            lines.append(f"| {name} | none: {reg['evidence']} | – | – |")
            continue
        box = (*reg["azimuth_deg"], *reg["elevation_deg"])
        opens, near = [], []
        for key, f in figs.items():
            mine = [x for x in r if x["camera"] == key.split("/")[1]]
            for x, (a, e) in zip(mine, f["estimates"], strict=True):
                if x["camera"] == "front_floor" and _inside(box, a, e, ENTER_MARGIN_DEG):
                    dim = " dim" if x["light"] == "warm_dim" else ""
                    opens.append(f"{x['body']}{dim} {x['motion']}")
                if not f["valid"] and _inside(box, a, e, -EXIT_MARGIN_DEG):
                    near.append(f"{str(x['id']).removeprefix('side_correct_')} ({a:.1f}, {e:.1f})")
        floor = [x for x in r if x["camera"] == "front_floor"]
        lines.append(
            f"| {name} | [{box[0]}, {box[1]}], [{box[2]}, {box[3]}] "
            f"| {len(opens)} of {len(floor)}: "
            + ", ".join(sorted(opens))
            + f" | {', '.join(near) or 'none'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--run", action="store_true", help="run MediaPipe for clips without a cache")
    ap.add_argument("--path", choices=("mediapipe", "live"), default="mediapipe")
    args = ap.parse_args(argv)
    r = rows(args.run, args.path)
    if args.json:
        args.json.write_text(json.dumps(r, indent=1))
    cols = [
        "true",
        "body_el",
        "true_hip",
        "true_shoulder",
        "raw",
        "hip",
        "shoulder",
        "cal",
        "shoulder_w",
        "hip_w",
        "trunk_w",
        "thigh_w",
        "thigh_slope_w",
        "thigh_slope",
        "hip_h",
        "knee_drop",
        "nose_drop",
    ]
    print("| clip | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for x in sorted(r, key=lambda x: (str(x["camera"]), str(x["body"]))):
        print(f"| {x['id']} | " + " | ".join(f"{float(x[c]):.2f}" for c in cols) + " |")  # type: ignore[arg-type]
    print("\n" + score_table(r))
    print("\nFitted without the three new floor clips (f34, f34 dim, m58 held out):\n")
    print(score_table(r, held_out=True))
    print("\nEvery placement's readings (min..max):\n")
    print(placements_table(r))
    print("\nThe region regions.py would draw from these readings, and the gate on it:\n")
    print(region_table(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
