"""Pages of one session: the live page, the aftercare check, and the summary with plots.

The live page does nothing on its own; its socket (`session_socket`) carries the
session. Aftercare and summary read what the store recorded, so they work the
same after a restart.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from backbuddy.domain import events as ev
from backbuddy.domain import techniques as tech
from backbuddy.domain import wording
from backbuddy.domain.errors import BackbuddyError
from backbuddy.domain.ports import SessionRecord, SessionStore
from backbuddy.web import plots
from backbuddy.web.deps import RegistryDep, StoreDep, TemplatesDep

router = APIRouter()

#: What the receiver can report at the aftercare check, and the sensation each records.
FEELINGS: dict[str, tuple[str, ev.SensationKind | None]] = {
    "fine": ("Fine, or a comfortable stretch", None),
    "sore": ("A little sore", None),
    "sharp_pain": ("Sharp pain", "sharp_pain"),
    "numbness": ("Numbness or tingling", "numbness"),
    "weakness": ("Weakness", "weakness"),
    "dizziness": ("Dizzy", "dizziness"),
}
WHEN_TO_CHECK = (
    "Back pain that hasn't improved after about 4 weeks, or has lasted more than 12 weeks, "
    "is worth having assessed by a physiotherapist or doctor; exercise-based care helps most."
)


class SessionNotFound(BackbuddyError):
    """No stored session has this id."""


def record(store: SessionStore, session_id: int) -> SessionRecord:
    found = next((s for s in store.sessions() if s.id == session_id), None)
    if found is None:
        raise SessionNotFound(f"there is no session {session_id}; see the history page")
    return found


@router.get("/session/{session_id}")
def live_page(
    request: Request, session_id: int, registry: RegistryDep, templates: TemplatesDep
) -> Response:
    live = registry.get(session_id)
    if live is None or live.over:
        return RedirectResponse(f"/session/{session_id}/aftercare", status_code=303)
    technique = live.runner.state.technique
    context = {
        "session_id": session_id,
        "technique": technique,
        "checks": {c.id: c.text for c in technique.checks},
        "camera": live.camera and live.analyzer is not None,
    }
    return templates.TemplateResponse(request, "session.html", context)


@router.get("/session/{session_id}/aftercare")
def aftercare(
    request: Request, session_id: int, store: StoreDep, templates: TemplatesDep
) -> Response:
    rec = record(store, session_id)
    cues = [c for _, c in store.cues(session_id)]
    context = {
        "record": rec,
        "technique": tech.get(rec.technique),
        "refer": _unique(c.text for c in cues if c.kind == "refer"),
        "aftercare_text": wording.AFTERCARE,
        "when_to_check": WHEN_TO_CHECK,
        "feelings": FEELINGS,
    }
    return templates.TemplateResponse(request, "aftercare.html", context)


@router.post("/session/{session_id}/aftercare")
async def aftercare_answer(
    session_id: int, store: StoreDep, registry: RegistryDep, feeling: str = Form()
) -> Response:
    """A symptom reported after the session is recorded, and its referral added (I2)."""
    record(store, session_id)
    sensation = FEELINGS.get(feeling, ("", None))[1]
    live = registry.get(session_id)
    if sensation is not None and live is not None:
        async with live.lock:
            if live.runner.state.mode != "ended":
                live.interrupt("the page left for aftercare before the session ended")
            else:  # an ended session accepts sensations: refer, aftercare
                live.apply(ev.Sensation(live.clock(), sensation=sensation))
    return RedirectResponse(f"/session/{session_id}/summary?felt={feeling}", status_code=303)


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
    felt = request.query_params.get("felt")
    context = {
        "record": rec,
        "technique": technique,
        "charts": charts,
        "moments": [c for _, c in cues if c.kind in ("pause", "halt", "refer", "done")],
        "refer": _unique(c.text for _, c in cues if c.kind == "refer"),
        "felt": FEELINGS[felt][0] if felt in FEELINGS else None,
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
