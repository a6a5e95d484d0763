"""`backbuddy screen TECHNIQUE`: the questions before every session, then the outcome.

Thin on purpose: read the answers (asked one at a time, or from a file), call the
screening service, which stores the result, then print it and exit with a status
a script can act on.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm, Prompt

from backbuddy.bootstrap import open_store
from backbuddy.cli.answers_file import read_answers
from backbuddy.cli.options import DbOption, JsonOption
from backbuddy.config import load_settings
from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import ScreeningInputError
from backbuddy.domain.ports import HistoryStore
from backbuddy.domain.screening import (
    Answer,
    Question,
    Questionnaire,
    ScreeningResult,
    kept_for,
    load_questions,
    outcome_so_far,
    session_technique,
)
from backbuddy.domain.wording import DISCLAIMER
from backbuddy.services.screening import (
    HOLDS,
    KEPT_ELSEWHERE,
    summary,
    take_screening,
    wait_end,
)

console = Console()
err_console = Console(stderr=True)

#: Exit status per outcome: scripts start a session only on 0.
EXIT_CODES = {"clear": 0, "caution": 0, "block_refer": 3, "block_emergency": 4}
HEADLINES = {
    "clear": "[bold green]Clear[/]",
    "caution": "[bold yellow]Caution: go gently[/]",
    "block_refer": "[bold red]Not today[/]",
    "block_emergency": "[bold white on red] Get medical help now [/]",
}
ROLE_HEADINGS = {
    "receiver": "Receiver, please answer for yourself, as things are today.",
    "assistant": "Assistant, this one is about you.",
}

AnswersOption = Annotated[
    Path | None,
    typer.Option(
        "--answers",
        metavar="FILE",
        help="Answer from a YAML or JSON file (question id: yes/no or a choice id, each "
        "question once) instead of being asked. The ids are listed in docs/screening.md.",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("screen")(screen)


def screen(
    technique_id: Annotated[
        str, typer.Argument(metavar="TECHNIQUE", help="The technique to screen for.")
    ],
    answers_file: AnswersOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Screen the receiver before a session: one question at a time, then the outcome.

    The result is stored and lets a session start for one sitting (at most 2 hours).
    Exit status: 0 clear or caution, 3 not today (see a professional or wait),
    4 get medical help now, 2 bad input.
    """
    settings = load_settings(db=db)
    technique = tech.get(technique_id)
    questions = load_questions()
    answers = read_answers(answers_file, questions) if answers_file is not None else None
    with open_store(settings).store as store:  # opened before asking: a bad --db fails fast
        valid_for = timedelta(hours=settings.screening_valid_hours)
        if answers is None:
            out = err_console if as_json else console
            answers = dict(ask(questions, technique, out, keeper(store, valid_for)))
        now = datetime.now(UTC)
        screening_id, result = take_screening(
            store, technique.id, answers, now, questions=questions, valid_for=valid_for
        )
    if as_json:
        typer.echo(json.dumps(as_json_dict(result)))
    else:
        show(result, technique, questions, screening_id)
    # SystemExit, not typer.Exit: main.run calls the app with standalone_mode=False,
    # where an Exit's code is returned and would be dropped.
    sys.exit(EXIT_CODES[result.outcome])


#: A block kept while the questions go on (never a diagnosis; says what to do).
KEPT_REFER = (
    "Your answer is kept: this routine isn't suitable today, and answering again won't "
    "change that. Please see a physiotherapist, chiropractor or doctor. "
    "The remaining questions follow."
)
KEPT_WAIT = "Your answer is kept: no session until {end}. The remaining questions follow."
LEFT = "The questions were left unfinished; the answers given are kept."
FOLLOW = " The remaining questions follow."

#: Stores the answers given so far as a screening of the technique they block (the one
#: screened, or else the other) and returns the stored result.
Keep = Callable[[dict[str, Answer], str], ScreeningResult]


