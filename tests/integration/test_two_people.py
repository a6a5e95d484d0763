"""Two people in view: the real two-person step (MoveNet MultiPose → role rule → crop →
MediaPipe) on the rendered two-person truth clips measures the receiver, never the assistant.

Each clip's truth CSV holds both skeletons' exact pixels, so every frame can be judged: the
landmarks are on the receiver when nose, shoulder-mid and hip-mid each lie nearer the
receiver's true point than the assistant's and within half a trunk length of it
(`tools/calibrate/receiver_truth.py`). The app may act on a frame only when the identity is
"receiver" and the monitors say it is tracked; on every such frame the landmarks must be the
receiver's. How many frames stay "unsure" is measured per clip (docs/accuracy.md) and held
here under the figure measured, so a regression shows.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from tests.support import sports2d_tracks
from tests.support.remembered_people import RememberingDetector

from backbuddy.adapters.receiver_pose import SETTLE_FRAMES
from backbuddy.domain import techniques
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import receiver_truth  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("two_people")]


@pytest.fixture(scope="module", autouse=True)
def _people_detected_once() -> Iterator[None]:
    """The runs below share MoveNet's people for a picture already seen: a clip's frames go
    through the estimator cold, warm and with late looks (tests/support/remembered_people.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(receiver_truth, "people_detector", RememberingDetector)
        yield


#: Unsure share allowed per clip: the measured share plus a margin (re-renders move MediaPipe
#: by hairs), and on top (`allowed_unsure`) the `SETTLE_FRAMES` after MediaPipe starts on its
#: first crop (a cold start: the camera's first frames). The front hug is a placement the app
#: refuses: the two bodies merge there and every frame stays unsure, which is the right answer.
UNSURE_AT_MOST = {
    "hug_correct_setup_side_front_60_f34_with_m26": 0.10,
    "hug_correct_slow_side_front_60_f34_with_m26": 0.10,
    "hug_correct_slow_front_f71_with_m58": 1.0,
    "hug_correct_jerk_three_quarter_m58_with_f34": 0.15,
    "side_correct_slow_front_f34_with_m58": 0.10,
    "side_correct_jerk_high_front_m26_with_f71": 0.10,
    # a short assistant, heads level: 0.051; 0.178 since MediaPipe settles after each restart
    # (the check on a look restarts it off the receiver; 0.076 of that is the cold start)
    "hug_correct_slow_side_m26_with_f71": 0.15,
    "hug_correct_jerk_side_front_60_f71_with_m58": 0.10,
    # the placements the redrawn hug region took in (2026-11-27): measured 0.0, 0.019, 0.0,
    # 0.019 (the table's slow clip, the floor's slow clip, cold)
    "hug_correct_jerk_side_75_floor_f71_with_m58": 0.10,
    "hug_correct_slow_side_75_floor_m26_with_f71": 0.10,
    "hug_correct_slow_side_front_60_table_m26_with_f71": 0.10,
    "side_correct_jerk_front_m58_with_f34": 0.10,
    "side_correct_limit_front_f71_with_m26": 0.10,
    # the side-lying floor, the assistant kneeling in contact (2026-11-27), the step told the
    # receiver lies as the app tells it: measured 0.0, 0.0, 0.041, 0.0 and 0.130 (a heavy
    # assistant behind a small receiver in a dim room: MoveNet often finds only him, upright)
    "side_correct_jerk_front_floor_m26_with_f71": 0.10,
    "side_correct_slow_front_floor_f34_with_m58": 0.10,
    "side_correct_limit_front_floor_f71_with_m26": 0.10,
    "side_correct_setup_front_floor_m58_with_f34": 0.10,
    "side_correct_jerk_front_floor_f34_with_m58": 0.20,
}


#: The hug from behind at 120° (issue 12, item 3; 2026-11-27): the assistant, behind the
#: receiver, stands between camera and receiver; MoveNet finds one person, both bodies merged
#: (the receiver's head, the assistant's shoulders), the role rule trusts it once it has held,
#: and MediaPipe's shoulders are the assistant's on 94-98 % of frames. The identity cannot be
#: told there, so the placement is refused for the hug (tools/calibrate/regions.py); these
#: clips are held to that instead: no frame where a movement may run.
BEHIND = ("hug_correct_jerk_back_120_m26_with_f71", "hug_correct_slow_back_120_f71_with_m58")


@cache
def run(clip_id: str) -> tuple[receiver_truth.ClipPeople, Landmarks, np.ndarray]:
    return receiver_truth.run_clip(clip_id)  # real decoder, MoveNet and MediaPipe, no cache


@cache
def run_warm(clip_id: str) -> receiver_truth.ClipMeasures:
    """The whole pipeline after the clip's still pre-roll, as after a session's set-up."""
    return receiver_truth.measures(clip_id)  # real decoder, MoveNet and MediaPipe, no cache


def _assert_only_the_receiver_is_measured(
    clip_id: str,
    result: receiver_truth.ClipPeople,
    lm: Landmarks,
    on: np.ndarray,
    start: int = 0,
) -> None:
    """No frame (from `start`) says 'receiver' on the assistant, and every frame the monitors
    track (not unsure) is on the receiver."""
    technique = techniques.get(
        "seated_hug_extension" if clip_id.startswith("hug") else "side_lying_rotation"
    )
    trace = PoseMonitor(technique).update(lm)
    n = len(on)
    allowed = trace.tracked[:n] & ~trace.unsure[:n]
    allowed[:start] = False
    wrong = [i for i in result.wrong_frames if i >= start]
    assert not wrong, f"identity 'receiver' on the assistant at {wrong}"
    assert on[allowed].all(), f"tracked frames off the receiver: {np.flatnonzero(allowed & ~on)}"


def allowed_unsure(clip_id: str, frames: int) -> float:
    """The unsure share a cold run may have: `UNSURE_AT_MOST` and MediaPipe's first crop."""
    return UNSURE_AT_MOST[clip_id] + SETTLE_FRAMES / frames


#: The wrong-arms set-ups with the assistant (session 13) are read for the arms check on recorded
#: landmarks (`tests/unit/motion/test_checks_two_people.py`); their identity passed here once
#: (2 passed, 7.7 s at load ~6) and is left out to keep the suite's time.
WRONG_ARMS = "hug_arms_hanging_"
#: The whole-flow clips (session 14: her alone, then the assistant steps in) are judged on
#: recorded landmarks of both paths (`tests/unit/motion/test_flow.py`); not run again here.
FLOW = "hug_flow_"


@pytest.mark.parametrize(
    "clip_id",
    [
        c
        for c in receiver_truth.two_person_clips()
        if c not in BEHIND and not c.startswith((WRONG_ARMS, FLOW))
    ],
)
def test_frames_the_app_may_act_on_are_the_receivers_never_the_assistants(clip_id: str) -> None:
    """From a cold start too. Before `SETTLE_FRAMES`, from the floor at 75° (a short assistant
    hidden behind a tall receiver: one skeleton to MoveNet) MediaPipe's hips started between
    the two people's, nearer the assistant's, on frames 3-11 (its first 9 on the crop), and
    those frames said "receiver"."""
    result, lm, on = run(clip_id)
    _assert_only_the_receiver_is_measured(clip_id, result, lm, on)


@pytest.mark.parametrize("clip_id", sorted(UNSURE_AT_MOST))
def test_unsure_frames_stay_within_what_was_measured(clip_id: str) -> None:
    result, _, _ = run(clip_id)
    most = allowed_unsure(clip_id, result.frames)
    assert result.unsure <= most
    if UNSURE_AT_MOST[clip_id] < 1.0:  # placements the camera can read: the receiver measured
        assert result.measured >= 1.0 - most


@pytest.mark.parametrize("clip_id", BEHIND)
def test_the_hug_from_behind_where_the_assistant_hides_the_receiver_never_lets_a_movement_run(
    clip_id: str,
) -> None:
    """From behind (120°) the app reads the assistant as the receiver; before the fix the gate
    opened there (the view of the merged bodies reads 90°, like the side) and every frame
    measured was the assistant's. Now the gate refuses: no movement cue, and no frame on which
    a movement may run."""
    m = run_warm(clip_id)
    assert not m.accepted
    assert m.allowed == 0


@pytest.mark.parametrize(
    "clip_id",
    [
        "hug_correct_jerk_side_75_floor_f71_with_m58",
        "hug_correct_slow_side_75_floor_m26_with_f71",
        "hug_correct_slow_side_front_60_table_m26_with_f71",
    ],
)
def test_at_the_floor_and_table_placements_only_the_receiver_is_measured_while_moving(
    clip_id: str,
) -> None:
    """Placements the redrawn hug region accepts: the gate opens for the movement, and every
    frame the app acts on, the gate open, is the receiver's."""
    m = run_warm(clip_id)
    assert m.accepted
    assert m.allowed > 0  # the floor's slow clip: the gate shut after 70 of 157 (a pause)
    assert m.acted_off == []


def test_a_jerk_from_the_floor_with_her_arms_never_seen_alone_gets_no_movement_cue() -> None:
    """The clip shows the assistant holding her from its first frame: her crossed arms lie at
    his body and were never read with her apart, so the set-up waits (`checks.cover`) and no
    movement cue comes. Before the truth harness passed the covered flags (session 14) this
    clip was read as if the set-up had passed, and its jerk halted in 2 frames; with them the
    speed alone halts it in 3 (no baseline, so no `sudden`). The whole flow, her alone first,
    is judged in tests/unit/motion/test_flow.py (60°; not rendered from the floor)."""
    r = run_warm("hug_correct_jerk_side_75_floor_f71_with_m58").result
    assert not r.cued
    assert not r.false_halt


#: The two-person jerk clips: a true jerk over the hard limit with the assistant in contact.
JERKS = [c for c in receiver_truth.two_person_clips() if "_jerk_" in c and not c.startswith(FLOW)]


@pytest.mark.parametrize("clip_id", JERKS)
def test_wherever_the_gate_lets_a_movement_start_a_two_person_jerk_stops_within_2_frames(
    clip_id: str,
) -> None:
    """A true jerk with the assistant in contact is halted (or paused) within 2 frames, or the
    placement is refused before any movement. At 45° (`three_quarter`) the landmarks lag (a true
    45 °/s read as 18 °/s, never halted) and the gate was open there; the region now counts a
    missed two-person jerk against its placement (tools/calibrate/regions.py). A clip whose
    crossed arms were never seen with her apart gets no movement cue (`ClipResult.cued`): no
    attempt runs there (the whole flow: tests/unit/motion/test_flow.py)."""
    m = run_warm(clip_id)
    assert m.result.peak_true > 30
    if m.accepted and m.result.cued:
        assert m.stop_frames <= 2, f"gate open, stopped after {m.stop_frames}"


# ---- analyze on a real clip where the measured person changes ---------------------------------

SPORTS2D = sports2d_tracks.SPORTS2D
IDENTITY_MOMENTS = ("identity_unsure", "identity_jump", "tracking_lost")


def _sports2d_tracks() -> list[list[tuple[int, np.ndarray]]]:
    """Who is where on each frame of the demo (the judge, not what is tested): MoveNet on every
    frame with box-following numbers, recorded once (`tests/support/sports2d_tracks.py`, ~10 s
    of CPU a run before; the same pinned model on the same committed clip gives the same)."""
    return sports2d_tracks.load()


def _whose(lm: Landmarks, tracks: list[list[tuple[int, np.ndarray]]]) -> np.ndarray:
    """Per frame, the number of the person whose box holds the landmarks' torso (-1: none)."""
    px = lm.pixels()
    torso = (px[:, 11] + px[:, 12] + px[:, 23] + px[:, 24]) / 4
    out = np.full(len(lm), -1)
    for i, here in enumerate(tracks):
        for key, box in here:
            x, y = torso[i]
            if box[0] <= x <= box[2] and box[1] <= y <= box[3]:
                out[i] = key
    return out


@pytest.mark.parametrize("two_person", [True, False], ids=["two_person", "mediapipe_alone"])
def test_analyze_marks_every_change_of_the_measured_person_on_a_real_clip(two_person: bool) -> None:
    """Sports2D's demo: a jumper on a box, a walker passing in front, then the jumper on the
    floor. Between any two frames given out as the receiver's but on different people, a
    moment on the timeline says so."""
    from contextlib import closing

    from backbuddy.adapters import video
    from backbuddy.bootstrap import pose_model_factory
    from backbuddy.config import Settings
    from backbuddy.domain.techniques import get
    from backbuddy.services.analyze import analyze

    open_model = pose_model_factory(Settings(two_person=two_person))
    assert open_model is not None
    with video.open_file(SPORTS2D) as src:
        frames = list(src)
        info = src.info
    with closing(open_model()) as model:
        # Named: with none, a lone upright person is never trusted (`analyze`), and this
        # clip's people are lone and upright most of the time.
        a = analyze(iter(frames), info, model, get("seated_hug_extension"))
    who = _whose(a.landmarks, _sports2d_tracks())
    # Frames given out as the receiver: landmarks, identity sure, no jump (from the front the
    # hug's primary measure is not visible, so `tracked` would leave out the frontal jumper).
    measured = np.flatnonzero(a.trace.same_person & ~a.trace.unsure & (who >= 0))
    changes = [(i, j) for i, j in zip(measured[:-1], measured[1:], strict=True) if who[i] != who[j]]
    marks = [m.t for m in a.moments if m.kind in IDENTITY_MOMENTS]
    assert changes, "the clip's measured person never changed: nothing was tested"
    t = a.trace.t
    unmarked = [(i, j) for i, j in changes if not any(t[i] < m <= t[j] for m in marks)]
    assert not unmarked, f"silent switches between frames {unmarked}"


# ---- the detector off MediaPipe's path (issue 12, item 3) -------------------------------------

#: Frames late the look's answer is used: MoveNet 384 px takes 75-88 ms, about 3 frames at
#: 30 frames/s, on its own thread (`adapters/looks.py`; deterministic here through `Late`).
LAG = 3


@cache
def run_late(clip_id: str) -> tuple[receiver_truth.ClipPeople, Landmarks, np.ndarray]:
    return receiver_truth.run_clip(clip_id, lag=LAG)


@pytest.mark.parametrize(
    "clip_id",
    [
        "hug_correct_slow_side_front_60_f34_with_m26",
        "hug_correct_jerk_side_front_60_f71_with_m58",
        "side_correct_jerk_front_m58_with_f34",
        "hug_correct_slow_front_f71_with_m58",  # the bodies merge: unsure, never the assistant
    ],
)
def test_late_looks_never_measure_the_assistant_and_keep_the_receiver(clip_id: str) -> None:
    result, lm, on = run_late(clip_id)
    _assert_only_the_receiver_is_measured(clip_id, result, lm, on)
    n = len(on)
    in_line, _, _ = run(clip_id)
    # only the first answer comes later (and MediaPipe settles on its first crop after it)
    assert result.unsure <= allowed_unsure(clip_id, n) + LAG / n
