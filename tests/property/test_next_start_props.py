"""The next allowed start (home page, issue 13 item 4) over random histories and time zones.

Whatever happened, `next_start` names a moment at which `start_blocks` (the rule that
refuses a start) lets a session through, and every moment from now until then is
refused: the home page never promises a start the server would refuse, nor hides one
it would allow.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from backbuddy.domain import escalation as esc

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
SPAN_MIN = 10 * 24 * 60
END = st.sampled_from(["completed", "symptom", "speed", "pop", "ended_by_pair", "stopped"])


@st.composite
def sessions(draw: st.DrawFn) -> esc.SessionFact:
    start = NOW - timedelta(minutes=draw(st.integers(0, SPAN_MIN)))
    end = draw(END)
    pop_after = draw(st.one_of(st.none(), st.integers(0, 90)))
    return esc.SessionFact(
        id=draw(st.integers(1, 10_000)),
        technique="seated_hug_extension",
        region=draw(st.sampled_from(["thoracic", "lumbar"])),
        started_at=start,
        status="ended_by_pair" if end in ("ended_by_pair", "stopped") else "completed",
        attempts=draw(st.integers(0, 3)),
        ended_at=start + timedelta(minutes=draw(st.integers(0, 30))),
        end_reason=end,
        popped_at=None if pop_after is None else start + timedelta(minutes=pop_after),
    )


histories = st.builds(esc.History, sessions=st.lists(sessions(), max_size=8).map(tuple))
zones = st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))


@given(
    histories,
    st.sampled_from(["thoracic", "lumbar"]),
    zones,
    st.integers(20, 120),
    st.floats(0, 1, exclude_max=True),
)
def test_the_next_start_is_the_first_moment_the_start_rule_allows(
    history: esc.History, region: str, tz: timezone, rest_min: int, fraction: float
) -> None:
    rest = timedelta(minutes=rest_min)
    found = esc.next_start(history, NOW, region, rest, tz)
    assert found >= NOW
    assert esc.start_blocks(history, found, region, rest, tz) == ()
    if found > NOW:
        assert esc.start_blocks(history, NOW, region, rest, tz)
        assert esc.start_blocks(history, found - timedelta(seconds=1), region, rest, tz)
        # timedelta * float rounds to the microsecond: a fraction just below 1 can land on
        # `found` itself, which is allowed by definition; stay strictly before it.
        between = min(NOW + (found - NOW) * fraction, found - timedelta(microseconds=1))
        assert esc.start_blocks(history, between, region, rest, tz)
