"""`backbuddy techniques`: list the techniques, or show one with its sources."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from backbuddy.domain import techniques as tech
from backbuddy.domain import wording

console = Console()


def register(app: typer.Typer) -> None:
    app.command("techniques")(techniques)


def techniques(
    technique_id: Annotated[
        str | None, typer.Argument(metavar="[show] ID", help="Show one technique in full.")
    ] = None,
    extra: Annotated[str | None, typer.Argument(hidden=True)] = None,
) -> None:
    """List the techniques; `techniques show ID` prints steps, cautions and guide sources."""
    if technique_id == "show":
        if extra is None:
            raise typer.BadParameter("name a technique: backbuddy techniques show ID")
        technique_id = extra
    if technique_id is None:
        table = Table(title="Techniques", show_lines=False)
        for col in ("id", "name", "region", "what it is for"):
            table.add_column(col)
        for t in tech.load_all().values():
            table.add_row(t.id, t.name, t.region, t.purpose)
        console.print(table)
        return
    _show(tech.get(technique_id))


def _show(t: tech.Technique) -> None:
    console.print(f"[bold]{t.name}[/]  ([cyan]{t.id}[/], {t.region})")
    console.print(t.purpose)
    for quote in t.source:
        console.print(f"  [dim]guide:[/] [italic]“{quote}”[/]")
    console.print(f"\n[bold]Camera[/]: {t.camera}")
    console.print("\n[bold]Set-up[/]")
    for i, step in enumerate(t.setup, 1):
        console.print(f" {i}. [bold]{step.title}[/]")
        console.print(f"    receiver:  {step.receiver.text}")
        console.print(f"    assistant: {step.assistant.text}")
        for cid in step.checks:
            check = t.check(cid)
            console.print(
                f"    [green]check[/] {check.text} "
                f"({check.measure} {check.min:g}–{check.max:g} {check.unit})"
            )
        console.print(f"    [dim]guide: “{step.receiver.source}”[/]")
    console.print("\n[bold]Each attempt, paced by the breath[/]")
    for p in t.phases:
        console.print(f"  {p.id:<13} {p.breath:<4} {p.seconds:>4g} s  {p.text}")
    lim = t.limits
    console.print(
        f"\n[bold]Limits[/]: gentle ≤ {lim.gentle_speed_deg_s:g} °/s, halt above "
        f"{lim.hard_speed_deg_s:g} °/s, at most {lim.max_range_deg:g}° from the start position, "
        f"{lim.attempts} attempts, rest {lim.pop_rest_min:g} min after a pop "
        f"[dim]({wording.LIMITS_NOTE})[/]."
    )
    console.print("\n[bold]Cautions[/]")
    for rule in (*t.cautions, *t.stop_rules):
        console.print(f"  • {rule.text}\n    [dim]guide: “{rule.source}”[/]")
    console.print(f"\n[dim]{wording.DISCLAIMER}[/]")
