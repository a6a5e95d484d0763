"""The live terminal guide: a Rich screen paced by real time, driven by single keys.

Works in a plain terminal and under tmux: the terminal is put in cbreak mode and
read with select(), so no key waits for Enter. The engine decides everything;
this module only turns keys into events and cues into a screen.
"""

from __future__ import annotations

import os
import select
import sys
import termios
import time
import tty
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, NoReturn, cast

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from backbuddy.domain import events as ev
from backbuddy.domain import wording
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import StoreError, TransitionNotAllowed
from backbuddy.domain.ports import HistoryStore
from backbuddy.domain.rules import hands_on
from backbuddy.domain.session import SessionState
from backbuddy.services.cue_speech import STOP_RELEASE
from backbuddy.services.felt_elsewhere import StoreWatch
from backbuddy.services.session_runner import GROUP_S, TICK_S, SessionRunner
from backbuddy.services.store_wait import StoreWorker, moving, unrecordable

if TYPE_CHECKING:
    from backbuddy.cli.guide_voice import GuideVoice

#: One key per sensation the engine knows (every one in `events.SENSATION_KINDS`).
SENSATIONS: dict[str, ev.SensationKind] = {
    "c": "comfortable_stretch",
    "d": "discomfort",
    "s": "sharp_pain",
    "l": "localised_pain",
    "n": "numbness",
    "t": "tingling",
    "w": "weakness",
    "z": "dizziness",
    "h": "chest_pain",
}
#: The keys that are not sensations.
CONTROLS: dict[str, str] = {
    " ": "STOP",
    "\r": "ready / resume",
    "r": "resistance",
    "p": "pop",
    "q": "end",
}
KEYS: dict[str, str] = {
    **CONTROLS,
    **{key: kind.replace("_", " ") for key, kind in SENSATIONS.items()},
}


def key_event(key: str, t: float, mode: str) -> ev.Event | None:
    """The event a key means in the current mode (Enter is ready in set-up, else resume)."""
    if key == " ":
        return ev.Stop(t, source="key")
    if key in SENSATIONS:
        return ev.Sensation(t, sensation=SENSATIONS[key])
    if key in ("\r", "\n"):
        return ev.Ready(t) if mode == "setup" else ev.Resume(t)
    simple = {"r": ev.Resistance, "p": ev.Pop, "q": ev.End}
    return simple[key](t) if key in simple else None


@contextmanager
def cbreak() -> Iterator[None]:
    if not sys.stdin.isatty():
        yield
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def read_key(timeout: float, wake: Sequence[int] = ()) -> str | None:
    """A key pressed within `timeout` seconds; None at the timeout or as soon as a
    descriptor in `wake` becomes readable (the microphone heard, the camera saw something)."""
    ready, _, _ = select.select([sys.stdin, *wake], [], [], max(0.0, timeout))
    if sys.stdin not in ready:
        return None
    data = os.read(sys.stdin.fileno(), 1)
    return data.decode(errors="ignore").lower() if data else "q"


def run_live(
    runner: SessionRunner,
    console: Console,
    voice: GuideVoice | None = None,
    place: str = "the database",
) -> None:
    """Run the session in real time until it ends; every cue is stored before it is drawn."""

    def screen(log: deque[Cue], note: str) -> RenderableType:
        panel = render(runner, log, note)
        return panel if voice is None else Group(panel, voice.line())

    run_loop(runner, console, screen, voice=voice, place=place)
    runner.close(datetime.now(UTC))


Screen = Callable[[deque[Cue], str], RenderableType]


def run_loop(
    runner: SessionRunner,
    console: Console,
    screen: Screen,
    camera: bool = False,
    poll: Callable[[float], Iterable[ev.Event]] | None = None,
    voice: GuideVoice | None = None,
    seen: int | None = None,
    place: str = "the database",
    sees_hold: bool = False,
) -> None:
    """The real-time loop: a tick every 0.1 s, single keys, and (camera) the frames' events;
    `sees_hold`: the camera's pose model reports the assistant's hold (`Begin.sees_hold`).

    `poll(t)` returns the camera's pose events up to session time `t`; they are fed
    after the key or tick of the same turn, in time order, then what `voice` heard.
    The loop also wakes the moment `voice` hears something or the camera's descriptor
    `seen` becomes readable (a turn without a key or a tick), so neither a spoken stop nor
    a jerk the camera saw waits for a tick. Every cue goes to `voice` to be spoken
    (a halt silences it first).

    Quiet poses are stored as the web app's live session stores them: together, every
    `GROUP_S` (`SessionRunner` group commit); every other event is committed before its cues
    are shown, as always. A loop left by an error writes the poses still waiting.

    The store is called on a worker thread (`services.store_wait.StoreWorker`, `place`
    naming the database): while the hands are on or a movement runs, a write or a look
    held `STALL_S` (a file locked by another program, a slow disk, a server gone quiet)
    stops the guide at once, as a write that failed does: the screen and the voice say to
    stop and release, the held write is waited for (what it carried is stored, or kept in
    the journal), the session is recorded interrupted and StoreError ends the command.
    """
    runner.group_s = GROUP_S
    worker = StoreWorker(lambda: moving(runner.state), place)
    try:
        _turns(runner, console, screen, (camera, camera and sees_hold), poll, voice, seen, worker)
    finally:
        worker.settle()
        with suppress(StoreError):  # a store that failed has said so already
            runner.flush()


