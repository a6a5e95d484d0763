"""`backbuddy techniques`: the list, and one technique with its limits and guide sources."""

from __future__ import annotations

import pytest


def test_the_list_names_both_techniques(backbuddy):
    result = backbuddy("techniques")
    assert result.exit_code == 0
    assert "seated_hug_extension" in result.output
    assert "side_lying_rotation" in result.output


@pytest.mark.parametrize("technique", ["seated_hug_extension", "side_lying_rotation"])
def test_show_gives_the_limits_as_cautious_proposals_not_a_standard(backbuddy, technique):
    result = backbuddy("techniques", "show", technique)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    limits = text[text.index("Limits:") :]
    assert "halt above 30 °/s" in limits
    assert "(cautious proposals, not a clinical standard)." in limits[: limits.index("Cautions")]
    assert "guide: “Acute, sharp, or localized pain immediately halts the activity.”" in text


def test_show_without_an_id_is_a_usage_error(backbuddy):
    assert backbuddy("techniques", "show").exit_code == 2
