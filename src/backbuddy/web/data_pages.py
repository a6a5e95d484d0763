"""The pair's data in the page: the clinician report, the exports, and "delete everything".

What `backbuddy report`, `export` and `forget` do, where a couple is: the same
`reports/` code renders the report (HTML, or PDF from it) and the FHIR and JSON
exports, handed over as downloads. Deleting everything takes a second page with a
typed confirmation, comes only by POST from this server's own page (its Origin,
or the browser's same-origin mark, is required), and is refused while a session runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from backbuddy.domain.errors import BackbuddyError, StoreError
from backbuddy.domain.ports import HistoryStore
from backbuddy.reports import dump, fhir
from backbuddy.reports.data import ReportData, collect
from backbuddy.services.escalation import current_notices, local_zone, person_blocks
from backbuddy.web.deps import RegistryDep, StoreDep, TemplatesDep
from backbuddy.web.security import origin_allowed

router = APIRouter()

#: What the pair types to delete everything (any case, spaces around it ignored).
CONFIRM_WORDS = "delete everything"
#: The longest receiver's name printed on a report.
MAX_NAME = 80


class NothingStored(BackbuddyError):
    """The report or export asked for has nothing to show yet."""


def _name(name: str | None) -> str | None:
    cleaned = " ".join((name or "").split())[:MAX_NAME]
    return cleaned or None


def _data(store: HistoryStore, name: str | None, blocks: bool) -> ReportData:
    """Everything stored, as the CLI's report and export collect it (notices recorded first)."""
    now = datetime.now(UTC)
    zone = local_zone()
    if store.sessions() or store.screenings():
        current_notices(store, now, zone)
    held = person_blocks(store, now, zone) if blocks else ()
    return collect(store, now, None, _name(name), held)


def _download(content: bytes, media: str, filename: str, inline: bool = False) -> Response:
    how = "inline" if inline else "attachment"
    headers = {"Content-Disposition": f'{how}; filename="{filename}"', "Cache-Control": "no-store"}
    return Response(content, media_type=media, headers=headers)


def _today() -> str:
    return datetime.now(local_zone()).date().isoformat()


@router.get("/report")
async def report(
    store: StoreDep, format: Literal["html", "pdf"] = "html", name: str | None = None
) -> Response:
    """The clinician report: HTML to read in the browser (or save), PDF to download."""
    # matplotlib and weasyprint (~1 CPU-s to import) load with the first report, not at start-up.
    from backbuddy.reports.html import render_html, render_pdf

    data = await run_in_threadpool(_data, store, name, True)
    if not data.sessions:
        raise NothingStored("there are no sessions to report yet; the report needs one")
    html = render_html(data, local_zone())
    filename = f"backbuddy-report-{_today()}.{format}"
    if format == "pdf":
        pdf = await run_in_threadpool(render_pdf, html)
        return _download(pdf, "application/pdf", filename)
    return _download(html.encode("utf-8"), "text/html; charset=utf-8", filename, inline=True)


@router.get("/export")
async def export(
    store: StoreDep, format: Literal["fhir", "json"] = "fhir", name: str | None = None
) -> Response:
    """Everything stored, as a FHIR R4B Bundle or plain JSON (docs/export.md), to download."""
    data = await run_in_threadpool(_data, store, name, False)
    if data.empty:
        raise NothingStored("nothing is stored yet, so there is nothing to export")
    text = fhir.to_json(data) if format == "fhir" else dump.to_json(data)
    kind = "fhir" if format == "fhir" else "export"
    return _download(text.encode("utf-8"), "application/json", f"backbuddy-{kind}-{_today()}.json")


@router.get("/forget")
def forget_page(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    """The second step: what will be deleted, and the words to type to confirm."""
    return _forget_page(request, store, templates, None, 200)


def _forget_page(
    request: Request,
    store: HistoryStore,
    templates: TemplatesDep,
    error: str | None,
    status: int,
) -> Response:
    counts = [
        _count(len(store.sessions()), "session"),
        _count(len(store.screenings()), "screening"),
        _count(len(store.aftercare()), "aftercare check"),
        _count(len(store.seen()), "professional visit"),
    ]
    context = {"counts": counts, "words": CONFIRM_WORDS, "error": error, "where": store.where}
    return templates.TemplateResponse(request, "forget.html", context, status_code=status)


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def same_origin(request: Request) -> bool:
    """A POST from this server's own page: its Origin names this host, or (no Origin sent)
    the browser marks it same-origin. A form elsewhere, or a bare script, is neither."""
    origin = request.headers.get("origin")
    if origin:
        return origin_allowed(origin, request.headers.get("host"))
    return request.headers.get("sec-fetch-site") == "same-origin"


@router.post("/forget")
def forget(
    request: Request,
    store: StoreDep,
    registry: RegistryDep,
    templates: TemplatesDep,
    confirm: str = Form(default=""),
) -> Response:
    """Delete every record, once the words are typed; refused while a session is running."""
    if not same_origin(request):
        return HTMLResponse(
            "<h1>Refused</h1><p>Deleting comes only from backbuddy's own page.</p>", 403
        )
    if " ".join(confirm.lower().split()) != CONFIRM_WORDS:
        message = f"Nothing was deleted: type “{CONFIRM_WORDS}” to confirm."
        return _forget_page(request, store, templates, message, 422)
    if any(not live.over for live in registry.sessions.values()):
        message = "Nothing was deleted: a session is running. End it first (press Stop, then End)."
        return _forget_page(request, store, templates, message, 409)
    try:
        gone = store.forget()
    except StoreError as err:
        return _forget_page(request, store, templates, f"Nothing was deleted: {err}", 409)
    request.app.state.interrupted_at_start = []
    context = {"total": sum(gone.counts.values()), "where": gone.where}
    return templates.TemplateResponse(request, "forgotten.html", context)
