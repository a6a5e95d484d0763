"""A live click detector: energy above 2 kHz jumps over its running median, then drops fast.

Joint pops are short broadband clicks; breathing and room noise are steady, and the
onset of a voice rises but does not fall again within milliseconds. Per frame of
`frame_ms`, the high-passed energy (dB) is compared with the median of the previous
`median_s`: a rise of at least `rise_db` opens a candidate, which becomes a click only
if the energy falls `fall_db` below its peak within `fall_within_ms`. Speech plosives
("p", "t") look the same, so the service drops clicks near speech (`speech_guard_s`).
Frames of digital silence (below `silence_dbfs`: a muted track, sound the server dropped, a
page's padding) are no background: they never enter the median, so the room's own noise
coming back after them is not a rise.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from backbuddy.audio.config import PopConfig
from backbuddy.audio.samples import RATE, Samples


@dataclass(frozen=True)
class Click:
    """A detected click: time of its peak (s), and how far it rose over the background (dB)."""

    t: float
    rise_db: float

    @property
    def confidence(self) -> float:
        """0.5 at the detection threshold rise, toward 1 for much louder clicks."""
        return round(1.0 - 0.5 * math.exp(-max(0.0, self.rise_db - 10.0) / 8.0), 3)


@dataclass
class PopDetector:
    """Streaming: `push(chunk)` returns the clicks confirmed so far, in time order."""

    config: PopConfig
    rate: int = RATE
    _frame: int = 0
    _sos: np.ndarray = field(init=False, repr=False)
    _zi: np.ndarray = field(init=False, repr=False)
    _rest: Samples = field(init=False, repr=False)
    _history: deque[float] = field(init=False, repr=False)
    _index: int = 0
    _pending: tuple[int, float, float] | None = None  # (peak frame, peak dB, background dB)
    _last_click: float = -math.inf

    def __post_init__(self) -> None:
        # scipy (~1 CPU-s to import) loads with the first detector, not with every process
        # that imports the listener (the server, the CLI).
        from scipy.signal import butter, sosfilt_zi

        c = self.config
        self._frame = max(1, round(self.rate * c.frame_ms / 1000))
        self._sos = butter(4, c.highpass_hz, btype="highpass", fs=self.rate, output="sos")
        self._zi = sosfilt_zi(self._sos) * 0.0
        self._rest = np.zeros(0, dtype=np.float32)
        self._history = deque(maxlen=max(3, round(c.median_s * 1000 / c.frame_ms)))

    def push(self, chunk: Samples) -> list[Click]:
        """Feed the next samples; clicks whose fall has been seen are returned."""
        from scipy.signal import sosfilt  # loaded by __post_init__ already

        filtered, self._zi = sosfilt(self._sos, chunk, zi=self._zi)
        x = np.concatenate([self._rest, filtered.astype(np.float32)])
        n = x.size // self._frame
        self._rest = x[n * self._frame :]
        if n == 0:
            return []
        frames = x[: n * self._frame].reshape(n, self._frame)
        energy = 10.0 * np.log10(np.mean(np.square(frames, dtype=np.float64), axis=1) + 1e-14)
        background = (
            float(np.median(np.fromiter(self._history, float)))
            if len(self._history) >= 10
            else float(energy.min())
        )
        background = max(background, self.config.floor_dbfs)
        out: list[Click] = []
        for e in energy.tolist():
            click = self._step(e, background)
            if click is not None:
                out.append(click)
            if e > self.config.silence_dbfs:
                # Red team (session 14): after 0.25 s of zeros the median sat on the floor,
                # and quiet room noise (~ -61 dBFS above 2 kHz) coming back rose 10.2 dB over
                # it: a pop mid-movement that ended the session.
                self._history.append(e)
            self._index += 1
        return out

    def _step(self, e: float, background: float) -> Click | None:
        c = self.config
        frame_s = self._frame / self.rate
        fall_frames = max(1, round(c.fall_within_ms / 1000 / frame_s))
        if self._pending is not None:
            peak_i, peak, bg = self._pending
            if e > peak:
                self._pending = (self._index, e, bg)
            elif e <= peak - c.fall_db:
                self._pending = None
                t = (peak_i + 0.5) * frame_s
                self._last_click = t
                return Click(t=round(t, 4), rise_db=round(peak - bg, 2))
            elif self._index - peak_i > fall_frames:
                self._pending = None  # rose but stayed up: a voice or a knock, not a click
            return None
        t = (self._index + 0.5) * frame_s
        if e >= background + c.rise_db and t - self._last_click >= c.min_gap_s:
            self._pending = (self._index, e, background)
        return None


def detect(samples: Samples, config: PopConfig, rate: int = RATE) -> list[Click]:
    """Every click in a recording (the live detector run over it in 32 ms chunks)."""
    detector = PopDetector(config, rate)
    step = round(rate * 0.032)
    out: list[Click] = []
    for i in range(0, samples.size, step):
        out.extend(detector.push(samples[i : i + step]))
    return out
