"""Entry point: builds the Typer app from one module per command group.

Errors raised on purpose (BackbuddyError) become one red line and an exit code
here, and only here.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from backbuddy import __version__
from backbuddy.domain.errors import BackbuddyError

#: Each module exposes `register(app: typer.Typer) -> None`.
COMMAND_MODULES = (
    "backbuddy.cli.techniques_cmd",
    "backbuddy.cli.screen_cmd",
    "backbuddy.cli.history_cmd",
    "backbuddy.cli.seen_cmd",
    "backbuddy.cli.report_cmd",
    "backbuddy.cli.export_cmd",
    "backbuddy.cli.forget_cmd",
    "backbuddy.cli.guide_cmd",
    "backbuddy.cli.analyze_cmd",
    "backbuddy.cli.serve_cmd",
)

err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"backbuddy {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    app = typer.Typer(
        help=(
            "backbuddy: a careful coach for partner-assisted back mobility.\n\n"
            "Not a medical device; not a substitute for professional care."
        ),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Show the version."
        ),
    ) -> None:
        """backbuddy: screening, breath-paced guidance, camera watch and history."""

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    return app


def run(argv: list[str] | None = None) -> None:
    """Console-script entry: run the app, turning expected errors into one red line."""
    app = build_app()
    try:
        code = app(args=argv, standalone_mode=False)  # without standalone mode Exit returns
        if isinstance(code, int) and code:
            sys.exit(code)
    except BackbuddyError as err:
        err_console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
        sys.exit(err.exit_code)
    except typer.Abort:
        err_console.print("[red]aborted[/]")
        sys.exit(130)
    except typer.Exit as ex:
        sys.exit(ex.exit_code)
    except typer.TyperException as err:  # usage errors: Typer prints them its own way
        show = getattr(err, "show", None)
        if callable(show):
            show()
        else:  # pragma: no cover - every TyperException raised here has show()
            err_console.print(f"[bold red]error:[/] {err}")
        sys.exit(getattr(err, "exit_code", 2))


if __name__ == "__main__":  # pragma: no cover
    run()
