"""What the pop is, as data: every point quotes the guide verbatim and says what issue 13
asks (not bones grinding, cavitation, gas from the joint fluid, may or may not happen, not
the goal, never chase it, the region rests); a bad file is refused by path and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from backbuddy.domain import learn, techniques, wording
from backbuddy.domain.errors import DefinitionError
from backbuddy.domain.escalation import DEFAULT_POP_REST

GUIDE = Path(techniques.__file__).resolve().parents[1] / "data" / "guide" / "partner-back-guide.txt"


def test_every_point_quotes_the_guide_verbatim():
    guide = GUIDE.read_text(encoding="utf-8")
    missing = [p.source for p in learn.load().pop.points if p.source not in guide]
    assert missing == []


def test_the_points_say_what_the_pop_is_and_what_to_do_about_it():
    said = " ".join(p.said(20) for p in learn.load().pop.points).lower()
    for words in (
        "not bones grinding",
        "cavitation",
        "gas",
        "fluid",
        "may or may not happen",
        "isn't the goal",
        "never chase it",
        "that area rests",
        "at least 20 minutes",
    ):
        assert words in said, words
    assert not [w for w in wording.FORBIDDEN_WORDS if w in said]


def test_the_rest_said_is_the_engine_s_rest():
    """The text fills in the technique's own rest after a pop, which is never under 20 min."""
    rests = {t.limits.pop_rest_min for t in techniques.load_all().values()}
    assert min(rests) >= DEFAULT_POP_REST.total_seconds() / 60
    last = learn.load().pop.points[-1]
    assert "{rest_min}" in last.text
    assert "at least 25 minutes" in last.said(25)


def test_the_not_the_goal_line_is_the_engine_s_own_words():
    said = [p.said(20) for p in learn.load().pop.points]
    assert any(text.startswith(wording.NO_POP_GOAL) for text in said)


def test_what_backbuddy_adds_to_the_guide_says_its_basis():
    """The rest and "never chase it" go beyond the guide: each names where it comes from."""
    points = learn.load().pop.points
    for p in points:
        if "rests" in p.text or "chase" in p.text:
            assert p.basis, p.text


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "learn.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_point_without_its_source_is_refused_by_field(tmp_path: Path):
    data = yaml.safe_load(learn.default_path().read_text(encoding="utf-8"))
    del data["pop"]["points"][1]["source"]
    with pytest.raises(DefinitionError, match=r"learn.yaml: field pop.points.1.source"):
        learn.load(write(tmp_path, data))


@pytest.mark.parametrize(
    ("text", "reason"),
    [("pop: [unclosed", "not valid YAML"), ("- a list", "must be a mapping")],
)
def test_a_malformed_file_names_itself(tmp_path: Path, text: str, reason: str):
    path = tmp_path / "learn.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError, match=reason):
        learn.load(path)


def test_a_missing_file_names_itself(tmp_path: Path):
    with pytest.raises(DefinitionError, match="cannot read the learn file"):
        learn.load(tmp_path / "nowhere.yaml")
