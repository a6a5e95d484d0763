"""The labelled clip set in tests/data/audio (see its README): loading, mixing, scoring.

Shared by the listening tests and `make bench`, so both measure the same way.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from backbuddy.adapters.audio_files import read_audio
from backbuddy.audio.samples import RATE, mix_at_snr

AUDIO = Path(__file__).resolve().parents[1] / "data" / "audio"
#: Speech clips are tested clean and at these signal-to-noise ratios (dB) over a noise bed.
NOISE_LEVELS: tuple[tuple[float | None, str], ...] = (
    (None, ""),
    (20.0, "noise_breathing.wav"),
    (10.0, "noise_room.wav"),
    (5.0, "noise_breathing.wav"),
)
#: Silence before and after each word, so onsets and ends are seen (seconds).
LEAD_S, TAIL_S = 0.5, 0.75


@dataclass(frozen=True)
class Label:
    file: str
    source: str
    kind: str
    text: str
    expect: str
    t: str
    note: str


@cache
def labels() -> tuple[Label, ...]:
    with (AUDIO / "labels.csv").open(encoding="utf-8") as f:
        return tuple(Label(**row) for row in csv.DictReader(f))


def speech(source: str | None = None) -> list[Label]:
    return [r for r in labels() if r.kind == "speech" and source in (None, r.source)]


@cache
def clip(name: str) -> np.ndarray:
    return read_audio(AUDIO / name)


def word_in_noise(label: Label, snr: float | None, bed: str) -> tuple[np.ndarray, float]:
    """The clip with silence around it, mixed over `bed` at `snr` dB; and where speech starts
    (the clips keep 0.3 s before the word)."""
    x = np.concatenate(
        [np.zeros(round(LEAD_S * RATE)), clip(label.file), np.zeros(round(TAIL_S * RATE))]
    ).astype(np.float32)
    if snr is not None:
        x = mix_at_snr(x, clip(bed), snr)
    return x, LEAD_S + 0.3


def clicks(name: str) -> list[tuple[float, bool, float]]:
    """Labelled clicks of a pop recording: (time, within 100 ms of speech, peak dB)."""
    out = []
    for r in labels():
        if r.file == name and r.kind == "click":
            peak = float(r.note.split("peak amplitude ")[1].split(" dB")[0])
            out.append((float(r.t), "within 100 ms of speech" in r.note, peak))
    return out


POP_FILES = ("pops_1.wav", "pops_2.wav", "pops_3.wav")
#: A detected click within this of a labelled one is a hit.
MATCH_S = 0.02


def score_pops(found: dict[str, list[float]]) -> dict[str, float]:
    """Precision over all detections; recall over clicks away from speech (the ones the
    listener is meant to hear), overall and for clicks of 18 dB peak and louder."""
    tp = fp = away = hits = loud = loud_hits = 0
    for name, times in found.items():
        truth = clicks(name)
        tp_here = sum(1 for t in times if any(abs(t - c) <= MATCH_S for c, _, _ in truth))
        tp, fp = tp + tp_here, fp + len(times) - tp_here
        for c, near, peak in truth:
            if near:
                continue
            hit = any(abs(t - c) <= MATCH_S for t in times)
            away, hits = away + 1, hits + hit
            if peak >= 18:
                loud, loud_hits = loud + 1, loud_hits + hit
    return {
        "precision": tp / max(tp + fp, 1),
        "recall": hits / max(away, 1),
        "recall_loud": loud_hits / max(loud, 1),
        "detections": tp + fp,
    }