def _turns(
    runner: SessionRunner,
    console: Console,
    screen: Screen,
    camera: tuple[bool, bool],
    poll: Callable[[float], Iterable[ev.Event]] | None,
    voice: GuideVoice | None,
    seen: int | None,
    worker: StoreWorker,
) -> None:
    """`run_loop`'s turns until the session ends; a store failure stops them (`_unrecordable`).
    `camera`: (a camera watches, it sees the assistant's hold), as `Begin` takes them."""
    started = time.monotonic()
    wall = datetime.now(UTC)
    log: deque[Cue] = deque(maxlen=6)
    note = ""
    with cbreak(), Live(screen(log, note), console=console, refresh_per_second=10) as live:
        try:
            begin = ev.Begin(0.0, at=wall, camera=camera[0], sees_hold=camera[1])
            _feed(runner, begin, wall, log, voice, worker)
            next_tick = TICK_S
            wake = [f for f in (None if voice is None else voice.fileno(), seen) if f is not None]
            watch = _store_watch(runner)
            while runner.state.mode != "ended":
                key = read_key(started + next_tick - time.monotonic(), wake)
                t = turn_time(time.monotonic() - started, runner.last_event_t)
                event: ev.Event | None = None
                if key:
                    event = key_event(key, t, runner.state.mode)
                elif t >= next_tick - 0.002:  # the timeout, not a wake-up (ms rounding aside)
                    event = ev.Tick(max(t, next_tick))
                    next_tick += TICK_S
                stamp = max(t if event is None else event.t, runner.last_event_t)
                pending = [] if event is None else [event]
                if poll is not None:
                    pending += list(poll(stamp))
                if voice is not None:
                    pending += voice.poll(stamp, runner.state)
                found, note = _look(watch, stamp, worker)
                pending += found
                for item in pending:
                    if runner.finished:  # the session ended on an earlier event of this turn
                        break
                    try:
                        _feed(runner, item, wall, log, voice, worker)
                    except TransitionNotAllowed as err:
                        note = str(err)
                live.update(screen(log, note))
            live.update(screen(log, note))
        except StoreError as err:
            _unrecordable(runner, err, worker, live, voice, time.monotonic() - started)


def turn_time(elapsed: float, last_event_t: float) -> float:
    """The session time of this turn's key press or tick: the wall clock in ms, never before
    the last event (a tick is stamped at its due time, up to 2 ms ahead of the clock; a STOP
    pressed just after it was refused as "time went backwards" and ended the guide)."""
    return max(round(elapsed, 3), last_event_t)


def _look(
    watch: StoreWatch | None, stamp: float, worker: StoreWorker
) -> tuple[list[ev.Event], str]:
    """A symptom, a red flag or a caution stored elsewhere, and what to say about it, looked
    for on the store's worker (only a look held past the bound while people move stops the
    guide)."""
    if watch is None or stamp < watch.next_t:  # not due: no look, no trip to the worker
        return [], ""

    def look() -> tuple[list[ev.Event], str]:
        try:
            found, said = watch.poll(stamp, datetime.now(UTC))
        except StoreError:  # unreadable now: the next look tries again
            return [], ""
        return list(found), said or ""

    return worker.call(look)


def _unrecordable(
    runner: SessionRunner,
    err: StoreError,
    worker: StoreWorker,
    live: Live,
    voice: GuideVoice | None,
    t: float,
) -> NoReturn:
    """Nothing can be recorded (I7), so nothing may go on: say so on the screen and aloud at
    once, wait for the write in hand (it keeps its turn: what it carried is stored, or kept in
    the journal), record the session interrupted if the store takes it, and end."""
    message, cause = unrecordable(err)
    if voice is not None:
        voice.on_cues((Cue(t, "halt", STOP_RELEASE, reason="store_failed"),))
    shown = Text(f"\nSTOPPED. {message}", style="bold red")
    waiting = Text("\nWaiting for the database to take what it was given…", style="dim")
    live.update(Panel(Group(shown, waiting), title="backbuddy", border_style="red"))
    worker.settle()
    with suppress(StoreError):  # still refused: the next start marks it interrupted
        runner.close(datetime.now(UTC), f"backbuddy could not record the session: {cause}")
    live.update(Panel(shown, title="backbuddy", border_style="red"))
    raise StoreError(message) from err


def _store_watch(runner: SessionRunner) -> StoreWatch | None:
    """The look at the store (`services.felt_elsewhere.StoreWatch`), for a store that keeps
    screenings and symptom halts (the real one)."""
    store = runner.store
    if not (hasattr(store, "symptoms_mark") and hasattr(store, "screenings_mark")):
        return None
    state = runner.state
    history = cast(HistoryStore, store)
    return StoreWatch(history, runner.session_id, state.technique.id, state.screening)


