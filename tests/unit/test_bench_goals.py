"""`make bench` says for every figure whether its goal is met, and sums up what was missed."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest
from bench import Result, line, summary, verdict

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize(
    ("value", "goal", "expected"),
    [
        (15.2, "<=50", "met"),
        (50.0, "<=50", "met"),
        (50.1, "<=50", "MISSED"),
        (0.78, ">=0.9", "MISSED"),
        (0.9, ">=0.9", "met"),
        (0.0, "==0", "met"),
        (1.0, "0", "MISSED"),
        (math.nan, "<=2", "MISSED"),
        (123.0, "info", "info"),
    ],
)
def test_each_goal_reads_as_met_missed_or_info(value, goal, expected):
    assert verdict(value, goal) == expected


def test_a_goal_that_cannot_be_read_is_an_error_naming_it():
    with pytest.raises(ValueError, match="'about 5'"):
        verdict(1.0, "about 5")


def test_a_bench_line_carries_the_goal_and_the_verdict():
    assert line(Result("web_stop_p95", 61.0, "ms", "<=50")) == (
        "BENCH web_stop_p95 61 ms goal=<=50 MISSED"
    )


def test_the_summary_names_every_missed_goal_with_value_and_goal():
    results = [
        Result("a", 1.0, "ms", "<=5"),
        Result("b", 0.5, "ratio", ">=0.9"),
        Result("c", 7.0, "frames/s", "info"),
    ]
    assert summary(results) == ("BENCH-SUMMARY 1 of 2 goals met; missed: b 0.5 ratio (goal >=0.9)")
    assert summary(results[:1]) == "BENCH-SUMMARY 1 of 1 goals met, none missed"


def _literal_goals() -> list[tuple[str, str]]:
    """Every goal written as a string literal in an `emit(...)` call under bench/."""
    found = []
    for path in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "emit"
                and len(node.args) == 4
                and isinstance(node.args[3], ast.Constant)
            ):
                found.append((f"{path.name}:{node.lineno}", node.args[3].value))
    return found


def test_every_literal_goal_in_the_benchmarks_is_readable():
    goals = _literal_goals()
    assert len(goals) > 10
    for where, goal in goals:
        assert verdict(0.0, goal) in ("met", "MISSED", "info"), where
