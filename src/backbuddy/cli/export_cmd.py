"""`backbuddy export`: everything stored, as a FHIR R4B Bundle or plain JSON (docs/export.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from backbuddy.bootstrap import open_reader
from backbuddy.cli.options import DbOption, ForceOption, refuse_overwrite
from backbuddy.config import load_settings
from backbuddy.domain.errors import BackbuddyError
from backbuddy.reports import dump, fhir
from backbuddy.reports.data import collect
from backbuddy.reports.output import write_atomic
from backbuddy.services.escalation import current_notices, local_zone

console = Console()


class Format(StrEnum):
    fhir = "fhir"
    json = "json"


class NothingToExport(BackbuddyError):
    exit_code = 1


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def export(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="FILE",
            help="Where to write it. An existing file is not replaced unless --force is given.",
        ),
    ],
    fmt: Annotated[
        Format, typer.Option("--format", help="fhir: a FHIR R4B Bundle; json: a plain dump.")
    ] = Format.fhir,
    name: Annotated[
        str | None, typer.Option("--name", help="The receiver's name (left out unless given).")
    ] = None,
    force: ForceOption = False,
    db: DbOption = None,
) -> None:
    """Export every stored record to a file. Nothing is sent anywhere.

    An existing file is never replaced unless --force is given.
    """
    refuse_overwrite(out, force)
    now = datetime.now(UTC)
    store, _ = open_reader(load_settings(db=db), now)
    with store:
        if store.sessions() or store.screenings():
            current_notices(store, now, local_zone())
        data = collect(store, now, None, name)
    if data.empty:
        raise NothingToExport(f"nothing is stored in {store.where}; nothing was written.")
    text = fhir.to_json(data) if fmt is Format.fhir else dump.to_json(data)
    written = write_atomic(out, text.encode("utf-8"))
    console.print(
        f"Exported {len(data.sessions)} sessions and {len(data.screenings)} screenings "
        f"from {store.where} to {written} ({fmt.value}).",
        highlight=False,
        soft_wrap=True,
    )
