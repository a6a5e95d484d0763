"""The session machine as a picture: a Mermaid state diagram built from its table.

Pure and I/O-free: `services.session_docs` writes the result into docs/session.md,
and a test fails when that page no longer matches `session.TRANSITIONS`, so the
picture cannot drift from the machine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

M = TypeVar("M", bound=str)

#: mode → event kind → (rule, modes the rule may lead to), the shape of `session.TRANSITIONS`.
Table = Mapping[M, Mapping[str, tuple[str, Sequence[M]]]]


def edges(transitions: Table[M]) -> list[tuple[M, M, str]]:
    """One edge per (from, to) pair, labelled `event/rule, ...` in the table's order."""
    grouped: dict[tuple[M, M], list[str]] = {}
    for mode, row in transitions.items():
        for event, (rule, targets) in row.items():
            for target in targets:
                grouped.setdefault((mode, target), []).append(f"{event}/{rule}")
    return [(src, dst, ", ".join(labels)) for (src, dst), labels in grouped.items()]


def final_modes(transitions: Table[M]) -> list[M]:
    """Modes no event leads out of."""
    return [
        mode
        for mode, row in transitions.items()
        if all(target == mode for _, targets in row.values() for target in targets)
    ]


def mermaid(transitions: Table[M]) -> str:
    """A Mermaid `stateDiagram-v2`: starts in the table's first mode, ends in its final ones."""
    modes = list(transitions)
    lines = ["stateDiagram-v2", f"    [*] --> {modes[0]}"]
    lines += [f"    {src} --> {dst} : {label}" for src, dst, label in edges(transitions)]
    lines += [f"    {mode} --> [*]" for mode in final_modes(transitions)]
    return "\n".join(lines) + "\n"
