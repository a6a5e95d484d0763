"""I8 over random histories: properties the referral rules keep whatever happened."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from backbuddy.domain import escalation as esc

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
SPAN_MIN = 90 * 24 * 60

minutes_ago = st.integers(min_value=0, max_value=SPAN_MIN)
END = st.sampled_from(
    ["completed", "symptom", "speed", "pop", "ended_by_pair", "stopped", "screening"]
)
STATUS = {
    "completed": "completed",
    "symptom": "halted",
    "speed": "halted",
    "pop": "completed",
    "screening": "screened_out",
}


@st.composite
def sessions(draw: st.DrawFn, sid: int = 0) -> esc.SessionFact:
    start = NOW - timedelta(minutes=draw(minutes_ago))
    end = draw(END)
    return esc.SessionFact(
        id=sid or draw(st.integers(1, 10_000)),
        technique="seated_hug_extension",
        region=draw(st.sampled_from(["thoracic", "lumbar"])),
        started_at=start,
        status=STATUS.get(end, "ended_by_pair"),
        attempts=draw(st.integers(0, 3)),
        ended_at=start + timedelta(minutes=draw(st.integers(0, 30))),
        end_reason=end,
        speed_halts=draw(st.integers(0, 2)),
    )


aftercare = st.builds(
    esc.AftercareFact,
    at=minutes_ago.map(lambda m: NOW - timedelta(minutes=m)),
    check=st.sampled_from(["after_session", "next_start"]),
    feel=st.sampled_from([None, "better", "same", "worse"]),
    symptoms=st.lists(st.sampled_from(esc.AFTERCARE_SYMPTOMS), max_size=2).map(tuple),
    soreness_over_day=st.sampled_from([None, True, False]),
    felt_need_most_days=st.sampled_from([None, True, False]),
)
screenings = st.builds(
    esc.ScreeningFact,
    at=minutes_ago.map(lambda m: NOW - timedelta(minutes=m)),
    answers=st.fixed_dictionaries({}, optional={"chronic_pain": st.booleans()}),
)
histories = st.builds(
    esc.History,
    sessions=st.lists(sessions(), max_size=12).map(tuple),
    aftercare=st.lists(aftercare, max_size=6).map(tuple),
    screenings=st.lists(screenings, max_size=4).map(tuple),
)


def rules(history: esc.History) -> set[str]:
    return {n.rule for n in esc.evaluate(history, NOW)}


@given(histories, sessions())
def test_adding_a_session_never_removes_a_frequency_notice(
    history: esc.History, extra: esc.SessionFact
) -> None:
    more = esc.History((*history.sessions, extra), history.aftercare, history.screenings)
    if "frequency" in rules(history):
        assert "frequency" in rules(more)


@given(histories, sessions(), st.sampled_from(["thoracic", "lumbar"]))
def test_adding_a_session_never_lifts_a_frequency_block(
    history: esc.History, extra: esc.SessionFact, region: str
) -> None:
    more = esc.History((*history.sessions, extra), history.aftercare, history.screenings)
    before = {n.rule for n in esc.start_blocks(history, NOW, region)}
    after = {n.rule for n in esc.start_blocks(more, NOW, region)}
    assert before <= after


@given(histories, st.integers(min_value=0, max_value=30 * 24 * 60 - 1))
def test_a_symptom_halt_within_30_days_always_yields_a_notice(
    history: esc.History, ago: int
) -> None:
    start = NOW - timedelta(minutes=ago)
    halt = esc.SessionFact(
        99, "seated_hug_extension", "thoracic", start, "halted", 1, start, "symptom"
    )
    with_halt = esc.History((*history.sessions, halt), history.aftercare, history.screenings)
    assert "symptom_halt" in rules(with_halt)


@given(histories)
def test_an_allowed_start_never_breaks_the_frequency_limits(history: esc.History) -> None:
    """If a start is not blocked, the history plus a session now stays within 1/day and 3/7 days."""
    if any(n.rule == "frequency" for n in esc.start_blocks(history, NOW, "thoracic")):
        return
    counted = [s.started_at for s in history.sessions if s.counts and s.started_at <= NOW]
    today = [t for t in counted if t.date() == NOW.date()]
    week = [t for t in counted if NOW - t < timedelta(days=7)]
    assert len(today) + 1 <= esc.MAX_PER_DAY
    assert len(week) + 1 <= esc.MAX_PER_WEEK


@given(histories)
def test_every_notice_refers_and_never_diagnoses(history: esc.History) -> None:
    for notice in esc.evaluate(history, NOW):
        assert "physiotherapist, chiropractor or doctor" in notice.advice
        assert notice.rule in esc.RULES
        assert notice.at <= NOW


@given(histories)
def test_order_of_the_history_does_not_matter(history: esc.History) -> None:
    reverse = esc.History(history.sessions[::-1], history.aftercare[::-1], history.screenings[::-1])
    assert rules(reverse) == rules(history)


@given(histories, sessions(), st.sampled_from(["thoracic", "lumbar"]))
def test_a_pop_rests_its_region_for_at_least_20_minutes(
    history: esc.History, pop: esc.SessionFact, region: str
) -> None:
    popped_at = NOW - timedelta(minutes=pop.started_at.minute % 20)
    fact = esc.SessionFact(7, pop.technique, region, popped_at, "completed", 1, popped_at, "pop")
    more = esc.History((*history.sessions, fact), history.aftercare, history.screenings)
    assert "pop_rest" in {n.rule for n in esc.start_blocks(more, NOW, region)}


REGIONS = ("thoracic", "lumbar")


@given(
    histories,
    st.sampled_from(REGIONS),
    st.integers(min_value=0, max_value=3 * 24 * 60),
    st.floats(min_value=0, max_value=3 * 3600),
    st.sampled_from(["completed", "pop", "ended_by_pair", "symptom", "stopped", "speed"]),
    st.integers(0, 3),
    st.floats(min_value=0, max_value=1),
)
def test_a_pop_at_any_time_rests_its_region_for_20_minutes_and_only_that_region(
    history: esc.History,
    region: str,
    started_ago: int,
    pop_t: float,
    end: str,
    attempts: int,
    where: float,
) -> None:
    """I6 across sessions (issue 11 item 2): a pop stamped on the session clock (start +
    the pop event's seconds), during the session or after its end, however the session
    ended, blocks a new session for that region from the session's start until at least
    20 minutes after the pop; the other region is not rested by it."""
    started = NOW - timedelta(minutes=started_ago)
    popped = started + timedelta(seconds=pop_t)
    plain = esc.SessionFact(
        77,
        "seated_hug_extension" if region == "thoracic" else "side_lying_rotation",
        region,
        started,
        STATUS.get(end, "ended_by_pair"),
        attempts,
        started + timedelta(seconds=min(pop_t, 60)),
        end if end != "pop" else "completed",
    )
    with_pop = esc.History((*history.sessions, replace(plain, popped_at=popped)), history.aftercare)
    without = esc.History((*history.sessions, plain), history.aftercare)
    # any moment from the session's start until 20 minutes after the pop
    now = started + (popped + esc.DEFAULT_POP_REST - started) * where
    if now >= popped + esc.DEFAULT_POP_REST:
        return
    assert "pop_rest" in {n.rule for n in esc.start_blocks(with_pop, now, region)}
    other = next(r for r in REGIONS if r != region)
    assert esc.start_blocks(with_pop, now, other) == esc.start_blocks(without, now, other)


@given(st.floats(min_value=0, max_value=10 * 3600), st.integers(19, 120))
def test_the_rest_lasts_the_longer_of_the_setting_and_20_minutes(pop_t: float, rest: int) -> None:
    started = NOW - timedelta(hours=12)
    popped = started + timedelta(seconds=pop_t)
    fact = esc.SessionFact(1, "side_lying_rotation", "lumbar", started, "completed", 3)
    history = esc.History((replace(fact, popped_at=popped),))
    longest = max(timedelta(minutes=rest), esc.DEFAULT_POP_REST)

    def resting(now: datetime) -> bool:
        blocks = esc.start_blocks(history, now, "lumbar", pop_rest=timedelta(minutes=rest))
        return any(n.rule == "pop_rest" for n in blocks)

    assert resting(popped)
    assert resting(popped + longest - timedelta(seconds=1))
    assert not resting(popped + longest)
