"""The report's time axis labels each day once (issue 13: "26 Nov 26 Nov 27 Nov").

Over a short span matplotlib's automatic locator put several ticks on one day, each
labelled with the same date. Real plots, read back from their SVG text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from backbuddy.reports import plots
from backbuddy.reports.data import ReportData, SymptomRow

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def labels(days_back: float) -> list[str]:
    symptom = SymptomRow(NOW - timedelta(days=days_back), "during session", "sharp pain", 1)
    data = ReportData(
        generated_at=NOW,
        since=None,
        who=None,
        screenings=(),
        sessions=(),
        symptoms=(symptom,),
        aftercare=(),
        notices=(),
        seen=(),
        blocks=(),
    )
    svg = plots.symptoms_over_time(data)
    return re.findall(r">(\d\d \w\w\w(?: \d\d)?)<", svg)


@pytest.mark.parametrize("days_back", [0.2, 1, 2, 10, 45, 120])
def test_each_day_is_labelled_once_and_in_order(days_back: float) -> None:
    found = labels(days_back)
    assert 2 <= len(found) <= plots.MAX_DATE_TICKS, found
    assert len(set(found)) == len(found), f"a day labelled twice: {found}"
    parsed = [datetime.strptime(f"{label} 2026", "%d %b %Y") for label in found]
    assert parsed == sorted(parsed), found


def test_a_short_span_shows_the_days_around_it() -> None:
    assert labels(1) == ["26 Nov", "27 Nov", "28 Nov"]


def test_a_span_over_half_a_year_says_the_year() -> None:
    found = labels(400)
    assert all(re.fullmatch(r"\d\d \w\w\w \d\d", label) for label in found), found
    assert len(set(found)) == len(found)
