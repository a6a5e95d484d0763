"""The generated tables' one way into docs/accuracy.md: between a start and an end marker."""

from __future__ import annotations

from pathlib import Path


def write_between(doc: Path, start: str, end: str, text: str) -> None:
    """Replace what stands between `start` and `end` in `doc` by `text` (markers kept)."""
    head, rest = doc.read_text().split(start, 1)
    _, tail = rest.split(end, 1)
    doc.write_text(f"{head}{start}\n{text}\n{end}{tail}")
