"""I8 as truth tables a clinician can read: a history → the referral notices it carries.

Each row: what happened (days before now; "d-3 09:00" is 3 days ago at 09:00 UTC),
and the rules that must fire. `start_blocks` rows: may a new session start now?
Thresholds: clinical-facts.md §3 (proposed defaults, not a clinical standard).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from backbuddy.domain import escalation as esc
from backbuddy.domain import wording

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def at(spec: str) -> datetime:
    """'d-3 09:00' → 3 days before NOW's date, at 09:00 UTC."""
    day, clock = spec.split()
    hours, minutes = (int(x) for x in clock.split(":"))
    base = NOW.replace(hour=hours, minute=minutes)
    return base - timedelta(days=int(day.removeprefix("d-")))


def session(
    when: str,
    end: str = "completed",
    status: str = "completed",
    attempts: int = 3,
    speed: int = 0,
    region: str = "thoracic",
    ended: str | None = None,
    sid: int = 1,
) -> esc.SessionFact:
    start = at(when)
    return esc.SessionFact(
        id=sid,
        technique="seated_hug_extension" if region == "thoracic" else "side_lying_rotation",
        region=region,
        started_at=start,
        status=status,
        attempts=attempts,
        ended_at=at(ended) if ended else start + timedelta(minutes=15),
        end_reason=end,
        speed_halts=speed,
    )


def days(*offsets: int, hour: str = "09:00") -> tuple[esc.SessionFact, ...]:
    return tuple(session(f"d-{d} {hour}", sid=i) for i, d in enumerate(offsets, 1))


def care(when: str, check: str = "after_session", **answers: object) -> esc.AftercareFact:
    return esc.AftercareFact(at=at(when), check=check, **answers)  # type: ignore[arg-type]


def screened(when: str, **answers: object) -> esc.ScreeningFact:
    return esc.ScreeningFact(at(when), answers)


def seen(recorded: str, on: str | None = None) -> esc.Seen:
    """A professional's visit on the day of `on` (default: `recorded`), recorded at `recorded`."""
    return esc.Seen(at(on or recorded).date(), at(recorded))


H = esc.History

