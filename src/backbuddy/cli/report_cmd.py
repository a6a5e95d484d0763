"""`backbuddy report`: one self-contained document for a physiotherapist or doctor."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from backbuddy.bootstrap import open_reader
from backbuddy.cli.options import DbOption, ForceOption, refuse_overwrite
from backbuddy.config import load_settings
from backbuddy.domain.errors import BackbuddyError
from backbuddy.reports.data import collect
from backbuddy.reports.output import write_atomic
from backbuddy.services.escalation import current_notices, local_zone, person_blocks

console = Console()


def parse_since(value: str) -> date:
    """A calendar date as YYYY-MM-DD; anything else names itself and the format."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        example = date.today().replace(day=1).isoformat()
        raise typer.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD (local time), e.g. --since {example}",
            param_hint="'--since'",
        ) from None


SinceOption = Annotated[
    date | None,
    typer.Option(
        "--since",
        parser=parse_since,
        metavar="YYYY-MM-DD",
        help="Only what happened from this date (YYYY-MM-DD, local time). Default: everything.",
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        metavar="FILE.html|FILE.pdf",
        help="Where to write it; .html or .pdf. Default: backbuddy-report-DATE.html here. "
        "An existing file is not replaced unless --force is given.",
    ),
]
WhoOption = Annotated[
    str | None,
    typer.Option("--name", help="The receiver's name to print on it (left out unless given)."),
]


class NothingToReport(BackbuddyError):
    exit_code = 1


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    since: SinceOption = None,
    out: OutOption = None,
    name: WhoOption = None,
    force: ForceOption = False,
    db: DbOption = None,
) -> None:
    """Write a clinician report (HTML or PDF): screenings, sessions, symptoms, notices, plots.

    An existing file is never replaced unless --force is given.
    """
    zone = local_zone()
    now = datetime.now(UTC)
    start = datetime.combine(since, time(), zone) if since else None
    target = out or Path(f"backbuddy-report-{date.today().isoformat()}.html")
    kind = target.suffix.lower()
    if kind not in (".html", ".htm", ".pdf"):
        raise BackbuddyError(f"--out must end in .html or .pdf, got {target.name!r}")
    refuse_overwrite(target, force)
    store, _ = open_reader(load_settings(db=db), now)
    with store:
        current_notices(store, now, zone)
        data = collect(store, now, start, name, person_blocks(store, now, zone))
    if not data.sessions:
        period = f"since {start.date()}" if start else "stored"
        raise NothingToReport(
            f"no sessions {period} in {store.where}; nothing was written. "
            "Try an earlier --since, or check --db."
        )
    # matplotlib and weasyprint (~1 CPU-s to import) load for a report only, not for every command.
    from backbuddy.reports.html import render_html, render_pdf

    html = render_html(data, zone)
    content = render_pdf(html) if kind == ".pdf" else html.encode("utf-8")
    written = write_atomic(target, content)
    console.print(
        f"Report written to {written} ({len(data.sessions)} sessions, "
        f"{len(data.notice_groups)} kinds of notice).",
        highlight=False,
        soft_wrap=True,
    )
