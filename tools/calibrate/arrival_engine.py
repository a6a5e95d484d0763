"""The assistant's arrival through the engine: does a Ready pressed as he takes hold end in a halt?

    .venv/bin/python tools/calibrate/arrival_table.py --engine

Each whole-flow clip's recorded landmarks (tests/data/flow, per path) through a live
`PoseMonitor` frame by frame, as `arrival_table` runs them (the last set-up step's checks
active), give the engine's `pose` events (with `covered`, as the server sends them); then a
camera session of the Seated Hug: begun at the clip's first frame, the receiver's step
confirmed by the camera, and the pair's Ready for the assistant's step pressed at a given
frame, and again every `AGAIN_S` while it is refused (as a pair would). Run twice: as the
engine was (`hold_settle_s` 0) and as it is (the technique's 1.5 s). Per press: the frame the
Ready was taken, and the first halt or pause of the attempt that followed (frame, reason).
Session 17 (docs/accuracy.md, "His arrival").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np

from backbuddy.domain import session, techniques
from backbuddy.domain.events import Begin, Event, Pose, Ready
from backbuddy.domain.screening import ScreeningResult
from backbuddy.domain.techniques import Technique
from backbuddy.motion.landmarks import Landmarks
from backbuddy.motion.monitors import PoseMonitor
from backbuddy.services.session_runner import with_ticks

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "flow"
CLIP = "hug_flow_{}_side_front_60_f34_with_m26"
FPS = 30.0
#: A refused Ready is pressed again this often.
AGAIN_S = 0.5
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Outcome:
    """One press: the frame its Ready was taken (None: never), the first halt or pause of the
    attempt after it (frame, "halt sudden"; None: none), and the refusals' reasons before it."""

    taken: int | None
    halt: tuple[int, str] | None
    refused: tuple[str, ...]


def hug(settle: bool = True) -> Technique:
    """The Seated Hug as it is (`settle`), or as the engine ran it before (no settle)."""
    technique = techniques.get("seated_hug_extension")
    return technique if settle else technique.model_copy(update={"hold_settle_s": 0.0})


@cache
def poses(kind: str, path: str) -> tuple[Pose, ...]:
    """The clip's pose events on `path` ("server" or "page"), frame by frame."""
    stored = np.load(DATA / f"{CLIP.format(kind)}_{path}.npz")
    lm = Landmarks.from_arrays(
        {k: v.astype(np.float32) if v.dtype == np.float16 else v for k, v in stored.items()}
    )
    technique = hug()
    mon = PoseMonitor(technique, fps=FPS, active_checks=technique.setup[-1].checks, live=True)
    return tuple(mon.update(lm.take(slice(i, i + 1))).pose(0) for i in range(len(lm)))


def first_covered(kind: str, path: str) -> int | None:
    frames = [i for i, p in enumerate(poses(kind, path)) if p.covered]
    return frames[0] if frames else None


def press(kind: str, path: str, frame: int, settle: bool = True) -> Outcome:
    """Run the session with Ready pressed at `frame` (and again while refused)."""
    stream = poses(kind, path)
    technique = hug(settle)
    taken_at = stream[0].t
    screened = ScreeningResult(
        technique.id, "clear", (), NOW - timedelta(minutes=5), NOW + timedelta(hours=1)
    )
    state = session.new_session(technique, screened)
    events = _with_presses(stream, frame)
    taken: int | None = None
    refused: list[str] = []
    frame_of = {p.t: i for i, p in enumerate(stream)}
    last_frame = 0
    for event in with_ticks(events, start=taken_at):
        if isinstance(event, Ready) and taken is not None:
            continue
        if isinstance(event, Pose):
            last_frame = frame_of[event.t]
        state, cues = session.step(state, event)
        if isinstance(event, Ready):
            why = [c.reason for c in cues if (c.reason or "").startswith("not_ready")]
            if why:
                refused.append(str(why[0]).removeprefix("not_ready:"))
            elif state.mode == "attempt":
                taken = next(i for i, p in enumerate(stream) if p.t >= event.t - 1e-9)
        stops = [c for c in cues if c.kind in ("halt", "pause")]
        if stops and taken is not None:
            what = f"{stops[0].kind} {stops[0].reason}"
            return Outcome(taken, (last_frame, what), tuple(refused))
        if state.mode in ("ended", "paused", "halted"):
            break
    return Outcome(taken, None, tuple(refused))


def _with_presses(stream: tuple[Pose, ...], frame: int) -> list[Event]:
    """Begin, the clip's poses, and a Ready at `frame`'s time and every `AGAIN_S` after."""
    events: list[Event] = [Begin(stream[0].t, at=NOW, camera=True)]
    at = stream[frame].t
    for pose in stream:
        while at <= pose.t:
            events.append(Ready(at))
            at += AGAIN_S
        events.append(pose)
    return events


def table(kinds: tuple[str, ...], presses: tuple[int, ...]) -> list[str]:
    """Markdown rows: per clip, path and press frame, before (no settle) and now."""
    rows = [
        "| clip | path | first covered | Ready pressed | before: taken | before: halt "
        "| now: taken | now: halt | now: refused as |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in kinds:
        for path in ("server", "page"):
            cov = first_covered(kind, path)
            for frame in presses:
                was, now = press(kind, path, frame, False), press(kind, path, frame)
                rows.append(
                    "| "
                    + " | ".join(
                        [
                            kind,
                            path,
                            str(cov),
                            str(frame),
                            _frame(was.taken),
                            _halt(was.halt),
                            _frame(now.taken),
                            _halt(now.halt),
                            ", ".join(sorted(set(now.refused))) or "–",
                        ]
                    )
                    + " |"
                )
    return rows


def _frame(frame: int | None) -> str:
    return "never" if frame is None else str(frame)


def _halt(halt: tuple[int, str] | None) -> str:
    return "none" if halt is None else f"{halt[1]} at {halt[0]}"
