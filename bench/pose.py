"""Camera-layer benchmarks (issue 4), each a ratio or count measured in this one run.

* live pipeline ÷ raw MediaPipe, by CPU time (process time, all threads) and frames/s, on the
  same frames of a real clip: raw is `PoseModel.estimate` on frames already decoded; the pipeline
  is `guide --camera`'s: a worker decodes, estimates and runs the monitors frame by frame
  (`PoseFeed`), the session thread steps the engine and stores the events (SQLite). The session
  thread here is `run_loop` without its screen and keys, driven as the product drives it: it
  sleeps in select() on the feed's wake-up descriptor until a frame's events wait, takes each
  0.1 s tick due as a turn of its own, stamps events with the session clock, stores quiet poses
  by the same group commit (`GROUP_S`) while every other event is committed before it takes
  effect, and looks at the store for a symptom or screening stored elsewhere (`StoreWatch`,
  once a second), all on the camera's clock (`_pipeline`). The video file is opened and the
  pose graph started before either clock starts (a session pays them once); decoding each
  frame is timed. A shared machine's load moves MediaPipe's own cost by more than the pipeline
  adds, so the two arms run in `ROUNDS` rounds, each arm first in every other round, and the
  figure is the median of the rounds' ratios (the lowest round is printed too). Goal ≥ 0.9.
* kinematics + checks + monitors on precomputed landmarks of a 600 s session (a 12°
  extension every 6 s), frames per CPU second (process
  time: the monitor runs on one thread, and the shared machine's other work would otherwise
  be counted). Goal ≥ 100,000.
* halt latency on the synthetic sequences: frames from the first frame whose true
  speed exceeds the hard limit to the engine's `halt` cue. Goal ≤ 2 at 30 fps. A halt before
  the jerk's rise (tools/calibrate/halts.py, the truth runs' definition) is a false halt and
  leaves the jerk never halted (99), never a negative latency.
* speed error on the slow (5, 10 °/s) sequences, mean |measured − true| once tracking
  has settled, movement and rest included (lag counts). Goal ≤ 1 °/s.
* `analyze` throughput as a multiple of real time on a 30 fps clip.

Seeds: the synthetic sequences use seeds 42…51. Runs in about a minute.
"""

from __future__ import annotations

import select
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "tools" / "calibrate"))
import halts  # noqa: E402
from tests.fixtures import poses  # noqa: E402
from tests.fixtures.session import AT, clear_screening, drive  # noqa: E402

from backbuddy.adapters import video  # noqa: E402
from backbuddy.adapters.mediapipe_pose import PoseModel  # noqa: E402
from backbuddy.adapters.sql_store import SqlStore  # noqa: E402
from backbuddy.domain import events as ev  # noqa: E402
from backbuddy.domain import session  # noqa: E402
from backbuddy.domain import techniques as tech  # noqa: E402
from backbuddy.motion.monitors import PoseMonitor  # noqa: E402
from backbuddy.services import analyze as service  # noqa: E402
from backbuddy.services.felt_elsewhere import StoreWatch  # noqa: E402
from backbuddy.services.pose_feed import PoseFeed  # noqa: E402
from backbuddy.services.session_runner import GROUP_S, TICK_S, SessionRunner  # noqa: E402
from bench import Result, emit  # noqa: E402

CLIP = ROOT / "tests" / "data" / "sports2d_demo.mp4"  # 480×270, 30 fps, real people
FRAMES = 100
#: Rounds of the two arms (odd: the median is one round's ratio).
ROUNDS = 7
SEEDS = range(42, 52)
HUG = tech.get("seated_hug_extension")
HARD, GENTLE = HUG.limits.hard_speed_deg_s, HUG.limits.gentle_speed_deg_s


def _decoded(limit: int) -> list[video.Frame]:
    with video.open_file(CLIP) as source:
        return [f for f, _ in zip(source, range(limit), strict=False)]


def _raw(frames: list[video.Frame]) -> tuple[float, float]:
    """(frames/s, CPU seconds per frame) of MediaPipe alone on decoded frames."""
    with PoseModel() as model:
        model.estimate(frames[0].rgb)  # the graph starts on the first frame: not timed
        wall, cpu = time.perf_counter(), time.process_time()
        for frame in frames:
            model.estimate(frame.rgb)
        return _rates(len(frames), wall, cpu)


def _rates(n: int, wall: float, cpu: float) -> tuple[float, float]:
    return n / (time.perf_counter() - wall), (time.process_time() - cpu) / n


