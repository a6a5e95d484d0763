"""The camera in a live session: frames → pose model → monitors → the engine's events.

`iter_pose_events` is the simple form (one frame in, its events out, in the
caller's thread). `PoseFeed` runs the same thing on a worker thread so the
session loop never waits for the camera: the loop calls `poll(t)` between ticks
and gets the events that arrived, stamped with the loop's own time `t` (so they
never go back in time against ticks and keys), and `view` for the screen.

The monitor runs in its `live` form (as the web's camera watch does): only the current
set-up checks are evaluated and left/right swaps are not looked for, which the pose events
never use; the events are the same, and the frame costs less beside MediaPipe (issue 12).

A replayed file is paced at its own frame rate by the caller (`bootstrap.open_source`), so
a clip that moves too fast halts the session and a clip where the person walks
out of view pauses it, exactly as a live camera would.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from backbuddy.domain.events import Event, Stop
from backbuddy.domain.techniques import Technique
from backbuddy.motion.checks import CheckResult
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor, Trace
from backbuddy.motion.people import tell_moving
from backbuddy.services.analyze import (
    Estimator,
    FrameLike,
    estimate_at,
    identity_unsure,
    near_bits,
    wrists_covered,
)
from backbuddy.services.wake import Wake


@dataclass(frozen=True)
class FeedView:
    """The camera's latest reading, for the screen: check ticks, speed, tracking, and whether the
    camera's placement is one where the technique's measures hold (with what to change if not)."""

    t: float = 0.0
    tracked: bool = False
    person: bool = False
    unsure: bool = False  # people in view, but which one is the receiver is not clear
    speed_deg_s: float = 0.0
    range_deg: float = 0.0
    checks: tuple[CheckResult, ...] = ()
    frames: int = 0
    error: str | None = None
    placement_ok: bool = False
    placement_hint: str | None = None


@dataclass
class _Step:
    monitor: PoseMonitor
    estimator: Estimator
    frames: int = 0

    def run(self, frame: FrameLike) -> tuple[Trace, Landmarks]:
        image, world = estimate_at(self.estimator, frame.rgb, frame.t)
        h, w = frame.rgb.shape[:2]
        unsure = np.array([identity_unsure(self.estimator)])
        covered = np.array([wrists_covered(self.estimator)])
        bits = near_bits(self.estimator)
        near = None if bits is None else np.array([bits], np.int64)
        lm = Landmarks(
            image[None],
            world[None],
            np.array([frame.t]),
            (w, h),
            unsure=unsure,
            covered=covered,
            near=near,
        )
        self.frames += 1
        return self.monitor.update(lm), lm


def view_of(trace: Trace, frames: int) -> FeedView:
    """What one frame's trace says, in the form the screen shows."""
    results = tuple(trace.checks[cid].at(0) for cid in trace.checks)
    return FeedView(
        t=float(trace.t[0]),
        tracked=bool(trace.tracked[0]),
        person=bool(trace.detected[0]),
        unsure=bool(trace.unsure[0]),
        speed_deg_s=float(trace.speed[0]),
        range_deg=float(trace.range[0]),
        checks=results,
        frames=frames,
        placement_ok=bool(trace.placement.ok[0]),
        placement_hint=trace.placement_hint(0),
    )


def iter_pose_events(
    frames: Iterable[FrameLike],
    technique: Technique,
    estimator: Estimator,
    clock: Callable[[], float] | None = None,
    *,
    fps: float = 30.0,
    checks: Callable[[], Sequence[str]] | None = None,
) -> Iterator[Event]:
    """Each frame's `pose` event in turn (a sudden jerk is flagged on it: `sudden`).

    Event time is `clock()` (the session's seconds) when given, else the frame's own
    time. `checks()`, when given, names the set-up checks that apply right now
    (the engine's current step).
    """
    step = _Step(PoseMonitor(technique, fps=fps, live=True), estimator)
    last = -math.inf
    for frame in frames:
        if checks is not None:
            step.monitor.active_checks = tuple(checks())
        trace, _ = step.run(frame)
        now = frame.t if clock is None else clock()
        last = max(last, now)
        for event in trace.events(0):
            yield replace(event, t=last)


@dataclass
class PoseFeed:
    """`iter_pose_events` on a worker thread, polled by the session loop."""

    frames: Iterable[FrameLike]
    technique: Technique
    estimator: Estimator
    fps: float = 30.0
    #: Worker → loop hand-off. A deque's append and popleft are atomic, so the loop's check
    #: for new frames (many times a frame) takes no lock and raises nothing when empty.
    _queue: deque[tuple[Trace | None, str | None]] = field(default_factory=deque)
    _checks: tuple[str, ...] | None = None
    _moving: bool | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    #: Readable as soon as a frame's events wait: the loop need not wait for its tick.
    _wake: Wake = field(default_factory=Wake)
    view: FeedView = field(default_factory=FeedView)

    def fileno(self) -> int:
        """A descriptor that select() finds readable while frames wait for `poll`."""
        return self._wake.fileno()

    def start(self) -> PoseFeed:
        self._thread = threading.Thread(target=self._work, name="backbuddy-camera", daemon=True)
        self._thread.start()
        return self

    def set_checks(self, ids: Sequence[str]) -> None:
        """The set-up checks that apply now (the engine's current step)."""
        self._checks = tuple(ids)

    def set_moving(self, on: bool) -> None:
        """Whether a movement runs (`rules.movement_watched`): the two-person step looks more
        often then (`people.tell_moving`)."""
        self._moving = on

    def _work(self) -> None:
        step = _Step(PoseMonitor(self.technique, fps=self.fps, live=True), self.estimator)
        try:
            for frame in self.frames:
                if self._stop.is_set():
                    return
                if self._checks is not None:
                    step.monitor.active_checks = self._checks
                if self._moving is not None:
                    tell_moving(self.estimator, self._moving)
                trace, _ = step.run(frame)
                self._queue.append((trace, None))
                self._wake.set()
            self._queue.append((None, "the video ended"))
        except Exception as err:  # the camera failed: the loop shows it and the engine pauses
            self._queue.append((None, str(err) or type(err).__name__))
        self._wake.set()

    def poll(self, t: float) -> list[Event]:
        """Events for the frames that arrived since the last poll, all stamped `t`."""
        self._wake.clear()  # before draining: a frame queued after this wakes the loop again
        out: list[Event] = []
        newest, frames = None, self.view.frames
        while self._queue:
            trace, error = self._queue.popleft()
            if trace is None:
                if newest is not None:
                    self.view, newest = view_of(newest, frames), None
                self.view = replace(self.view, error=error, tracked=False)
                continue
            newest, frames = trace, frames + 1
            for event in trace.events(0):
                if isinstance(event, Stop) and any(isinstance(e, Stop) for e in out):
                    continue
                out.append(replace(event, t=t))
        if newest is not None:  # the screen shows the newest frame: only its view is made
            self.view = view_of(newest, frames)
        return out

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self._wake.close()  # a worker still finishing finds it closed and writes nothing
