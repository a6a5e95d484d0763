"""When may the next session start? A table a person can read (issue 13 item 4).

The home page says it before anyone presses Start; it must be the moment the rule
that refuses a start (`start_blocks`) lets one through, never a guess. Each row:
what happened (days before now, "d-0 09:00" is today at 09:00 UTC), the region asked
about, and the expected first allowed start. Limits: 1 session a day, 3 in 7 days,
20 minutes' rest for a region after a pop (clinical-facts.md §3, proposed defaults).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from backbuddy.domain import escalation as esc

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
PLUS_14 = timezone(timedelta(hours=14))
MINUS_10 = timezone(timedelta(hours=-10))


def at(spec: str) -> datetime:
    """'d-3 09:00' → 3 days before NOW's date, at 09:00 UTC."""
    day, clock = spec.split()
    hours, minutes = (int(x) for x in clock.split(":"))
    return NOW.replace(hour=hours, minute=minutes) - timedelta(days=int(day.removeprefix("d-")))


def session(
    when: str, region: str = "thoracic", status: str = "completed", attempts: int = 3, sid: int = 1
) -> esc.SessionFact:
    start = at(when)
    technique = "seated_hug_extension" if region == "thoracic" else "side_lying_rotation"
    end = "completed" if status == "completed" else status
    return esc.SessionFact(
        sid, technique, region, start, status, attempts, start + timedelta(minutes=15), end
    )


def popped(fact: esc.SessionFact, when: str) -> esc.SessionFact:
    return replace(fact, popped_at=at(when))


H = esc.History

# (what happened, history, region, zone, first allowed start)
TABLE: list[tuple[str, esc.History, str, timezone, datetime]] = [
    ("nothing stored: now", H(), "thoracic", UTC, NOW),
    ("one session yesterday: now", H((session("d-1 09:00"),)), "thoracic", UTC, NOW),
    (
        "one session today: tomorrow at midnight",
        H((session("d-0 09:00"),)),
        "thoracic",
        UTC,
        at("d--1 00:00"),
    ),
    (
        "one session today, the other technique asked: the day limit is for the person",
        H((session("d-0 09:00"),)),
        "lumbar",
        UTC,
        at("d--1 00:00"),
    ),
    (
        "ended by the pair before any attempt: does not count, now",
        H((session("d-0 09:00", status="ended_by_pair", attempts=0),)),
        "thoracic",
        UTC,
        NOW,
    ),
    (
        "three in the last 7 days: 7 days after the oldest",
        H(tuple(session(f"d-{d} 09:00", sid=d) for d in (1, 3, 6))),
        "thoracic",
        UTC,
        at("d--1 09:00"),
    ),
    (
        "three in 7 days, the latest today: the week frees later than the day",
        H(tuple(session(f"d-{d} 09:00", sid=d + 1) for d in (0, 2, 4))),
        "thoracic",
        UTC,
        at("d--3 09:00"),
    ),
    (
        "a pop 10 minutes ago on yesterday's session: 20 minutes after the pop",
        H((popped(session("d-1 11:00"), "d-0 11:50"),)),
        "thoracic",
        UTC,
        at("d-0 12:10"),
    ),
    (
        "that pop rests only its own region: the lower back may start now",
        H((popped(session("d-1 11:00"), "d-0 11:50"),)),
        "lumbar",
        UTC,
        NOW,
    ),
    (
        "session at 10:30 UTC, already tomorrow 00:30 in UTC+14 like now: midnight there",
        H((session("d-0 10:30"),)),
        "thoracic",
        PLUS_14,
        at("d--1 10:00"),
    ),
    (
        "session today at 09:00 UTC, seen from UTC-10 (still yesterday there, 23:00): now",
        H((session("d-0 09:00"),)),
        "thoracic",
        MINUS_10,
        NOW,
    ),
]


@pytest.mark.parametrize(
    ("what", "history", "region", "tz", "expected"), TABLE, ids=[r[0] for r in TABLE]
)
def test_next_start_table(
    what: str, history: esc.History, region: str, tz: timezone, expected: datetime
) -> None:
    found = esc.next_start(history, NOW, region, tz=tz)
    assert found == expected
    assert esc.start_blocks(history, found, region, tz=tz) == ()
    if found > NOW:  # a moment earlier is still refused: it is the first allowed moment
        assert esc.start_blocks(history, found - timedelta(seconds=1), region, tz=tz)


def test_todays_sessions_count_like_the_day_limit() -> None:
    early = session("d-0 08:00", sid=1)
    late = session("d-0 10:00", sid=2)
    not_counted = session("d-0 09:00", status="ended_by_pair", attempts=0, sid=3)
    history = H((late, session("d-1 09:00", sid=4), not_counted, early))
    assert esc.sessions_today(history, NOW) == (early, late)
    assert esc.sessions_today(history, NOW, MINUS_10) == (late,)  # 00:00 there; 08:00 was 22:00
