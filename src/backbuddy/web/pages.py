"""Pages before and around a session: home, screening and its outcome, history.

Every screening answer goes through `services.screening.take_screening`, the
same path as `backbuddy screen`; a block is shown with its wording and offers no
way on (I1). A block is about the person: while one holds, the screening form
itself says "Not today", and a start from an old page, another tab or a hand-made
POST is refused by `Registry.start`, which checks the stored screening and every
block in force again, and shown as the same "Not today" page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from backbuddy.config import Settings
from backbuddy.domain import techniques as tech
from backbuddy.domain import wording
from backbuddy.domain.errors import ScreeningBlocked, ScreeningInputError, ScreeningUnfinished
from backbuddy.domain.ports import HistoryStore
from backbuddy.domain.screening import (
    Questionnaire,
    ScreeningResult,
    load_questions,
    most_serious,
    session_technique,
)
from backbuddy.services import seen as seen_service
from backbuddy.services.escalation import (
    StartBlocked,
    StartStatus,
    check_can_start,
    current_notices,
    local_zone,
    person_blocks,
    start_status,
)
from backbuddy.services.screening import (
    HOLDS,
    KEPT_ELSEWHERE,
    blocked_message,
    keep_blocking,
    standing_result,
    summary,
    take_screening,
    wait_end,
)
from backbuddy.web import workers
from backbuddy.web.deps import RegistryDep, SettingsDep, StoreDep, TemplatesDep

router = APIRouter()
#: How far back the home page lists recent sessions.
RECENT_DAYS = 30


def now() -> datetime:
    return datetime.now(UTC)


@router.get("/")
def home(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    """Techniques, what blocks a session now and how it ends, recent sessions, notices (I8)."""
    return _home(request, store, templates, {}, None)


def _home(
    request: Request,
    store: HistoryStore,
    templates: TemplatesDep,
    given: dict[str, str],
    seen_error: str | None,
) -> Response:
    at = now()
    recent = store.sessions(since=at - timedelta(days=RECENT_DAYS))
    blocks = person_blocks(store, at)
    waiting = tuple(b for b in blocks if b.needs_seen)
    techniques = list(tech.load_all().values())
    settings: Settings = request.app.state.registry.settings
    rests = {t.id: settings.limits_for(t).pop_rest_min for t in techniques}
    starts = start_status(store, rests, at)
    context = {
        "techniques": techniques,
        "starts": starts,
        "start_groups": _start_groups(techniques, starts),
        "names": {t.id: t.name for t in techniques},
        "ending": wording.ending,
        "recent": sorted(recent, key=lambda s: s.started_at, reverse=True)[:5],
        "notices": current_notices(store, at),
        "interrupted": request.app.state.interrupted_at_start,
        "set_aside": store.set_aside(),
        "blocks": blocks,
        "waiting": waiting,
        "seen_form": _seen_form(waiting, at) if waiting else None,
        "visits": store.seen()[-3:],
        "given": given,
        "seen_error": seen_error,
    }
    status = 422 if seen_error else 200
    return templates.TemplateResponse(request, "home.html", context, status_code=status)


def _start_groups(
    techniques: list[tech.Technique], starts: dict[str, StartStatus]
) -> list[tuple[list[tech.Technique], StartStatus]]:
    """One line for every technique when they may all start at the same moment (the usual
    case: the day limit is about the person), else a line each (a region resting after a pop)."""
    if len({starts[t.id].next_at for t in techniques}) == 1:
        return [(techniques, starts[techniques[0].id])]
    return [([t], starts[t.id]) for t in techniques]


def _seen_form(waiting: tuple[Any, ...], at: datetime) -> dict[str, str]:
    today = at.astimezone(local_zone()).date()
    return {
        "min": seen_service.first_day(waiting).isoformat(),
        "max": today.isoformat(),
        "statement": seen_service.statement(waiting),
    }


@router.post("/set-aside/read")
def set_aside_read(store: StoreDep) -> Response:
    """The pair has read the notice of a kept write cut off by a crash: it is not said again."""
    store.set_aside_read()
    return RedirectResponse("/", status_code=303)


@router.post("/seen")
async def seen(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    """The pair records that a professional has seen the receiver: a date and a confirmation."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        day = date.fromisoformat(form.get("seen_on", ""))
    except ValueError:
        message = "Please give the date of the visit (year-month-day)."
        return _home(request, store, templates, form, message)
    try:
        seen_service.record_seen(store, day, now(), confirmed=form.get("confirm") == "yes")
    except seen_service.SeenRefused as err:
        return _home(request, store, templates, form, str(err)[:1].upper() + str(err)[1:] + ".")
    return RedirectResponse("/", status_code=303)


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
    try:
        check_can_start(store, technique.id, now(), pop_rest_min=rest)
    except StartBlocked as err:
        return not_now(request, store, settings, templates, technique, err)
    questions = load_questions()
    held = standing_result(store, technique.id, now(), questions=questions)
    if held is not None:  # answering again cannot lift a block: say so before the questions
        return _outcome(request, templates, technique, held, questions, 409)
    return _form(request, templates, technique, questions, {}, None)


