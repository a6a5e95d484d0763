"""Session engine throughput: pure `step` events/s, and with the SQLite store behind it.

Goal (issue 3/4): the pure engine ≥ 20,000 events/s, so it is never the slow part
of a 30 frames/s camera loop. The stored figure shows what I7's commit per event costs.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import session, techniques
from backbuddy.domain.events import Begin, Event, Pose, Ready, Tick
from backbuddy.domain.screening import ScreeningResult
from backbuddy.services.session_runner import GROUP_S, SessionRunner
from bench import Result, emit

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TECH = "seated_hug_extension"


def camera_session(seconds: float = 100.0, fps: int = 30) -> list[Event]:
    """Begin, set-up, then a frame every 1/fps s and a tick every 0.1 s: a whole session."""
    events: list[Event] = [Begin(0.0, at=NOW, camera=True)]
    events += [Pose(0.4), Ready(0.5), Pose(0.9), Ready(1.0)]  # ready with the receiver in view
    frames = [(round(1.0 + k / fps, 4), "pose") for k in range(1, int((seconds - 1) * fps))]
    ticks = [(round(1.0 + k * 0.1, 4), "tick") for k in range(1, int((seconds - 1) * 10))]
    for t, kind in sorted(frames + ticks):
        events.append(Pose(t, speed_deg_s=4.0, range_deg=3.0) if kind == "pose" else Tick(t))
    return events


def _state() -> session.SessionState:
    screening = ScreeningResult(TECH, "clear", (), NOW, NOW + timedelta(hours=2))
    return session.new_session(techniques.get(TECH), screening)


def pure_engine(events: list[Event], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        state = _state()
        start = time.perf_counter()
        for event in events:
            state, _ = session.step(state, event)
        best = min(best, time.perf_counter() - start)
    return len(events) / best


def stored_engine(events: list[Event], group_s: float = 0.0) -> float:
    """`group_s` 0: every event committed with its cues (the terminal guide); GROUP_S: the
    live server's group commit of quiet poses."""
    with tempfile.TemporaryDirectory() as tmp, SqlStore(f"sqlite:///{Path(tmp) / 'b.db'}") as store:
        runner = SessionRunner.start(store, _state(), None, NOW, camera=True)
        runner.group_s = group_s
        start = time.perf_counter()
        for event in events:
            runner.handle(event, NOW + timedelta(seconds=event.t))
        return len(events) / (time.perf_counter() - start)


def run() -> list[Result]:
    events = camera_session()
    return [
        emit("engine_events_per_s", pure_engine(events), "events/s", ">=20000"),
        emit("engine_with_sqlite_events_per_s", stored_engine(events[:1500]), "events/s", ">=300"),
        emit(
            "engine_with_sqlite_grouped_events_per_s",
            stored_engine(events[:1500], GROUP_S),
            "events/s",
            "info",
        ),
    ]


if __name__ == "__main__":
    run()
