"""History rules that refer to a professional (I8) and the limits that block a session (I6, I8).

Pure: the stored history and the time `now` come in, notices go out. `evaluate`
gives the referral notices a history carries today; `start_blocks` gives what
forbids starting a session now (frequency, and the rest after a pop for the same
region). Every notice states its reason in plain words and refers with the
clinical-facts §6 wording; none diagnoses. The thresholds are the proposed
defaults of clinical-facts.md §3, not a clinical standard.

A symptom that stopped a session (or was reported in an aftercare check) blocks
every later session until the pair records that a professional has seen the
receiver (`Seen`, `cleared`); its notice says so, and `domain.blocks` applies it
to every screening.

Which sessions count: every stored session except one the pair ended before any
attempt (status `ended_by_pair`, or `screened_out`: ended by backbuddy for a screening
answered since; 0 attempts). A session recorded `interrupted` counts
even with 0 attempts: its attempt count is written only when a session finishes, so a
process that died mid-session may have moved the receiver. "A day" is a calendar day
in the time zone given (the receiver's local zone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal, get_args

from backbuddy.domain import wording
from backbuddy.domain.events import SYMPTOMS

RuleId = Literal[
    "chronic_pain",
    "frequency",
    "regular_use",
    "felt_need",
    "symptom_halt",
    "aftercare_symptom",
    "lasting_soreness",
    "felt_worse",
    "speed_halts",
    "pop_rest",
    "red_flag",
    "rest_day",
    "contradiction",
]
RULES: tuple[str, ...] = get_args(RuleId)
Urgency = Literal["routine", "today", "emergency"]
Check = Literal["after_session", "next_start"]
Feel = Literal["better", "same", "worse"]

#: Windows and thresholds (clinical-facts.md §3; proposed, not a clinical standard).
LOOKBACK = timedelta(days=30)
WEEK = timedelta(days=7)
MAX_PER_DAY = 1
MAX_PER_WEEK = 3
REGULAR_SPAN = timedelta(days=14)
REGULAR_GAP = timedelta(days=7)
SPEED_HALTS_TO_REFER = 2
DEFAULT_POP_REST = timedelta(minutes=20)
#: Answer ids read from screenings and aftercare checks.
CHRONIC_PAIN = "chronic_pain"
FELT_NEED = "felt_need_most_days"
URGENT_SYMPTOMS = frozenset({"numbness", "tingling", "weakness"})
EMERGENCY_SYMPTOMS = frozenset({"chest_pain", "dizziness"})
#: Symptoms an aftercare check may report: the engine's symptoms and "other".
AFTERCARE_SYMPTOMS: tuple[str, ...] = (*sorted(SYMPTOMS), "other")

SEE = "please see a physiotherapist, chiropractor or doctor"
ADVICE: dict[str, str] = {
    "chronic_pain": (
        "Back pain that hasn't improved after about 4 weeks, or has lasted more than 12 weeks, "
        f"is worth having assessed: {SEE}, who can suggest exercise-based care."
    ),
    "frequency": (
        f"Needing sessions this often is a reason to have your back assessed: {SEE}. "
        "backbuddy allows at most 1 session a day and 3 in 7 days."
    ),
    "regular_use": (
        "Sessions are still wanted after 2 weeks of regular use. Back trouble that keeps "
        f"coming back is worth having assessed: {SEE}, who can suggest exercise-based care."
    ),
    "felt_need": (
        "A felt need to crack, or be cracked, on most days is worth talking over with a "
        f"professional: {SEE} before more sessions."
    ),
    "symptom_halt": wording.REFER_SYMPTOM,
    "aftercare_symptom": wording.REFER_SYMPTOM,
    "lasting_soreness": f"{wording.AFTERCARE} Because it lasted longer, {SEE}.",
    "felt_worse": f"Feeling worse after a session is a reason to stop and get checked: {SEE}.",
    "speed_halts": (
        "The pair needs a slower approach: move much more slowly, with the breath. "
        f"If slow is hard to find, a physiotherapist can show you; until then, {SEE}."
    ),
    "pop_rest": wording.POP,
}
#: Added to a notice whose block waits for a professional's visit (I8).
SEEN_FIRST = (
    " No new session until a physiotherapist, chiropractor or doctor has seen the receiver"
    " and the pair has recorded that visit."
)
#: What a frequency block says: a limit, and a referral if more seems needed.
LIMIT_ADVICE = (
    "backbuddy allows at most 1 session a day and 3 in 7 days. If your back seems to need "
    f"more than that, {SEE}."
)


@dataclass(frozen=True)
class SessionFact:
    """One stored session as the rules see it; `end_reason` is the engine's reason."""

    id: int
    technique: str
    region: str
    started_at: datetime
    status: str
    attempts: int = 0
    ended_at: datetime | None = None
    end_reason: str | None = None
    speed_halts: int = 0
    #: When the latest pop of the session was heard or reported, in any mode (even after the
    #: end): the session's start plus the pop event's session time.
    popped_at: datetime | None = None

    @property
    def counts(self) -> bool:
        """Ended before any attempt, by the pair or by backbuddy for a screening answered
        since: not a session for the frequency rules."""
        return not (self.status in ("ended_by_pair", "screened_out") and self.attempts == 0)

    @property
    def pop_time(self) -> datetime | None:
        """The latest pop; for a session stored before pops were timed, its end (or start)."""
        if self.popped_at is not None:
            return self.popped_at
        if self.end_reason == "pop":
            return self.ended_at or self.started_at
        return None


