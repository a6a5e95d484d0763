"""The placement gate's and the still-jitter watch's seconds hold at any frame rate
(`motion.frame_time`): a page sending 5 frames/s gets a 3 s window, not 18 s (engineer suite11,
session 11), and at 30 frames/s with even times nothing changed.

Views read from recorded landmarks: real MediaPipe on two rendered truth clips of the Seated
Hug's still set-up (tests/data/gate_time, `hug_correct_setup_*`): 60° round from the front
(valid) and straight in front (refused)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backbuddy.domain import techniques
from backbuddy.motion import frame_time, monitors, placement, placement_gate, still_jitter
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.placement import View

DATA = Path(__file__).resolve().parents[2] / "data" / "gate_time"
VALID, REFUSED = "hug_correct_setup_side_front_60_f71", "hug_correct_setup_front_f34"


def _views(clip: str) -> View:
    z = np.load(DATA / f"{clip}.npz")
    lm = Landmarks(
        z["image"].astype(np.float64),
        z["world"].astype(np.float64),
        z["t"],
        tuple(int(v) for v in z["size"]),
    )
    return placement.estimate_view(lm)


def _sent_at(fps: float, seconds: float, *clips: str) -> tuple[View, np.ndarray, np.ndarray]:
    """Each clip's still frames as a camera at `fps` sends them (its 30 frames/s recording
    taken at that rate, looped) for `seconds`, one clip after the other; and the times."""
    az, el = [], []
    for clip in clips:
        v = _views(clip)
        pick = np.arange(0, len(v.azimuth), max(1, round(30 / fps)))
        pick = np.resize(pick, round(seconds * fps))
        az.append(v.azimuth[pick])
        el.append(v.elevation[pick])
    a, e = np.concatenate(az), np.concatenate(el)
    return View(a, e, np.zeros(len(a), bool)), np.ones(len(a), bool), np.arange(len(a)) / fps


def _gate() -> placement_gate.PlacementGate:
    """The hug's gate as the live camera watch makes it (for 30 frames/s), without its
    minimum frame rate: these tests time the windows at any rate (under the minimum the gate
    shuts for the rate itself, test_monitors_video.py)."""
    hug = _any_rate()
    return placement_gate.PlacementGate(hug.placement, fps=30.0, video=hug.video)


def _any_rate() -> techniques.Technique:
    """The Seated Hug with no minimum frame rate (`video.min_fps` 0)."""
    hug = techniques.get("seated_hug_extension")
    return hug.model_copy(update={"video": hug.video.model_copy(update={"min_fps": 0.0})})


@pytest.mark.parametrize("fps", [5.0, 15.0, 30.0])
def test_a_camera_moved_to_a_refused_view_shuts_the_gate_within_the_stated_seconds(
    fps: float,
) -> None:
    """6 s from the valid view, then the camera in front: the 3 s median flips after half its
    window, whatever the rate (before: 6.2 s after the move at 5 frames/s, 0.2 s at 30)."""
    view, still, t = _sent_at(fps, 6.0, VALID, REFUSED)
    out = _gate().update(view, still, t, (360, 480))
    cut = round(6.0 * fps)
    assert out.ok[cut - 1], "open on the valid view"
    # open after MIN_STILL_S of still frames (before: 2 s at 5 frames/s)
    opened = t[np.argmax(out.ok)]
    assert opened <= placement_gate.MIN_STILL_S + 1.0 / fps
    shut = t[cut + np.argmax(~out.ok[cut:])] - t[cut]
    assert not out.ok[cut:].all()
    assert shut <= placement_gate.WINDOW_S / 2 + 1.0 / fps
    assert not out.ok[cut + np.argmax(~out.ok[cut:]) :].any(), "and stays shut"


def test_at_30_frames_a_second_with_even_times_the_gate_is_what_it_was() -> None:
    """The windows in frame counts (no times given) and in seconds give the same gate, bit for
    bit, on the recorded views: the truth tables were tuned there."""
    view, still, t = _sent_at(30.0, 5.0, VALID, REFUSED, VALID)
    still[::7] = False  # moving frames now and then do not count either way
    counted = _gate().update(view, still, None, (360, 480))
    timed = _gate().update(view, still, t, (360, 480))
    for name in ("ok", "azimuth", "elevation"):
        np.testing.assert_array_equal(getattr(timed, name), getattr(counted, name))


def test_the_jitter_window_is_seconds_too() -> None:
    """Known after 1.5 s of still frames at 5 frames/s (before: 9 s), and the same at 30."""
    noise = np.random.default_rng(5).normal(0.0, 0.3, 150)
    still = np.ones(150, bool)
    slow = still_jitter.JitterWatch(0.12, 30.0).update(noise, still, periods_us=[200_000] * 150)
    known = int(np.argmax(np.isfinite(slow.sigma)))
    assert known * 0.2 <= still_jitter.MIN_S + 0.2 + 1e-9  # two frames before the first d2
    even = still_jitter.JitterWatch(0.12, 30.0)
    t = np.arange(150) / 30.0
    timed = even.update(
        noise, still, periods_us=frame_time.periods_us(t.tolist(), 150, np.nan, 33_333)
    )
    counted = still_jitter.JitterWatch(0.12, 30.0).update(noise, still)
    np.testing.assert_array_equal(timed.sigma, counted.sigma)
    np.testing.assert_array_equal(timed.steady, counted.steady)


@pytest.mark.parametrize("fps", [4.0, 5.0, 7.0, 15.0, 24.0, 25.0, 29.97, 30.0, 60.0])
def test_an_even_rate_keeps_the_count_the_windows_had(fps: float) -> None:
    """`round(seconds × rate)` samples, as the frame-count windows sized at that rate (at a
    tie, x.5 frames, either neighbour)."""
    period = frame_time.nominal_us(fps)
    for span in (placement_gate.WINDOW_S, placement_gate.MIN_STILL_S, still_jitter.MIN_S):
        kept = max(k for k in range(1, 400) if not frame_time.over(k * period, period, span))
        least = min(k for k in range(1, 400) if frame_time.reaches(k * period, period, span))
        frames = span * fps
        if abs(frames % 1 - 0.5) > 1e-6:
            assert kept == least == round(frames)
        else:
            assert {kept, least} <= {frames - 0.5, frames + 0.5}


def test_a_gap_in_the_frames_counts_as_one_slow_frame() -> None:
    """Frames lost for 3 s do not fill the window with one sample: the engine pauses for the
    gap itself (I4)."""
    periods = frame_time.periods_us([0.0, 1 / 30, 3.0 + 1 / 30, 3.0 + 2 / 30], 4, np.nan, 33_333)
    assert periods == [33_333, 33_333, round(frame_time.MAX_PERIOD_S * 1e6), 33_333]


def test_the_live_monitor_at_5_frames_a_second_shuts_the_gate_within_the_stated_seconds() -> None:
    """The whole live path (`PoseMonitor`, made for 30 frames/s as the camera watch makes it),
    frame by frame: 6 s of the valid view's frames at 5 a second, then the camera in front.
    Before, the picture still said "accepted" 3 s after the move (until the camera-move watch,
    whose windows still count frames, saw it)."""
    fps, hug = 5.0, _any_rate()  # the windows' timing, not the rate (`_gate`)
    image, world = [], []
    for clip in (VALID, REFUSED):
        z = np.load(DATA / f"{clip}.npz")
        pick = np.resize(np.arange(0, len(z["t"]), 6), 30)
        image.append(z["image"][pick].astype(np.float64))
        world.append(z["world"][pick].astype(np.float64))
    im, wo = np.concatenate(image), np.concatenate(world)
    monitor = monitors.PoseMonitor(hug, fps=30.0, live=True)
    ok = [
        bool(
            monitor.update(
                Landmarks(im[i : i + 1], wo[i : i + 1], np.array([i / fps]), (360, 480))
            ).placement.ok[0]
        )
        for i in range(len(im))
    ]
    assert ok[29], "open on the valid view"
    shut = ok.index(False, 30) - 30
    assert shut / fps <= placement_gate.WINDOW_S / 2 + 1.0 / fps
    assert not any(ok[30 + shut :])
