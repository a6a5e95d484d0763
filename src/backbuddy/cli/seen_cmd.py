"""`backbuddy seen --date DAY`: record that a professional has seen the receiver.

A red flag at a screening and a symptom that stopped a session block every later
session until this is recorded (I1, I8). It is deliberate: the command shows what
it clears and asks for confirmation (or `--yes`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm

from backbuddy.bootstrap import open_store
from backbuddy.cli.options import DbOption
from backbuddy.config import load_settings
from backbuddy.services import seen as seen_service

console = Console()

DateOption = Annotated[
    datetime,
    typer.Option(
        "--date",
        formats=["%Y-%m-%d"],
        metavar="YYYY-MM-DD",
        help="The day a physiotherapist, chiropractor or doctor saw the receiver.",
    ),
]
YesOption = Annotated[
    bool, typer.Option("--yes", help="Confirm without being asked (the statement is still shown).")
]


def register(app: typer.Typer) -> None:
    app.command("seen")(seen)


def seen(day: DateOption, yes: YesOption = False, db: DbOption = None) -> None:
    """Record that a professional has seen the receiver: lifts red-flag and symptom blocks.

    One record clears every such block raised on or before that day. Waits (a back
    cracked today) and the daily and weekly limits are not changed by it.
    Exit status: 0 recorded, 1 not confirmed, 2 refused (nothing to clear, a date
    in the future or before the block).
    """
    now = datetime.now(UTC)
    seen_on: date = day.date()
    with open_store(load_settings(db=db)).store as store:
        waiting = seen_service.waiting(store, now)
        for block in waiting:
            console.print(f" • {escape(block.what)}", highlight=False)
        said = seen_service.statement(waiting) if waiting else ""
        confirmed = yes or not waiting
        if waiting and not yes:
            confirmed = Confirm.ask(f"{escape(said)} Seen on {seen_on}. Is that right?")
            if not confirmed:
                console.print("Nothing was recorded.")
                raise typer.Exit(1)
        done = seen_service.record_seen(store, seen_on, now, confirmed=confirmed)
    console.print(f"[green]Recorded:[/] seen on {seen_on}. {escape(said)}", highlight=False)
    for block in done.remaining:
        console.print(
            f"[yellow]Still blocking[/] (raised after {seen_on}): {escape(block.what)}",
            highlight=False,
        )
