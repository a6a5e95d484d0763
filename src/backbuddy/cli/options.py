"""Options shared by several commands, as typed `Annotated` aliases.

    def history(db: DbOption = None, as_json: JsonOption = False) -> None: ...

`--db` also reads BACKBUDDY_DB; pass its value to `config.load_settings(db=db)`,
where None means "not given" and the environment or the default applies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from backbuddy.reports.output import OutputError

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="BACKBUDDY_DB",
        metavar="URL",
        show_default=False,
        help=(
            "Where sessions are stored: a file path, sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST/DB. "
            "Default: backbuddy.sqlite3 in your user data folder."
        ),
    ),
]

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print JSON (for scripts) instead of a table."),
]

ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Replace the --out file if it already exists."),
]


def refuse_overwrite(path: Path, force: bool) -> None:
    """An existing file is replaced only when asked: a report or export may be all one has."""
    if not force and path.expanduser().is_file():
        raise OutputError(
            f"{path} already exists; nothing was written. "
            "Give another --out, or add --force to replace it."
        )