# (what happened, history, rules that fire)
NOTICE_TABLE: list[tuple[str, esc.History, set[str]]] = [
    ("nothing stored", H(), set()),
    ("one quiet session yesterday", H(days(1)), set()),
    # pain lasting more than 12 weeks (latest screening answer)
    (
        "screening: pain > 12 weeks",
        H(screenings=(screened("d-1 09:00", chronic_pain=True),)),
        {"chronic_pain"},
    ),
    (
        "screening: pain > 12 weeks, answered 'yes'",
        H(screenings=(screened("d-1 09:00", chronic_pain="yes"),)),
        {"chronic_pain"},
    ),
    (
        "screening: pain > 12 weeks, then not",
        H(
            screenings=(
                screened("d-9 09:00", chronic_pain=True),
                screened("d-1 09:00", chronic_pain=False),
            )
        ),
        set(),
    ),
    (
        "screening: no chronic pain question answered",
        H(screenings=(screened("d-1 09:00", in_pain_or_injured=True),)),
        set(),
    ),
    # frequency: more than 1 a day, more than 3 in 7 days (last 30 days)
    (
        "2 sessions on one day",
        H((session("d-2 09:00", sid=1), session("d-2 18:00", sid=2))),
        {"frequency"},
    ),
    (
        "2 sessions on one day, 40 days ago",
        H((session("d-40 09:00", sid=1), session("d-40 18:00", sid=2))),
        set(),
    ),
    ("4 sessions in 7 days", H(days(1, 3, 5, 7)), {"frequency"}),
    ("3 sessions in 7 days", H(days(1, 3, 5)), set()),
    ("4 sessions over 8 days", H(days(1, 3, 6, 9)), set()),
    (
        "2 sessions one day, the first ended before any attempt",
        H(
            (
                session(
                    "d-2 09:00", status="ended_by_pair", attempts=0, end="ended_by_pair", sid=1
                ),
                session("d-2 18:00", sid=2),
            )
        ),
        set(),
    ),
    # regular use for 2 weeks and still going
    ("weekly for 2 weeks, last one 2 days ago", H(days(2, 9, 16)), {"regular_use"}),
    ("weekly for 2 weeks, stopped 8 days ago", H(days(8, 15, 22)), set()),
    ("a gap of 8 days breaks the run", H(days(2, 10, 17)), set()),
    ("13 days of use", H(days(1, 7, 14)), set()),
    # felt need to crack most days
    (
        "next start: felt need most days",
        H(aftercare=(care("d-1 09:00", "next_start", felt_need_most_days=True),)),
        {"felt_need"},
    ),
    (
        "next start: felt need, later no",
        H(
            aftercare=(
                care("d-5 09:00", "next_start", felt_need_most_days=True),
                care("d-1 09:00", "next_start", felt_need_most_days=False),
            )
        ),
        set(),
    ),
    (
        "screening: felt need most days",
        H(screenings=(screened("d-1 09:00", felt_need_most_days=True),)),
        {"felt_need"},
    ),
    # symptom halt in the last 30 days
    (
        "symptom halt 29 days ago",
        H((session("d-29 09:00", end="symptom", status="halted"),)),
        {"symptom_halt"},
    ),
    (
        "symptom halt 29 days ago, seen by a professional since",
        H((session("d-29 09:00", end="symptom", status="halted"),), seen=(seen("d-20 09:00"),)),
        {"symptom_halt"},
    ),
    (
        "symptom halt 31 days ago, never seen: it still blocks",
        H((session("d-31 09:00", end="symptom", status="halted"),)),
        {"symptom_halt"},
    ),
    (
        "symptom halt 31 days ago, seen the next day",
        H((session("d-31 09:00", end="symptom", status="halted"),), seen=(seen("d-30 09:00"),)),
        set(),
    ),
    # aftercare answers
    (
        "after session: numbness",
        H(aftercare=(care("d-1 09:00", symptoms=("numbness",)),)),
        {"aftercare_symptom"},
    ),
    (
        "next start: soreness more than a day",
        H(aftercare=(care("d-1 09:00", "next_start", soreness_over_day=True),)),
        {"lasting_soreness"},
    ),
    ("after session: felt worse", H(aftercare=(care("d-1 09:00", feel="worse"),)), {"felt_worse"}),
    ("after session: felt better", H(aftercare=(care("d-1 09:00", feel="better"),)), set()),
    (
        "after session: numbness 31 days ago, never seen: it still blocks",
        H(aftercare=(care("d-31 09:00", symptoms=("numbness",)),)),
        {"aftercare_symptom"},
    ),
    (
        "after session: numbness 31 days ago, seen since",
        H(aftercare=(care("d-31 09:00", symptoms=("numbness",)),), seen=(seen("d-29 09:00"),)),
        set(),
    ),
    # repeated speed halts: the pair needs a slower approach
    (
        "2 speed halts in one session",
        H((session("d-1 09:00", end="speed", status="halted", speed=2),)),
        {"speed_halts"},
    ),
    (
        "1 speed halt in each of 2 sessions",
        H((session("d-1 09:00", speed=1, sid=1), session("d-5 09:00", speed=1, sid=2))),
        {"speed_halts"},
    ),
    ("1 speed halt", H((session("d-1 09:00", speed=1),)), set()),
]


@pytest.mark.parametrize(
    ("what", "history", "rules"), NOTICE_TABLE, ids=[r[0] for r in NOTICE_TABLE]
)
def test_notice_table(what: str, history: esc.History, rules: set[str]) -> None:
    """A symptom notice blocks (I8) until a professional's visit is recorded; no other does."""
    notices = esc.evaluate(history, NOW)
    assert {n.rule for n in notices} == rules
    for notice in notices:
        symptom = notice.rule in ("symptom_halt", "aftercare_symptom")
        assert notice.blocks == (symptom and not history.seen), notice
        assert ("No new session until" in notice.reason) == notice.blocks
        assert notice.reason
        assert notice.advice
        assert "physiotherapist, chiropractor or doctor" in notice.advice


