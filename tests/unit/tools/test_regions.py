"""The valid camera regions in the technique YAMLs are the truth run's (tools/calibrate/regions.py).

regions.json holds each truth placement's figures against the goals and the placement gate's
readings there (written by the tool from the whole pipeline on the truth clips); the YAML
`placement` blocks must be what the tool draws from it, so a region cannot be widened by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from backbuddy.domain import techniques
from backbuddy.motion import placement_gate

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools" / "calibrate"))

import measure  # noqa: E402
import regions  # noqa: E402

FIGURES = json.loads(regions.JSON.read_text())


def test_the_yaml_regions_are_the_ones_drawn_from_the_truth_figures() -> None:
    assert regions.main(["--check"]) == 0


@pytest.mark.parametrize("key", sorted(FIGURES))
def test_a_placement_is_valid_exactly_when_its_figures_meet_every_goal(key: str) -> None:
    fig = FIGURES[key]
    assert fig["valid"] == measure.meets_goals(fig)


@pytest.mark.parametrize("key", sorted(FIGURES))
def test_the_gate_opens_on_valid_placements_and_never_on_refused_ones(key: str) -> None:
    """Every reading of a refused placement lies outside the region even with the exit margin
    (the gate can neither open nor stay open there); a valid placement opens it at least once
    (a refused reading near a valid one may cost a valid reading: safety first)."""
    technique, _ = key.split("/")
    region = techniques.get(technique).placement
    fig = FIGURES[key]
    readings = fig["estimates"]
    if fig["valid"]:
        assert region is not None
        assert any(
            region.contains(a, e, margin=placement_gate.ENTER_MARGIN_DEG) for a, e in readings
        )
    else:
        outside = -placement_gate.EXIT_MARGIN_DEG
        assert region is None or not any(region.contains(a, e, margin=outside) for a, e in readings)
