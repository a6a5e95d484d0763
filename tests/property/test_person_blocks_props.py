"""Blocks on the person (I1, I8; issue 11 items 3 and 4) over arbitrary stored histories.

Histories are sequences of screenings with arbitrary answers, sessions with arbitrary
end reasons, aftercare checks and records of a professional's visit, at arbitrary
times (tests/support/history_strategies.py). The end rules are written out here apart
from the code (`clears`): a wait ends after its hours; anything else only with a
record made after the block, of a visit on or after the block's day.

Item 4: a red flag holds for both techniques and every re-screen until its end rule;
a re-screen that contradicts it is shown as such and is a notice.
Item 3: a symptom halt (or a symptom reported after a session) blocks every later
session, whatever is answered, until a visit is recorded; one record clears every
block raised on or before the day seen.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from history_strategies import (
    NOW,
    QUESTIONS,
    answer_sets,
    clears,
    day_of,
    histories,
    seen_records,
    times,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from backbuddy.domain import blocks as blk
from backbuddy.domain import escalation as esc
from backbuddy.domain.errors import ScreeningInputError
from backbuddy.domain.screening import (
    Answer,
    Question,
    evaluate,
    is_block,
    kept_for,
    outcome_so_far,
    severity,
)

#: (question, answer) pairs that give a block for some technique: the red flags.
RED_FLAGS = [
    (q, a)
    for q in QUESTIONS.questions
    for a in q.answers()
    if a != q.negative and any(r.outcome != "caution" for r in q.rules if r.when == a)
]
WAITS = [(q, a) for q, a in RED_FLAGS if any(r.wait_hours for r in q.rules if r.when == a)]
REFERRING = [(q, a) for q, a in RED_FLAGS if (q, a) not in WAITS]
later = st.integers(min_value=0, max_value=5 * 24 * 60).map(lambda m: timedelta(minutes=m))


def with_flag(history: esc.History, q: Question, answer: Answer, at: datetime) -> esc.History:
    """The history plus one screening at `at` that answered `answer` to `q` (no elsewhere)."""
    answers = {x.id: x.negative for x in QUESTIONS.questions} | {q.id: answer}
    return replace(history, screenings=(*history.screenings, esc.ScreeningFact(at, answers)))


def before(history: esc.History, at: datetime) -> esc.History:
    """Only the records of a visit made before `at`: none of them can clear a later block."""
    return replace(history, seen=tuple(s for s in history.seen if s.recorded_at < at))


def effective(history: esc.History, answers: dict[str, Answer] | None, t: str, now: datetime):  # type: ignore[no-untyped-def]
    holding = blk.person_blocks(QUESTIONS, history, now)
    return blk.effective(QUESTIONS, answers, t, now, holding, now)


# ── item 4: a red flag is not undone by answering again ──────────────────────


@given(histories, st.sampled_from(REFERRING), times, later, answer_sets())
def test_a_red_flag_holds_for_both_techniques_and_every_re_screen(
    history: esc.History,
    flag: tuple[Question, Answer],
    at: datetime,
    wait: timedelta,
    again: dict[str, Answer],
) -> None:
    q, answer = flag
    stored = before(with_flag(history, q, answer, at), at)
    now = at + wait
    for technique in QUESTIONS.techniques:
        result = effective(stored, again, technique, now)
        assert severity(result.outcome) >= severity(q.outcome(answer, technique))
        if result.outcome == q.outcome(answer, technique) and again[q.id] == q.negative:
            (reason,) = [r for r in result.reasons if r.id == q.id]
            assert reason.held_since is not None
            assert reason.held
            assert reason.contradicted == (reason.held_since < now)


@given(histories, st.sampled_from(REFERRING), times, later, answer_sets())
def test_a_red_flag_refuses_a_start_even_without_a_new_screening(
    history: esc.History,
    flag: tuple[Question, Answer],
    at: datetime,
    wait: timedelta,
    again: dict[str, Answer],
) -> None:
    q, answer = flag
    stored = before(with_flag(history, q, answer, at), at)
    for technique in QUESTIONS.techniques:
        if severity(q.outcome(answer, technique)) >= severity("block_refer"):
            assert not effective(stored, None, technique, at + wait).allows_session


@given(histories, st.sampled_from(REFERRING), times, later, later)
def test_a_recorded_visit_after_a_red_flag_ends_it(
    history: esc.History,
    flag: tuple[Question, Answer],
    at: datetime,
    to_visit: timedelta,
    to_now: timedelta,
) -> None:
    q, answer = flag
    visit = esc.Seen(day_of(at + to_visit), at + to_visit)
    stored = with_flag(history, q, answer, at)
    stored = replace(stored, seen=(*stored.seen, visit))
    now = at + to_visit + to_now
    held = blk.person_blocks(QUESTIONS, stored, now)
    assert not [b for b in held if b.id == q.id and b.since == at]


@given(histories, st.sampled_from(WAITS), times, later)
def test_a_wait_ends_after_its_hours_and_no_visit_ends_it_sooner(
    history: esc.History, flag: tuple[Question, Answer], at: datetime, wait: timedelta
) -> None:
    q, answer = flag
    hours = max(r.wait_hours or 0 for r in q.rules if r.when == answer)
    visit = esc.Seen(day_of(at), at)  # a visit the same day changes nothing for a wait
    stored = with_flag(history, q, answer, at)
    stored = replace(stored, seen=(*stored.seen, visit))
    now = at + wait
    ours = [b for b in blk.person_blocks(QUESTIONS, stored, now) if b.since == at and b.id == q.id]
    assert bool(ours) == (now < at + timedelta(hours=hours))
    assert all(not b.needs_seen for b in ours)


@given(histories, st.sampled_from(RED_FLAGS), times, later, answer_sets())
def test_a_re_answer_that_contradicts_a_held_block_is_a_notice(
    history: esc.History,
    flag: tuple[Question, Answer],
    at: datetime,
    wait: timedelta,
    again: dict[str, Answer],
) -> None:
    q, answer = flag
    hours = max((r.wait_hours or 0 for r in q.rules if r.when == answer), default=0)
    assume(wait > timedelta(0) and (not hours or wait < timedelta(hours=hours)))
    stored = before(with_flag(history, q, answer, at), at)
    again = again | {q.id: q.negative}
    stored = replace(stored, screenings=(*stored.screenings, esc.ScreeningFact(at + wait, again)))
    notices = blk.notices(QUESTIONS, stored, at + wait)
    keys = {n.key for n in notices if n.rule == "contradiction"}
    assert any(k.endswith(f":{q.id}") and n.blocks for k in keys for n in notices if n.key == k)


@given(histories, st.one_of(st.builds(lambda: None), answer_sets()), times)
def test_adding_a_screening_never_lifts_a_block(
    history: esc.History, answers: dict[str, Answer] | None, at: datetime
) -> None:
    extra = answers or {q.id: q.negative for q in QUESTIONS.questions}
    more = replace(history, screenings=(*history.screenings, esc.ScreeningFact(at, extra)))
    key = {(b.kind, b.id, b.since) for b in blk.person_blocks(QUESTIONS, history, NOW)}
    assert key <= {(b.kind, b.id, b.since) for b in blk.person_blocks(QUESTIONS, more, NOW)}


@given(histories, seen_records())
def test_a_visit_record_never_adds_a_block(history: esc.History, visit: esc.Seen) -> None:
    more = replace(history, seen=(*history.seen, visit))
    assert set(blk.person_blocks(QUESTIONS, more, NOW)) <= set(
        blk.person_blocks(QUESTIONS, history, NOW)
    )


@given(histories, answer_sets(), st.sampled_from(QUESTIONS.techniques))
def test_blocks_only_ever_make_a_screening_more_serious(
    history: esc.History, answers: dict[str, Answer], technique: str
) -> None:
    from backbuddy.domain.screening import evaluate

    alone = evaluate(QUESTIONS, answers, technique, NOW)
    assert severity(effective(history, answers, technique, NOW).outcome) >= severity(alone.outcome)


# ── item 3: a symptom halt blocks later sessions until a visit is recorded ───


@given(
    histories,
    times,
    later,
    st.integers(1, 99),
    st.sampled_from(["session", "after end", "aftercare"]),
    answer_sets(),
)
def test_a_symptom_blocks_both_techniques_whatever_is_answered(
    history: esc.History,
    at: datetime,
    wait: timedelta,
    sid: int,
    how: str,
    again: dict[str, Answer],
) -> None:
    if how == "aftercare":
        felt = esc.AftercareFact(at, "after_session", symptoms=("numbness",))
        stored = before(history, at)
        stored = replace(stored, aftercare=(*stored.aftercare, felt))
    else:  # a symptom felt after the end: the engine re-ends the session for it
        start = at - timedelta(minutes=30 if how == "after end" else 5)
        halt = esc.SessionFact(sid, "seated_hug_extension", "thoracic", start, "halted", 1, at)
        stored = before(history, start)
        stored = replace(stored, sessions=(*stored.sessions, replace(halt, end_reason="symptom")))
    now = at + wait
    for technique in QUESTIONS.techniques:
        for answers in (again, None):
            result = effective(stored, answers, technique, now)
            assert not result.allows_session
            if result.outcome == "block_refer":
                assert blk.SYMPTOM in [r.id for r in result.reasons]


@given(histories, later)
def test_one_visit_record_clears_every_block_raised_on_or_before_the_day_seen(
    history: esc.History, wait: timedelta
) -> None:
    now = NOW + wait
    visit = esc.Seen(day_of(now), now)
    more = replace(history, seen=(*history.seen, visit))
    assert [b for b in blk.person_blocks(QUESTIONS, more, now) if b.needs_seen] == []


@given(histories, times, later)
def test_a_visit_never_clears_a_block_raised_after_it_was_recorded(
    history: esc.History, recorded: datetime, gap: timedelta
) -> None:
    assume(gap > timedelta(0))
    at = recorded + gap
    visit = esc.Seen(day_of(at) + timedelta(days=3), recorded)  # even when dated later
    felt = esc.AftercareFact(at, "next_start", symptoms=("weakness",))
    stored = replace(history, aftercare=(*history.aftercare, felt), seen=(visit,))
    assert [b for b in blk.person_blocks(QUESTIONS, stored, at) if b.kind == "symptom"]


@given(histories, later)
def test_every_symptom_block_in_force_has_a_blocking_notice(
    history: esc.History, wait: timedelta
) -> None:
    now = NOW + wait
    holding = [b for b in blk.person_blocks(QUESTIONS, history, now) if b.kind == "symptom"]
    notices = esc.evaluate(history, now)
    if holding:
        assert any(n.blocks and n.rule in ("symptom_halt", "aftercare_symptom") for n in notices)
    for b in holding:
        assert not clears(history.seen, b.since, now)


@given(histories, st.sampled_from(REFERRING), times, later, answer_sets())
def test_a_red_flag_holds_when_the_clock_is_set_back_to_before_it(
    history: esc.History,
    flag: tuple[Question, Answer],
    at: datetime,
    back: timedelta,
    again: dict[str, Answer],
) -> None:
    """I1: a clock set back (by hand, a dead battery, a time zone change) never lifts a block:
    the flag stamped at `at` holds at any earlier `now`, with a clear re-screen or none."""
    q, answer = flag
    stored = before(with_flag(history, q, answer, at), at)
    for technique in QUESTIONS.techniques:
        if severity(q.outcome(answer, technique)) >= severity("block_refer"):
            assert not effective(stored, again, technique, at - back).allows_session
            assert not effective(stored, None, technique, at - back).allows_session


# ── a red flag answered and then left (Ctrl-C, end of input, a partial form) ──
#: Before the wait of the shortest wait ends (cracked_today: 24 h).
within_a_wait = st.integers(min_value=0, max_value=23 * 60).map(lambda m: timedelta(minutes=m))


def asked_one_at_a_time(
    order: list[Question], answers: dict[str, Answer], cut: int, technique: str, at: datetime
) -> list[esc.ScreeningFact]:
    """What the asker and the screening service store when the questions, in `order`, stop
    after `cut` answers: the answers so far as soon as they block the technique screened,
    or else the other one (`kept_for`; once per technique), then what was given when it
    ended: as this technique's screening when the rule accepts it, else as the blocked
    technique's (the service's ScreeningUnfinished), else nothing (an input error)."""
    stored: list[esc.ScreeningFact] = []
    kept: set[str] = set()
    given: dict[str, Answer] = {}
    for q in order[:cut]:
        given[q.id] = answers[q.id]
        where = kept_for(QUESTIONS, given, technique)
        if where is not None and where not in kept:
            kept.add(where)
            stored.append(esc.ScreeningFact(at, dict(given)))
    try:
        evaluate(QUESTIONS, given, technique, at)
    except ScreeningInputError:
        where = kept_for(QUESTIONS, given, technique)
        if where is None:
            return stored
        evaluate(QUESTIONS, given, where, at)  # the service stores it as that technique's
    return [*stored, esc.ScreeningFact(at, dict(given))]


def red_flags_in(given: dict[str, Answer]) -> list[tuple[Question, Answer]]:
    """The answers given that block some technique (each is about the person)."""
    return [(q, a) for q, a in RED_FLAGS if given.get(q.id) == a]


#: Red flags that block one technique only (blood thinners, pregnancy: a caution for the hug).
ONE_TECHNIQUE = [
    (q, a) for q, a in RED_FLAGS if any(not is_block(q.outcome(a, t)) for t in QUESTIONS.techniques)
]


def lead_with(
    order: list[Question], answers: dict[str, Answer], flag: tuple[Question, Answer] | None
) -> tuple[list[Question], dict[str, Answer]]:
    """The questions with `flag` asked first (the rest as drawn), so a screening left with
    only a block for the other technique is drawn as often as any other."""
    if flag is None:
        return order, answers
    q, a = flag
    return [q, *(x for x in order if x.id != q.id)], answers | {q.id: a}


@given(
    histories,
    st.permutations(QUESTIONS.questions),
    st.sampled_from([4, 40]).flatmap(lambda w: answer_sets(negative_weight=w)),
    st.one_of(st.none(), st.sampled_from(ONE_TECHNIQUE)),
    st.integers(min_value=0, max_value=len(QUESTIONS.questions)),
    st.sampled_from(QUESTIONS.techniques),
    times,
    within_a_wait,
    answer_sets(),
)
def test_a_red_flag_answered_then_left_is_never_followed_by_a_clear_screening(
    history: esc.History,
    order: list[Question],
    answers: dict[str, Answer],
    first: tuple[Question, Answer] | None,
    cut: int,
    technique: str,
    at: datetime,
    wait: timedelta,
    again: dict[str, Answer],
) -> None:
    """Any answer order, any cut-off point, either technique screened: once the answers
    given block *some* technique, they are stored, and no later screening of *either*
    technique (any answers) is milder than they are for it, nor lets a session start
    that they block; an unfinished screening with nothing that blocks stores nothing.
    (Blood thinners answered in a seated hug screening, then left: a side-lying
    screening right after must not pass.)"""
    order, answers = lead_with(order, answers, first)
    given = {q.id: answers[q.id] for q in order[:cut]}
    blocks_some = any(is_block(outcome_so_far(QUESTIONS, given, t)) for t in QUESTIONS.techniques)
    kept = asked_one_at_a_time(order, answers, cut, technique, at)
    if cut < len(order) and not blocks_some:
        assert kept == []
        return
    for fact in kept:
        blocks = [
            is_block(outcome_so_far(QUESTIONS, fact.answers, t)) for t in QUESTIONS.techniques
        ]
        assert any(blocks) or len(fact.answers) == len(order)
    if not blocks_some:
        return
    assert kept, "a red flag answered was not stored"
    history = before(replace(history, screenings=(*history.screenings, *kept)), at)
    for other in QUESTIONS.techniques:
        so_far = outcome_so_far(QUESTIONS, given, other)
        for answers_now in (again, None):
            result = effective(history, answers_now, other, at + wait)
            if is_block(so_far):
                assert not result.allows_session, (other, so_far)
            for q, a in red_flags_in(given):
                assert severity(result.outcome) >= severity(q.outcome(a, other)), (q.id, other)
