"""The screening flow over the store: evaluate with the blocks that hold, store, enforce I1.

`take_screening` is what `backbuddy screen`, `guide --screening-answers` and the web
page call; every session starter calls `require_valid_screening` first, so no
guided session starts without a screening from this sitting whose outcome allows
the technique (invariant I1). Both read the stored history: a red flag or a symptom
halt holds across techniques and re-screens until its own end (domain.blocks), so
the result they return (and the engine checks at `begin`) already carries it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, tzinfo

from backbuddy.domain import blocks as blk
from backbuddy.domain.errors import (
    ScreeningBlocked,
    ScreeningInputError,
    ScreeningRequired,
    ScreeningUnfinished,
)
from backbuddy.domain.ports import HistoryStore
from backbuddy.domain.screening import (
    DEFAULT_VALIDITY,
    Questionnaire,
    Reason,
    ScreeningResult,
    evaluate,
    kept_for,
    load_questions,
    normalise_answers,
    understood,
)
from backbuddy.services.escalation import local_zone, person_blocks, refuse_start

#: The first sentence when only blocks from earlier refuse (nothing answered now).
HELD_SUMMARY = "What was reported earlier still holds, so this routine isn't suitable today."
#: How a block that needs a professional ends, said with the block.
HOLDS = (
    "This holds for both routines, and answering again won't lift it, until a physiotherapist, "
    "chiropractor or doctor has seen the receiver and you have recorded that visit: on the home "
    "page, or with the command: backbuddy seen --date YYYY-MM-DD."
)

#: Said when answers that block only the other technique are kept before the questions end.
KEPT_ELSEWHERE = (
    "Your answers so far are kept: they rule out the {other} today, and answering again "
    "won't change that."
)


def take_screening(
    store: HistoryStore | None,
    technique_id: str,
    answers: Mapping[str, object],
    now: datetime,
    *,
    questions: Questionnaire | None = None,
    valid_for: timedelta = DEFAULT_VALIDITY,
    tz: tzinfo | None = None,
) -> tuple[int | None, ScreeningResult]:
    """Evaluate the answers with the blocks in force and store the result with the answers.

    The id is None without a store (then nothing earlier is known). Bad answers raise
    ScreeningInputError before anything is stored. Unfinished answers are stored only
    when they themselves block (a red flag answered, then the questions left): a block
    held from earlier does not make a partial form a screening. When they block only the
    other technique (blood thinners in a seated hug screening), they are stored as that
    technique's screening and ScreeningUnfinished says so: this technique still needs
    every answer, and the red flag is not lost (`kept_for`).
    """
    qs = questions or load_questions()
    try:
        own = evaluate(qs, answers, technique_id, now, valid_for)
    except ScreeningInputError as err:
        kept = (
            None
            if store is None
            else keep_blocking(store, technique_id, answers, now, qs, valid_for, tz)
        )
        if kept is None:
            raise
        other, sid = kept
        raise ScreeningUnfinished(
            f"{err}; the answers given rule out {other} today and are kept (screening #{sid})",
            other,
        ) from None
    if store is None:
        return None, own
    return _store(store, qs, technique_id, answers, now, valid_for, tz)


def keep_blocking(
    store: HistoryStore,
    technique_id: str,
    answers: Mapping[str, object],
    now: datetime,
    questions: Questionnaire | None = None,
    valid_for: timedelta = DEFAULT_VALIDITY,
    tz: tzinfo | None = None,
) -> tuple[str, int] | None:
    """Store the answers of a refused form that block a technique: (that technique, the id).

    A form refused as a whole (unfinished, a value not understood, a question sent twice)
    still gave the answers it gave: a red flag among them is kept, stored as a screening of
    the technique it blocks (`kept_for`), so answering again cannot lose it (I1). None when
    nothing understood blocks either technique: then nothing is stored.
    """
    qs = questions or load_questions()
    readable = understood(qs, answers)
    kept = kept_for(qs, readable, technique_id)
    if kept is None:
        return None
    sid, _ = _store(store, qs, kept, readable, now, valid_for, tz)
    return kept, sid


def _store(
    store: HistoryStore,
    qs: Questionnaire,
    technique_id: str,
    answers: Mapping[str, object],
    now: datetime,
    valid_for: timedelta,
    tz: tzinfo | None,
) -> tuple[int, ScreeningResult]:
    normalised = normalise_answers(qs, answers)
    zone = tz or local_zone()
    holding = person_blocks(store, now, zone, qs)
    result = blk.effective(qs, answers, technique_id, now, holding, now, zone, valid_for)
    return store.save_screening(result, normalised), result


#: A session stamped this long before a start is still read by its rules (7 days and today).
RECENT = timedelta(days=8)


def recheck_start(
    store: HistoryStore, technique_id: str, now: datetime, pop_rest_min: float
) -> Callable[[], None]:
    """The start rules read again (I1's screening and block, then the history's limits:
    `refuse_start`), to run under the store's start lock (`SessionStore.start_session`):
    two processes starting at once both passed the first check, and one must be refused.

    Call it before the first check: it notes what the store holds then (the recent sessions,
    the screenings' and symptoms' marks: three indexed reads). Under the lock, when none of
    that changed, the first check stands and nothing more is read, so the lock (on SQLite
    every writer waits for it) is held for those reads only; otherwise the rules run again."""
    before = _start_marks(store, now)

    def recheck() -> None:
        if _start_marks(store, now) == before:
            return
        require_valid_screening(store, technique_id, now)
        refuse_start(store, technique_id, now, pop_rest_min=pop_rest_min)

    return recheck


def _start_marks(store: HistoryStore, now: datetime) -> tuple[object, ...]:
    recent = tuple((s.id, s.status) for s in store.sessions(now - RECENT))
    return recent, store.screenings_mark(), store.symptoms_mark()


def require_valid_screening(
    store: HistoryStore,
    technique_id: str,
    now: datetime,
    *,
    tz: tzinfo | None = None,
    questions: Questionnaire | None = None,
) -> tuple[int, ScreeningResult]:
    """The stored screening that allows `technique_id` now, or ScreeningRequired/Blocked.

    The blocks in force now are applied to it again: a red flag answered in another
    tab, or a symptom halt, after this screening still refuses the start.
    """
    qs = questions or load_questions()
    zone = tz or local_zone()
    holding = person_blocks(store, now, zone, qs)
    found = store.latest_screening(technique_id, now)
    if found is None:
        refuse_what_holds(qs, technique_id, holding, now, zone)
        raise ScreeningRequired(
            f"no screening for {technique_id} in this sitting: "
            f"run `backbuddy screen {technique_id}` first"
        )
    sid, stored = found
    answers = next((r.answers for r in store.screenings(stored.taken_at) if r.id == sid), None)
    try:
        result = blk.effective(
            qs,
            answers,
            technique_id,
            stored.taken_at,
            holding,
            now,
            zone,
            stored.valid_until - stored.taken_at,
        )
    except ScreeningInputError:  # stored before a question was added: answer again
        raise ScreeningRequired(
            f"the screening for {technique_id} lacks answers asked today: "
            f"run `backbuddy screen {technique_id}` again"
        ) from None
    check_allows(result, technique_id, now, qs)
    return sid, result


def standing_result(
    store: HistoryStore,
    technique_id: str,
    now: datetime,
    *,
    tz: tzinfo | None = None,
    questions: Questionnaire | None = None,
) -> ScreeningResult | None:
    """What holds for `technique_id` before any answer is given: None when nothing blocks."""
    qs = questions or load_questions()
    zone = tz or local_zone()
    holding = person_blocks(store, now, zone, qs)
    if not holding:
        return None
    result = blk.effective(qs, None, technique_id, now, holding, now, zone)
    return None if result.allows_session else result


def refuse_what_holds(
    qs: Questionnaire,
    technique_id: str,
    holding: tuple[blk.Block, ...],
    now: datetime,
    tz: tzinfo,
) -> None:
    """Raise ScreeningBlocked when the blocks in force alone refuse the technique."""
    if not holding:
        return
    result = blk.effective(qs, None, technique_id, now, holding, now, tz)
    if not result.allows_session:
        raise ScreeningBlocked(blocked_message(result, qs, tz), result.outcome, result)


def check_allows(
    result: ScreeningResult,
    technique_id: str,
    now: datetime,
    questions: Questionnaire | None = None,
) -> None:
    """Raise unless `result` is for this technique, still valid, and clear or caution."""
    if result.technique != technique_id:
        raise ScreeningRequired(
            f"the screening was for {result.technique}, not {technique_id}: "
            f"run `backbuddy screen {technique_id}` first"
        )
    if not result.valid_at(now):
        raise ScreeningRequired(
            f"the screening for {technique_id} is not valid now (valid until "
            f"{result.valid_until:%Y-%m-%d %H:%M}): run `backbuddy screen {technique_id}` again"
        )
    if not result.allows_session:
        raise ScreeningBlocked(blocked_message(result, questions), result.outcome, result)


def summary(result: ScreeningResult, questions: Questionnaire) -> str:
    """The first sentence of an outcome: the questionnaire's, or `HELD_SUMMARY`."""
    if result.allows_session or any(r.held is None for r in result.blocking):
        return questions.summaries[result.outcome]
    return HELD_SUMMARY


def blocked_message(
    result: ScreeningResult, questions: Questionnaire | None = None, tz: tzinfo | None = None
) -> str:
    """What a blocked person reads, on one line.

    An emergency: the emergency wording, and why an earlier answer still holds. Else
    the summary (or `HELD_SUMMARY` when only earlier blocks refuse), each blocking
    reason, when a wait ends, and how a block that needs a professional ends.
    """
    qs = questions or load_questions()
    blocking = result.blocking
    held = [r.held for r in blocking if r.held]
    if result.outcome == "block_emergency":
        return " ".join([qs.summaries[result.outcome], *held])
    parts = [summary(result, qs)]
    for reason in blocking:
        parts += [reason.held or "", reason.message]
        if reason.until is not None and reason.held is None:  # a held one says its end
            parts.append(f"You can screen again after {wait_end(reason, tz)}.")
    if result.needs_professional:
        parts.append(HOLDS)
    return " ".join(p for p in parts if p)


def wait_end(reason: Reason, tz: tzinfo | None = None) -> str:
    """When a wait ends, in the receiver's time."""
    assert reason.until is not None
    return reason.until.astimezone(tz or local_zone()).strftime("%H:%M on %d %b %Y")
