"""Where the camera is, read from real MediaPipe on rendered truth clips (issue 12).

MediaPipe runs for real on each clip (no landmark cache), after 2 s of the clip's still first
frame, as after a session's set-up (a warm tracker: `tests/support/truth_runs.py`): the
placement estimate against the clip's known camera, the gate open where the truth run showed
the measures valid and shut with a plain hint where it did not. Phone-like versions of the
clips: test_truth_phone.py. The full per-clip tables are in docs/accuracy.md.
"""

from __future__ import annotations

import numpy as np
import pytest
from truth_runs import clip_landmarks, measure, result, trace, warm_landmarks

from backbuddy.domain import techniques
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("truth")]


@pytest.mark.parametrize(
    ("clip_id", "az_tol", "el_tol"),
    [  # measured: −1.3/−2.3, 0/−1.3, +3.4/+3.3, −5.8/+0.5 (all clips: docs/accuracy.md)
        ("hug_correct_setup_side_front_60_f71", 8.0, 6.0),
        ("hug_correct_setup_side_m26", 8.0, 6.0),
        ("side_correct_setup_front_f34", 8.0, 6.0),
        ("side_correct_setup_front_shelf_m26", 8.0, 6.0),  # the phone on a shelf
    ],
)
def test_the_camera_placement_is_read_from_the_still_receiver(
    clip_id: str, az_tol: float, el_tol: float
) -> None:
    r = result(clip_id)
    mirrored = r.technique == "seated_hug_extension"
    est_az = abs(r.est_view[0]) if mirrored else r.est_view[0]
    assert est_az == pytest.approx(abs(r.true_view[0]) if mirrored else r.true_view[0], abs=az_tol)
    assert r.est_view[1] == pytest.approx(r.true_view[1], abs=el_tol)


@pytest.mark.parametrize(
    "clip_id", ["hug_correct_setup_side_front_60_f71", "hug_correct_setup_side_front_60_table_m26"]
)
def test_a_valid_placement_opens_the_gate_and_asks_nothing(clip_id: str) -> None:
    tr = trace(clip_id)
    assert tr.placement.ok[-1]
    assert tr.placement_hint(len(tr) - 1) is None
    assert tr.pose(len(tr) - 1).placement_ok


@pytest.mark.parametrize(
    ("clip_id", "words"),
    [
        ("hug_correct_setup_front_f34", "further to the receiver's side"),
        # 45° at seat height and high: with the assistant in contact a true jerk at 45° was never
        # halted (test_two_people.py); alone, both meet every goal. High, the reading lies inside
        # the region by less than the gate's entry margin: before, no hint at all
        ("hug_correct_setup_three_quarter_m58", "further to the receiver's side"),
        ("hug_correct_setup_high_right_45_f34", "further to the receiver's side"),
        # the phone on a shelf (1.25 m, looking down 24°): the twist read 66° for 27°;
        # the top leg's drop is not followed from there (jerks never halted, accuracy.md)
        ("side_correct_setup_front_shelf_m26", "Move the camera lower"),
        # a phone on a table (0.75 m): with a warm tracker a true jerk halted 5 frames late
        ("side_correct_setup_front_table_m26", "Move the camera lower"),
        # low in front (0.55 m): valid, but the gate reads it like the table
        ("side_correct_setup_front_f34", "Move the camera lower"),
        # 20° round toward the head: the top knee's check fails on a correct set-up
        ("side_correct_setup_head_20_m26", "toward the receiver's feet"),
    ],
)
def test_a_refused_placement_never_opens_the_gate_and_says_what_to_change(
    clip_id: str, words: str
) -> None:
    tr = trace(clip_id)
    assert not tr.placement.ok.any()
    assert not any(tr.pose(i).placement_ok for i in range(len(tr)))
    hint = tr.placement_hint(len(tr) - 1)
    assert hint is not None
    assert words in hint


def test_the_gate_reads_a_clip_frame_by_frame_as_in_one_call() -> None:
    lm = warm_landmarks("hug_correct_jerk_three_quarter_f34")[0]
    tech = techniques.get("seated_hug_extension")
    whole = PoseMonitor(tech).update(lm)
    live = PoseMonitor(tech)
    parts = [live.update(lm.take(slice(i, i + 1))) for i in range(len(lm))]
    assert np.array_equal(np.concatenate([p.placement.ok for p in parts]), whole.placement.ok)
    assert np.allclose(
        np.concatenate([p.placement.azimuth for p in parts]),
        whole.placement.azimuth,
        equal_nan=True,
    )


@pytest.mark.parametrize(
    "clip_id",
    [  # a phone standing on the floor in front (0.15 m): measured halts 1 and 0 frames
        "side_correct_jerk_front_floor_m26",
        "side_correct_jerk_front_floor_f71",
    ],
)
def test_side_lying_from_the_floor_is_accepted_and_a_warm_jerk_halts_within_2_frames(
    clip_id: str,
) -> None:
    r = result(clip_id)
    assert r.accepted  # the gate open where the movement cue would come
    assert not r.closed_later
    assert r.halt_latency <= 2  # counted from the clip's first frame, after the still set-up
    assert not r.false_halt


