"""Hypothesis strategies: arbitrary stored histories for the blocks on the person.

A history is what the store holds: screenings with arbitrary answers, sessions
with arbitrary end reasons, aftercare checks, and records that a professional has
seen the receiver, all at arbitrary times within ten days before `NOW`. Answers lean
towards "no" so that histories both with and without red flags are common.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from hypothesis import strategies as st

from backbuddy.domain import escalation as esc
from backbuddy.domain.screening import Answer, Questionnaire, load_questions

QUESTIONS: Questionnaire = load_questions()
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SPAN_MIN = 10 * 24 * 60
END_REASONS = (
    "completed",
    "symptom",
    "speed",
    "pop",
    "ended_by_pair",
    "stopped",
    "screening",
    None,
    "backbuddy stopped before the session ended",
)
STATUS = {
    "completed": "completed",
    "pop": "completed",
    "symptom": "halted",
    "speed": "halted",
    "screening": "screened_out",
}

minutes_before = st.integers(min_value=0, max_value=SPAN_MIN)
times = minutes_before.map(lambda m: NOW - timedelta(minutes=m))


def day_of(when: datetime, tz: tzinfo = UTC) -> date:
    return when.astimezone(tz).date()


@st.composite
def answer_sets(draw: st.DrawFn, negative_weight: int = 8) -> dict[str, Answer]:
    """A complete set of answers, each question mostly "no"."""
    out: dict[str, Answer] = {}
    for q in QUESTIONS.questions:
        others = [a for a in q.answers() if a != q.negative]
        out[q.id] = draw(st.sampled_from([q.negative] * negative_weight + others))
    return out


@st.composite
def screenings(draw: st.DrawFn) -> esc.ScreeningFact:
    return esc.ScreeningFact(draw(times), draw(answer_sets()))


@st.composite
def sessions(draw: st.DrawFn) -> esc.SessionFact:
    start = draw(times)
    end = draw(st.sampled_from(END_REASONS))
    return esc.SessionFact(
        id=draw(st.integers(1, 10_000)),
        technique=draw(st.sampled_from(QUESTIONS.techniques)),
        region=draw(st.sampled_from(["thoracic", "lumbar"])),
        started_at=start,
        status=STATUS.get(end or "", "ended_by_pair"),
        attempts=draw(st.integers(0, 3)),
        ended_at=draw(st.none() | st.integers(0, 60).map(lambda m: start + timedelta(minutes=m))),
        end_reason=end,
    )


aftercare = st.builds(
    esc.AftercareFact,
    at=times,
    check=st.sampled_from(["after_session", "next_start"]),
    symptoms=st.lists(st.sampled_from(esc.AFTERCARE_SYMPTOMS), max_size=2).map(tuple),
)


@st.composite
def seen_records(draw: st.DrawFn) -> esc.Seen:
    """A record made at some time, of a visit on some day up to ten days before it."""
    recorded = draw(times)
    back = draw(st.integers(0, 10))
    return esc.Seen(day_of(recorded) - timedelta(days=back), recorded)


histories = st.builds(
    esc.History,
    sessions=st.lists(sessions(), max_size=6).map(tuple),
    aftercare=st.lists(aftercare, max_size=3).map(tuple),
    screenings=st.lists(screenings(), max_size=5).map(tuple),
    seen=st.lists(seen_records(), max_size=3).map(tuple),
)


def clears(seen: tuple[esc.Seen, ...], since: datetime, now: datetime) -> bool:
    """The end rule, written out apart from the code: a record made between the block and
    `now`, of a visit on or after the block's day (UTC here)."""
    return any(since <= s.recorded_at <= now and s.seen_on >= day_of(since) for s in seen)