@dataclass(frozen=True)
class AftercareFact:
    """One answered aftercare check: after a session, or at the next start."""

    at: datetime
    check: Check
    feel: Feel | None = None
    symptoms: tuple[str, ...] = ()
    soreness_over_day: bool | None = None
    felt_need_most_days: bool | None = None
    session_id: int | None = None


@dataclass(frozen=True)
class ScreeningFact:
    """The answers of one stored screening."""

    at: datetime
    answers: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    """The pair's record that a professional has seen the receiver on `seen_on`.

    It clears every block that needs a professional and was raised on or before
    `seen_on` (the receiver's calendar day) and before `recorded_at`; a block
    raised later needs a later record (see `cleared`).
    """

    seen_on: date
    recorded_at: datetime
    statement: str = ""


@dataclass(frozen=True)
class History:
    """Everything the rules read. Order does not matter."""

    sessions: tuple[SessionFact, ...] = ()
    aftercare: tuple[AftercareFact, ...] = ()
    screenings: tuple[ScreeningFact, ...] = ()
    seen: tuple[Seen, ...] = ()


@dataclass(frozen=True)
class Notice:
    """A referral (or block) with its reason and advice; `key` names it for recording once."""

    rule: RuleId
    reason: str
    advice: str
    key: str
    at: datetime
    blocks: bool = False
    urgency: Urgency = "routine"

    @property
    def text(self) -> str:
        return f"{self.reason} {self.advice}"


def evaluate(history: History, now: datetime, tz: tzinfo = UTC) -> tuple[Notice, ...]:
    """The referral notices `history` carries at `now`, in the order of `RULES`."""
    found = (
        _chronic_pain(history, now),
        _frequency(history, now, tz),
        _regular_use(history, now),
        _felt_need(history, now),
        *_symptom_halt(history, now, tz),
        *_aftercare(history, now, tz),
        _speed_halts(history, now),
    )
    return tuple(n for n in found if n is not None)