def test_side_lying_from_a_table_is_refused_where_a_warm_jerk_halts_late() -> None:
    """Before, the regions were drawn from clips starting cold, where MediaPipe's start-up
    drift had the filter moving: the table jerk halted in 2 frames and the table was accepted.
    After 2 s of still set-up the same jerk halts 5 frames late (MediaPipe's smoothing lags
    the top leg's small drop); the table is now refused, on every frame, with the hint."""
    clip = "side_correct_jerk_front_table_f71"
    r = result(clip)
    assert r.halt_latency > 2  # why it is refused (measured 5)
    assert not r.accepted
    tr = trace(clip)
    assert not any(tr.pose(i).placement_ok for i in range(len(tr)))
    hint = tr.placement_hint(len(tr) - 1)
    assert hint is not None
    assert hint.startswith("Move the camera lower: stand it on the floor")


def test_side_lying_slow_twist_from_the_floor_is_accepted_and_never_halts() -> None:
    r = result("side_correct_slow_front_floor_f71")
    assert r.accepted
    assert not r.false_halt
    assert r.peak_read < measure.HARD
    # measured 2.05 °/s on this clip; the placement's mean (set-up and slow) 1.78 meets the
    # goal of 2 (docs/accuracy.md, "A warm tracker")
    assert r.speed_err <= 2.2


def _one_after_another(*clips: str):  # type: ignore[no-untyped-def]
    """The clips' landmarks as one session: each clip's time continues the last."""
    parts, t0 = [], 0.0
    for clip in clips:
        lm = clip_landmarks(clip)
        parts.append(Landmarks(lm.image, lm.world, lm.t - lm.t[0] + t0, lm.size))
        t0 += float(lm.t[-1] - lm.t[0]) + 1 / 30
    return parts


def test_a_camera_moved_mid_session_to_a_refused_placement_closes_the_gate_with_its_hint() -> None:
    """The same receiver (m26), the phone first on the floor (accepted), then put on a shelf
    (1.25 m, refused), then back: the gate closes within 2 s of still frames after the move,
    with the hint, and gives no movement permission until the camera is back."""
    floor, shelf = "side_correct_setup_front_floor_m26", "side_correct_setup_front_shelf_m26"
    mon = PoseMonitor(techniques.get("side_lying_rotation"))
    before, *moved, back_1, back_2 = (
        mon.update(p) for p in _one_after_another(floor, shelf, shelf, floor, floor)
    )
    assert before.pose(len(before) - 1).placement_ok
    on_shelf = np.concatenate([t.placement.ok for t in moved])
    closed = int(np.argmin(on_shelf))
    assert not on_shelf[closed]
    assert closed <= 60  # measured 53 frames (the 3 s window's median moves past the border)
    assert not on_shelf[closed:].any()  # and stays shut while the camera is on the shelf
    last = moved[-1]
    hint = last.placement_hint(len(last) - 1)
    assert hint is not None
    assert "Move the camera lower" in hint
    poses = [t.pose(i) for t in moved for i in range(len(t))]
    assert not any(p.placement_ok for p in poses[closed:])  # no movement cue: the engine's gate
    assert back_2.placement.ok[-1]  # back on the floor: the hint led to an accepted placement
    assert back_2.placement_hint(len(back_2) - 1) is None


def _held_still_then(setup: str, moved_to: str):  # type: ignore[no-untyped-def]
    """A session: the receiver still at one placement (a set-up clip); the camera moved to
    another; the receiver holds still while the view is read again (the new clip's 0.6 s
    still lead-in, played three times), then the new clip's movement."""
    lead = slice(0, 18)
    parts, t0 = [], 0.0
    for clip, frames in (
        (setup, slice(None)),
        (moved_to, lead),
        (moved_to, lead),
        (moved_to, None),
    ):
        lm = clip_landmarks(clip) if frames is None else clip_landmarks(clip).take(frames)
        parts.append(Landmarks(lm.image, lm.world, lm.t - lm.t[0] + t0, lm.size))
        t0 += float(lm.t[-1] - lm.t[0]) + 1 / 30
    return parts


