"""Two people in view (issue 12, item 3): whom the pose is on, and what the two-person step costs.

* On every two-person truth clip (tests/data/truth/*_with_*), the real two-person step
  (MoveNet MultiPose looks every `EVERY` frames → role rule → crop → MediaPipe) and, for the
  "before", MediaPipe alone; each frame judged against both true skeletons
  (tools/calibrate/receiver_truth.py):
  - people_receiver_measured_share: identity "receiver" and on the receiver (all frames of all
    two-person clips; info) and the same at the placements the camera can read
    (`people_readable_…`: hug 60–90°, side-lying low in front);
  - people_unsure_share: identity "unsure" (the engine gives no move cue; info);
  - people_wrong_share: identity "receiver" but on the assistant, over **every** frame of
    every two-person clip, the placements the gate refuses included (the hug from behind at
    120°, where he hides her: the gate refuses it even with her alone, so no movement runs
    there). Info: it counts frames the app never acts on. The issue's goal ("receiver measured
    in 100 % of frames where the app allows movement") is held by
    people_allowed_assistant_frames (below, goal 0: exactly the frames the app acts on) and,
    over every frame of the clips at readable placements, people_readable_wrong_share (goal 0);
  - people_mediapipe_alone_receiver_share: MediaPipe alone on the receiver (before; info).
* the whole pipeline after each clip's still pre-roll (`receiver_truth.measures`, as after a
  session's set-up; landmarks cached under tools/calibrate/.cache/degraded/*.people.npz):
  people_allowed_assistant_frames, frames where a movement may run (tracked, identity sure,
  placement gate open: the frames the app acts on) whose landmarks are not the receiver's
  (goal 0: the issue's "receiver measured in 100 % of frames where the app allows movement"),
  and people_allowed_receiver_share; over the clips whose placement the gate
  accepts, the truth goals with the assistant in contact (`people_two_…`: check agreement of the
  verdict the engine acts on, speed error, halt frames, false halts; `measure.goal_figures`),
  the frame's own check reading beside it, and the frames where a check's verdict passes while
  the truth fails it (`people_two_false_pass_frames`, goal 0).
* people_live_pipeline_fps: the live pipeline with the two-person step, as `guide --camera`
  runs it (a worker decodes, estimates and runs the monitors, `PoseFeed`; the session thread
  steps the engine and stores every event), on a two-person clip. Goal ≥ 20 frames/s on this
  2-core machine. Also its CPU ms per frame (all threads), and the rate that CPU time allows on
  one free core: on this shared machine the wall rate falls with the other sessions' load.

The single-person path's CPU-time ratio against raw MediaPipe is `pose_pipeline_over_raw_cpu`
(bench/pose.py). Takes about 3 minutes (MoveNet and MediaPipe over ~1,000 frames, twice).
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import receiver_truth  # noqa: E402
from tests.fixtures.session import AT, clear_screening  # noqa: E402

from backbuddy.adapters import video  # noqa: E402
from backbuddy.adapters.looks import Threaded  # noqa: E402
from backbuddy.adapters.mediapipe_pose import PoseModel  # noqa: E402
from backbuddy.adapters.movenet import PeopleDetector  # noqa: E402
from backbuddy.adapters.receiver_pose import EVERY, LooksFactory, ReceiverPose  # noqa: E402
from backbuddy.adapters.sql_store import SqlStore  # noqa: E402
from backbuddy.domain import events as ev  # noqa: E402
from backbuddy.domain import session  # noqa: E402
from backbuddy.domain import techniques as tech  # noqa: E402
from backbuddy.services.pose_feed import PoseFeed  # noqa: E402
from backbuddy.services.session_runner import SessionRunner  # noqa: E402
from bench import Result, emit  # noqa: E402

#: Placements where the technique's measures are valid (docs/accuracy.md).
READABLE = ("_side_front_60_", "_side_m", "side_correct_slow_front_", "side_correct_jerk_front_")
READABLE += ("side_correct_limit_front_", "_side_75_floor_")  # _side_front_60_: its table too
LIVE_CLIP = "hug_correct_slow_side_front_60_f34_with_m26"
HUG = tech.get("seated_hug_extension")
#: The live pipeline as `serve` and `guide --camera` run it: the detector on its own thread.
LOOKS: LooksFactory = Threaded
DETECTOR_THREADS = 2


def _share(rows: list[receiver_truth.ClipPeople], field: str) -> float:
    frames = sum(r.frames for r in rows)
    return sum(getattr(r, field) * r.frames for r in rows) / frames if frames else float("nan")


def identity() -> list[Result]:
    clips = receiver_truth.two_person_clips()
    two = [receiver_truth.run_clip(c)[0] for c in clips]
    alone = [receiver_truth.run_clip(c, single=True)[0] for c in clips]
    readable = [r for r in two if any(k in r.id for k in READABLE)]
    for r in two:
        print(
            f"# {r.id}: measured {r.measured:.3f} unsure {r.unsure:.3f} wrong {r.wrong:.3f} "
            f"(strict {r.wrong_strict:.3f})",
            file=sys.stderr,
        )
    return [
        emit("people_receiver_measured_share", _share(two, "measured"), "ratio", "info"),
        emit("people_unsure_share", _share(two, "unsure"), "ratio", "info"),
        # info: every frame, refused placements included (see the docstring); the goal 0 is
        # held by people_readable_wrong_share and people_allowed_assistant_frames
        emit("people_wrong_share", _share(two, "wrong"), "ratio", "info"),
        emit("people_wrong_share_strict", _share(two, "wrong_strict"), "ratio", "info"),
        emit("people_readable_measured_share", _share(readable, "measured"), "ratio", "info"),
        emit("people_readable_unsure_share", _share(readable, "unsure"), "ratio", "info"),
        emit("people_readable_wrong_share", _share(readable, "wrong"), "ratio", "==0"),
        emit("people_mediapipe_alone_receiver_share", _share(alone, "measured"), "ratio", "info"),
        emit("people_mediapipe_alone_wrong_share", _share(alone, "wrong"), "ratio", "info"),
    ]


def allowed() -> list[Result]:
    """The frames where a movement may run, and the truth goals with two people in view."""
    import measure

    runs = [
        receiver_truth.measures(c, cache=receiver_truth.CACHE)
        for c in receiver_truth.two_person_clips()
    ]
    frames = sum(m.allowed for m in runs)
    wrong = sum(len(m.allowed_off) for m in runs)
    for m in runs:
        print(
            f"# {m.id}: gate {'open' if m.accepted else 'refused'}, {m.allowed} frames "
            f"allowed, {len(m.allowed_off)} of them not the receiver",
            file=sys.stderr,
        )
    out = [
        emit("people_allowed_assistant_frames", float(wrong), "frames", "==0"),
        emit("people_allowed_receiver_share", 1 - wrong / max(frames, 1), "ratio", ">=1"),
    ]
    held = [m for m in runs if m.accepted and not m.result.cued]
    for m in held:
        why = "right: the truth's set-up is wrong" if not m.result.truth_ready else "covered"
        print(f"# {m.id}: held in set-up ({why})", file=sys.stderr)
    out.append(emit("people_two_held_in_setup_clips", float(len(held)), "clips", "info"))
    # of those, clips whose true set-up is right: a cue withheld (session 16: each one is a clip
    # that starts with the assistant holding her, so her crossed arms were never seen apart)
    ready = sum(m.result.truth_ready for m in held)
    out.append(emit("people_two_held_ready_clips", float(ready), "clips", "info"))
    # the truth goals where a movement cue may come: the placement accepted and the set-up
    # checks passing, the covered arms on a verdict read with her alone (session 14: before,
    # the harness read the arms under the assistant's as if she were alone). Check agreement
    # of the verdict the gate acts on (`measure.held_verdicts`, session 16); the frame's own
    # reading (a hidden check counted as failing) is `people_two_check_agreement_own_reading`
    cued = [m.result for m in runs if m.accepted and m.result.cued]
    fig = measure.goal_figures(cued, held=True)
    own = measure.goal_figures(cued)["check_agreement"]
    for key, unit, goal in (
        ("check_agreement", "ratio", ">=0.95"),
        ("speed_error_deg_s", "deg/s", "<=2"),
        ("halt_frames", "frames", "<=2"),
        ("false_halts", "clips", "==0"),
    ):
        if fig[key] is not None:
            out.append(emit(f"people_two_{key}", float(fig[key]), unit, goal))
    if own is not None:
        out.append(emit("people_two_check_agreement_own_reading", float(own), "ratio", "info"))
    # a check's verdict passing where the truth fails it, on every clip whose placement the gate
    # accepts, cued or not (the unsafe side)
    accepted = measure.goal_figures([m.result for m in runs if m.accepted], held=True)
    out.append(
        emit("people_two_false_pass_frames", float(accepted["false_passes"] or 0), "frames", "==0")
    )
    return out


def _frames() -> list[video.Frame]:
    with video.open_file(receiver_truth.TRUTH / f"{LIVE_CLIP}.mp4") as source:
        return list(source)


@dataclass(frozen=True)
class LiveRun:
    fps: float
    cpu_ms: float  # CPU time of every thread, per frame
    looks_per_frame: float  # detector answers used per frame
    unsure_share: float  # frames the estimator called "unsure" (old roles included)


def _live(
    frames: list[video.Frame],
    db: Path,
    looks: LooksFactory = LOOKS,
    every: int = EVERY,
    threads: int = DETECTOR_THREADS,
) -> LiveRun:
    """The live pipeline with the two-person step over `frames`, as `serve` runs it."""
    store = SqlStore(f"sqlite:///{db}")
    state = session.new_session(HUG, clear_screening(HUG))
    runner = SessionRunner.start(store, state, None, AT, camera=True)
    runner.handle(ev.Begin(0.0, at=AT, camera=True), AT)
    detector = PeopleDetector(threads=threads)
    with ReceiverPose(detector, PoseModel, every=every, looks=looks) as model:
        # MediaPipe's graph starts on the first frame: not timed
        model.estimate(frames[0].rgb, frames[0].t)
        looks0 = model.looks
        wall, cpu = time.perf_counter(), time.process_time()
        feed = PoseFeed(video.prefetch(iter(frames[1:])), HUG, model).start()
        t, unsure, poses = 0.0, 0, 0
        while feed.view.error is None:
            events = feed.poll(t)
            for event in events:
                runner.handle(event, AT)
                if isinstance(event, ev.Pose):
                    poses += 1
                    unsure += event.identity == "unsure"
            t += 1e-3
            if not events:
                time.sleep(0.001)
        n = feed.view.frames
        fps = n / (time.perf_counter() - wall)
        cpu_ms = 1000 * (time.process_time() - cpu) / n
        feed.stop()
        used = (model.looks - looks0) / n
    store.close()
    return LiveRun(fps, cpu_ms, used, unsure / max(poses, 1))


def live_pipeline() -> list[Result]:
    frames = _frames()
    with tempfile.TemporaryDirectory(prefix="bench-people-") as tmp:
        runs = [_live(frames, Path(tmp) / f"s{i}.sqlite3") for i in range(3)]

    def median(field: str) -> float:
        return float(np.median([getattr(r, field) for r in runs]))

    return [
        emit("people_live_pipeline_fps", median("fps"), "frames/s", ">=20"),
        emit("people_live_cpu_ms_per_frame", median("cpu_ms"), "ms", "info"),
        emit("people_live_cpu_allowed_fps", 1000.0 / median("cpu_ms"), "frames/s", "info"),
        emit("people_live_looks_per_frame", median("looks_per_frame"), "ratio", "info"),
        emit("people_live_unsure_share", median("unsure_share"), "ratio", "info"),
    ]


def run() -> list[Result]:
    return [*live_pipeline(), *identity(), *allowed()]


if __name__ == "__main__":
    run()
