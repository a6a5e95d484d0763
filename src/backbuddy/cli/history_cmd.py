"""`backbuddy history`: past sessions, newest first, how each one ended, and referral notices."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from backbuddy.bootstrap import open_store
from backbuddy.cli.options import DbOption, JsonOption
from backbuddy.config import load_settings
from backbuddy.domain import wording
from backbuddy.domain.escalation import Notice
from backbuddy.domain.ports import SessionRecord
from backbuddy.services.escalation import current_notices, local_zone

err_console = Console(stderr=True)

ENDINGS = wording.ENDINGS


def register(app: typer.Typer) -> None:
    app.command("history")(history)


def history(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List past sessions: date, technique, attempts, how each ended, camera or not."""
    console = Console()  # per call: the width (COLUMNS) is read when the command runs
    store, interrupted = open_store(load_settings(db=db))
    with store:
        records = list(reversed(store.sessions()))
        notices = current_notices(store, datetime.now(UTC), local_zone()) if records else ()
    for session_id in interrupted:
        err_console.print(
            f"[yellow]session {session_id} was interrupted[/] (backbuddy stopped before it "
            "ended); it is marked so in the history."
        )
    if as_json:
        typer.echo(json.dumps([_as_dict(r) for r in records], indent=2))
    elif not records:
        console.print("No sessions yet. Start one with: backbuddy guide TECHNIQUE")
    else:
        console.print(_table(records))
        _print_notices(console, notices)


def _print_notices(console: Console, notices: tuple[Notice, ...]) -> None:
    """Referral notices the history carries now (I8); each is also recorded."""
    if not notices:
        return
    console.print("[bold]Referral notices[/]")
    for n in notices:
        style = "bold red" if n.urgency != "routine" else "yellow"
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
        ending = ENDINGS[r.status]
        if r.end_reason and r.status != "interrupted":  # its notice already says why
            ending += f": {r.end_reason}"
        table.add_row(
            str(r.id),
            _local(r.started_at),
            r.technique,
            str(r.attempts),
            "yes" if r.camera else "no",
            ending,
        )
    return table


def _local(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


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
