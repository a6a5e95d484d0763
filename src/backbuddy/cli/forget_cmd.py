"""`backbuddy forget`: delete every stored record, and say where it lived."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from backbuddy.bootstrap import open_store
from backbuddy.cli.options import DbOption
from backbuddy.config import load_settings

console = Console()


def register(app: typer.Typer) -> None:
    app.command("forget")(forget)


def forget(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Delete every screening, session, event, aftercare answer and notice. Cannot be undone.

    Refused while a session is running in another window; nothing is deleted then.
    """
    store, _ = open_store(load_settings(db=db))
    with store:
        if not yes:
            typer.confirm(
                f"Delete everything backbuddy stored in {store.where}? This cannot be undone",
                abort=True,
            )
        gone = store.forget()
    total = sum(gone.counts.values())
    details = ", ".join(f"{n} {table}" for table, n in gone.counts.items() if n)
    console.print(  # soft_wrap: a long path stays whole, to copy or click
        f"Deleted {total} records{f' ({details})' if details else ''} from {gone.where}. "
        "Nothing was ever sent anywhere.",
        highlight=False,
        soft_wrap=True,
    )
