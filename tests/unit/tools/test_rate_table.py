"""Each technique's minimum frame rate is the truth run's (tools/calibrate/rate_table.py).

rates.json holds, per technique and frame rate, the worst placement's figures against the
goals in time (speed error, the jerk's halt in seconds, false halts) from the truth clips
re-timed to that rate; the YAML's `video.min_fps` may not ask for fewer frames a second than
the lowest rate that meets them (the engine pauses below it, `rules.too_slow`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from backbuddy.domain import techniques

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import rate_table  # noqa: E402

FIGURES = json.loads(rate_table.JSON.read_text())


def test_no_yaml_asks_for_fewer_frames_a_second_than_the_truth_run_needs() -> None:
    assert rate_table.main(["--from-json", str(rate_table.JSON), "--check"]) == 0


@pytest.mark.parametrize("tech", sorted(techniques.load_all()))
def test_every_technique_was_measured_and_names_its_minimum(tech: str) -> None:
    rows = FIGURES[tech]
    assert {float(r) for r in rows} == set(rate_table.RATES)
    need = techniques.get(tech).video.min_fps
    assert rate_table.failing(rows) < need <= max(rate_table.RATES)
    assert rate_table.minimum(rows) > min(rate_table.RATES)
    assert not rate_table.meets(rows[f"{min(rate_table.RATES):g}"]), "the slowest rate fails"


def test_the_minimum_is_the_lowest_rate_that_meets_the_goals_with_every_rate_above() -> None:
    ok = {"speed_error_deg_s": 1.0, "halt_s": 0.05, "false_halts": 0, "clips": 1}
    late = {**ok, "halt_s": rate_table.HALT_S + 0.01}
    rows = {"5": late, "7": ok, "10": late, "15": ok, "30": ok}
    assert rate_table.minimum(rows) == 15.0
    assert rate_table.minimum({**rows, "30": late}) == 30.0  # none: the fastest measured


def test_the_accuracy_page_holds_the_table() -> None:
    doc = rate_table.DOC.read_text()
    assert rate_table.markdown(FIGURES) in doc