def start_blocks(
    history: History,
    now: datetime,
    region: str,
    pop_rest: timedelta = DEFAULT_POP_REST,
    tz: tzinfo = UTC,
) -> tuple[Notice, ...]:
    """What forbids starting a session for `region` at `now`: empty when it may start."""
    # Every stored session, even one stamped after `now`: the clock was set back since, and
    # a limit or a rest must never be lifted by a clock (I6, I8).
    past = [s for s in history.sessions if s.counts]
    today = [s for s in past if _day(s.started_at, tz) == _day(now, tz)]
    week = sorted(s.started_at for s in past if now - s.started_at < WEEK)
    blocks: list[Notice] = []
    if len(today) >= MAX_PER_DAY:
        reason = f"There has already been {len(today)} session today; the limit is 1 a day."
        blocks.append(_block("frequency", reason, f"day:{_day(now, tz)}", now))
    if len(week) >= MAX_PER_WEEK:
        free = week[-MAX_PER_WEEK] + WEEK
        reason = (
            f"There have been {len(week)} sessions in the last 7 days; the limit is 3. "
            f"The next one can start after {_clock(free, tz)}."
        )
        blocks.append(_block("frequency", reason, f"week:{_day(now, tz)}", now))
    rest = _pop_rest(list(history.sessions), now, region, pop_rest, tz)  # a pop in any session
    return (*blocks, *rest)


def next_start(
    history: History,
    now: datetime,
    region: str,
    pop_rest: timedelta = DEFAULT_POP_REST,
    tz: tzinfo = UTC,
) -> datetime:
    """The first moment from `now` at which `start_blocks` lets a session for `region` start.

    The blocks change only at a local midnight (1 a day), when a counted session falls
    out of the last 7 days (3 a week) or when a pop's rest ends, so those moments are
    the candidates; each is tried with `start_blocks` itself, the rule that refuses a
    start. One of them always frees the start: within 8 days every limit has passed.
    """
    if not start_blocks(history, now, region, pop_rest, tz):
        return now
    rest = max(pop_rest, DEFAULT_POP_REST)
    candidates = {s.started_at + WEEK for s in history.sessions if s.counts}
    candidates |= {p + rest for s in history.sessions if (p := s.pop_time) is not None}
    today = _day(now, tz)
    candidates |= {
        datetime.combine(today + timedelta(days=k), time(), tzinfo=tz) for k in range(1, 9)
    }
    return next(
        t
        for t in sorted(c for c in candidates if c > now)
        if not start_blocks(history, t, region, pop_rest, tz)
    )


def sessions_today(history: History, now: datetime, tz: tzinfo = UTC) -> tuple[SessionFact, ...]:
    """The sessions of `now`'s calendar day that count toward the limit of 1 a day, oldest first."""
    day = _day(now, tz)
    today = [s for s in history.sessions if s.counts and s.started_at <= now]
    return tuple(sorted((s for s in today if _day(s.started_at, tz) == day), key=_started))


def _started(s: SessionFact) -> datetime:
    return s.started_at


def aftercare_advice(answer: AftercareFact) -> tuple[Urgency, tuple[str, ...]]:
    """What to tell the receiver right after an aftercare check, most urgent first."""
    symptoms = set(answer.symptoms)
    if symptoms & EMERGENCY_SYMPTOMS:
        return "emergency", (wording.EMERGENCY, wording.REFER_SYMPTOM)
    if symptoms & URGENT_SYMPTOMS:
        return "today", (wording.REFER_URGENT,)
    if symptoms:
        return "routine", (wording.REFER_SYMPTOM,)
    said = [wording.AFTERCARE]
    if answer.soreness_over_day:
        said.append(ADVICE["lasting_soreness"].removeprefix(wording.AFTERCARE).strip())
    if answer.feel == "worse":
        said.append(ADVICE["felt_worse"])
    if answer.felt_need_most_days:
        said.append(ADVICE["felt_need"])
    return "routine", tuple(said)


def cleared(seen: Iterable[Seen], since: datetime, now: datetime, tz: tzinfo = UTC) -> bool:
    """Has a record made by `now` said a professional saw the receiver on or after `since`'s day?"""
    day = _day(since, tz)
    return any(since <= s.recorded_at <= now and s.seen_on >= day for s in seen)


