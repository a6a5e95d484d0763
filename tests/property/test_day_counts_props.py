"""The frequency limits at midnight, across daylight-saving changes and when the machine's zone
changes (red team, session 12; I8: more than 1 session in a day or more than 3 in 7 days).

Session times cluster around local midnights on the nights the clocks change, in named zones
with their rules (some change at midnight itself, one by half an hour, some never), and `now`
falls in the same hours. Each property states the count by its definition, computed apart
from the rule's own code: "a day" is the receiver's calendar day in the zone given, "7 days"
is 7 × 24 hours of real time; a session is neither missed nor counted twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from backbuddy.domain import escalation as esc

#: Zones that change at 02:00/03:00 (Berlin, New York), at midnight (Santiago, Havana,
#: Asuncion), by 30 minutes (Lord Howe), far east of UTC (Chatham), and never (Kolkata, UTC).
ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "America/Asuncion",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "UTC",
]
#: The Sundays the clocks change in 2026 in most of those zones (UTC midnight), and one day
#: away from any change.
NIGHTS = [
    datetime(2026, d[0], d[1], tzinfo=UTC)
    for d in [(3, 8), (3, 29), (4, 5), (9, 6), (10, 4), (10, 25), (11, 1), (6, 14)]
]
zones = st.sampled_from(ZONES).map(ZoneInfo)


@st.composite
def around_a_night(draw: st.DrawFn) -> datetime:
    """A moment within a day and a half of a clock change, to the minute or to the second."""
    night = draw(st.sampled_from(NIGHTS))
    return night + timedelta(seconds=draw(st.integers(-36 * 3600, 36 * 3600)))


@st.composite
def histories(draw: st.DrawFn) -> tuple[esc.History, datetime]:
    now = draw(around_a_night())
    starts = draw(st.lists(st.integers(-9 * 24 * 3600, 2 * 3600), max_size=6))
    sessions = tuple(
        esc.SessionFact(
            id=k + 1,
            technique="seated_hug_extension",
            region="thoracic",
            started_at=now + timedelta(seconds=s),
            status=draw(st.sampled_from(["completed", "interrupted", "ended_by_pair"])),
            attempts=draw(st.integers(0, 3)),
        )
        for k, s in enumerate(starts)
    )
    return esc.History(sessions=sessions), now


def _counted(history: esc.History) -> list[datetime]:
    return [s.started_at for s in history.sessions if s.counts]


@given(histories(), zones)
def test_one_a_day_counts_the_receivers_calendar_day_whatever_the_clocks_did(
    case: tuple[esc.History, datetime], zone: ZoneInfo
) -> None:
    history, now = case
    today = now.astimezone(zone).date()
    same_day = [t for t in _counted(history) if t.astimezone(zone).date() == today]
    blocks = esc.start_blocks(history, now, "thoracic", tz=zone)
    day_blocks = [b for b in blocks if b.key.startswith("frequency-block:day:")]
    assert bool(day_blocks) == bool(same_day)
    if day_blocks:
        assert day_blocks[0].key == f"frequency-block:day:{today}"
        assert f"{len(same_day)} session today" in day_blocks[0].reason
    listed = esc.sessions_today(history, now, zone)
    assert sorted(s.started_at for s in listed) == sorted(t for t in same_day if t <= now)


@given(histories(), zones)
def test_three_in_seven_days_counts_real_time_in_every_zone(
    case: tuple[esc.History, datetime], zone: ZoneInfo
) -> None:
    history, now = case
    week = [t for t in _counted(history) if now - t < timedelta(days=7)]
    blocks = esc.start_blocks(history, now, "thoracic", tz=zone)
    assert any(b.key.startswith("frequency-block:week:") for b in blocks) == (len(week) >= 3)


@given(histories(), zones, zones)
def test_a_zone_change_moves_only_the_day_not_the_week(
    case: tuple[esc.History, datetime], before: ZoneInfo, after: ZoneInfo
) -> None:
    """The machine's zone changed (travel, a new setting): the 7-day limit is real time, the
    same in both; the day limit follows the zone now set (the first property)."""
    history, now = case
    weeks = [
        [b.reason for b in esc.start_blocks(history, now, "thoracic", tz=z) if "7 days" in b.reason]
        for z in (before, after)
    ]
    assert [len(w) for w in weeks][0] == [len(w) for w in weeks][1]


@given(histories(), zones)
def test_the_next_start_at_a_named_zones_midnight_is_the_first_allowed_moment(
    case: tuple[esc.History, datetime], zone: ZoneInfo
) -> None:
    """`next_start` tries local midnights as candidates: in zones whose clocks change at
    midnight that moment exists once, twice or not at all."""
    history, now = case
    found = esc.next_start(history, now, "thoracic", tz=zone)
    assert esc.start_blocks(history, found, "thoracic", tz=zone) == ()
    if found > now:
        assert esc.start_blocks(history, now, "thoracic", tz=zone)
        assert esc.start_blocks(history, found - timedelta(seconds=1), "thoracic", tz=zone)


@given(histories(), zones)
def test_the_frequency_notice_names_a_day_that_really_had_two_sessions(
    case: tuple[esc.History, datetime], zone: ZoneInfo
) -> None:
    history, now = case
    past = [t for t in _counted(history) if t <= now]
    by_day: dict[object, list[datetime]] = {}
    for t in past:
        by_day.setdefault(t.astimezone(zone).date(), []).append(t)
    notice = esc._frequency(history, now, zone)  # noqa: SLF001 - the rule alone
    doubled = [d for d, ts in by_day.items() if len(ts) > 1]
    if notice is not None and "sessions on" in notice.reason:
        day = notice.reason.removeprefix("There were ").split(" sessions on ")[1].rstrip(".")
        assert day in {str(d) for d in doubled}
        count = int(notice.reason.split()[2])
        assert count == len(by_day[datetime.fromisoformat(day).date()])
    if doubled and notice is None:  # no notice: none of those days is within the 30 days
        assert all(max(by_day[d]) <= now - esc.LOOKBACK for d in doubled)
