"""`backbuddy history`: past sessions, newest first, how each ended, blocks, visits and notices."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from backbuddy.bootstrap import open_reader
from backbuddy.cli.options import DbOption, JsonOption
from backbuddy.config import load_settings
from backbuddy.domain import wording
from backbuddy.domain.blocks import Block
from backbuddy.domain.escalation import Notice, Seen
from backbuddy.domain.ports import SessionRecord
from backbuddy.services.escalation import current_notices, local_zone, person_blocks

err_console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.command("history")(history)


def history(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List past sessions: date, technique, attempts, how each ended, camera or not.

    Then what blocks sessions now (red flags, waits, symptom halts) and how each ends,
    the recorded professional visits, and the notices (referrals, blocks, re-answers
    that contradicted a block).
    """
    console = Console()  # per call: the width (COLUMNS) is read when the command runs
    store, interrupted = open_reader(load_settings(db=db))
    now, zone = datetime.now(UTC), local_zone()
    with store:
        records = list(reversed(store.sessions()))
        anything = bool(records or store.screenings())
        notices = current_notices(store, now, zone) if anything else ()
        blocks = person_blocks(store, now, zone) if anything else ()
        visits = store.seen()
    for session_id in interrupted:
        err_console.print(
            f"[yellow]session {session_id} was interrupted[/] (backbuddy stopped before it "
            "ended); it is marked so in the history."
        )
    if as_json:
        typer.echo(json.dumps([_as_dict(r) for r in records], indent=2))
        return
    if records:
        console.print(_table(records))
    else:
        console.print("No sessions yet. Start one with: backbuddy guide TECHNIQUE")
    _print_blocks(console, blocks)
    _print_visits(console, visits)
    _print_notices(console, notices)


def _print_blocks(console: Console, blocks: tuple[Block, ...]) -> None:
    """What blocks every session now, and how each block ends."""
    if not blocks:
        return
    console.print("[bold red]Blocking sessions now[/]")
    for b in blocks:
        end = (
            "until a physiotherapist, chiropractor or doctor has seen the receiver "
            "(then: backbuddy seen --date YYYY-MM-DD)"
            if b.needs_seen
            else f"until {_local(b.until)} (a wait, not a referral)"
        )
        console.print(f"[red]•[/] {b.what}: blocks {end}.", highlight=False)


def _print_visits(console: Console, visits: list[Seen]) -> None:
    if not visits:
        return
    console.print("[bold]Professional visits recorded[/]")
    for v in visits:
        console.print(
            f"• seen on {v.seen_on} (recorded {_local(v.recorded_at)}): {v.statement}",
            highlight=False,
        )


def _print_notices(console: Console, notices: tuple[Notice, ...]) -> None:
    """The notices the history carries now (I8, blocks); each is also recorded."""
    if not notices:
        return
    console.print("[bold]Notices[/]")
    for n in notices:
        style = "bold red" if n.urgency != "routine" or n.blocks else "yellow"
        console.print(f"[{style}]•[/] {n.reason} {n.advice}", highlight=False)


def _table(records: list[SessionRecord]) -> Table:
    table = Table(title="Sessions, newest first", box=box.SIMPLE_HEAD)
    table.add_column("#", justify="right")
    table.add_column("date", no_wrap=True)
    table.add_column("technique", no_wrap=True)
    table.add_column("attempts", justify="right")
    table.add_column("camera")
    table.add_column("how it ended", min_width=12)
    for r in records:
        ending = wording.ending(r.status, r.end_reason)
        table.add_row(
            str(r.id),
            _local(r.started_at),
            r.technique,
            str(r.attempts),
            "yes" if r.camera else "no",
            ending,
        )
    return table


def _local(when: datetime | None) -> str:
    return "" if when is None else when.astimezone().strftime("%Y-%m-%d %H:%M")


def _as_dict(r: SessionRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "technique": r.technique,
        "started_at": r.started_at.isoformat(),
        "ended_at": r.ended_at.isoformat() if r.ended_at else None,
        "status": r.status,
        "end_reason": r.end_reason,
        "attempts": r.attempts,
        "camera": r.camera,
        "screening_id": r.screening_id,
    }
