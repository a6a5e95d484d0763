"""The report's sessions-per-week bars count the receiver's calendar weeks (red team, session
12): they were bucketed by the UTC date, so in Berlin a session at 00:30 on a Monday went
into the week before, and a week of three sessions could show as four ("over the limit")
beside a week of two."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from backbuddy.domain.ports import SessionRecord
from backbuddy.reports import plots
from backbuddy.reports.data import ReportData, SessionRow

BERLIN = ZoneInfo("Europe/Berlin")


def _row(k: int, at: datetime) -> SessionRow:
    record = SessionRecord(k, "seated_hug_extension", at, at, "completed", 1, False, None)
    return SessionRow(record, "Seated Hug Extension", "thoracic", 0, None, None, None, None)


def _data(*starts: datetime) -> ReportData:
    rows = tuple(_row(k + 1, at) for k, at in enumerate(starts))
    return ReportData(
        generated_at=datetime(2026, 11, 27, 12, tzinfo=UTC),
        since=None,
        who=None,
        screenings=(),
        sessions=rows,
        symptoms=(),
        aftercare=(),
        notices=(),
    )


def test_a_session_just_after_midnight_on_monday_counts_in_that_week() -> None:
    # Sunday 8 Nov at 20:00 and Monday 9 Nov at 00:30 Berlin (Sunday 23:30 UTC).
    data = _data(
        datetime(2026, 11, 8, 19, tzinfo=UTC),
        datetime(2026, 11, 8, 23, 30, tzinfo=UTC),
    )
    counts = dict(plots.weekly_counts(data, BERLIN))
    assert counts[date(2026, 11, 2)] == 1
    assert counts[date(2026, 11, 9)] == 1
    assert sum(counts.values()) == 2  # each session in exactly one week
    assert dict(plots.weekly_counts(data))[date(2026, 11, 2)] == 2  # in UTC: both on Sunday


def test_the_report_draws_the_bars_in_the_zone_it_shows_dates_in() -> None:
    from backbuddy.reports.html import render_html

    data = _data(datetime(2026, 11, 8, 23, 30, tzinfo=UTC))
    page = render_html(data, BERLIN)
    assert plots.sessions_per_week(data, BERLIN) in page