# (what happened, history, technique region, rules that block a start now)
BLOCK_TABLE: list[tuple[str, esc.History, str, set[str]]] = [
    ("nothing stored", H(), "thoracic", set()),
    ("one session earlier today", H((session("d-0 08:00"),)), "thoracic", {"frequency"}),
    ("one session yesterday", H((session("d-1 20:00"),)), "thoracic", set()),
    ("3 sessions in the last 7 days", H(days(1, 3, 6)), "thoracic", {"frequency"}),
    ("3 sessions, the oldest 7 days ago", H(days(2, 4, 7, hour="11:00")), "thoracic", set()),
    (
        "ended before any attempt earlier today",
        H((session("d-0 08:00", status="ended_by_pair", attempts=0, end="ended_by_pair"),)),
        "thoracic",
        set(),
    ),
    (
        # its attempts are written only when a session finishes: it may have moved
        "interrupted (the process died) earlier today, 0 attempts written",
        H((session("d-0 08:00", status="interrupted", attempts=0, end=None),)),
        "thoracic",
        {"frequency"},
    ),
    (
        "a pop in the same region 10 minutes ago",
        H((session("d-1 11:40", end="pop", ended="d-0 11:50"),)),
        "thoracic",
        {"pop_rest"},
    ),
    (
        "a pop in another region 10 minutes ago",
        H((session("d-1 11:40", end="pop", ended="d-0 11:50"),)),
        "lumbar",
        set(),
    ),
    (
        "a pop in the same region 25 minutes ago",
        H((session("d-1 11:20", end="pop", ended="d-0 11:35"),)),
        "thoracic",
        set(),
    ),
]


@pytest.mark.parametrize(
    ("what", "history", "region", "rules"), BLOCK_TABLE, ids=[r[0] for r in BLOCK_TABLE]
)
def test_start_block_table(what: str, history: esc.History, region: str, rules: set[str]) -> None:
    blocks = esc.start_blocks(history, NOW, region)
    assert {n.rule for n in blocks} == rules
    assert all(n.blocks for n in blocks)


def test_a_day_is_the_receivers_calendar_day() -> None:
    """23:30 UTC yesterday is already today at UTC+2: the day limit counts it."""
    plus2 = timezone(timedelta(hours=2))
    history = H((session("d-1 23:30"),))
    assert esc.start_blocks(history, NOW, "thoracic", tz=UTC) == ()
    assert {n.rule for n in esc.start_blocks(history, NOW, "thoracic", tz=plus2)} == {"frequency"}


def test_the_week_block_says_when_the_next_session_can_start() -> None:
    (block,) = esc.start_blocks(H(days(1, 3, 6)), NOW, "lumbar")
    assert "2026-07-01 09:00" in block.reason  # 7 days after the oldest of the three
    assert block.advice == esc.LIMIT_ADVICE


def test_a_longer_rest_setting_is_kept_and_a_shorter_one_is_not() -> None:
    history = H((session("d-1 11:00", end="pop", ended="d-0 11:35"),))
    assert esc.start_blocks(history, NOW, "thoracic", pop_rest=timedelta(minutes=30))
    assert not esc.start_blocks(history, NOW, "thoracic", pop_rest=timedelta(minutes=5))


def test_a_pop_session_without_an_end_time_rests_from_its_start() -> None:
    pop = esc.SessionFact(
        1, "seated_hug_extension", "thoracic", at("d-0 11:50"), "completed", 1, None, "pop"
    )
    assert "pop_rest" in {n.rule for n in esc.start_blocks(H((pop,)), NOW, "thoracic")}


def popped(fact: esc.SessionFact, when: str) -> esc.SessionFact:
    """The session with a pop at `when` (start + the pop event's session time)."""
    return replace(fact, popped_at=at(when))


