"""Pages before and around a session: home, screening and its outcome, history.

Every screening answer goes through `services.screening.take_screening`, the
same path as `backbuddy screen`; a block is shown with its wording and offers no
way on (I1). Starting a session goes through `Registry.start`, which checks the
stored screening again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import ScreeningInputError
from backbuddy.domain.screening import Questionnaire, load_questions
from backbuddy.services.escalation import check_can_start, current_notices
from backbuddy.services.screening import blocked_message, take_screening
from backbuddy.web.deps import RegistryDep, SettingsDep, StoreDep, TemplatesDep

router = APIRouter()
#: How far back the home page lists recent sessions.
RECENT_DAYS = 30


def now() -> datetime:
    return datetime.now(UTC)


@router.get("/")
def home(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    """Techniques, recent sessions, and the referral notices the history carries (I8)."""
    recent = store.sessions(since=now() - timedelta(days=RECENT_DAYS))
    context = {
        "techniques": list(tech.load_all().values()),
        "recent": sorted(recent, key=lambda s: s.started_at, reverse=True)[:5],
        "notices": current_notices(store, now()),
        "interrupted": request.app.state.interrupted_at_start,
    }
    return templates.TemplateResponse(request, "home.html", context)


@router.get("/screening/{technique_id}")
def screening_form(
    request: Request,
    technique_id: str,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    """The questions; a session the history forbids now (StartBlocked) is refused before them."""
    technique = tech.get(technique_id)
    rest = settings.limits_for(technique).pop_rest_min
    check_can_start(store, technique.id, now(), pop_rest_min=rest)
    return _form(request, templates, technique, load_questions(), {}, None)


def _form(
    request: Request,
    templates: TemplatesDep,
    technique: tech.Technique,
    questions: Questionnaire,
    given: dict[str, str],
    error: str | None,
) -> Response:
    context = {"technique": technique, "questions": questions, "given": given, "error": error}
    status = 422 if error else 200
    return templates.TemplateResponse(request, "screening.html", context, status_code=status)


def answers_from_form(questions: Questionnaire, form: dict[str, str]) -> dict[str, object]:
    """Form values → screening answers: yes/no becomes a bool, a choice stays its id."""
    answers: dict[str, object] = {}
    for q in questions.questions:
        value = form.get(q.id)
        if value is None or value == "":
            continue
        if q.choices is None:
            answers[q.id] = {"yes": True, "no": False}.get(value, value)
        else:
            answers[q.id] = value
    return answers


@router.post("/screening/{technique_id}")
async def screening_submit(
    request: Request,
    technique_id: str,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    technique = tech.get(technique_id)
    questions = load_questions()
    form = {k: str(v) for k, v in (await request.form()).items()}
    valid_for = timedelta(hours=settings.screening_valid_hours)
    try:
        _, result = take_screening(
            store, technique.id, answers_from_form(questions, form), now(), valid_for=valid_for
        )
    except ScreeningInputError:
        missing = [q for q in questions.questions if not form.get(q.id)]
        message = (
            f"Please answer every question ({len(missing)} still open)."
            if missing
            else "One of the answers was not understood; please choose again."
        )
        return _form(request, templates, technique, questions, form, message)
    context: dict[str, Any] = {
        "technique": technique,
        "result": result,
        "summary": questions.summaries[result.outcome],
        "note": questions.note,
        "blocked": None if result.allows_session else blocked_message(result, questions),
        "camera_available": request.app.state.registry.analyzers is not None,
    }
    return templates.TemplateResponse(request, "outcome.html", context)


@router.post("/sessions")
async def start_session(
    registry: RegistryDep, technique: str = Form(), camera: str = Form(default="")
) -> Response:
    """Start the session (I1 and the history rules checked again) and open its page."""
    live = registry.start(tech.get(technique), camera == "on", now())
    live.await_page()
    return RedirectResponse(f"/session/{live.id}", status_code=303)


@router.get("/history")
def history(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    sessions = sorted(store.sessions(), key=lambda s: s.started_at, reverse=True)
    names = {t.id: t.name for t in tech.load_all().values()}
    context = {"sessions": sessions, "names": names}
    return templates.TemplateResponse(request, "history.html", context)
