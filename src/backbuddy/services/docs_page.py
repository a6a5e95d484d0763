"""One generated page under docs/: write it, or with --check fail when it is stale.

Shared by the page generators so every page is written and checked the same way.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def main(
    argv: list[str] | None, description: str | None, default: Path, render: Callable[[], str],
    module: str,
) -> int:  # fmt: skip
    """Parse `[OUTPUT] [--check]`, then write or verify `render()`; returns the exit status."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("output", nargs="?", type=Path, default=default)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    path: Path = args.output
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            sys.stderr.write(f"{path} is stale: run python -m {module}\n")
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return 0
