"""The placement gate: is the camera where this technique's measures were shown valid? And if
not, what should the pair change?

`PlacementGate` keeps the last `WINDOW_S` of still frames' view estimates
(`placement.estimate_view`) and opens only while their median lies inside the technique's
`PlacementRegion` (from the truth run, in the technique's YAML). Still = the same person, the
primary measure slower than the gentle limit (a fast movement would read as a moving camera);
the window is long (3 s), so the median follows a moved camera within seconds but barely a
body's slow movement. Hysteresis: it opens `ENTER_MARGIN_DEG` inside the region and closes
`EXIT_MARGIN_DEG` outside it, so an estimate near the border does not flicker. Until
`MIN_STILL_S` of still frames are in, it stays shut (an unknown view is not a valid one). A
technique without a region is never gated.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from backbuddy.domain.techniques import PlacementRegion
from backbuddy.motion.landmarks import BoolArray, FloatArray
from backbuddy.motion.placement import View

#: Seconds of still frames whose median view is used.
WINDOW_S = 3.0
#: Seconds of still frames needed before the gate can open.
MIN_STILL_S = 1.0 / 3.0
#: The median must be this far inside the region to open the gate, degrees.
ENTER_MARGIN_DEG = 2.0
#: …and this far outside it to close an open gate.
EXIT_MARGIN_DEG = 3.0


@dataclass
class GateState:
    window: int
    azimuth: deque[float] = field(init=False)
    elevation: deque[float] = field(init=False)
    ok: bool = False
    estimate: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        self.azimuth = deque(maxlen=self.window)
        self.elevation = deque(maxlen=self.window)


@dataclass(frozen=True)
class GateTrace:
    """Per frame: the gate (shape (T,)) and the median view behind it (NaN before any)."""

    ok: BoolArray
    azimuth: FloatArray
    elevation: FloatArray


class PlacementGate:
    """Judges the camera's placement for one technique, frame by frame (state carried over)."""

    def __init__(self, region: PlacementRegion | None, fps: float = 30.0) -> None:
        self.region = region
        self.window = max(1, round(WINDOW_S * fps))
        self.min_samples = max(1, round(MIN_STILL_S * fps))
        self._s = GateState(self.window)

    @property
    def estimate(self) -> tuple[float, float] | None:
        """The current median (azimuth, elevation), degrees, or None before enough frames."""
        return self._s.estimate

    def update(self, view: View, still: BoolArray) -> GateTrace:
        s = self._s
        n = still.shape[0]
        ok = np.zeros(n, bool)
        az_out, el_out = np.full(n, np.nan), np.full(n, np.nan)
        azs, els, stills = view.azimuth.tolist(), view.elevation.tolist(), still.tolist()
        for i in range(n):
            a, e = azs[i], els[i]
            if stills[i] and a == a and e == e:  # NaN != NaN
                s.azimuth.append(a)
                s.elevation.append(e)
                if len(s.azimuth) >= self.min_samples:
                    s.estimate = (_median_angle(s.azimuth), float(np.median(s.elevation)))
                    s.ok = self._judge(s.estimate, s.ok)
            if s.estimate is not None:
                az_out[i], el_out[i] = s.estimate
            ok[i] = s.ok if self.region is not None else True
        return GateTrace(ok, az_out, el_out)

    def _judge(self, estimate: tuple[float, float], was_ok: bool) -> bool:
        if self.region is None:
            return True
        margin = -EXIT_MARGIN_DEG if was_ok else ENTER_MARGIN_DEG
        return self.region.contains(*estimate, margin=margin)


def _median_angle(values: deque[float]) -> float:
    """Median of azimuths that may straddle ±180 (behind the receiver): taken on the side of
    the circle where they cluster."""
    arr = np.asarray(values)
    if np.ptp(arr) > 180.0:
        arr = arr % 360.0
        m = float(np.median(arr))
        return (m + 180.0) % 360.0 - 180.0
    return float(np.median(arr))


#: The hint when the truth run found no placement where the technique's measures hold.
NONE_VALID = (
    "From no camera placement tested so far can the camera follow this movement reliably, "
    "so the movement will not start with the camera watching."
)


def hint(
    region: PlacementRegion | None, estimate: tuple[float, float] | None, lying: bool
) -> str | None:
    """What to change, in plain English, when the estimate lies outside the region; else None."""
    if region is not None and region.none_valid:
        return NONE_VALID
    if region is None or estimate is None or region.contains(*estimate):
        return None
    az, el = estimate
    parts = [_azimuth_hint(region, az, lying)] if not _az_inside(region, az) else []
    e_lo, e_hi = region.elevation_deg or (0.0, 0.0)
    if el > e_hi:
        parts.append(
            "Move the camera lower: about half a metre above the mat, or at most table height."
            if lying
            else "Move the camera lower, to about the seated receiver's chest height."
        )
    elif el < e_lo:
        parts.append(
            "Raise the camera a little, to about half a metre above the mat (or table height)."
            if lying
            else "Raise the camera a little, to about the seated receiver's chest height."
        )
    return " ".join(p for p in parts if p) or None


def _five(deg: float) -> int:
    """Degrees rounded to 5, for people."""
    return int(5 * round(deg / 5))


def _az_inside(region: PlacementRegion, az: float) -> bool:
    lo, hi = region.azimuth_deg or (0.0, 0.0)
    return lo <= (abs(az) if region.mirrored else az) <= hi


def _azimuth_hint(region: PlacementRegion, az: float, lying: bool) -> str:
    lo, hi = region.azimuth_deg or (0.0, 0.0)
    if lying:
        if az > hi:
            return "Move the camera toward the receiver's feet, so it faces their chest."
        return "Move the camera toward the receiver's head, so it faces their chest."
    if abs(az) < lo:
        return (
            "Move the camera further to the receiver's side (about "
            f"{_five(lo)} to {_five(hi)} degrees round from straight in front)."
        )
    return "Move the camera further forward: to the receiver's side, a little in front, not behind."
