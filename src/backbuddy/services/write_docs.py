"""Writes every generated page under docs/: screening.md and session.md.

Run `python -m backbuddy.services.write_docs` to regenerate them all, or with
`--check` to fail (exit 1) when any of them is stale.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from backbuddy.services import screening_docs, session_docs

#: file name under docs/ → the `main` that writes (or checks) it.
PAGES: dict[str, Callable[[list[str] | None], int]] = {
    "screening.md": screening_docs.main,
    "session.md": session_docs.main,
}


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, verify) every generated page; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("docs", nargs="?", type=Path, default=Path("docs"))
    parser.add_argument("--check", action="store_true", help="fail if any page is stale")
    args = parser.parse_args(argv)
    check = ["--check"] if args.check else []
    statuses = [write([str(args.docs / name), *check]) for name, write in PAGES.items()]
    return max(statuses)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
