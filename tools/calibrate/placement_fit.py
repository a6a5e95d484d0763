"""Fit the placement estimator's calibration on the truth clips, and report its error per clip.

    .venv/bin/python tools/calibrate/placement_fit.py [--json OUT]

For every single-person, correct set-up truth clip: `motion.placement.estimate_view` on the
still frames before the motion (after the tracker's warm-up), its median, against the clip's
true camera placement (from its JSON: the azimuth as rendered, the elevation of the line from
the camera to the body's centre). First the raw cues with identity maps, a least-squares line
per posture and cue (printed: paste into `placement.CALIBRATION`), then the calibrated error
per clip (the table in docs/accuracy.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from landmarks_cache import TRUTH, landmarks  # noqa: E402
from measure import SETTLE, clips, true_view  # noqa: E402

from backbuddy.motion import placement  # noqa: E402

IDENTITY = placement.Linear(1.0, 0.0)


def still_frames(meta: dict[str, str], n: int) -> slice:
    """The frames before the motion starts (set-up clips: all), after the warm-up."""
    if meta["motion"] == "setup":
        return slice(SETTLE, n)
    return slice(SETTLE, min(n, 18))  # every motion holds still for 0.5-0.6 s (15-18 frames)


def reading(meta: dict[str, str], calibration, truth: Path = TRUTH):  # type: ignore[no-untyped-def]
    lm = landmarks(meta["id"], truth)
    lying = meta["technique"] == "side_lying_rotation"
    view = placement.estimate_view(
        lm.take(still_frames(meta, len(lm))), lying, calibration=calibration
    )
    return placement.summary(view)


def fit(pairs: list[tuple[float, float]]) -> placement.Linear:
    x, y = np.array(pairs).T
    slope, offset = np.polyfit(x, y, 1)
    return placement.Linear(round(float(slope), 2), round(float(offset), 1))


def raw_knee(meta: dict[str, str]) -> float:
    """Lying: the median raw knee azimuth cue over the still frames."""
    lm = landmarks(meta["id"])
    return float(np.nanmedian(placement.knee_azimuth(lm.take(still_frames(meta, len(lm))))))


def fit_all(metas: list[dict[str, str]]) -> dict[str, dict[str, placement.Linear]]:
    """New calibration lines per posture and cue (the lying azimuth: one per cue, averaged)."""
    ident = {
        "seated": {"azimuth": IDENTITY, "elevation": IDENTITY},
        "lying": {"azimuth": IDENTITY, "elevation": IDENTITY},
    }
    new = {p: dict(placement.CALIBRATION[p]) for p in ("seated", "lying")}
    for posture in ("seated", "lying"):
        lying = posture == "lying"
        group = [m for m in metas if (m["technique"] == "side_lying_rotation") == lying]
        truth = [true_view(m["id"]) for m in group]
        if lying:  # the world cue alone: the knee cue's line made to add nothing
            cal = {
                **ident,
                "lying": {**ident["lying"], "knee_azimuth": placement.Linear(0.0, np.nan)},
            }
            raw = [reading(m, cal) for m in group]
            new[posture]["azimuth"] = fit(
                [(r[0], t[0]) for r, t in zip(raw, truth, strict=True) if r]
            )
            knee = [raw_knee(m) for m in group]
            new[posture]["knee_azimuth"] = fit(
                [(k, t[0]) for k, t in zip(knee, truth, strict=True) if np.isfinite(k)]
            )
        else:
            raw = [reading(m, ident) for m in group]
            new[posture]["azimuth"] = fit(
                [
                    (abs(r[0]), abs(t[0]))
                    for r, t in zip(raw, truth, strict=True)
                    if r and abs(t[0]) <= 90
                ]
            )
        cal = {**ident, posture: {**new[posture], "elevation": IDENTITY}}
        raw_el = [reading(m, cal) for m in group]
        new[posture]["elevation"] = fit(
            [(r[1], t[1]) for r, t in zip(raw_el, truth, strict=True) if r]
        )
    return new


def selected(truth: Path = TRUTH) -> list[dict[str, str]]:
    return [m for m in clips(truth) if not m["assistant"] and m["setup"] == "correct"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--fit", action="store_true", help="fit and print new calibration lines")
    args = ap.parse_args(argv)
    metas = selected()
    if args.fit:
        print("CALIBRATION =", fit_all(metas))
        return 0
    rows = []
    print(
        "| clip | true azimuth ° | true elevation ° | estimated azimuth ° | estimated elevation ° "
        "| azimuth error ° | elevation error ° |"
    )
    print("|---|---|---|---|---|---|---|")
    for m in metas:
        est = reading(m, None)
        taz, tel = true_view(m["id"])
        if est is None:
            print(f"| {m['id']} | {taz:.0f} | {tel:.1f} | – | – | – | – |")
            continue
        mirrored = m["technique"] == "seated_hug_extension"
        eaz = abs(est[0]) if mirrored else est[0]
        daz = eaz - (abs(taz) if mirrored else taz)
        rows.append(
            {
                "id": m["id"],
                "technique": m["technique"],
                "camera": m["camera"],
                "true": [taz, tel],
                "estimate": list(est),
                "error": [daz, est[1] - tel],
            }
        )
        print(
            f"| {m['id']} | {taz:.0f} | {tel:.1f} | {est[0]:.1f} | {est[1]:.1f} | {daz:+.1f} "
            f"| {est[1] - tel:+.1f} |"
        )
    print(
        "\n| technique | placement | true az °, el ° | clips | azimuth error ° (median / max) "
        "| elevation error ° (median / max) |\n|---|---|---|---|---|---|"
    )
    for key in sorted({(r["technique"], r["camera"]) for r in rows}):
        g = [r for r in rows if (r["technique"], r["camera"]) == key]
        e = np.abs(np.array([r["error"] for r in g]))
        t = g[0]["true"]
        print(
            f"| {key[0]} | {key[1]} | {t[0]:.0f}, {t[1]:.1f} | {len(g)} | {np.median(e[:, 0]):.1f} / "
            f"{e[:, 0].max():.1f} | {np.median(e[:, 1]):.1f} / {e[:, 1].max():.1f} |"
        )
    for tech in ("seated_hug_extension", "side_lying_rotation"):
        e = np.array([r["error"] for r in rows if r["technique"] == tech])
        if e.size:
            print(
                f"\n{tech}: |azimuth error| median {np.median(np.abs(e[:, 0])):.1f}, max "
                f"{np.max(np.abs(e[:, 0])):.1f}; |elevation error| median "
                f"{np.median(np.abs(e[:, 1])):.1f}, max {np.max(np.abs(e[:, 1])):.1f}"
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
