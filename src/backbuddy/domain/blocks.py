"""Blocks about the person (I1, I8): a red flag or a symptom holds until its own end rule.

A screening answer that blocks either technique is about the receiver, not about one
technique or one form: it is remembered for both techniques and every later screening,
and each technique judges it by its own rules (so blood thinners, a block for the
side-lying rotation, stay a caution for the seated hug). The same holds for the
caution answers of a screening that several cautions together turned into a referral.
Answering again ("no" this time) does not lift anything; it is shown as a contradiction.

End rules:
- a wait (a rule with `wait_hours`, cracked_today: 24 h) ends that long after the
  screening that reported it;
- anything else, and every symptom that stopped a session or was reported after one,
  ends only when the pair records that a professional has seen the receiver
  (`escalation.Seen`): one record clears every such block raised on or before the day
  seen and before the record was made (`escalation.cleared`).

Pure: the questionnaire, the stored history, `now` and the receiver's time zone in;
blocks, effective screening results and notices out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal

from backbuddy.domain import escalation as esc
from backbuddy.domain.screening import (
    DEFAULT_VALIDITY,
    Answer,
    Outcome,
    Question,
    Questionnaire,
    Reason,
    ScreeningResult,
    evaluate,
    normalise_answers,
    severity,
    understood,
    worst,
)

Kind = Literal["answer", "symptom"]
#: The reason id a symptom block carries in a screening result.
SYMPTOM = "symptom_halt"
SEEN_STEP = (
    "When a physiotherapist, chiropractor or doctor has seen the receiver, record it "
    "on the home page, or with the command: backbuddy seen --date YYYY-MM-DD."
)
REFER_STEP = "Please see a physiotherapist, chiropractor or doctor before any more sessions."
SYMPTOM_MESSAGE = (
    "Because of what was felt, please don't repeat this routine until a physiotherapist, "
    "chiropractor or doctor has seen the receiver."
)


@dataclass(frozen=True)
class Block:
    """One block on the person, in force from `since`.

    `until`: a wait ends then; None means until a professional has seen the receiver.
    `what` says what happened, dated, in plain words.
    """

    kind: Kind
    id: str
    since: datetime
    what: str
    until: datetime | None = None
    answer: Answer | None = None
    outcome: Outcome = "block_refer"

    @property
    def needs_seen(self) -> bool:
        return self.until is None


def person_blocks(
    questions: Questionnaire, history: esc.History, now: datetime, tz: tzinfo = UTC
) -> tuple[Block, ...]:
    """Every block on the person in force at `now`, oldest first."""
    found = [*_answer_blocks(questions, history, now, tz), *_symptom_blocks(history, now, tz)]
    active = [b for b in found if _active(b, history, now, tz)]
    return tuple(sorted(active, key=lambda b: (b.since, b.id)))


def outcome_for(questions: Questionnaire, block: Block, technique_id: str) -> Outcome:
    """What a block means for one technique (a remembered answer by that technique's rules)."""
    if block.kind == "symptom":
        return "block_refer"
    q = questions.find(block.id)
    assert q is not None, block.id
    assert block.answer is not None, block.id
    return q.outcome(block.answer, technique_id)


def effective(
    questions: Questionnaire,
    answers: Mapping[str, object] | None,
    technique_id: str,
    taken_at: datetime,
    blocks: Iterable[Block],
    now: datetime,
    tz: tzinfo = UTC,
    valid_for: timedelta = DEFAULT_VALIDITY,
) -> ScreeningResult:
    """The result a session must obey: this screening's answers with every block in force.

    A remembered answer stands in for a "no" (or a milder choice) given now; the
    combined answers are evaluated as one screening, so several cautions still
    combine. With `answers` None (no screening) only what holds is evaluated.
    """
    given = {} if answers is None else normalise_answers(questions, answers)
    merged: dict[str, Answer] = {q.id: q.negative for q in questions.questions if answers is None}
    merged.update(given)
    held: dict[str, Block] = {}
    felt = [b for b in blocks if b.kind == "symptom"]
    symptoms = [_symptom_reason(felt, now, tz)] if felt else []
    for block in blocks:
        if block.kind == "symptom":
            continue
        q = questions.find(block.id)
        if q is None or block.answer is None:
            continue
        current = merged.get(q.id, q.negative)
        if _stands_in(q, block.answer, current, technique_id, q.id in held):
            merged[q.id] = block.answer
            held[q.id] = block
    result = evaluate(questions, merged, technique_id, taken_at, valid_for)
    reasons = [_mark(r, held.get(r.id), given, taken_at, now, tz) for r in result.reasons]
    reasons += symptoms
    outcome = worst(r.outcome for r in reasons)
    if outcome == "block_emergency":
        reasons = [r for r in reasons if r.outcome == outcome]
    reasons.sort(key=lambda r: -severity(r.outcome))
    return replace(result, outcome=outcome, reasons=tuple(reasons))


def contradictions(
    questions: Questionnaire,
    history: esc.History,
    now: datetime,
    tz: tzinfo = UTC,
    remembered: list[Block] | None = None,
) -> Iterator[tuple[esc.ScreeningFact, Block, Answer]]:
    """Screenings up to `now` that answered a held question more mildly.

    Yields (screening, the block it contradicted, the answer it gave). Every remembered
    answer (`remembered`, found here when not given) is checked against each later one.
    """
    ordered = sorted((s for s in history.screenings if s.at <= now), key=lambda s: s.at)
    if remembered is None:
        remembered = list(_answer_blocks(questions, history, now, tz))
    for s in ordered:
        given = understood(questions, s.answers)
        for block in remembered:
            if block.since >= s.at or block.id not in given or block.answer is None:
                continue
            q = questions.question(block.id)
            if _active(block, history, s.at, tz) and _rank(q, given[q.id]) < _rank(q, block.answer):
                yield s, block, given[q.id]


def held_answers(
    questions: Questionnaire, answers: Mapping[str, object]
) -> list[tuple[Question, Answer]]:
    """The answers of one screening that are remembered: red flags, and combined cautions."""
    reported = [
        (q, a)
        for key, a in understood(questions, answers).items()
        if (q := questions.question(key)) and a != q.negative
    ]
    kept = [(q, a) for q, a in reported if _rank(q, a) >= severity("block_refer")]
    for technique_id in questions.techniques:
        cautions = [(q, a) for q, a in reported if q.outcome(a, technique_id) == "caution"]
        reasons = [Reason(q.id, "caution", "") for q, _ in cautions]
        if questions.combined(reasons) is not None:
            kept += [(q, a) for q, a in cautions if q.role == "receiver"]
    return list({q.id: (q, a) for q, a in kept}.values())


def notices(
    questions: Questionnaire, history: esc.History, now: datetime, tz: tzinfo = UTC
) -> tuple[esc.Notice, ...]:
    """Every screening that blocked, and every re-answer that contradicted a block, as notices.

    Recorded once each (by key) however old; `current` says which to show now.
    """
    found: list[esc.Notice] = []
    remembered = list(_answer_blocks(questions, history, now, tz))
    for s in sorted((s for s in history.screenings if s.at <= now), key=lambda s: s.at):
        blocks = [b for b in remembered if b.since == s.at]
        if not blocks:
            continue
        named = ", ".join(_words(questions.question(b.id), b.answer) for b in blocks)
        rule: esc.RuleId = "rest_day" if all(not b.needs_seen for b in blocks) else "red_flag"
        reason = f"The screening of {_clock(s.at, tz)} answered: {named}."
        found.append(_block_notice(rule, reason, blocks, questions, s.at, tz, _key(rule, s.at)))
    for s, block, answer in contradictions(questions, history, now, tz, remembered):
        q = questions.question(block.id)
        reason = (
            f"The screening of {_clock(s.at, tz)} answered {_words(q, answer, plain=True)} to "
            f"{q.id.replace('_', ' ')}, but the answer of {_clock(block.since, tz)} "
            f"({_words(q, block.answer, plain=True)}) still held."
        )
        key = f"{_key('contradiction', s.at)}:{q.id}"
        found.append(_block_notice("contradiction", reason, [block], questions, s.at, tz, key))
    return tuple({n.key: n for n in found}.values())


def current(notice: esc.Notice, blocks: Iterable[Block], now: datetime) -> bool:
    """Show a block notice now: from the last 30 days, or its block is still in force."""
    return now - esc.LOOKBACK < notice.at or any(b.since == notice.at for b in blocks)


# ── helpers ──────────────────────────────────────────────────────────────────


def _answer_blocks(
    questions: Questionnaire, history: esc.History, now: datetime, tz: tzinfo
) -> Iterator[Block]:
    # Every stored screening, even one stamped after `now`: the clock was set back since,
    # and a block must never be lifted by a clock (I1).
    for s in history.screenings:
        for q, answer in held_answers(questions, s.answers):
            fired = [r for t in questions.techniques for r in q.fired(answer, t)]
            waits = [r.wait_hours for r in fired if r.wait_hours is not None]
            blocking = [r for r in fired if r.outcome != "caution"]
            wait = waits and len(waits) == len(blocking)
            until = s.at + timedelta(hours=max(waits)) if wait else None
            outcome = worst(r.outcome for r in fired)
            yield Block(
                "answer", q.id, s.at, _what(q, answer, s.at, now, tz), until, answer, outcome
            )


def _symptom_blocks(history: esc.History, now: datetime, tz: tzinfo) -> Iterator[Block]:
    for at, what in esc.symptom_times(history):
        yield Block("symptom", SYMPTOM, at, f"{_when(at, now, tz)} {what[:1].lower()}{what[1:]}")


def _active(block: Block, history: esc.History, now: datetime, tz: tzinfo) -> bool:
    if block.until is not None:
        return now < block.until  # from its record on; one stamped later still holds
    return not esc.cleared(history.seen, block.since, now, tz)


def _rank(q: Question, answer: Answer) -> int:
    """How serious an answer is for the person: its worst outcome over every technique."""
    if answer == q.negative:
        return 0
    return max((severity(r.outcome) for r in q.rules if r.when == answer), default=0)


def _stands_in(
    q: Question, held: Answer, current: Answer, technique_id: str, replaces_held: bool
) -> bool:
    """Does the remembered answer stand in for `current` (given now, or remembered already)?

    Among remembered answers as serious as each other the later one wins (blocks come
    oldest first), so a wait shows its latest end.
    """
    new, old = severity(q.outcome(held, technique_id)), severity(q.outcome(current, technique_id))
    if replaces_held:
        return new >= old
    return current == q.negative or new > old


def _mark(
    reason: Reason,
    block: Block | None,
    given: Mapping[str, Answer],
    taken_at: datetime,
    now: datetime,
    tz: tzinfo,
) -> Reason:
    """A reason that comes from a remembered answer says so, and whether it was contradicted."""
    if block is None:
        return reason
    contradicted = reason.id in given and block.since < taken_at
    return replace(
        reason,
        until=block.until,
        held_since=block.since,
        held=_held_text(block, now, tz, contradicted),
        contradicted=contradicted,
    )


def _held_text(block: Block, now: datetime, tz: tzinfo, contradicted: bool) -> str:
    text = f"{block.what}; that still holds {_until(block, now, tz)}."
    if contradicted:
        text += " Answering differently now does not lift it."
    return text


def _symptom_reason(felt: list[Block], now: datetime, tz: tzinfo) -> Reason:
    """One reason for every symptom block in force: what was felt, when, and how it ends."""
    said = "; ".join([felt[0].what, *(b.what[:1].lower() + b.what[1:] for b in felt[1:])])
    return Reason(
        SYMPTOM,
        "block_refer",
        SYMPTOM_MESSAGE,
        held_since=min(b.since for b in felt),
        held=f"{said}; that still holds {_until(felt[0], now, tz)}.",
    )


def _block_notice(
    rule: esc.RuleId,
    reason: str,
    blocks: list[Block],
    questions: Questionnaire,
    at: datetime,
    tz: tzinfo,
    key: str,
) -> esc.Notice:
    emergency = any(b.outcome == "block_emergency" for b in blocks)
    if any(b.needs_seen for b in blocks):
        first = questions.summaries["block_emergency"] if emergency else REFER_STEP
        advice = f"{first} {SEEN_STEP}"
    else:
        end = max(b.until for b in blocks if b.until is not None)
        advice = f"This is not a referral: no session until {_clock(end, tz)}; then screen again."
    urgency: esc.Urgency = "emergency" if emergency else "routine"
    return esc.Notice(rule, reason, advice, key, at, blocks=True, urgency=urgency)


def _key(rule: str, at: datetime) -> str:
    return f"{rule}:{at.astimezone(UTC).isoformat(timespec='seconds')}"


def _clock(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _words(q: Question, answer: Answer | None, plain: bool = False) -> str:
    """An answer in a notice: 'saddle numbness' (yes), 'age over 70 (yes_not_cleared)'."""
    if plain:
        return ("yes" if answer else "no") if q.choices is None else str(answer).replace("_", " ")
    name = q.id.replace("_", " ")
    return name if q.choices is None else f"{name} ({str(answer).replace('_', ' ')})"


def _what(q: Question, answer: Answer, at: datetime, now: datetime, tz: tzinfo) -> str:
    label = "yes" if q.choices is None else next(c.label for c in q.choices if c.id == answer)
    return f"{_when(at, now, tz)} you answered “{label}” to “{q.text}”"


def _when(at: datetime, now: datetime, tz: tzinfo) -> str:
    local, today = at.astimezone(tz), now.astimezone(tz)
    if local.date() == today.date():
        return f"{'Earlier today' if at <= now else 'Today'}, at {local:%H:%M},"
    return f"On {local:%d %b %Y} at {local:%H:%M},"


def _until(block: Block, now: datetime, tz: tzinfo) -> str:
    if block.until is None:
        return "until a physiotherapist, chiropractor or doctor has seen the receiver"
    local, today = block.until.astimezone(tz), now.astimezone(tz)
    day = "today" if local.date() == today.date() else f"on {local:%d %b %Y}"
    return f"until {local:%H:%M} {day}"
