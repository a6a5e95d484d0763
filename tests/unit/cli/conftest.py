"""Drive the real console-script entry (`cli.main.run`) in-process, as a user's shell would."""

from __future__ import annotations

from collections.abc import Callable

import click
import pytest
from click.testing import CliRunner, Result

from backbuddy.cli.main import run


@click.command(
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],  # --help goes to backbuddy, not to this wrapper
    }
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def _entry(args: tuple[str, ...]) -> None:
    run(list(args))


@pytest.fixture
def backbuddy() -> Callable[..., Result]:
    """`backbuddy(*args, stdin=None)` → click Result with exit_code and output (both streams)."""

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(_entry, list(args), input=stdin)

    return invoke