def _pipeline(limit: int, db: Path) -> tuple[float, float]:
    """(frames/s, CPU seconds per frame) of the live pipeline as `guide --camera` runs it
    (module doc): the camera worker (`PoseFeed`) and `run_loop`'s turns without a screen.

    The session clock is the camera's (frame i at i/30 s, read as the worker takes the frame),
    so ticks, group commits and looks at the store come as often per frame as in a session
    filmed at 30 frames/s, whatever this machine's speed: on the wall clock a fast run would
    pay fewer of them per frame and a loaded one more.
    """
    store = SqlStore(f"sqlite:///{db}")
    state = session.new_session(HUG, clear_screening(HUG))
    runner = SessionRunner.start(store, state, None, AT, camera=True)
    runner.group_s = GROUP_S  # as `run_loop` sets it
    runner.handle(ev.Begin(0.0, at=AT, camera=True), AT)
    watch = StoreWatch(store, runner.session_id, HUG.id, state.screening)  # as `run_loop` has
    clock = [0.0]

    def camera(source: Iterable[video.Frame]) -> Iterator[video.Frame]:
        for frame, _ in zip(source, range(limit), strict=False):
            clock[0] = frame.t
            yield frame

    def turn(tick: ev.Tick | None, t: float) -> None:
        """One of `run_loop`'s turns: the tick due, the frames' events, the store's look."""
        pending: list[ev.Event] = [] if tick is None else [tick]
        feed.set_checks(runner.state.current_checks())
        stamp = max(t, runner.last_event_t)
        pending += feed.poll(stamp)
        pending += watch.poll(stamp, AT)[0]
        for event in pending:
            runner.handle(event, AT)

    # The camera is opened and the graph started before the clock, as for raw MediaPipe: a
    # session pays them once, not on each of these 100 frames. Decoding every frame is timed.
    with video.open_file(CLIP) as source, PoseModel() as model:
        model.estimate(_decoded(1)[0].rgb)
        wall, cpu = time.perf_counter(), time.process_time()
        feed = PoseFeed(camera(source), HUG, model).start()  # decoded on the worker
        next_tick = TICK_S
        while feed.view.error is None:
            select.select([feed.fileno()], [], [], 1.0)  # until a frame's events wait
            t = clock[0]
            while next_tick <= t:  # each tick due is a turn of its own, as a timeout is
                turn(ev.Tick(next_tick), next_tick)
                next_tick = round(next_tick + TICK_S, 6)
            turn(None, t)
        rates = _rates(feed.view.frames, wall, cpu)
        feed.stop()
    runner.close(AT)
    store.close()
    return rates


def live_pipeline() -> list[Result]:
    """`ROUNDS` rounds of both arms on the same frames, the order alternating (a drift in the
    machine's load favours neither); each figure is the median over the rounds."""
    frames = _decoded(FRAMES)
    rounds = []
    with tempfile.TemporaryDirectory(prefix="bench-pose-") as tmp:
        for i in range(ROUNDS):
            db = Path(tmp) / f"s{i}.sqlite3"
            if i % 2:
                pipe = _pipeline(FRAMES, db)
                raw = _raw(frames)
            else:
                raw = _raw(frames)
                pipe = _pipeline(FRAMES, db)
            rounds.append((raw, pipe))
    cpu = [r[1] / p[1] for r, p in rounds]  # CPU seconds per frame: raw's over the pipeline's
    med = statistics.median
    raw_fps, pipe_fps = med(r[0] for r, _ in rounds), med(p[0] for _, p in rounds)
    raw_ms, pipe_ms = 1000 * med(r[1] for r, _ in rounds), 1000 * med(p[1] for _, p in rounds)
    return [
        emit("pose_raw_mediapipe_fps", raw_fps, "frames/s", "info"),
        emit("pose_live_pipeline_fps", pipe_fps, "frames/s", "info"),
        emit("pose_raw_mediapipe_cpu_ms", raw_ms, "ms", "info"),
        emit("pose_live_pipeline_cpu_ms", pipe_ms, "ms", "info"),
        emit("pose_pipeline_over_raw", med(p[0] / r[0] for r, p in rounds), "ratio", ">=0.9"),
        emit("pose_pipeline_over_raw_cpu", med(cpu), "ratio", ">=0.9"),
        emit("pose_pipeline_over_raw_cpu_lowest", min(cpu), "ratio", "info"),
    ]


def _attempts(duration_s: float = 600.0) -> np.ndarray:
    """A long session's shape: 12° extensions at 10 °/s, held, returned, rested, every 6 s.

    Not one 300 s extension: that bends the synthetic body through 3000° (an impossible body
    whose view the camera-move watch keeps re-reading, 192 times), while a real hug stays
    within the technique's 12° range (the range monitor halts beyond it).
    """
    cycle = np.array([0.0, 1.0, 1.2, 2.2, 2.4, 3.8, 4.0, 5.0, 5.2, 6.0])
    speed = np.array([0.0, 0.0, 10.0, 10.0, 0.0, 0.0, -10.0, -10.0, 0.0, 0.0])
    t = np.arange(int(round(duration_s * poses.FPS))) / poses.FPS
    velocity = np.interp(t % cycle[-1], cycle, speed)
    return np.concatenate([[0.0], np.cumsum((velocity[1:] + velocity[:-1]) / 2) / poses.FPS])


