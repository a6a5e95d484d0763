"""Are the receiver's hands on the assistant? Then her arms cannot be read from the image.

In the Seated Hug the assistant's arms are around hers, hands on her forearms. With them in
contact, the pose model draws her arms from both people's: on the page her hanging near arm
was drawn bent across her chest, and no landmark measure told crossed arms from hanging
ones there (session 13, docs/accuracy.md "The arms check with the assistant's arms around
hers"). So a check read from her hands (`Check.read_alone`) is not read while both her wrists
lie on another person's drawn body, the grey the two-person step paints over everyone but
the receiver (`grey_mask`: its limbs, `OTHERS_SCALE` wider than hers); the verdict seen with
her alone counts instead (`checks.cover`). Measured on the server's two-person landmarks:
both wrists on the assistant's body on 93-100 % of frames of the crossed-arms clips where
MoveNet finds the assistant apart, and on none of the arms-hanging clips' frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from backbuddy.motion import landmarks as L
from backbuddy.motion.grey_mask import EDGES, LIMB, OTHERS_SCALE
from backbuddy.motion.people import MIN_SCORE

#: One other person as the two-person step found them: keypoints (17 × x, y, score) and box
#: (x0, y0, x1, y1), in pixels.
Person = tuple[NDArray[np.floating], NDArray[np.floating]]


def _on_segment(p: NDArray[np.float64], a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Distance from `p` to the segment a-b."""
    ab = b - a
    t = float(np.clip(np.dot(p - a, ab) / max(float(np.dot(ab, ab)), 1e-9), 0.0, 1.0))
    return float(np.linalg.norm(p - (a + t * ab)))


def on_body(point: NDArray[np.float64], person: Person) -> bool:
    """Does `point` (pixels) lie on the person's limbs as the grey mask draws them?"""
    kp = np.asarray(person[0], np.float64)
    box = np.asarray(person[1], np.float64)
    if not (np.isfinite(point).all() and np.isfinite(box).all()):
        return False
    half = LIMB * OTHERS_SCALE * float(max(box[2] - box[0], box[3] - box[1]))
    ok = kp[:, 2] >= MIN_SCORE
    return any(
        ok[a] and ok[b] and _on_segment(point, kp[a, :2], kp[b, :2]) <= half for a, b in EDGES
    )


def wrists_covered(image_px: NDArray[np.floating], others: Sequence[Person]) -> bool:
    """Do both of the receiver's wrists (MediaPipe image landmarks, pixels) lie on someone
    else's drawn body? Both: one wrist on the assistant's body was seen with arms hanging
    (15 % of frames at 60°), both on none."""
    if not others:
        return False
    wrists = np.asarray(image_px, np.float64)[[L.LEFT_WRIST, L.RIGHT_WRIST], :2]
    return all(any(on_body(w, o) for o in others) for w in wrists)
