"""Options shared by several commands, as typed `Annotated` aliases.

    def history(db: DbOption = None, as_json: JsonOption = False) -> None: ...

`--db` also reads BACKBUDDY_DB; pass its value to `config.load_settings(db=db)`,
where None means "not given" and the environment or the default applies.
"""

from __future__ import annotations

from typing import Annotated

import typer

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
