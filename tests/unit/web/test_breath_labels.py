"""The breath label the page and the terminal show matches each phase's own words (issue 11).

The rest phase said "breathe normally" while the page showed "Breathe out"; and the hold
was shown as a breath hold. Every breath a technique may declare has its own label, and
each phase's words say the same as its label.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from backbuddy.cli.guide_live import BREATH_LABELS
from backbuddy.domain import techniques
from backbuddy.domain.techniques import Breath

VIEW_JS = Path(techniques.__file__).resolve().parents[1] / "web" / "static" / "js" / "view.js"


def page_labels() -> dict[str, str]:
    block = re.search(r"const BREATH = \{(.*?)\};", VIEW_JS.read_text(encoding="utf-8"), re.S)
    assert block, "view.js defines no BREATH labels"
    return dict(re.findall(r'(\w+): "([^"]+)"', block.group(1)))


def test_the_page_and_the_terminal_label_every_breath_and_no_breath_hold():
    assert set(page_labels()) == set(get_args(Breath)) == set(BREATH_LABELS)
    assert "hold" not in get_args(Breath)


@pytest.mark.parametrize("technique", techniques.load_all().values(), ids=lambda t: t.id)
def test_each_phase_s_words_agree_with_the_label_shown(technique):
    labels = page_labels()
    for phase in technique.phases:
        label = labels[phase.breath].lower()
        words = phase.text.lower()
        if phase.breath == "gentle":
            assert "hold the position" in words
            assert "breathing gently" in words
        else:
            assert label in words, (phase.id, label, phase.text)
        assert BREATH_LABELS[phase.breath].lower().startswith(label.split(",")[0])
