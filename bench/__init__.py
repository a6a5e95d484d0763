"""Benchmarks: `python -m bench [MODULE ...]` runs every module here that has `run()`.

A bench module exposes ``run() -> list[Result]`` (a `Result` is any 4-tuple: name,
value, unit, goal) and may print its own ``BENCH`` lines with `emit` as it goes;
the runner prints the rest, then a one-line summary of the goals missed, and writes
``bench/results.json`` with the machine. Speed goals live here, never in timed tests.

A goal is ``>=X``, ``<=X``, ``==X`` (or a bare number, meaning ``==``), or ``info`` for
a figure that is reported and held to nothing. Every line says which:
``BENCH web_stop_p95 15.2 ms goal=<=50 met``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Literal, NamedTuple

Verdict = Literal["met", "MISSED", "info"]

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
}


class Result(NamedTuple):
    """One figure: a name, a value, its unit, and the goal it is held to (e.g. ">=0.9")."""

    name: str
    value: float
    unit: str
    goal: str


def verdict(value: float, goal: str) -> Verdict:
    """Whether `value` meets `goal`; a NaN never meets one. Raises on a goal it cannot read."""
    goal = goal.strip()
    if goal == "info":
        return "info"
    op, bound = goal[:2], goal[2:]
    if op not in _COMPARE:
        op, bound = "==", goal
    try:
        limit = float(bound)
    except ValueError:
        raise ValueError(f"bench goal {goal!r}: expected >=X, <=X, ==X or info") from None
    if math.isnan(value):
        return "MISSED"
    return "met" if _COMPARE[op](value, limit) else "MISSED"


def line(result: tuple[str, float, str, str]) -> str:
    name, value, unit, goal = result
    return f"BENCH {name} {value:.4g} {unit} goal={goal} {verdict(value, goal)}"


def summary(results: list[Result]) -> str:
    """One line: how many goals were met, and which were missed with value and goal."""
    held = [r for r in results if verdict(r.value, r.goal) != "info"]
    missed = [r for r in held if verdict(r.value, r.goal) == "MISSED"]
    head = f"BENCH-SUMMARY {len(held) - len(missed)} of {len(held)} goals met"
    if not missed:
        return head + ", none missed"
    named = "; ".join(f"{r.name} {r.value:.4g} {r.unit} (goal {r.goal})" for r in missed)
    return f"{head}; missed: {named}"


def emit(name: str, value: float, unit: str, goal: str) -> Result:
    """Print one figure now (so a long run shows progress) and return it."""
    result = Result(name, float(value), unit, goal)
    print(line(result), flush=True)
    return result