def motion_throughput() -> list[Result]:
    lm = poses.seated_hug(_attempts())  # 18,000 frames
    best = 0.0
    for _ in range(3):
        started = time.process_time()
        PoseMonitor(HUG).update(lm)
        best = max(best, len(lm) / (time.process_time() - started))
    one = PoseMonitor(HUG)
    frames = [lm.take(slice(i, i + 1)) for i in range(300)]
    started = time.process_time()
    for frame in frames:
        one.update(frame)
    per_frame_ms = 1000 * (time.process_time() - started) / len(frames)
    return [
        emit("motion_batch_fps", best, "frames/s", ">=100000"),
        emit("motion_live_ms_per_frame", per_frame_ms, "ms", "<=5"),
    ]


# Synthetic kinematics are not filmed from any camera, so the placement gate (measured on
# rendered truth by bench/truth.py) would keep the session in set-up and nothing would halt:
# these figures are about the monitors' halt rules, with the gate left out.
UNPLACED = HUG.model_copy(update={"placement": None})


def _halt(scenario: poses.Scenario, limit: float) -> halts.HaltOutcome:
    """The engine's `halt` cue (it halts once) judged by the truth runs' one definition."""
    trace = PoseMonitor(UNPLACED).update(scenario.landmarks)
    halt = drive(UNPLACED, list(trace.all_events())).first("halt")
    frames = np.zeros(len(scenario.velocity), dtype=bool)
    if halt is not None:
        frames[min(int(round(halt.t * poses.FPS)), frames.size - 1)] = True
    return halts.halt_outcome(scenario.velocity, frames, limit=limit, gentle=GENTLE)


def _latency(out: halts.HaltOutcome) -> float:
    """Frames to the jerk's halt; never, or the engine halted before the jerk (a false halt
    ends the session, so the jerk itself is never halted): 99."""
    return 99.0 if out.false_halt or not np.isfinite(out.latency) else out.latency


def halt_latency() -> list[Result]:
    fast, jerks, errors, false_stops = [], [], {5.0: [], 10.0: []}, 0
    for seed in SEEDS:
        sc = poses.rotation(40.0, seed=seed, onset_s=11.0, duration_s=16.0)
        out = _halt(sc, HARD)
        fast.append(_latency(out))
        false_stops += out.false_halt
        # the 5 °/s base with a 20 °/s step on top (25 °/s): the step is the jerk (over GENTLE)
        jerk = poses.jerk(base=5.0, step=20.0, at_s=12.0, seed=seed, onset_s=11.0, duration_s=16.0)
        out = _halt(jerk, GENTLE)
        jerks.append(_latency(out))
        false_stops += out.false_halt
        for speed in errors:
            slow = poses.rotation(speed, seed=seed, onset_s=2.0, move_s=5.0, duration_s=10.0)
            trace = PoseMonitor(HUG).update(slow.landmarks)
            settled = slow.t >= 0.5
            errors[speed].append(float(np.mean(np.abs(trace.speed - slow.velocity)[settled])))
            late = poses.rotation(speed, seed=seed, onset_s=11.0, move_s=3.0, duration_s=16.0)
            false_stops += _halt(late, HARD).false_halt
    return [
        emit("halt_latency_frames_max", max(fast), "frames", "<=2"),
        emit("halt_latency_frames_mean", statistics.mean(fast), "frames", "<=2"),
        emit("sudden_motion_latency_frames_max", max(jerks), "frames", "<=6"),
        emit("speed_error_5deg_s", statistics.mean(errors[5.0]), "deg/s", "<=1"),
        emit("speed_error_10deg_s", statistics.mean(errors[10.0]), "deg/s", "<=1"),
        emit("false_halts_slow_sequences", false_stops, "count", "0"),  # or slow parts
    ]


def analyze_realtime() -> list[Result]:
    with video.open_file(CLIP) as source, PoseModel() as model:
        started = time.perf_counter()
        a = service.analyze(video.prefetch(source), source.info, model)
        elapsed = time.perf_counter() - started
    clip_s = len(a.landmarks) / (a.fps or 30.0)
    return [emit("analyze_x_realtime", clip_s / elapsed, "x", ">=1")]


def run() -> list[Result]:
    started = datetime.now(UTC)
    results = [*motion_throughput(), *halt_latency(), *live_pipeline(), *analyze_realtime()]
    print(
        f"# bench.pose took {(datetime.now(UTC) - started).total_seconds():.0f} s", file=sys.stderr
    )
    return results


if __name__ == "__main__":
    run()
