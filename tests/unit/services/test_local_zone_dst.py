"""A day is the receiver's calendar day on both sides of a daylight-saving change (I8).

`local_zone` used to be today's fixed offset: in winter (CET, +1) a session at 00:30 CEST
on the night the clocks go back (25 Oct 2026, Europe/Berlin) read as 23:30 the day before,
so a second session on that same calendar day was allowed. The same held when TZ is a
POSIX rule ("CET-1CEST,M3.5.0,M10.5.0/3", as embedded systems and some containers set it)
rather than a zone name (red-team review, leftover 4).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain import session
from backbuddy.domain import techniques as tech
from backbuddy.domain.screening import load_questions
from backbuddy.services.escalation import StartBlocked, check_can_start, local_zone
from backbuddy.services.screening import take_screening
from backbuddy.services.session_runner import SessionRunner

T = "seated_hug_extension"
#: 00:30 CEST on Sunday 25 Oct 2026 (the clocks go back at 03:00 CEST that night).
FIRST = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)
#: 10:00 CET the same Sunday.
SECOND = datetime(2026, 10, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"], ids=["name", "rule"])
def berlin(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[None]:
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_zone_keeps_its_daylight_saving_rules(berlin: None) -> None:
    zone = local_zone()
    assert zone.utcoffset(datetime(2026, 1, 15, 12)) == timedelta(hours=1)
    assert zone.utcoffset(datetime(2026, 7, 15, 12)) == timedelta(hours=2)


def test_two_sessions_on_the_night_the_clocks_go_back_are_one_day(
    berlin: None, tmp_path: Path
) -> None:
    questions = load_questions()
    clean = {q.id: q.negative for q in questions.questions}
    with SqlStore(f"sqlite:///{tmp_path / 'dst.sqlite3'}") as store:
        _, clear = take_screening(store, T, clean, FIRST - timedelta(minutes=5), tz=UTC)
        state = session.new_session(tech.get(T), clear)
        runner = SessionRunner.start(store, state, None, FIRST)
        runner.handle(ev.Begin(0.0, at=FIRST), FIRST)
        runner.close(FIRST + timedelta(minutes=10), "the page closed")  # interrupted: counts
        with pytest.raises(StartBlocked, match="1 a day"):
            check_can_start(store, T, SECOND, tz=local_zone())


def test_the_rule_gives_the_named_zones_local_times(berlin: None) -> None:
    """Around both changes of 2026, every UTC instant reads the same wall time and offset."""
    from zoneinfo import ZoneInfo

    zone, named = local_zone(), ZoneInfo("Europe/Berlin")
    for start in (datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 10, 24, 23, tzinfo=UTC)):
        for minutes in range(0, 4 * 60, 15):
            at = start + timedelta(minutes=minutes)
            mine, theirs = at.astimezone(zone), at.astimezone(named)
            assert (mine.replace(tzinfo=None), mine.utcoffset()) == (
                theirs.replace(tzinfo=None),
                theirs.utcoffset(),
            )


@pytest.mark.parametrize("rule", ["not a zone!", "CET-1CEST,M13.5.0,M10.5.0/3"])
def test_a_malformed_rule_falls_back_to_the_offset(
    monkeypatch: pytest.MonkeyPatch, rule: str
) -> None:
    monkeypatch.setenv("TZ", rule)
    time.tzset()
    try:
        assert local_zone().utcoffset(datetime(2026, 1, 15, 12)) is not None
    finally:
        monkeypatch.undo()
        time.tzset()
