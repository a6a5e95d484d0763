"""The camera-move watch read in arrays (`ViewWatch.scan_columns`) returns exactly what the
frame-by-frame watch (`ViewWatch.scan`) returns: on the recorded real-model clips as they are,
roughened (`monitor_golden.with_gaps`: unsure joints, frames with nobody, collapsed frames),
and with the camera moved mid-clip (once or twice), whole or in parts; at 30 frames/s, at
5 and 15, and at uneven times with gaps (the windows are seconds, `frame_time`)."""

from __future__ import annotations

import numpy as np
import pytest
from tests.fixtures import poses
from tests.support import monitor_golden as golden

from backbuddy.domain import techniques as tech
from backbuddy.motion import landmarks as L
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor
from backbuddy.motion.view_watch import Columns, ViewWatch, WatchTrace

HIDDEN = (L.LEFT_HIP, L.RIGHT_SHOULDER, L.LEFT_SHOULDER)


def _columns(technique: str, lm: Landmarks) -> Columns:
    """The watch's inputs exactly as the monitor hands them over."""
    monitor = PoseMonitor(tech.get(technique))
    seen: list[Columns] = []
    scan = monitor.view_watch.scan_columns
    monitor.view_watch.scan_columns = lambda cols, **kw: (seen.append(cols), scan(cols, **kw))[1]  # type: ignore[method-assign]
    monitor.update(lm)
    (cols,) = seen
    return cols


def _moved(lm: Landmarks, at: tuple[int, ...], dx: float) -> Landmarks:
    """The camera moved sideways at each frame in `at` (image points shift by `dx` of the
    width); the body and its world landmarks are unchanged."""
    image = lm.image.copy()
    for k in at:
        image[k:, :, 0] += dx
    return Landmarks(image, lm.world, lm.t, lm.size, unsure=lm.unsure)


def _cases() -> list[tuple[str, str, Landmarks]]:
    out = []
    for clip, technique in golden.CLIPS.items():
        with np.load(golden.DATA / f"{clip}.npz") as stored:
            size = (int(stored["size"][0]), int(stored["size"][1]))
            real = Landmarks(stored["image"], stored["world"], stored["t"], size)
        out.append((f"{clip}", technique, real))
        out.append((f"{clip} moved", technique, _moved(real, (len(real) // 3,), 0.06)))
        for seed in (1, 2):
            rough = golden.with_gaps(clip, seed, HIDDEN)
            out.append((f"{clip} rough {seed}", technique, rough))
            twice = _moved(rough, (len(rough) // 4, 2 * len(rough) // 3), 0.05)
            out.append((f"{clip} rough {seed} moved twice", technique, twice))
    synthetic = poses.rotation(5.0, duration_s=20.0).landmarks
    out.append(("synthetic moved", "seated_hug_extension", _moved(synthetic, (100, 400), 0.05)))
    # Windows are seconds of each frame's own period: slow and uneven frames too.
    for clip, technique in golden.CLIPS.items():
        rough = golden.with_gaps(clip, 3, HIDDEN)
        for fps in (5.0, 15.0):
            slow = rough.take(np.arange(0, len(rough), round(30 / fps)))
            moved = _moved(slow, (len(slow) // 4, 2 * len(slow) // 3), 0.05)
            out.append((f"{clip} rough at {fps:g} fps moved twice", technique, moved))
        uneven = _uneven(_moved(rough, (len(rough) // 4, 2 * len(rough) // 3), 0.05))
        out.append((f"{clip} rough uneven moved twice", technique, uneven))
    hug = "seated_hug_extension"
    for fps in (5.0, 15.0):
        slow = synthetic.take(np.arange(0, len(synthetic), round(30 / fps)))
        moved = _moved(slow, (len(slow) // 6, len(slow) // 2), 0.05)
        out.append((f"synthetic at {fps:g} fps moved twice", hug, moved))
    out.append(("synthetic uneven moved twice", hug, _uneven(_moved(synthetic, (100, 400), 0.05))))
    return out


def _uneven(lm: Landmarks) -> Landmarks:
    """The same frames at uneven times: periods of 8 ms to 0.6 s (a gap), mostly 33–67 ms."""
    rng = np.random.default_rng(5)
    periods = rng.choice(
        [1 / 120, 1 / 30, 1 / 24, 1 / 15, 0.2, 0.6],
        len(lm),
        p=np.array([5, 50, 20, 20, 4, 1]) / 100,
    )
    t = lm.t[0] + np.cumsum(periods) - periods[0]
    return Landmarks(lm.image, lm.world, t, lm.size, unsure=lm.unsure)


CASES = _cases()


def _same(a: WatchTrace, b: WatchTrace) -> None:
    for name in ("relooking", "cos", "epoch", "moved"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize(("name", "technique", "lm"), CASES, ids=[c[0] for c in CASES])
def test_the_array_scan_is_the_frame_by_frame_scan(
    name: str, technique: str, lm: Landmarks
) -> None:
    cols = _columns(technique, lm)
    want = ViewWatch().scan(cols.frames())
    _same(ViewWatch().scan_columns(cols, in_arrays=True), want)
    parts, watch = [], ViewWatch()  # in parts, the state carried from one to the next
    for lo in range(0, len(cols.t), 97):
        part = Columns(*(np.asarray(c)[lo : lo + 97] for c in vars(cols).values()))
        parts.append(watch.scan_columns(part, in_arrays=True))
    _same(WatchTrace(*(np.concatenate([getattr(p, f) for p in parts]) for f in vars(want))), want)


@pytest.mark.parametrize("kind", ["", " at 5 fps", " at 15 fps", " uneven"])
def test_the_cases_hold_moves_re_reads_and_settled_stretches(kind: str) -> None:
    """Moves seen (several), and a view settled: the comparison is not of empty traces."""
    cases = [(t, lm) for name, t, lm in CASES if kind in name and (kind or "rough" in name)]
    traces = [ViewWatch().scan(_columns(t, lm).frames()) for t, lm in cases]
    assert sum(int(tr.moved.sum()) for tr in traces) >= 4
    assert sum(int(tr.epoch.max()) >= 4 for tr in traces) >= 2  # two re-reads finished
    assert all(np.isfinite(tr.cos).any() for tr in traces)