def symptom_times(history: History) -> list[tuple[datetime, str]]:
    """When a symptom stopped a session (or was reported after one), with what; one stamped
    later than now counts too (the clock was set back since: a symptom still blocks, I8).

    A session that ended for a symptom counts from its start: its end may be stamped on
    the session's own clock (headless runs), and a block must never wait for it.
    """
    found = [
        (s.started_at, f"Session {s.id} stopped for a symptom")
        for s in history.sessions
        if s.end_reason == "symptom"
    ]
    found += [
        (a.at, "A new symptom was reported after a session (" + ", ".join(a.symptoms) + ")")
        for a in history.aftercare
        if a.symptoms
    ]
    return sorted((at, what.replace("_", " ")) for at, what in found)


def _notice(rule: RuleId, reason: str, anchor: datetime, urgency: Urgency = "routine") -> Notice:
    key = f"{rule}:{anchor.astimezone(UTC).isoformat(timespec='seconds')}"
    return Notice(rule, reason, ADVICE[rule], key, anchor, urgency=urgency)


def _block(rule: RuleId, reason: str, key: str, now: datetime) -> Notice:
    advice = LIMIT_ADVICE if rule == "frequency" else ADVICE[rule]
    return Notice(rule, reason, advice, f"{rule}-block:{key}", now, blocks=True)


def _recent(when: datetime, now: datetime) -> bool:
    return now - LOOKBACK < when <= now


def _day(when: datetime, tz: tzinfo) -> date:
    return when.astimezone(tz).date()


