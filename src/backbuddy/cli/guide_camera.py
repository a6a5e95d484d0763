"""`backbuddy guide TECHNIQUE --camera 0|FILE`: the live terminal guide with the camera watching.

The camera (or a video file replayed at its own frame rate, as if live) runs on a
worker thread: frames → MediaPipe → motion monitors → `pose` events (a sudden jerk
is flagged on the pose, for the engine to judge by phase). The loop here is the
terminal guide's loop with one more source of events; the engine decides everything,
as always. The screen adds the camera's view: check ticks, the live speed against the
limits, the tracking state.
"""

from __future__ import annotations

from collections import deque
from contextlib import closing
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from backbuddy import bootstrap
from backbuddy.cli.guide_live import render, run_loop
from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain import rules
from backbuddy.domain.cues import Cue
from backbuddy.domain.techniques import Limits
from backbuddy.motion.people import tell_technique
from backbuddy.services.analyze import sees_hold
from backbuddy.services.pose_feed import FeedView, PoseFeed
from backbuddy.services.session_runner import SessionRunner

if TYPE_CHECKING:
    from backbuddy.cli.guide_voice import GuideVoice

CameraOption = Annotated[
    str | None,
    typer.Option(
        "--camera",
        metavar="0|FILE",
        help="Watch with a camera (its number, e.g. 0), or replay a video file as if live, "
        "at its own frame rate.",
    ),
]


def run_with_camera(
    runner: SessionRunner,
    console: Console,
    spec: str,
    settings: Settings | None = None,
    voice: GuideVoice | None = None,
) -> None:
    """Run the session in real time with the camera feeding pose events, until it ends."""
    from backbuddy.domain.errors import PoseModelError

    open_model = bootstrap.pose_model_factory(settings, live=True)
    if open_model is None:
        raise PoseModelError("MediaPipe's pose model is not installed: run `make` first")
    with bootstrap.quiet_native_logs():  # MediaPipe's C++ logging would scribble over the screen
        source, _ = bootstrap.open_source(spec)
        with source, closing(open_model()) as model:
            tell_technique(model, runner.state.technique)  # the two-person step: lying? grey?
            feed = PoseFeed(
                source.frames, runner.state.technique, model, fps=source.info.fps
            ).start()
            try:
                place = bootstrap.store_place(settings) if settings else "the database"
                _loop(runner, console, feed, voice, place, sees_hold(model))
            finally:
                feed.stop()
    runner.close(datetime.now(UTC))


def _loop(
    runner: SessionRunner,
    console: Console,
    feed: PoseFeed,
    voice: GuideVoice | None = None,
    place: str = "the database",
    holds: bool = False,
) -> None:
    """`holds`: the pose model reports the assistant's hold (`services.analyze.sees_hold`)."""

    def poll(t: float) -> list[ev.Event]:
        feed.set_checks(runner.state.current_checks())
        feed.set_moving(rules.movement_watched(runner.state))  # the two-person step's looks
        return list(feed.poll(t))

    def screen(log: deque[Cue], note: str) -> Group:
        shown = _screen(runner, log, note, feed)
        return shown if voice is None else Group(shown, voice.line())

    run_loop(
        runner, console, screen, True, poll, voice, seen=feed.fileno(), place=place, sees_hold=holds
    )


def _screen(runner: SessionRunner, log: deque[Cue], note: str, feed: PoseFeed) -> Group:
    state = runner.state
    panel = camera_panel(feed.view, state.limits, state.current_checks())
    return Group(render(runner, log, note), panel)


def camera_panel(view: FeedView, limits: Limits, active: tuple[str, ...] = ()) -> Table:
    """Tracking state, live speed against the limits, range, and a tick per check."""
    table = Table.grid(padding=(0, 2))
    if view.error:
        state = Text(f"camera: {view.error}", style="bold red")
    elif view.frames == 0:
        state = Text("camera: starting…", style="yellow")
    elif view.unsure:
        state = Text("camera: WHO IS THE RECEIVER? (cannot tell; nothing moves)", style="bold red")
    elif view.tracked:
        state = Text("camera: tracking", style="green")
    else:
        why = "no one in view" if not view.person else "receiver not clearly seen"
        state = Text(f"camera: TRACKING LOST ({why})", style="bold red")
    table.add_row(state)
    if view.placement_hint:
        table.add_row(Text(f"camera placement: {view.placement_hint}", style="yellow"))
    speed = view.speed_deg_s
    style = "green" if speed <= limits.gentle_speed_deg_s else "yellow"
    style = "bold red" if speed > limits.hard_speed_deg_s else style
    shown = f"{speed:5.1f} °/s" if view.tracked else "    – °/s"
    table.add_row(
        Text(
            f"speed {shown}  (gentle ≤ {limits.gentle_speed_deg_s:g}, "
            f"stop above {limits.hard_speed_deg_s:g})   range {view.range_deg:4.1f}° "
            f"of {limits.max_range_deg:g}°",
            style=style if view.tracked else "dim",
        )
    )
    for result in view.checks:
        if active and result.id not in active:
            continue
        marks = {"pass": "[green]✓[/]", "not_visible": "[yellow]?[/]"}
        mark = marks.get(result.status, "[red]✗[/]")
        table.add_row(f"{mark} {result.message}")
    return table