def _feed(
    runner: SessionRunner,
    event: ev.Event,
    wall: datetime,
    log: deque[Cue],
    voice: GuideVoice | None,
    worker: StoreWorker,
) -> None:
    """Step and store `event` on the store's worker, waited for within the bound
    (`StoreWorker`; a quiet pose or tick writes nothing and comes straight back).

    Where the hands go on (the rest into the breath-in, Enter into the hold, a step) while a
    person's voice is under way or her words wait for Whisper, that voice pauses at once, as
    one begun there: her stop must not wait out the breath-in for the movement cue (as the
    web's `LiveSession._handle`; red team, session 25)."""
    before = hands_on(runner.state)
    cues = worker.call(partial(runner.handle, event, wall + timedelta(seconds=event.t)))
    if voice is not None and not before and hands_on(runner.state) and voice.voice_open():
        heard = ev.Voice(runner.last_event_t)
        at = wall + timedelta(seconds=heard.t)
        cues = (*cues, *worker.call(partial(runner.handle, heard, at)))
    if voice is not None:
        voice.on_cues(cues, runner.state)
    for cue in cues:
        if cue.kind != "pace":
            log.append(cue)


STOPPED_TEXT = {
    "halted": "STOPPED. Release gently. Enter to go on when you both want to, q to end.",
    "paused": "PAUSED. Ease off and hold still. Enter to go on when you both want to, q to end.",
    "ended": "Session over. Rest; read the aftercare below.",
}


#: The phase's breath as the screen shows it: never a breath hold (the hold is of the position).
BREATH_LABELS = {
    "in": "BREATHE IN",
    "out": "BREATHE OUT",
    "gentle": "HOLD THE POSITION, BREATHE GENTLY",
    "normal": "BREATHE NORMALLY",
}


def _now(s: SessionState) -> list[RenderableType]:
    """What the pair does right now; role instructions only while they apply."""
    if s.mode in STOPPED_TEXT:
        style = "bold red" if s.mode == "halted" else "bold yellow"
        return [Text(f"\n{STOPPED_TEXT[s.mode]}", style=style)]
    if s.mode == "setup":
        step = s.technique.setup[s.setup_index]
        title = Text(f"\nSet-up: {step.title}  (Enter when ready)", style="bold cyan")
        return [title, _roles(step.receiver.text, step.assistant.text)]
    if s.mode != "attempt":
        return [Text("\nStarting…")]
    phase = s.technique.phases[s.phase_index]
    label = BREATH_LABELS[phase.breath]
    bar = Table.grid()
    bar.add_row(
        ProgressBar(
            total=phase.seconds, completed=min(phase.seconds, s.t - s.phase_started), width=50
        )
    )
    receiver = phase.receiver.text if phase.receiver else phase.text
    assistant = phase.assistant.text if phase.assistant else "Stay still and relaxed."
    return [Text(f"\n{label}  {phase.text}", style="bold cyan"), bar, _roles(receiver, assistant)]


def _roles(receiver: str, assistant: str) -> Table:
    roles = Table.grid(padding=(0, 2))
    roles.add_row("[bold]Receiver[/]", receiver)
    roles.add_row("[bold]Assistant[/]", assistant)
    return roles


#: Under every screen: the attempts here and the speed and range of the camera panel.
LIMITS_LINE = f"Its limits (attempts, speed, range) are {wording.LIMITS_NOTE}."


def _key_name(key: str) -> str:
    return {" ": "space", "\r": "Enter"}.get(key, key)


def key_help() -> str:
    """The key lines under the screen: controls, then feelings, then what stops for good."""

    def listed(keys: Iterable[str]) -> str:
        return "  ".join(f"[{_key_name(k)}] {KEYS[k]}" for k in keys)

    feel = [k for k, kind in SENSATIONS.items() if kind not in ev.SYMPTOMS]
    stop = [k for k, kind in SENSATIONS.items() if kind in ev.SYMPTOMS]
    return f"{listed(CONTROLS)}\nFeel: {listed(feel)}\nStop for good: {listed(stop)}"


def render(runner: SessionRunner, log: deque[Cue], note: str) -> Panel:
    """The screen: status, breathing bar, what each partner does now, attempts, recent cues."""
    s = runner.state
    status = {"halted": "bold white on red", "paused": "black on yellow", "ended": "reverse"}
    head = Text(f" {s.mode.upper()} ", style=status.get(s.mode, "black on green"))
    head.append(f"  {s.technique.name}   attempts left: {s.attempts_left}", style="bold")
    parts: list[RenderableType] = [head, *_now(s)]
    colours = {"halt": "bold red", "pause": "yellow", "move": "bold green", "refer": "magenta"}
    for cue in log:
        parts.append(
            Text(f"{cue.t:6.1f}s {cue.kind:<9} {cue.text}", style=colours.get(cue.kind, ""))
        )
    if note:
        parts.append(Text(note, style="yellow"))
    parts.append(Text(f"\n{key_help()}\n{wording.DISCLAIMER} {LIMITS_LINE}", style="dim"))
    return Panel(
        Group(*parts), title="backbuddy", border_style="red" if s.mode == "halted" else "cyan"
    )
