"""Before and after a terminal session: the next-start check, the start limits, aftercare.

The rules are the escalation service's (I6 rest after a pop, I8 frequency and
referral); this module only asks the questions and shows what comes back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.prompt import Confirm, Prompt

from backbuddy.domain.escalation import Notice
from backbuddy.services import aftercare, escalation
from backbuddy.services.aftercare import AftercareResult, Question

URGENCY_STYLE = {"emergency": "bold white on red", "today": "bold magenta", "routine": "magenta"}


def before_start(
    store: Any, technique_id: str, now: datetime, pop_rest_min: float, out: Console, ask: bool
) -> None:
    """Ask the next-start check when due (live only), then apply the start limits.

    Raises StartBlocked (a SessionLimitReached) when a limit forbids a session now.
    """
    if ask and aftercare.next_start_due(store):
        out.print("\n[bold]Since your last session[/]")
        answers = {q.id: _ask(q) for q in aftercare.NEXT_START}
        show_result(aftercare.record_next_start(store, answers, now), out)
    notices = escalation.check_can_start(store, technique_id, now, pop_rest_min=pop_rest_min)
    show_notices(notices, out)


def after_session(store: Any, session_id: int, now: datetime, out: Console) -> None:
    """The after-session check: how the back feels, any new symptom."""
    if aftercare.after_session_due(store) != session_id:
        return
    out.print("\n[bold]Aftercare check[/]")
    answers = {q.id: _ask(q) for q in aftercare.AFTER_SESSION}
    show_result(aftercare.record_after_session(store, session_id, answers, now), out)


def show_result(result: AftercareResult, out: Console) -> None:
    style = URGENCY_STYLE.get(result.urgency, "")
    for message in result.messages:
        out.print(f"[{style}]{message}[/]")
    show_notices(result.notices, out)


def show_notices(notices: tuple[Notice, ...], out: Console) -> None:
    for notice in notices:
        out.print(f"[{URGENCY_STYLE.get(notice.urgency, '')}]Notice:[/] {notice.text}")


def _ask(question: Question) -> object:
    if question.kind == "yes_no":
        return Confirm.ask(question.text, default=False)
    if question.kind == "choice":
        labels = {str(i): cid for i, (cid, _) in enumerate(question.choices, 1)}
        for i, (_, label) in enumerate(question.choices, 1):
            Console().print(f"  {i}. {label}")
        return labels[Prompt.ask(question.text, choices=list(labels))]
    picked: list[str] = []
    for cid, label in question.choices:
        if Confirm.ask(f"{question.text} {label}?", default=False):
            picked.append(cid)
    return picked or "none"