def _clock(when: datetime, tz: tzinfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _yes(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("yes", "true"))


def _latest_answer(history: History, now: datetime, key: str) -> tuple[datetime, bool] | None:
    """The newest answer to `key` up to `now`, dated by the first of its run of equal answers.

    Dating a run of "yes" by its first answer keeps one notice (one key) per episode.
    """
    answers = [(s.at, _yes(s.answers[key])) for s in history.screenings if key in s.answers]
    if key == FELT_NEED:
        answers += [
            (a.at, a.felt_need_most_days)
            for a in history.aftercare
            if a.felt_need_most_days is not None
        ]
    answers = sorted(a for a in answers if a[0] <= now)
    if not answers:
        return None
    first, value = answers[-1]
    for at, earlier in reversed(answers[:-1]):
        if earlier != value:
            break
        first = at
    return first, value


def _chronic_pain(history: History, now: datetime) -> Notice | None:
    latest = _latest_answer(history, now, CHRONIC_PAIN)
    if latest is None or not latest[1]:
        return None
    reason = "The latest screening says the pain has lasted more than 12 weeks."
    return _notice("chronic_pain", reason, latest[0])


def _felt_need(history: History, now: datetime) -> Notice | None:
    latest = _latest_answer(history, now, FELT_NEED)
    if latest is None or not latest[1]:
        return None
    reason = "The receiver feels a need to crack, or be cracked, on most days."
    return _notice("felt_need", reason, latest[0])


def _frequency(history: History, now: datetime, tz: tzinfo) -> Notice | None:
    """More than 1 session on a day, or more than 3 in 7 days, within the last 30 days."""
    times = sorted(s.started_at for s in history.sessions if s.counts and s.started_at <= now)
    for i, start in enumerate(times):
        later = times[i + 1 :]
        same_day = [t for t in later if _day(t, tz) == _day(start, tz)]
        if len(same_day) >= MAX_PER_DAY and _recent(same_day[-1], now):
            reason = f"There were {len(same_day) + 1} sessions on {_day(start, tz)}."
            return _notice("frequency", reason, start)
        in_week = [t for t in later if t - start < WEEK]
        if len(in_week) >= MAX_PER_WEEK and _recent(in_week[-1], now):
            reason = f"There were {len(in_week) + 1} sessions in the 7 days from {_day(start, tz)}."
            return _notice("frequency", reason, start)
    return None


def _regular_use(history: History, now: datetime) -> Notice | None:
    """The latest run of sessions, no more than 7 days apart, spans 2 weeks and goes on."""
    times = sorted(
        (s.started_at for s in history.sessions if s.counts and s.started_at <= now),
        reverse=True,
    )
    if not times or now - times[0] >= WEEK:
        return None
    first = times[0]
    for earlier in times[1:]:
        if first - earlier > REGULAR_GAP:
            break
        first = earlier
    if times[0] - first < REGULAR_SPAN:
        return None
    reason = f"Sessions have gone on regularly since {first.date()}, more than 2 weeks."
    return _notice("regular_use", reason, first)


def _symptom_halt(history: History, now: datetime, tz: tzinfo) -> Iterable[Notice]:
    """Every symptom halt of the last 30 days, and any older one not yet cleared, is a notice.

    A halt not cleared by a record that a professional has seen the receiver blocks
    later sessions (I8), and its notice says so.
    """
    for s in sorted(history.sessions, key=lambda s: s.started_at):
        if s.end_reason != "symptom":  # one stamped after `now` too (the clock set back)
            continue
        blocking = not cleared(history.seen, s.started_at, now, tz)
        if not (blocking or _recent(s.started_at, now)):
            continue
        reason = f"Session {s.id} on {s.started_at.date()} stopped for a symptom."
        if blocking:
            reason += SEEN_FIRST
        notice = _notice("symptom_halt", reason, s.started_at)
        yield replace(notice, blocks=blocking)


def _aftercare(history: History, now: datetime, tz: tzinfo) -> Iterable[Notice]:
    """New symptoms, lasting soreness or feeling worse, reported in the last 30 days.

    A reported symptom not yet cleared by a professional's visit is reported however
    old it is, and it blocks (I8).
    """
    past = sorted((a for a in history.aftercare if a.at <= now), key=lambda a: a.at)
    recent = [a for a in past if _recent(a.at, now)]
    symptom = [a for a in past if a.symptoms]
    if symptom:
        last = symptom[-1]
        blocking = not cleared(history.seen, last.at, now, tz)
        urgency, _ = aftercare_advice(last)
        named = ", ".join(s.replace("_", " ") for s in last.symptoms)
        reason = f"A new symptom was reported after a session on {last.at.date()}: {named}."
        if blocking or _recent(last.at, now):
            reason += SEEN_FIRST if blocking else ""
            notice = _notice("aftercare_symptom", reason, last.at, urgency)
            yield replace(notice, blocks=blocking)
    sore = [a for a in recent if a.soreness_over_day]
    if sore:
        reason = f"Soreness lasted more than a day (reported {sore[-1].at.date()})."
        yield _notice("lasting_soreness", reason, sore[-1].at)
    worse = [a for a in recent if a.feel == "worse"]
    if worse:
        reason = f"The back felt worse after a session (reported {worse[-1].at.date()})."
        yield _notice("felt_worse", reason, worse[-1].at)


def _speed_halts(history: History, now: datetime) -> Notice | None:
    halted = sorted(
        (s for s in history.sessions if s.speed_halts and _recent(s.started_at, now)),
        key=lambda s: s.started_at,
    )
    total = sum(s.speed_halts for s in halted)
    if total < SPEED_HALTS_TO_REFER:
        return None
    reason = f"The movement was stopped {total} times for going too fast in the last 30 days."
    return _notice("speed_halts", reason, halted[-1].started_at)


def _pop_rest(
    sessions: list[SessionFact], now: datetime, region: str, rest: timedelta, tz: tzinfo
) -> tuple[Notice, ...]:
    """I6 across sessions: after a pop, that region rests at least `rest`.

    A pop is stamped on the session's clock (start + the event's seconds), which may run
    a little ahead of the wall clock `now` (or far ahead, in a simulated run): a pop
    stamped after `now` rests the region too, until `rest` after the pop.
    """
    rest = max(rest, DEFAULT_POP_REST)
    pops = [s.pop_time for s in sessions if s.region == region]
    resting = [p for p in pops if p is not None and now < p + rest]
    if not resting:
        return ()
    until = max(resting) + rest
    reason = (
        f"The {region} area had a click at {_clock(max(resting), tz)}; "
        f"it rests until {_clock(until, tz)}."
    )
    return (_block("pop_rest", reason, f"{region}:{_clock(max(resting), UTC)}", now),)