def ask(
    questions: Questionnaire, technique: tech.Technique, out: Console, keep: Keep | None = None
) -> dict[str, Answer]:
    """Ask one question at a time; an emergency answer ends the questions at once.

    As soon as the answers given block the technique, or the other one (blood thinners
    in a seated hug screening: `kept_for`), `keep` stores them (a red flag answered and
    then left, by Ctrl-C or end of input, must not disappear) and the questions go on: a
    later answer may make it an emergency. Input that ends after that returns the answers
    so far (the screening service stores them again, every answer given, and refuses
    them as unfinished when they block only the other technique); before it, it is an
    input error.
    """
    total = len(questions.questions)
    out.print(f"[bold]Screening for {escape(technique.name)}[/]: {total} questions.")
    out.print(f"[dim]{escape(questions.note)}[/]")
    answers: dict[str, Answer] = {}
    role = ""
    kept: set[str] = set()
    left = False
    try:
        for number, q in enumerate(questions.questions, 1):
            if q.role != role:
                role = q.role
                out.print(f"\n[bold]{ROLE_HEADINGS[role]}[/]")
            try:
                answers[q.id] = _ask_one(q, f"{number}/{total}", out)
            except EOFError:
                if kept:
                    left = True
                    break
                out.print()
                raise ScreeningInputError(
                    f"no answer for {q.id!r}: input ended; "
                    "answer each question, or pass --answers FILE"
                ) from None
            outcome = outcome_so_far(questions, answers, technique.id)
            if outcome == "block_emergency":
                break
            where = None if keep is None else kept_for(questions, answers, technique.id)
            if keep is not None and where is not None and where not in kept:
                kept.add(where)  # from here on, leaving stores what was given (it blocks)
                stored = keep(dict(answers), where)
                line = (
                    kept_line(stored)
                    if where == technique.id
                    else KEPT_ELSEWHERE.format(other=tech.get(where).name) + FOLLOW
                )
                out.print(f"[bold red]{escape(line)}[/]")
    except KeyboardInterrupt:  # Ctrl-C: leaving, kept when it blocks
        if not kept:
            raise
        left = True
    if left:
        out.print(f"\n[bold]{LEFT}[/]")
    return answers


def kept_line(result: ScreeningResult) -> str:
    """What the receiver reads when a block is kept before the questions end."""
    if result.needs_professional or result.allows_session:
        return KEPT_REFER
    end = max(r.until for r in result.blocking if r.until is not None)
    return KEPT_WAIT.format(end=end.astimezone().strftime("%H:%M on %d %b %Y"))


def _ask_one(q: Question, counter: str, out: Console) -> Answer:
    prompt = f"[dim]{counter}[/] {escape(q.text)}"
    if q.choices is None:
        return Confirm.ask(prompt, console=out)
    out.print(prompt)
    for i, choice in enumerate(q.choices, 1):
        out.print(f"   {i}. {escape(choice.label)}")
    picked = Prompt.ask(
        "   Choose", choices=[str(i) for i in range(1, len(q.choices) + 1)], console=out
    )
    return q.choices[int(picked) - 1].id


def keeper(store: HistoryStore, valid_for: timedelta) -> Keep:
    """Store the answers given so far through the same path as a finished screening."""

    def keep(answers: dict[str, Answer], technique_id: str) -> ScreeningResult:
        now = datetime.now(UTC)
        return take_screening(store, technique_id, answers, now, valid_for=valid_for)[1]

    return keep


def as_json_dict(result: ScreeningResult) -> dict[str, Any]:
    """The outcome for scripts; a reason held from earlier says since when and whether
    this screening contradicted it, a wait says when it ends."""
    reasons: list[dict[str, Any]] = []
    for r in result.reasons:
        item: dict[str, Any] = {"id": r.id, "message": r.message}
        if r.until is not None:
            item["until"] = r.until.isoformat()
        if r.held_since is not None:
            item |= {"held_since": r.held_since.isoformat(), "held": r.held}
            item["contradicted"] = r.contradicted
        reasons.append(item)
    return {
        "technique": result.technique,
        "outcome": result.outcome,
        "reasons": reasons,
        "valid_until": result.valid_until.isoformat(),
    }


def show(
    result: ScreeningResult,
    technique: tech.Technique,
    questions: Questionnaire,
    screening_id: int | None,
) -> None:
    """The outcome in colour and the agreed wording; an emergency shows only its message.

    A reason held from an earlier answer (or a symptom halt) says so first; a wait
    says when it ends and adds no referral; a block that needs a professional says
    how it ends.
    """
    console.print(f"\n{HEADLINES[result.outcome]}  [dim]{escape(technique.name)}[/]")
    console.print(escape(summary(result, questions)))
    if result.outcome == "block_emergency":
        for reason in result.reasons:
            if reason.held:
                console.print(f" • [bold]{escape(reason.held)}[/]")
    else:
        for reason in result.reasons:
            held = f"[bold]{escape(reason.held)}[/] " if reason.held else ""
            console.print(f" • {held}{escape(reason.message)}")
            if reason.until is not None and reason.held is None and not result.allows_session:
                console.print(f"   You can screen again after {wait_end(reason)}.")
        if result.needs_professional:
            console.print(escape(HOLDS))
        if result.outcome == "caution":
            console.print(escape(session_technique(questions, technique, result).caution.text))
        if result.allows_session:
            until = result.valid_until.astimezone().strftime("%H:%M")
            console.print(
                f"Valid for this sitting, until {until}: [bold]backbuddy guide {technique.id}[/]"
            )
        console.print(f"[dim]{escape(questions.note)}[/]")
    if screening_id is not None:
        console.print(f"[dim]Screening saved (#{screening_id}).[/]")
    console.print(f"[dim]{DISCLAIMER}[/]")
