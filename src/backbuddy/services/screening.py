"""The screening flow over the SessionStore port: evaluate, store, enforce I1.

`take_screening` is what `backbuddy screen` and the web page call; any session
starter calls `require_valid_screening` first, so no guided session starts without
a screening from this sitting whose outcome allows the technique (invariant I1).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from backbuddy.domain.errors import ScreeningBlocked, ScreeningRequired
from backbuddy.domain.ports import SessionStore
from backbuddy.domain.screening import (
    DEFAULT_VALIDITY,
    Questionnaire,
    ScreeningResult,
    evaluate,
    load_questions,
    normalise_answers,
)


def take_screening(
    store: SessionStore | None,
    technique_id: str,
    answers: Mapping[str, object],
    now: datetime,
    *,
    questions: Questionnaire | None = None,
    valid_for: timedelta = DEFAULT_VALIDITY,
) -> tuple[int | None, ScreeningResult]:
    """Evaluate the answers and store the result with them; the id is None without a store.

    Bad answers raise ScreeningInputError before anything is stored.
    """
    qs = questions or load_questions()
    result = evaluate(qs, answers, technique_id, now, valid_for)
    if store is None:
        return None, result
    return store.save_screening(result, normalise_answers(qs, answers)), result


def require_valid_screening(
    store: SessionStore, technique_id: str, now: datetime
) -> tuple[int, ScreeningResult]:
    """The stored screening that allows `technique_id` now, or ScreeningRequired/Blocked."""
    found = store.latest_screening(technique_id, now)
    if found is None:
        raise ScreeningRequired(
            f"no screening for {technique_id} in this sitting: "
            f"run `backbuddy screen {technique_id}` first"
        )
    check_allows(found[1], technique_id, now)
    return found


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
        raise ScreeningBlocked(blocked_message(result, questions), result.outcome)


def blocked_message(result: ScreeningResult, questions: Questionnaire | None = None) -> str:
    """What a blocked person reads: the emergency wording alone, else summary and reasons."""
    qs = questions or load_questions()
    summary = qs.summaries[result.outcome]
    if result.outcome == "block_emergency":
        return summary
    blocking = [r.message for r in result.reasons if r.outcome == result.outcome]
    return " ".join([summary, *blocking])
