"""Aftercare checks: after a session (how the back feels, any new symptom) and at the next
start (soreness lasting more than a day, anything new, a felt need to crack most days).

The questions are data (`AFTER_SESSION`, `NEXT_START`) so the terminal and the
web app ask the same thing. `record_*` check the answers, store them and return
what to tell the receiver (clinical-facts §6 wording) with the referral notices
the history now carries. A bad answer raises AftercareInputError naming it;
nothing is stored then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Literal

from backbuddy.domain import escalation as esc
from backbuddy.domain.errors import BackbuddyError
from backbuddy.domain.ports import HistoryStore
from backbuddy.services.escalation import current_notices

QuestionKind = Literal["choice", "yes_no", "symptoms"]


class AftercareInputError(BackbuddyError):
    """An aftercare answer is missing, unknown or of the wrong type."""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: QuestionKind
    choices: tuple[tuple[str, str], ...] = ()


SYMPTOM_LABELS: tuple[tuple[str, str], ...] = (
    ("sharp_pain", "Sharp pain"),
    ("localised_pain", "Localised pain (in one spot)"),
    ("numbness", "Numbness"),
    ("tingling", "Tingling"),
    ("weakness", "Weakness"),
    ("dizziness", "Dizziness"),
    ("chest_pain", "Chest pain or breathlessness"),
    ("other", "Something else new"),
)
_NEW_SYMPTOMS = Question(
    "new_symptoms",
    "Any new symptom? Choose all that apply, or none.",
    "symptoms",
    SYMPTOM_LABELS,
)
AFTER_SESSION: tuple[Question, ...] = (
    Question(
        "feel",
        "How does the back feel now, compared with before the session?",
        "choice",
        (("better", "Better"), ("same", "About the same"), ("worse", "Worse")),
    ),
    _NEW_SYMPTOMS,
)
NEXT_START: tuple[Question, ...] = (
    Question(
        "soreness_over_day", "Since the last session, did soreness last more than a day?", "yes_no"
    ),
    _NEW_SYMPTOMS,
    Question(
        "felt_need_most_days",
        "Do you feel a need to crack your back, or have it cracked, on most days?",
        "yes_no",
    ),
)
QUESTIONS: dict[esc.Check, tuple[Question, ...]] = {
    "after_session": AFTER_SESSION,
    "next_start": NEXT_START,
}


@dataclass(frozen=True)
class AftercareResult:
    """What to show after a check: urgency, messages (most urgent first), referral notices."""

    id: int
    urgency: esc.Urgency
    messages: tuple[str, ...]
    notices: tuple[esc.Notice, ...]


def parse_answers(
    check: esc.Check, answers: Mapping[str, object], at: datetime, session_id: int | None = None
) -> esc.AftercareFact:
    """Answers (ids as in QUESTIONS; yes/no as bool or "yes"/"no") → a checked fact."""
    questions = QUESTIONS[check]
    unknown = sorted(set(answers) - {q.id for q in questions})
    if unknown:
        raise AftercareInputError(f"unknown aftercare answer(s): {', '.join(unknown)}")
    values = {q.id: _value(q, answers.get(q.id)) for q in questions}
    return esc.AftercareFact(
        at=at,
        check=check,
        feel=values.get("feel"),  # type: ignore[arg-type]
        symptoms=values["new_symptoms"],  # type: ignore[arg-type]
        soreness_over_day=values.get("soreness_over_day"),  # type: ignore[arg-type]
        felt_need_most_days=values.get("felt_need_most_days"),  # type: ignore[arg-type]
        session_id=session_id,
    )


def record_after_session(
    store: HistoryStore,
    session_id: int,
    answers: Mapping[str, object],
    now: datetime,
    tz: tzinfo | None = None,
) -> AftercareResult:
    """Store the after-session check of `session_id`; return what to tell the receiver."""
    return _record(store, _parse_or_keep(store, "after_session", answers, now, session_id), now, tz)


def record_next_start(
    store: HistoryStore, answers: Mapping[str, object], now: datetime, tz: tzinfo | None = None
) -> AftercareResult:
    """Store the next-start check (about the time since the last session)."""
    last = last_session_id(store)
    return _record(store, _parse_or_keep(store, "next_start", answers, now, last), now, tz)


#: Added to the error of a refused check that reported a symptom: it was stored all the same.
SYMPTOMS_KEPT = (
    "The new symptoms ticked are kept: they stop further sessions until the receiver is seen."
)


def _parse_or_keep(
    store: HistoryStore,
    check: esc.Check,
    answers: Mapping[str, object],
    now: datetime,
    session_id: int | None,
) -> esc.AftercareFact:
    """The checked answers, or AftercareInputError; a refused check's known symptoms are
    stored first (numbness ticked with the feel left out must block all the same, I8:
    the pair may leave the form there, or finish it with "none")."""
    try:
        return parse_answers(check, answers, now, session_id)
    except AftercareInputError as err:
        raw = answers.get(_NEW_SYMPTOMS.id)
        items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list | tuple) else []
        known = {c[0] for c in SYMPTOM_LABELS}
        felt = tuple(dict.fromkeys(str(x) for x in items if x in known))
        if not felt:
            raise
        store.save_aftercare(
            esc.AftercareFact(at=now, check=check, symptoms=felt, session_id=session_id)
        )
        raise AftercareInputError(f"{err}. {SYMPTOMS_KEPT}") from None


def next_start_due(store: HistoryStore) -> bool:
    """True when a session has ended since the last next-start check: ask it before starting."""
    ended = [s for s in store.sessions() if s.status != "running"]
    if not ended:
        return False
    asked = [a.at for a in store.aftercare() if a.check == "next_start"]
    return not asked or max(asked) < ended[-1].started_at


def after_session_due(store: HistoryStore) -> int | None:
    """The id of the latest ended session that has no after-session check yet, if any."""
    ended = [s for s in store.sessions() if s.status != "running"]
    if not ended:
        return None
    done = {a.session_id for a in store.aftercare() if a.check == "after_session"}
    return None if ended[-1].id in done else ended[-1].id


def last_session_id(store: HistoryStore) -> int | None:
    sessions = store.sessions()
    return sessions[-1].id if sessions else None


def _record(
    store: HistoryStore, fact: esc.AftercareFact, now: datetime, tz: tzinfo | None
) -> AftercareResult:
    answer_id = store.save_aftercare(fact)
    urgency, messages = esc.aftercare_advice(fact)
    return AftercareResult(answer_id, urgency, messages, current_notices(store, now, tz))


def _value(question: Question, raw: object) -> object:
    if question.kind == "symptoms":
        return _symptoms(raw)
    if raw is None:
        raise AftercareInputError(f"aftercare answer {question.id!r} is missing: {question.text}")
    if question.kind == "yes_no":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("yes", "no"):
            return raw.lower() == "yes"
        raise AftercareInputError(f"aftercare answer {question.id!r} must be yes or no")
    ids = [c[0] for c in question.choices]
    if raw not in ids:
        raise AftercareInputError(f"aftercare answer {question.id!r} must be one of {ids}")
    return raw


def _symptoms(raw: object) -> tuple[str, ...]:
    if raw is None or raw == "none":
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise AftercareInputError("aftercare answer 'new_symptoms' must be a list of symptoms")
    known = {c[0] for c in SYMPTOM_LABELS}
    bad = [s for s in items if s not in known]
    if bad:
        raise AftercareInputError(
            f"unknown symptom(s) {bad}; known: {', '.join(sorted(known))} (or none)"
        )
    return tuple(dict.fromkeys(str(s) for s in items))
