"""A page's own people with a box that does not hold the keypoints drawn for them (red team,
session 25). The box sets how far from the assistant's drawn limbs her hands count as at his
body (`arms_cover`, the page's grey): with his real keypoints and a point-sized box, every
frame of her hands on his arms read as hers alone on two recorded page walks (58 and 67
frames passed checks the true box left covered). Now such people are refused (non-fatal: no
answer, the chain goes stale, the landmarks turn unsure); MoveNet's own always pass."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from page_replay import load

from backbuddy.motion.people import MIN_PERSON_SCORE
from backbuddy.web.role_people import PeopleRefused, parse, to_people

DATA = Path(__file__).parents[2] / "data"
WALKS = sorted((DATA / "page_pose").glob("*_page_people*.npz"))


def _messages(path: Path) -> list[dict[str, Any]]:
    return [m for m in load(path).messages if isinstance(m, dict)]


def _point(row: list[Any]) -> list[Any]:
    kp, (x0, y0, x1, y1), score = row
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return [kp, [cx, cy, cx, cy], score]


def test_movenets_own_people_always_pass_the_box_rule() -> None:
    """Every role people message of the recorded page walks, and every person MoveNet found on
    the recorded server looks (as the page would send them), is taken."""
    taken = 0
    for path in WALKS:
        for message in _messages(path):
            to_people(parse(message))
            taken += 1
    for path in sorted((DATA / "two_people").glob("looks_*.npz")):
        with np.load(path) as d:
            kp, boxes, scores, count = d["keypoints"], d["boxes"], d["scores"], d["count"]
        # (frames in pixels; absent people are NaN rows past `count`)
        w = max(float(np.nanmax(kp[..., 0])), float(np.nanmax(boxes[..., 2])), 1.0)
        h = max(float(np.nanmax(kp[..., 1])), float(np.nanmax(boxes[..., 3])), 1.0)
        for i in range(kp.shape[0]):
            rows = [
                [
                    [[float(x) / w, float(y) / h, float(s)] for x, y, s in kp[i, j]],
                    [float(v) for v in boxes[i, j] / np.array([w, h, w, h])],
                    float(scores[i, j]),
                ]
                for j in range(int(count[i]))
            ]
            to_people(parse({"type": "role_people", "ms": 1.0, "size": [640, 480], "people": rows}))
            taken += 1
    assert taken > 700


@pytest.mark.parametrize("path", WALKS, ids=lambda p: p.stem)
def test_a_point_sized_box_around_someones_real_keypoints_is_refused(path: Path) -> None:
    refused = 0
    for message in _messages(path):
        for k, row in enumerate(message["people"]):
            if row[2] < MIN_PERSON_SCORE:
                continue  # left out anyway
            bad = copy.deepcopy(message)
            bad["people"][k] = _point(row)
            with pytest.raises(PeopleRefused, match="box does not hold the keypoints"):
                to_people(parse(bad))
            refused += 1
    assert refused
