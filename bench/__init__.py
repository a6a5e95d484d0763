"""Benchmarks: `python -m bench [MODULE ...]` runs every module here that has `run()`.

A bench module exposes ``run() -> list[Result]`` (a `Result` is any 4-tuple: name,
value, unit, goal) and may print its own ``BENCH`` lines with `emit` as it goes;
the runner prints the rest, then writes ``bench/results.json`` with the machine.
Speed goals live here, never in timed tests.
"""

from __future__ import annotations

from typing import NamedTuple


class Result(NamedTuple):
    """One figure: a name, a value, its unit, and the goal it is held to (e.g. ">=0.9")."""

    name: str
    value: float
    unit: str
    goal: str


def line(result: tuple[str, float, str, str]) -> str:
    name, value, unit, goal = result
    return f"BENCH {name} {value:.4g} {unit} goal={goal}"


def emit(name: str, value: float, unit: str, goal: str) -> Result:
    """Print one figure now (so a long run shows progress) and return it."""
    result = Result(name, float(value), unit, goal)
    print(line(result), flush=True)
    return result
