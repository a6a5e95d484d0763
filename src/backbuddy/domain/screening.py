"""Screening: the receiver's answers before every session, turned into an outcome.

Outcomes, from least to most serious: clear, caution, block_refer, block_emergency.
The questions and their rules are data (`backbuddy/data/screening.yaml`); `evaluate`
is pure, so the truth tables in tests/spec and docs/screening.md can trust it.
A block cannot be overridden. Messages refer; they never diagnose.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    model_validator,
)

from backbuddy.domain.errors import DefinitionError, ScreeningInputError, UnknownTechnique
from backbuddy.domain.techniques import Caution, Role, Technique

Outcome = Literal["clear", "caution", "block_refer", "block_emergency"]
OUTCOME_ORDER: tuple[Outcome, ...] = ("clear", "caution", "block_refer", "block_emergency")
RuleOutcome = Literal["caution", "block_refer", "block_emergency"]
#: An answer after normalising: yes/no as a bool, or a choice id.
Answer = bool | str
#: One sitting: how long a screening stays valid by default (invariant I1).
DEFAULT_VALIDITY = timedelta(hours=2)
NO = "no"


def severity(outcome: Outcome) -> int:
    """Rank of an outcome: 0 for clear up to 3 for block_emergency."""
    return OUTCOME_ORDER.index(outcome)


def worst(outcomes: Iterable[Outcome]) -> Outcome:
    """The most serious outcome, or clear when there is none."""
    return max(outcomes, key=severity, default="clear")


#: The reason id of the combined-cautions referral (not a question).
SEVERAL_CAUTIONS = "several_cautions"


@dataclass(frozen=True)
class Reason:
    """Why an outcome is what it is: the question id and the message a person reads.

    `until`: a wait (the rule's `wait_hours`) ends then, and it is not a referral.
    `held_since`/`held`: the reason comes from an earlier answer (or a symptom halt)
    that still holds (domain.blocks), with the sentence that says so;
    `contradicted`: this screening answered that question differently.
    """

    id: str
    outcome: Outcome
    message: str
    until: datetime | None = None
    held_since: datetime | None = None
    held: str | None = None
    contradicted: bool = False

    @property
    def is_wait(self) -> bool:
        """A block that only asks to wait (no professional needed)."""
        return self.until is not None


@dataclass(frozen=True)
class ScreeningResult:
    """The outcome of one screening for one technique, valid until `valid_until`."""

    technique: str
    outcome: Outcome
    reasons: tuple[Reason, ...]
    taken_at: datetime
    valid_until: datetime

    @property
    def allows_session(self) -> bool:
        return self.outcome in ("clear", "caution")

    @property
    def cautions(self) -> int:
        """How many distinct answers call for care: more narrow the routine further."""
        return len({r.id for r in self.reasons if r.outcome == "caution"})

    @property
    def blocking(self) -> tuple[Reason, ...]:
        """The reasons that give the outcome (every reason when none blocks)."""
        return tuple(r for r in self.reasons if r.outcome == self.outcome)

    @property
    def needs_professional(self) -> bool:
        """A block that is more than a wait: someone should see a professional first."""
        return not self.allows_session and any(not r.is_wait for r in self.blocking)

    def valid_at(self, at: datetime) -> bool:
        return self.taken_at <= at <= self.valid_until


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_ID = r"^[a-z][a-z0-9_]*$"


class Choice(_Model):
    """One possible answer to a choice question; `no` means nothing to report."""

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)


class Rule(_Model):
    """What one answer means for some techniques (all techniques when not listed)."""

    when: StrictBool | StrictStr = True
    techniques: tuple[str, ...] | None = None
    outcome: RuleOutcome
    message: str = Field(min_length=1)
    source: str | None = Field(default=None, min_length=1)
    #: A block that only asks to wait this many hours (not a referral).
    wait_hours: int | None = Field(default=None, ge=1, le=24 * 14)

    @model_validator(mode="after")
    def _wait_is_a_refer_block(self) -> Rule:
        if self.wait_hours is not None and self.outcome != "block_refer":
            raise ValueError("wait_hours belongs to a block_refer rule (a wait, not a referral)")
        return self

    def applies(self, answer: Answer, technique_id: str) -> bool:
        return answer == self.when and (self.techniques is None or technique_id in self.techniques)


class Question(_Model):
    """One screening question: yes/no unless it lists `choices` (which include `no`)."""

    id: str = Field(pattern=_ID)
    role: Role = "receiver"
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)
    choices: tuple[Choice, ...] | None = None
    rules: tuple[Rule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.choices is not None:
            ids = [c.id for c in self.choices]
            if len(ids) != len(set(ids)):
                raise ValueError("choice ids must be unique")
            if NO not in ids:
                raise ValueError(f"a choice question needs a choice {NO!r} (nothing to report)")
        for rule in self.rules:
            if rule.when not in self.answers() or rule.when == self.negative:
                raise ValueError(
                    f"rule 'when: {rule.when}' must be one of the answers that report something: "
                    f"{', '.join(str(a) for a in self.answers() if a != self.negative)}"
                )
        return self

    @property
    def negative(self) -> Answer:
        """The answer that reports nothing: `no` (False, or the choice `no`)."""
        return False if self.choices is None else NO

    def answers(self) -> tuple[Answer, ...]:
        """Every possible answer, the negative one first."""
        if self.choices is None:
            return (False, True)
        return tuple(sorted((c.id for c in self.choices), key=lambda a: a != NO))

    def expected(self) -> str:
        """What a valid answer looks like, for error messages."""
        if self.choices is None:
            return "yes or no (true/false)"
        return "one of " + ", ".join(c.id for c in self.choices)

    def normalise(self, value: object) -> Answer:
        """The answer as a bool or choice id; `false` means `no` for a choice question."""
        if self.choices is None and isinstance(value, bool):
            return value
        if self.choices is not None:
            if value is False:
                return NO
            if isinstance(value, str) and value in {c.id for c in self.choices}:
                return value
        raise ScreeningInputError(
            f"answer for {self.id!r} must be {self.expected()}; got {value!r}"
        )

    def fired(self, answer: Answer, technique_id: str) -> tuple[Rule, ...]:
        """The rules this answer triggers for the technique."""
        return tuple(r for r in self.rules if r.applies(answer, technique_id))

    def outcome(self, answer: Answer, technique_id: str) -> Outcome:
        return worst([r.outcome for r in self.fired(answer, technique_id)])


class CombinedCautions(_Model):
    """Several cautions together (Downie-2013): narrow further, then refer."""

    narrow_from: int = Field(ge=2)
    refer_from: int = Field(ge=2)
    attempts: int = Field(ge=1, le=3)
    text: str = Field(min_length=1)
    message: str = Field(min_length=1)
    source: str = Field(min_length=1)

    def caution(self, caution: Caution, cautions: int) -> Caution:
        """The technique's caution, applied twice from `narrow_from` distinct cautions on."""
        if cautions < self.narrow_from:
            return caution
        return Caution(
            range_factor=caution.range_factor**2,
            speed_factor=caution.speed_factor**2,
            attempts=min(caution.attempts, self.attempts),
            text=self.text,
        )


class Questionnaire(_Model):
    """All screening questions, the techniques they were written for, and the wording."""

    techniques: tuple[str, ...] = Field(min_length=1)
    summaries: dict[Outcome, str]
    note: str = Field(min_length=1)
    combined_cautions: CombinedCautions
    questions: tuple[Question, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        missing = [o for o in OUTCOME_ORDER if o not in self.summaries]
        if missing:
            raise ValueError(f"summaries missing for: {', '.join(missing)}")
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("question ids must be unique")
        for q in self.questions:
            for rule in q.rules:
                unknown = set(rule.techniques or ()) - set(self.techniques)
                if unknown:
                    raise ValueError(
                        f"question {q.id!r} names unknown technique(s) {sorted(unknown)}"
                    )
        return self

    def question(self, question_id: str) -> Question:
        return self._by_id[question_id]

    def find(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    @cached_property
    def _by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def combined(self, reasons: Iterable[Reason]) -> Reason | None:
        """The referral when the receiver's own cautions reach `refer_from`, else None."""
        rule = self.combined_cautions
        own = {
            r.id
            for r in reasons
            if r.outcome == "caution"
            and (q := self.find(r.id)) is not None
            and q.role == "receiver"
        }
        if len(own) < rule.refer_from:
            return None
        return Reason(SEVERAL_CAUTIONS, "block_refer", rule.message)


def normalise_answers(questions: Questionnaire, answers: Mapping[str, object]) -> dict[str, Answer]:
    """Check ids and types of the given answers (not completeness) and normalise them."""
    known = [q.id for q in questions.questions]
    for key in answers:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "; see docs/screening.md"
            raise ScreeningInputError(f"unknown screening question id {key!r}{hint}")
    return {q.id: q.normalise(answers[q.id]) for q in questions.questions if q.id in answers}


def understood(questions: Questionnaire, answers: Mapping[str, object]) -> dict[str, Answer]:
    """The answers the questions can read, normalised; an unknown id or value is skipped.

    What a broken form still says (a stale page's old choice, an edited value): a red flag
    among them is given, and is kept even though the form as a whole is refused.
    """
    out: dict[str, Answer] = {}
    for key, value in answers.items():
        q = questions.find(str(key))
        if q is None:
            continue
        try:
            out[q.id] = q.normalise(value)
        except ScreeningInputError:
            continue
    return out


def most_serious(q: Question, values: Iterable[object]) -> Answer | None:
    """Of several values sent for one question, the answer with the worst outcome over every
    technique (a "yes" then a "no": the yes); None when none is understood."""
    read: list[Answer] = []
    for value in values:
        try:
            read.append(q.normalise(value))
        except ScreeningInputError:
            continue

    def rank(answer: Answer) -> int:
        if answer == q.negative:
            return -1
        return max((severity(r.outcome) for r in q.rules if r.when == answer), default=0)

    return max(read, key=rank, default=None)


def evaluate(
    questions: Questionnaire,
    answers: Mapping[str, object],
    technique_id: str,
    taken_at: datetime,
    valid_for: timedelta = DEFAULT_VALIDITY,
) -> ScreeningResult:
    """The outcome for one technique: the most serious outcome over all rules wins.

    Every question needs an answer, except once the answers given already block the
    technique (block_refer or block_emergency): no later answer can lessen a block,
    so a screening left unfinished after a red flag is that block (and is stored as
    such; a red flag answered and then abandoned must not disappear), never clear.
    With block_emergency only the emergency reasons are kept (I1: the emergency
    message only); otherwise every reason is listed, most serious first. The
    receiver's own cautions from `combined_cautions.refer_from` on add a referral.
    """
    _known(questions, technique_id)
    if valid_for <= timedelta(0):
        raise ValueError(f"valid_for must be positive, got {valid_for}")
    given = normalise_answers(questions, answers)
    reasons = _reasons(questions, given, technique_id, taken_at)
    outcome = worst([r.outcome for r in reasons])
    missing = [q.id for q in questions.questions if q.id not in given]
    if missing and not is_block(outcome):
        first = questions.question(missing[0])
        more = f" (and {len(missing) - 1} more: {', '.join(missing[1:])})" if missing[1:] else ""
        raise ScreeningInputError(
            f"missing answer for {first.id!r}, expected {first.expected()}{more}"
        )
    if outcome == "block_emergency":
        reasons = [r for r in reasons if r.outcome == outcome]
    reasons.sort(key=lambda r: -severity(r.outcome))
    return ScreeningResult(
        technique=technique_id,
        outcome=outcome,
        reasons=tuple(reasons),
        taken_at=taken_at,
        valid_until=taken_at + valid_for,
    )


def is_block(outcome: Outcome) -> bool:
    """A block (refer, a wait, or emergency): no session, and no later answer lifts it."""
    return severity(outcome) >= severity("block_refer")


def outcome_so_far(
    questions: Questionnaire, answers: Mapping[str, object], technique_id: str
) -> Outcome:
    """The outcome the answers given so far reach (any subset; later answers only add).

    One question at a time, the asker stores the screening as soon as this blocks.
    """
    _known(questions, technique_id)
    given = normalise_answers(questions, answers)
    return worst(r.outcome for r in _reasons(questions, given, technique_id, None))


def kept_for(
    questions: Questionnaire, answers: Mapping[str, object], technique_id: str
) -> str | None:
    """The technique the answers given so far must be stored under now, or None.

    A red flag is about the person, not the technique being screened: the screened
    technique when the answers block it; else the first technique they block (blood
    thinners or pregnancy answered in a seated hug screening block the side-lying
    rotation), stored as that technique's screening, which `evaluate` accepts unfinished,
    so leaving the questions then (Ctrl-C, end of input, a partial form) loses nothing
    and every later screening of either technique holds it (domain.blocks). None when
    nothing given blocks any technique: an unfinished screening then stores nothing.
    """
    _known(questions, technique_id)
    others = [t for t in questions.techniques if t != technique_id]
    for t in (technique_id, *others):
        if is_block(outcome_so_far(questions, answers, t)):
            return t
    return None


def _known(questions: Questionnaire, technique_id: str) -> None:
    if technique_id not in questions.techniques:
        known = ", ".join(questions.techniques)
        raise UnknownTechnique(f"unknown technique {technique_id!r}; known techniques: {known}")


def _reasons(
    questions: Questionnaire,
    given: Mapping[str, Answer],
    technique_id: str,
    taken_at: datetime | None,
) -> list[Reason]:
    reasons = [
        Reason(q.id, rule.outcome, rule.message, until=_until(rule, taken_at))
        for q in questions.questions
        if q.id in given
        for rule in q.fired(given[q.id], technique_id)
    ]
    several = questions.combined(reasons)
    if several is not None:
        reasons.append(several)
    return reasons


def _until(rule: Rule, taken_at: datetime | None) -> datetime | None:
    if rule.wait_hours is None or taken_at is None:
        return None
    return taken_at + timedelta(hours=rule.wait_hours)


def session_technique(
    questions: Questionnaire, technique: Technique, result: ScreeningResult
) -> Technique:
    """The technique as a session under `result` must run it: several cautions narrow more.

    The engine narrows a `caution` session by `technique.caution`; with two or more
    distinct cautions that caution is the combined, stricter one (no engine change).
    """
    if result.outcome != "caution":
        return technique
    caution = questions.combined_cautions.caution(technique.caution, result.cautions)
    return (
        technique
        if caution == technique.caution
        else technique.model_copy(update={"caution": caution})
    )


def default_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "screening.yaml"


def _field(raw: Any, loc: tuple[int | str, ...]) -> str:
    """A readable field path; question indexes also show the question id."""
    parts = [str(p) for p in loc]
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        entry = raw["questions"][loc[1]]
        if isinstance(entry, dict) and "id" in entry:
            parts[1] = f"{loc[1]} ({entry['id']})"
    return ".".join(parts) or "(top level)"


def load_questions(path: Path | None = None) -> Questionnaire:
    """Load the screening file; any problem becomes a DefinitionError naming file and field.

    Every start reads it several times (screening, blocks, session), so a file that has
    not changed (same size and modification time) is parsed once.
    """
    path = path or default_path()
    try:
        stat = path.stat()
    except OSError as err:
        raise DefinitionError(f"{path}: cannot read screening file ({err.strerror})") from None
    return _load_questions(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load_questions(path: Path, mtime_ns: int, size: int) -> Questionnaire:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise DefinitionError(f"{path}: cannot read screening file ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise DefinitionError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path}: a screening file must be a mapping of fields")
    try:
        return Questionnaire.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        field = _field(raw, tuple(first["loc"]))
        raise DefinitionError(f"{path}: field {field}: {first['msg']}") from None


def new_cautions(started: ScreeningResult | None, now: ScreeningResult) -> tuple[str, ...]:
    """The caution reasons of `now` that the screening a session started under did not have:
    a session set up without them (wider limits, no caution message) must not go on."""
    if now.outcome != "caution":
        return ()
    had = {r.id for r in started.reasons} if started is not None else set()
    return tuple(r.id for r in now.reasons if r.outcome == "caution" and r.id not in had)
