"""The crop around the receiver that the pose model runs on, the server's and the page's.

One rule for both sides (`adapters/receiver_pose.py` and `static/js/roles.js`'s `cropFor`):
the server also follows the page's crop from the answers it sent (`web/page_roles.py`), since
a moved crop makes the page's model look afresh and its first landmarks are not yet settled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: The crop adds this much of the receiver's box on each side (above: the head and arms).
PAD_SIDE, PAD_TOP, PAD_BOTTOM = 0.25, 0.30, 0.15


@dataclass(frozen=True)
class Crop:
    """Integer pixel box x0, y0, x1, y1 (x1, y1 exclusive)."""

    x0: int
    y0: int
    x1: int
    y1: int

    def contains(self, box: NDArray[np.float32] | NDArray[np.float64]) -> bool:
        return bool(
            box[0] >= self.x0 and box[1] >= self.y0 and box[2] <= self.x1 and box[3] <= self.y1
        )

    @property
    def area(self) -> int:
        return (self.x1 - self.x0) * (self.y1 - self.y0)


def crop_around(box: NDArray[np.float32] | NDArray[np.float64], width: int, height: int) -> Crop:
    """The receiver's box (px), padded, clipped to the frame."""
    w, h = float(box[2] - box[0]), float(box[3] - box[1])
    x0 = int(max(0.0, np.floor(box[0] - PAD_SIDE * w)))
    x1 = int(min(float(width), np.ceil(box[2] + PAD_SIDE * w)))
    y0 = int(max(0.0, np.floor(box[1] - PAD_TOP * h)))
    y1 = int(min(float(height), np.ceil(box[3] + PAD_BOTTOM * h)))
    return Crop(x0, y0, max(x1, x0 + 2), max(y1, y0 + 2))


def keep_or_move(
    current: Crop | None, box: NDArray[np.float32] | NDArray[np.float64], width: int, height: int
) -> Crop:
    """Keep the crop while the receiver's box stays inside it and it is not far too large."""
    wanted = crop_around(box, width, height)
    if current is not None and current.contains(box) and current.area <= 1.8 * wanted.area:
        return current
    return wanted