# I6 across sessions (issue 11 item 2): a pop in any mode, even after the end, rests its region.
POP_TABLE: list[tuple[str, esc.History, str, set[str]]] = [
    (
        "a pop after a completed session, 10 minutes ago",
        H((popped(session("d-1 11:00"), "d-0 11:50"),)),
        "thoracic",
        {"pop_rest"},
    ),
    (
        "a pop after the pair ended before any attempt, 10 minutes ago",
        H(
            (
                popped(
                    session("d-0 11:45", status="ended_by_pair", attempts=0, end="ended_by_pair"),
                    "d-0 11:50",
                ),
            )
        ),
        "thoracic",
        {"pop_rest"},
    ),
    (
        "a pop after a symptom halt, 10 minutes ago, in another region",
        H((popped(session("d-1 11:00", end="symptom", status="halted"), "d-0 11:50"),)),
        "lumbar",
        set(),
    ),
    (
        "a pop stamped 5 minutes ahead of now on the session clock",
        H((popped(session("d-1 11:00"), "d-0 12:05"),)),
        "thoracic",
        {"pop_rest"},
    ),
    (
        "a pop after a completed session, 25 minutes ago",
        H((popped(session("d-1 11:00"), "d-0 11:35"),)),
        "thoracic",
        set(),
    ),
    (
        "a pop-ended session whose later pop, 10 minutes ago, rests it longer",
        H((popped(session("d-1 11:00", end="pop", ended="d-0 11:20"), "d-0 11:50"),)),
        "thoracic",
        {"pop_rest"},
    ),
]


@pytest.mark.parametrize(
    ("what", "history", "region", "rules"), POP_TABLE, ids=[r[0] for r in POP_TABLE]
)
def test_pop_rest_table(what: str, history: esc.History, region: str, rules: set[str]) -> None:
    assert {n.rule for n in esc.start_blocks(history, NOW, region)} == rules


# aftercare answer → urgency and what is said first
ADVICE_TABLE: list[tuple[str, esc.AftercareFact, str, str]] = [
    ("nothing new", care("d-0 09:00", feel="same"), "routine", wording.AFTERCARE),
    ("chest pain", care("d-0 09:00", symptoms=("chest_pain",)), "emergency", wording.EMERGENCY),
    (
        "dizziness",
        care("d-0 09:00", symptoms=("dizziness", "other")),
        "emergency",
        wording.EMERGENCY,
    ),
    ("weakness", care("d-0 09:00", symptoms=("weakness",)), "today", wording.REFER_URGENT),
    (
        "something else new",
        care("d-0 09:00", symptoms=("other",)),
        "routine",
        wording.REFER_SYMPTOM,
    ),
]


@pytest.mark.parametrize(
    ("what", "answer", "urgency", "first"), ADVICE_TABLE, ids=[r[0] for r in ADVICE_TABLE]
)
def test_aftercare_advice_table(
    what: str, answer: esc.AftercareFact, urgency: str, first: str
) -> None:
    got_urgency, said = esc.aftercare_advice(answer)
    assert (got_urgency, said[0]) == (urgency, first)


def test_soreness_worse_and_felt_need_each_add_their_advice_after_the_expectations() -> None:
    answer = care(
        "d-0 09:00", "next_start", feel="worse", soreness_over_day=True, felt_need_most_days=True
    )
    urgency, said = esc.aftercare_advice(answer)
    assert urgency == "routine"
    assert said[0] == wording.AFTERCARE
    assert len(said) == 4
    assert all("physiotherapist, chiropractor or doctor" in s for s in said[1:])


def test_notices_never_diagnose() -> None:
    texts = [*esc.ADVICE.values(), esc.LIMIT_ADVICE]
    for text in texts:
        low = text.lower()
        assert not any(word in low for word in wording.FORBIDDEN_WORDS), text


def test_notice_text_and_keys_are_stable_per_episode() -> None:
    history = H(
        screenings=(
            screened("d-9 09:00", chronic_pain=True),
            screened("d-1 09:00", chronic_pain=True),
        )
    )
    (notice,) = esc.evaluate(history, NOW)
    assert notice.at == at("d-9 09:00")
    assert notice.text.startswith(notice.reason)
    assert esc.evaluate(history, NOW)[0].key == notice.key
