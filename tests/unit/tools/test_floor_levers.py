"""The floor tool's experimental greys draw what their names say (session 25, twist25).

`tools/calibrate/floor_levers.py` measures the side-lying floor clips with the grey over the
assistant replaced for the run (docs/accuracy.md, "Session 25 (twist25)"): `nogrey` draws
none, `headonly` only his head, `outbox` the live grey but none inside her box grown by
`OUTBOX`. A variant that drew something else would put wrong figures in that table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from backbuddy.adapters.receiver_grey import others_mask
from backbuddy.motion.crop import Crop

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import floor_levers  # noqa: E402

CROP = Crop(0, 0, 400, 300)


def _person(points: dict[int, tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    kp = np.zeros((17, 3), np.float32)
    for j, (x, y) in points.items():
        kp[j] = (x, y, 0.9)
    seen = np.array(list(points.values()), np.float32)
    box = np.array([*seen.min(axis=0), *seen.max(axis=0)], np.float32)
    return kp, box


# Her lying along the frame's middle (shoulders, hips, knees, ankles); him kneeling behind, his
# head above her box, his right hand resting on her just above her trunk.
HER = _person({5: (80, 150), 6: (80, 160), 11: (200, 150), 12: (200, 160), 13: (260, 130),
               14: (300, 160), 15: (300, 140), 16: (360, 160)})  # fmt: skip
HIM = _person({0: (150, 30), 1: (145, 25), 2: (155, 25), 5: (130, 70), 6: (170, 70),
               8: (175, 95), 10: (150, 120), 11: (135, 150), 12: (165, 150)})  # fmt: skip


def test_nogrey_draws_nothing_and_headonly_only_his_head() -> None:
    assert floor_levers.PATCHED["nogrey"](HER, [HIM], CROP) is None
    head = floor_levers.PATCHED["headonly"](HER, [HIM], CROP)
    live = others_mask(HER, [HIM], CROP)
    assert head is not None
    assert live is not None
    assert head[30, 150]  # his face greyed…
    assert not head[120, 150]  # …his hand on her not
    assert not (head & ~live).any()  # nothing the live grey leaves


def test_outbox_keeps_his_grey_outside_her_box_only() -> None:
    grey = floor_levers.PATCHED["outbox"](HER, [HIM], CROP)
    live = others_mask(HER, [HIM], CROP)
    assert grey is not None
    assert live is not None
    kp, box = HER
    grow = floor_levers.OUTBOX * float(max(box[2] - box[0], box[3] - box[1]))
    ys, xs = np.nonzero(grey)
    inside = (xs >= box[0] - grow) & (xs <= box[2] + grow) & (ys >= box[1] - grow)
    inside &= ys <= box[3] + grow
    assert not inside.any()  # none of his grey on or beside her
    assert live[120, 150]  # his hand on her: greyed live…
    assert not grey[120, 150]  # …not here
    assert grey[30, 150]  # his head above her: greyed
    assert grey[70, 130]  # his shoulder: greyed
    assert not (grey & ~live).any()


def test_every_floor_pair_runs_in_session_order_after_a_clip_of_her_alone() -> None:
    # session 25 (render25): her alone first, as set-up step 1 asks; the clip must show the same
    # receiver body, alone, on the same floor placement, in her pair's light where one was rendered
    import measure

    meta = {m["id"]: m for m in measure.clips()}
    pairs = floor_levers.floor_clips()
    assert len(pairs) == 5
    for cid in pairs:
        alone = meta[floor_levers.alone_clip(cid)]
        assert alone["body"] == meta[cid]["body"]
        assert not alone["assistant"]
        assert alone["camera"] == meta[cid]["camera"] == "front_floor"
        assert (measure.TRUTH / f"{alone['id']}.mp4").exists()
    heavy = "side_correct_jerk_front_floor_f34_with_m58"
    assert meta[floor_levers.alone_clip(heavy)]["light"] == meta[heavy]["light"] == "warm_dim"