def not_now(
    request: Request,
    store: HistoryStore,
    settings: Settings,
    templates: TemplatesDep,
    technique: tech.Technique,
    err: StartBlocked,
) -> Response:
    """A start the history forbids now (StartBlocked): why, and when the next may start."""
    at = now()
    status = start_status(store, {technique.id: settings.limits_for(technique).pop_rest_min}, at)
    context = {"technique": technique, "message": str(err), "next_at": status[technique.id].next_at}
    return templates.TemplateResponse(request, "not_now.html", context, status_code=409)


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
    sent = (await request.form()).multi_items()
    form = {k: str(v) for k, v in sent}
    valid_for = timedelta(hours=settings.screening_valid_hours)
    doubled = {k for k, v in sent if str(v) != form[k]}
    if doubled:
        # One question answered twice, differently (an edited form): the last value would
        # win, and a red flag answered "yes" then "no" would vanish. Ask it again instead,
        # and keep what blocks: the most serious of the doubled values, and every other
        # answer (a red flag sent is given, whatever else the form got wrong).
        message = "One of the answers was not understood (given twice); please choose again."
        kept = {k: v for k, v in form.items() if k not in doubled}
        given = answers_from_form(questions, kept)
        for key in doubled:
            values = [answers_from_form(questions, {k: str(v)}).get(k) for k, v in sent if k == key]
            q = questions.find(key)
            if q is not None and (serious := most_serious(q, values)) is not None:
                given[key] = serious
        held = keep_blocking(store, technique.id, given, now(), questions, valid_for)
        if held is not None:
            message += f" {KEPT_ELSEWHERE.format(other=tech.get(held[0]).name)}"
            await request.app.state.registry.halt_where_blocked(now())
        return _form(request, templates, technique, questions, kept, message)
    try:
        _, result = take_screening(
            store, technique.id, answers_from_form(questions, form), now(), valid_for=valid_for
        )
    except ScreeningInputError as err:
        missing = [q for q in questions.questions if not form.get(q.id)]
        message = (
            f"Please answer every question ({len(missing)} still open)."
            if missing
            else "One of the answers was not understood; please choose again."
        )
        if isinstance(err, ScreeningUnfinished):  # a red flag for the other technique: kept
            message += f" {KEPT_ELSEWHERE.format(other=tech.get(err.kept).name)}"
            await request.app.state.registry.halt_where_blocked(now())
        return _form(request, templates, technique, questions, form, message)
    await request.app.state.registry.halt_where_blocked(now())
    return _outcome(request, templates, technique, result, questions, 200)


def _outcome(
    request: Request,
    templates: TemplatesDep,
    technique: tech.Technique,
    result: ScreeningResult,
    questions: Questionnaire,
    status: int,
) -> Response:
    """The outcome page: go ahead, or "Not today" with every reason, held ones said as such."""
    context: dict[str, Any] = {
        "technique": technique,
        "result": result,
        "summary": summary(result, questions),
        "note": questions.note,
        "blocked": None if result.allows_session else blocked_message(result, questions),
        "holds": HOLDS,
        "wait_end": wait_end,
        "caution_text": session_technique(questions, technique, result).caution.text,
        "camera_available": request.app.state.registry.analyzers is not None,
    }
    return templates.TemplateResponse(request, "outcome.html", context, status_code=status)


@router.post("/sessions")
async def start_session(
    request: Request,
    registry: RegistryDep,
    templates: TemplatesDep,
    technique: str = Form(),
    camera: str = Form(default=""),
) -> Response:
    """Start the session (I1, the blocks on the person and the history rules checked again).

    A start refused by a block (from an old page, another tab or a hand-made POST)
    shows the same "Not today" page as the screening did, with status 409.
    """
    chosen = tech.get(technique)
    if (elsewhere := await workers.place(request, registry, chosen.id, camera == "on")) is not None:
        # Several workers serve (`serve --workers`): the session runs on a sibling.
        return RedirectResponse(elsewhere, status_code=303)
    if (running := registry.running(chosen.id, now())) is not None:
        # A double click, the back button or a second tab: the same sitting's session,
        # not a refusal for "a session already today" and that session lost.
        return RedirectResponse(f"/session/{running.id}", status_code=303)
    try:
        live = registry.start(chosen, camera == "on", now())
    except StartBlocked as err:
        return not_now(request, registry.store, registry.settings, templates, chosen, err)
    except ScreeningBlocked as err:
        if not isinstance(err.result, ScreeningResult):
            raise
        return _outcome(request, templates, chosen, err.result, load_questions(), 409)
    live.await_page()
    return RedirectResponse(f"/session/{live.id}", status_code=303)


@router.get("/history")
def history(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    """Every session and how it ended, the recorded professional visits, and the notices."""
    sessions = sorted(store.sessions(), key=lambda s: s.started_at, reverse=True)
    names = {t.id: t.name for t in tech.load_all().values()}
    context = {
        "sessions": sessions,
        "names": names,
        "ending": wording.ending,
        "visits": store.seen(),
        "notices": current_notices(store, now()) if sessions or store.screenings() else (),
        "has_data": bool(store.screenings()),
    }
    return templates.TemplateResponse(request, "history.html", context)