def test_a_camera_moved_within_the_valid_region_re_reads_the_view_and_the_range_holds() -> None:
    """Issue 12: the camera moved from 60° round the seated receiver (stool height) to 75° on
    the other side: both valid. The move is seen, the pose says so (no movement cue, a
    movement under way pauses), the view gain and the baseline are taken again from the new
    still pose, and the range read after the move matches the truth and what a session
    started at the new placement reads (measured: 8.7° after the move, 7.8° fresh, true 10°;
    before this, the old baseline and the 60° gain were kept)."""
    setup, moved_to = "hug_correct_setup_side_front_60_f71", "hug_correct_slow_right_side_75_f71"
    tech = techniques.get("seated_hug_extension")
    mon = PoseMonitor(tech)
    before, *lead, after = (mon.update(p) for p in _held_still_then(setup, moved_to))
    assert not before.camera_moved.any()
    assert before.pose(len(before) - 1).placement_ok
    relook = np.concatenate([t.camera_moved for t in (*lead, after)])
    assert relook.any(), "the move is seen"
    assert all(t.pose(i).camera_moved for t in lead for i in range(len(t)) if t.camera_moved[i])
    assert not after.camera_moved[18:].any(), "re-read within the still lead-in"
    first_moving = 18  # the clip's movement starts after its 0.6 s still lead-in
    base = after.baseline[first_moving]
    assert np.isfinite(base)
    assert base != before.baseline[-1], "a new baseline, from the new view"
    fresh = PoseMonitor(tech).update(clip_landmarks(moved_to))
    true = measure.truth_table(moved_to)["primary_deg"]
    assert after.range[-1] == pytest.approx(fresh.range[-1], abs=1.5)
    assert after.range[-1] == pytest.approx(abs(true[-1] - true[0]), abs=2.0)
    assert after.placement.ok[-1]
    assert not after.sudden.any()


def test_without_a_move_the_view_is_never_re_read() -> None:
    """The receiver's own movements (slow, at the limit, jerks; seated and lying, high and
    low) never read as a moved camera: no pause for it, one baseline."""
    for clip in (
        "hug_correct_slow_side_front_60_f71",
        "hug_correct_slow_then_jerk_three_quarter_m26",
        "hug_correct_slow_side_high_f71",
        "side_correct_slow_front_floor_f71",
        "side_correct_slow_then_jerk_front_m26",
    ):
        meta = next(m for m in measure.clips() if m["id"] == clip)
        tr = PoseMonitor(techniques.get(meta["technique"])).update(clip_landmarks(clip))
        assert not tr.camera_moved.any(), clip


@pytest.mark.parametrize(
    ("clip_id", "max_frames", "accepted"),
    [  # measured 2 (the velocity step; speed alone would halt in 4), 0 frames
        # a camera on the floor at 75°, dim room: read at 90°, like the merged view from behind
        # (120°) where the assistant was measured, so refused since (test_two_people.py)
        ("hug_correct_jerk_side_75_floor_f71", 2, False),
        ("hug_correct_jerk_side_75_floor_m26", 2, True),
    ],
)
def test_the_hug_from_the_floor_at_75_is_accepted_and_a_jerk_halts_within_2_frames(
    clip_id: str, max_frames: int, accepted: bool
) -> None:
    """Refused until the regions were redrawn with the dim-wrist arms-crossed check (its set-up
    never passed there, so no baseline and no velocity-step halt: the floor jerk `f71` halted 4
    frames late); now the gate is open where the movement cue comes and stays open (but where it
    reads the view at 90°), the set-up checks agree with the truth on the still frames, and the
    jerk halts in time."""
    r = result(clip_id)
    assert r.accepted is accepted
    assert not r.closed_later
    assert min(r.check_agree_still.values()) >= 0.95
    assert r.halt_latency <= max_frames
    assert not r.false_halt


def test_the_hug_from_behind_at_120_is_refused_even_alone() -> None:
    """Alone the receiver is read there within every goal (the jerk halts in 0 frames), but
    with the assistant behind, in contact, the app measured the assistant, and the gate cannot
    tell that view from the receiver alone: the gate stays shut (tests/integration/
    test_two_people.py holds the two-person clips)."""
    r = result("hug_correct_jerk_back_120_m26")
    assert not r.accepted
    assert r.halt_latency <= 2


def test_the_hug_slow_extension_from_the_floor_at_75_is_accepted_and_read_within_2_deg_s() -> None:
    r = result("hug_correct_slow_side_75_floor_f71")
    assert r.accepted
    assert not r.false_halt
    assert r.peak_read < measure.HARD
    assert r.speed_err <= 2.0  # measured 0.75 °/s
    assert abs(r.amp_read - r.amp_true) <= 1.5  # measured 9.8° for a true 10°


def test_the_hug_set_up_from_the_floor_at_75_opens_the_gate_and_asks_nothing() -> None:
    clip = "hug_correct_setup_side_75_floor_m26"
    assert min(result(clip).check_agree.values()) >= 0.95  # measured 1.00 on every check
    tr = trace(clip)
    assert tr.placement.ok[-1]
    assert tr.placement_hint(len(tr) - 1) is None


def test_the_hug_from_30_degrees_stays_refused_where_a_true_jerk_is_never_halted() -> None:
    """30° round from the front: the jerk is never halted (the back's extension is barely seen
    from there), so the gate never opens, on any frame, and says to move round to the side."""
    clip = "hug_correct_jerk_front_30_m26"
    r = result(clip)
    assert r.halt_latency > 2  # why it is refused (measured: never)
    assert not r.accepted
    tr = trace(clip)
    assert not any(tr.pose(i).placement_ok for i in range(len(tr)))
    hint = tr.placement_hint(len(tr) - 1)
    assert hint is not None
    assert "further to the receiver's side" in hint
