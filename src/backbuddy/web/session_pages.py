"""Pages of one session: the live page, the aftercare check, and the summary with plots.

The live page does nothing on its own; its socket (`session_socket`) carries the
session. Aftercare and summary read what the store recorded, so they work the
same after a restart.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from backbuddy.audio.config import load as load_audio_config
from backbuddy.domain import learn, wording
from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import BackbuddyError
from backbuddy.domain.ports import HistoryStore, SessionRecord
from backbuddy.services import aftercare as aftercare_service
from backbuddy.web import page_pose, page_roles, plots, workers
from backbuddy.web.deps import RegistryDep, StoreDep, TemplatesDep
from backbuddy.web.learn_page import pop_points

router = APIRouter()

WHEN_TO_CHECK = (
    "Back pain that hasn't improved after about 4 weeks, or has lasted more than 12 weeks, "
    "is worth having assessed by a physiotherapist or doctor; exercise-based care helps most."
)


class SessionNotFound(BackbuddyError):
    """No stored session has this id."""


def record(store: HistoryStore, session_id: int) -> SessionRecord:
    found = next((s for s in store.sessions() if s.id == session_id), None)
    if found is None:
        raise SessionNotFound(f"there is no session {session_id}; see the history page")
    return found


@router.get("/session/{session_id}")
async def live_page(
    request: Request, session_id: int, registry: RegistryDep, templates: TemplatesDep
) -> Response:
    live = registry.get(session_id)
    if live is None and (owner := await workers.owner_of(request, session_id)) is not None:
        return RedirectResponse(owner, status_code=303)  # it runs on another worker
    if live is None or live.over:
        return RedirectResponse(f"/session/{session_id}/aftercare", status_code=303)
    technique = live.runner.state.technique
    earlier = [s for s in registry.store.sessions() if s.technique == technique.id]
    roles = page_roles.roles_of(live.analyzer) is not None
    context = {
        "session_id": session_id,
        "technique": technique,
        "checks": {c.id: c.text for c in technique.checks},
        "camera": live.camera and live.analyzer is not None,
        # What the pop is, before the first attempt: always the first time for the technique
        # (no earlier session stored), then once per technique per device (the page remembers).
        "first_time": all(s.id == session_id for s in earlier),
        "pop_title": learn.load().pop.title,
        "pop_points": pop_points(live.runner.state.limits.pop_rest_min),
        # Not where the technique's two-person path must run on the server (`page_pose.refusal`).
        "page_pose": page_pose.available() and page_pose.refusal(technique, roles) is None,
        "page_people": page_pose.people_available(),
        # The two-person step: a small picture goes to this server now and then (page_roles).
        "roles": roles,
        # The server's stop words (audio.yaml), the page's only list: it flags its own cue
        # that says one (`voice_out.saysStopWord`), so the two cannot disagree.
        "stop_words": list(load_audio_config().words.stop),
    }
    return templates.TemplateResponse(request, "session.html", context)


@router.get("/session/{session_id}/aftercare")
def aftercare(
    request: Request, session_id: int, store: StoreDep, templates: TemplatesDep
) -> Response:
    """The after-session check (the same questions as the terminal guide asks)."""
    return _aftercare_form(request, store, templates, session_id, {}, None)


def _aftercare_form(
    request: Request,
    store: HistoryStore,
    templates: TemplatesDep,
    session_id: int,
    given: dict[str, list[str]],
    error: str | None,
) -> Response:
    rec = record(store, session_id)
    context = {
        "record": rec,
        "technique": tech.get(rec.technique),
        "refer": _unique(c.text for _, c in store.cues(session_id) if c.kind == "refer"),
        "aftercare_text": wording.AFTERCARE,
        "when_to_check": WHEN_TO_CHECK,
        "questions": aftercare_service.AFTER_SESSION,
        "given": given,
        "error": error,
    }
    status = 422 if error else 200
    return templates.TemplateResponse(request, "aftercare.html", context, status_code=status)


@router.post("/session/{session_id}/aftercare")
async def aftercare_answer(
    request: Request, session_id: int, store: StoreDep, templates: TemplatesDep
) -> Response:
    """Store the answers (services.aftercare) and show what to do, with any referral."""
    record(store, session_id)
    form = await request.form()
    given = {key: [str(v) for v in form.getlist(key)] for key in form}
    feel = given.get("feel", [])
    answers: dict[str, object] = {"feel": feel[0] if feel else None}
    answers["new_symptoms"] = [s for s in given.get("new_symptoms", []) if s != "none"]
    try:
        result = aftercare_service.record_after_session(
            store, session_id, answers, datetime.now(UTC)
        )
    except aftercare_service.AftercareInputError as err:
        return _aftercare_form(request, store, templates, session_id, given, str(err))
    context = {"record": record(store, session_id), "result": result}
    return templates.TemplateResponse(request, "aftercare_result.html", context)


@router.get("/session/{session_id}/summary")
def summary(
    request: Request, session_id: int, store: StoreDep, templates: TemplatesDep
) -> Response:
    rec = record(store, session_id)
    technique = tech.get(rec.technique)
    events = store.events(session_id)
    cues = store.cues(session_id)
    marks = plots.marks_from(cues)
    t_end = max([0.0, *(e.t for e in events)])
    limits = technique.limits
    charts = [
        plots.plot(
            "Range from the starting position",
            "°",
            plots.series(events, "range_deg"),
            marks,
            limits.max_range_deg,
            t_end,
        ),
        plots.plot(
            "Speed",
            "°/s",
            plots.series(events, "speed_deg_s"),
            marks,
            limits.hard_speed_deg_s,
            t_end,
        ),
    ]
    answered = [a for a in store.aftercare() if a.session_id == session_id]
    context = {
        "record": rec,
        "technique": technique,
        "charts": charts,
        "moments": [c for _, c in cues if c.kind in ("pause", "halt", "refer", "done")],
        "refer": _unique(c.text for _, c in cues if c.kind == "refer"),
        "aftercare": answered[-1] if answered else None,
        "duration": _duration(rec),
    }
    return templates.TemplateResponse(request, "summary.html", context)


def _unique(texts: object) -> list[str]:
    out: list[str] = []
    for text in texts:  # type: ignore[attr-defined]
        if text not in out:
            out.append(text)
    return out


def _duration(rec: SessionRecord) -> str:
    end = rec.ended_at or datetime.now(UTC)
    seconds = max(0, int((end - rec.started_at).total_seconds()))
    return f"{seconds // 60} min {seconds % 60} s"
