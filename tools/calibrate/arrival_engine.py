"""The assistant's arrival through the engine: does a Ready pressed as he takes hold end in a halt?

    .venv/bin/python tools/calibrate/arrival_table.py --engine

Each whole-flow clip's recorded landmarks (tests/data/flow, per path) through a live
`PoseMonitor` frame by frame, as `arrival_table` runs them (the last set-up step's checks
active), give the engine's `pose` events (with `covered`, as the server sends them); then a
camera session of the Seated Hug: begun at the clip's first frame, the receiver's step
confirmed by the camera, and the pair's Ready for the assistant's step pressed at a given
frame, and again every `AGAIN_S` while it is refused (as a pair would). Run by rule
(`RULES`): as the engine was before session 17 ("none": `hold_settle_s` 0), as session 17 left
it ("settle": the 1.5 s settle after a hold seen) and as it is ("now": the settle, and the
assistant's step waiting for a hold seen, `Begin.sees_hold`). A path "…-blind" is the same
clip with every `covered` flag cleared: a placement where his hands are never read on her
arms (the floor's and the table's slow clips, `hold_seen.py`). Per press: the frame the Ready
was taken, and the first halt or pause of the attempt that followed (frame, reason).
Sessions 17 and 18 (docs/accuracy.md, "His arrival", "A Ready before his hold").

`later`: his arrival comes that many frames later (`arriving_later`: her still frames before
he comes into view, repeated), so a pair pressing Ready from the same frame meets the wait for
his hold and its end before he takes it: a hold taken more than `hold_wait_s` after the pair
was asked (session 21, docs/accuracy.md "A hold taken after the wait").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
#: Frames of her alone and still in every flow (he comes into view at 82), repeated by
#: `arriving_later`: the set-up checks pass and both paths read her as herself there.
ALONE_STILL = (65, 80)
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Outcome:
    """One press: the frame its Ready was taken (None: never), the first halt or pause of the
    attempt after it (frame, "halt sudden"; None: none), the refusals' reasons before it, and
    the words of that halt or pause (None: none)."""

    taken: int | None
    halt: tuple[int, str] | None
    refused: tuple[str, ...]
    said: str | None = None


#: The engine's rules for his arrival: none (before session 17), the settle after a hold seen
#: (session 17), and the settle with the assistant's step waiting for a hold seen (now).
RULES = ("none", "settle", "now")


def hug(settle: bool = True) -> Technique:
    """The Seated Hug as it is (`settle`), or as the engine ran it before (no settle)."""
    technique = techniques.get("seated_hug_extension")
    return technique if settle else technique.model_copy(update={"hold_settle_s": 0.0})


@cache
def poses(kind: str, path: str) -> tuple[Pose, ...]:
    """The clip's pose events on `path` ("server" or "page"; "…-blind": no covered flags)."""
    base, blind = path.removesuffix("-blind"), path.endswith("-blind")
    if blind:
        return tuple(replace(p, covered=False) for p in poses(kind, base))
    stored = np.load(DATA / f"{CLIP.format(kind)}_{base}.npz")
    lm = Landmarks.from_arrays(
        {k: v.astype(np.float32) if v.dtype == np.float16 else v for k, v in stored.items()}
    )
    technique = hug()
    mon = PoseMonitor(technique, fps=FPS, active_checks=technique.setup[-1].checks, live=True)
    return tuple(mon.update(lm.take(slice(i, i + 1))).pose(0) for i in range(len(lm)))


def first_covered(kind: str, path: str) -> int | None:
    frames = [i for i, p in enumerate(poses(kind, path)) if p.covered]
    return frames[0] if frames else None


def arriving_later(stream: tuple[Pose, ...], frames: int) -> tuple[Pose, ...]:
    """`stream` with `frames` more frames of her alone before he comes into view: the still
    frames `ALONE_STILL` repeated in turn after the last of them, at the clip's frame period;
    every later frame (his arrival, his hold, the movement) shifted by as much."""
    first, end = ALONE_STILL
    period = stream[1].t - stream[0].t
    out = list(stream[:end])
    t = stream[end - 1].t
    for k in range(frames):
        t += period
        out.append(replace(stream[first + k % (end - first)], t=t))
    shift = t - stream[end - 1].t
    out += [replace(p, t=p.t + shift) for p in stream[end:]]
    return tuple(out)


def first_jolt(stream: tuple[Pose, ...], after: int) -> int | None:
    """The first frame after `after` whose pose is `sudden` (the jolt of his hold)."""
    return next((i for i, p in enumerate(stream) if i > after and p.sudden), None)


def press(kind: str, path: str, frame: int, rule: str = "now", later: int = 0) -> Outcome:
    """Run the session under `rule` (`RULES`) with Ready pressed at `frame` (and again while
    refused); `later`: his arrival that many frames later (`arriving_later`)."""
    stream = poses(kind, path)
    if later:
        stream = arriving_later(stream, later)
    return run(stream, frame, rule)


def run(stream: tuple[Pose, ...], frame: int, rule: str = "now") -> Outcome:
    """`press` on a given stream of pose events."""
    technique = hug(rule != "none")
    taken_at = stream[0].t
    screened = ScreeningResult(
        technique.id, "clear", (), NOW - timedelta(minutes=5), NOW + timedelta(hours=1)
    )
    state = session.new_session(technique, screened)
    events = _with_presses(stream, frame, sees_hold=rule == "now")
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
            return Outcome(taken, (last_frame, what), tuple(refused), stops[0].text)
        if state.mode in ("ended", "paused", "halted"):
            break
    return Outcome(taken, None, tuple(refused))


def _with_presses(stream: tuple[Pose, ...], frame: int, sees_hold: bool) -> list[Event]:
    """Begin, the clip's poses, and a Ready at `frame`'s time and every `AGAIN_S` after."""
    events: list[Event] = [Begin(stream[0].t, at=NOW, camera=True, sees_hold=sees_hold)]
    at = stream[frame].t
    for pose in stream:
        while at <= pose.t:
            events.append(Ready(at))
            at += AGAIN_S
        events.append(pose)
    return events


def table(
    kinds: tuple[str, ...], presses: tuple[int, ...], paths: tuple[str, ...] = ("server", "page")
) -> list[str]:
    """Markdown rows: per clip, path and press frame, as session 17 left it and now."""
    rows = [
        "| clip | path | first covered | Ready pressed | session 17: taken | session 17: halt "
        "| now: taken | now: halt | now: refused as |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in kinds:
        for path in paths:
            cov = first_covered(kind, path)
            for frame in presses:
                was, now = press(kind, path, frame, "settle"), press(kind, path, frame)
                cells = [
                    kind,
                    path,
                    _frame(cov),
                    str(frame),
                    _frame(was.taken),
                    _halt(was.halt),
                    _frame(now.taken),
                    _halt(now.halt),
                    ", ".join(sorted(set(now.refused))) or "–",
                ]
                rows.append("| " + " | ".join(cells) + " |")
    return rows


def _frame(frame: int | None) -> str:
    return "never" if frame is None else str(frame)


def _halt(halt: tuple[int, str] | None) -> str:
    return "none" if halt is None else f"{halt[1]} at {halt[0]}"
