"""`create_app(settings)`: the FastAPI app, its store, its live sessions and its guards.

Built on demand (never at import) so tests and `backbuddy serve` each get their
own app over their own store. The store comes from `bootstrap` unless one is
given; the camera watch comes from the analyzer factory given (None: sessions
run without the camera, and the page says so).
"""

from __future__ import annotations

import asyncio
import math
import mimetypes
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from backbuddy import __version__, bootstrap
from backbuddy.config import Settings
from backbuddy.domain.errors import (
    BackbuddyError,
    ScreeningBlocked,
    ScreeningRequired,
    SessionLimitReached,
)
from backbuddy.domain.ports import HistoryStore
from backbuddy.web import (
    data_pages,
    learn_page,
    pages,
    phone_pages,
    sensations,
    session_pages,
    spoken,
    times,
)
from backbuddy.web import workers as web_workers
from backbuddy.web.ears import Ears
from backbuddy.web.frames import AnalyzerFactory
from backbuddy.web.live import GRACE_S
from backbuddy.web.phone import Phones
from backbuddy.web.phone_socket import serve_phone_socket
from backbuddy.web.registry import Registry
from backbuddy.web.security import (
    TOKEN_COOKIE,
    bearer,
    host_allowed,
    origin_allowed,
    token_ok,
    tokens_given,
)
from backbuddy.web.socket_gate import serve_socket
from backbuddy.web.spoken import WebVoice
from backbuddy.web.throttle import TokenFailures
from backbuddy.web.tls import Certificates
from backbuddy.web.workers import Workers

HERE = Path(__file__).resolve().parent
NOT_MEDICAL = "Not a medical device; not a substitute for professional care."
#: Said wherever a limit (°/s, degrees, attempts) is shown: they are proposals, not standards.
LIMITS_NOTE = (
    "These limits are cautious proposals set by backbuddy, not a clinical standard: "
    "stop earlier whenever it feels like more than a comfortable stretch."
)


def create_app(
    settings: Settings,
    *,
    store: HistoryStore | None = None,
    analyzers: AnalyzerFactory | None = None,
    grace_s: float = GRACE_S,
    listening: bool = True,
    speaking: bool = True,
    warm_listening: bool = False,
    certificates: Certificates | None = None,
    workers: Workers | None = None,
) -> FastAPI:
    """The web app over `store` (or the settings' database, opened at start-up).

    `listening`: the page's microphone may be listened to; `speaking`: cues are spoken
    with the server's voice (else the browser's). Models load only when first needed, or
    with `warm_listening` (`backbuddy serve`) the listening models when a session page opens.
    `certificates`: the server is served over HTTPS with these (`web.tls`), so a phone on
    the home network can be the camera (`web.phone`). `workers`: this app is one of several
    worker processes of one server (`web.workers`).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = None
        if store is None:
            opened = bootstrap.open_store(settings)
            app.state.interrupted_at_start = opened.interrupted
        own = store if store is not None else opened.store  # type: ignore[union-attr]
        ears = Ears(listening, warm_listening)
        registry = Registry(settings, own, analyzers, grace_s, ears, WebVoice(speaking))
        app.state.registry = registry
        # A red flag stored by any process (a terminal's `backbuddy screen`, another worker)
        # halts the sessions running here (I1).
        watch = asyncio.get_running_loop().create_task(registry.watch_screenings())
        try:
            yield
        finally:
            watch.cancel()
            registry.shutdown()
            if opened is not None:
                opened.store.close()

    app = FastAPI(title="backbuddy", version=__version__, lifespan=lifespan, docs_url=None)
    app.state.interrupted_at_start = []
    app.state.certificates = certificates
    app.state.workers = workers
    app.state.phones = Phones(lambda session_id: _running(app, session_id))
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals.update(
        not_medical=NOT_MEDICAL,
        version=__version__,
        sensation_buttons=sensations.buttons,
        limits_note=LIMITS_NOTE,
        when=times.when,
    )
    app.state.templates = templates
    mimetypes.add_type("text/javascript", ".mjs")  # the page's vendored pose model (ES module)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(session_pages.router)
    app.include_router(learn_page.router)
    app.include_router(data_pages.router)
    app.include_router(spoken.router)
    app.include_router(phone_pages.router)
    app.include_router(web_workers.router)
    _guard(app, settings)
    if workers is not None:  # the lock-out counts the guesses made at every worker
        web_workers.share_failures(app.state.token_failures, workers)
    _errors(app, templates)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness for scripts and `backbuddy serve`: no store access, always quick."""
        return {"status": "ok", "version": __version__}

    @app.websocket("/ws/session/{session_id}")
    async def session_socket(websocket: WebSocket, session_id: int) -> None:
        state = websocket.app.state
        await serve_socket(websocket, session_id, state.registry, state.token_failures)

    @app.websocket("/ws/phone/{session_id}")
    async def phone_socket(websocket: WebSocket, session_id: int) -> None:
        state = websocket.app.state
        await serve_phone_socket(
            websocket, session_id, state.registry, state.phones, state.token_failures
        )

    return app


def _running(app: FastAPI, session_id: int) -> bool:
    """The session still runs (not ended, not let go): a phone may be its camera."""
    registry: Registry | None = getattr(app.state, "registry", None)
    live = registry.get(session_id) if registry is not None else None
    return live is not None and not live.over and live.runner.state.mode != "ended"


def _guard(app: FastAPI, settings: Settings) -> None:
    """Host, Origin of posts, and (off loopback) the token; sockets check their own."""
    failures = TokenFailures()
    app.state.token_failures = failures

    @app.middleware("http")
    async def require_token(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        host = request.headers.get("host")
        if not host_allowed(settings, host):
            return HTMLResponse("<h1>Unknown host</h1><p>Open backbuddy at 127.0.0.1.</p>", 421)
        origin = request.headers.get("origin")
        if request.method == "POST" and origin and not origin_allowed(origin, host):
            return HTMLResponse(
                "<h1>Refused</h1><p>Forms come from backbuddy's own pages.</p>", 403
            )
        if settings.token is None or phone_pages.own_door(request) or web_workers.own_door(request):
            return await call_next(request)
        client = request.client.host if request.client else None
        if wait := failures.locked(client):
            return too_many_tries(wait)
        query = request.query_params.get("token")
        cookie = request.cookies.get(TOKEN_COOKIE)
        header = bearer(request.headers.get("authorization"))
        if not token_ok(settings, query, cookie, header):
            return wrong_token(failures, query, cookie, header)
        response = await call_next(request)
        if query and token_ok(settings, query):
            response.set_cookie(TOKEN_COOKIE, query, httponly=True, samesite="strict")
        return response


def too_many_tries(wait: float) -> Response:
    """429 while the door is locked after too many wrong tokens."""
    seconds = max(1, math.ceil(wait))
    return HTMLResponse(
        "<h1>Too many wrong tokens</h1><p>Someone tried too many wrong tokens, so backbuddy "
        f"refuses other machines for {seconds} s. On this machine it keeps working.</p>",
        status_code=429,
        headers={"Retry-After": str(seconds)},
    )


def wrong_token(failures: TokenFailures, *given: str | None) -> Response:
    """401; a token that was given (a guess, not a missing one) counts towards the lock-out."""
    if tokens_given(*given):
        failures.failed()
    response = HTMLResponse(
        "<h1>Token needed</h1><p>Open the address that <code>backbuddy serve</code> "
        "printed, including <code>?token=…</code>.</p>",
        status_code=401,
    )
    response.delete_cookie(TOKEN_COOKIE)  # a stale cookie from an earlier run: drop it
    return response


def _errors(app: FastAPI, templates: Jinja2Templates) -> None:
    """Typed errors become a visible page that says what to do next."""

    @app.exception_handler(BackbuddyError)
    async def visible_error(request: Request, err: Exception) -> Response:
        refused = ScreeningRequired | ScreeningBlocked | SessionLimitReached
        status = 409 if isinstance(err, refused) else 400
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"error": type(err).__name__, "message": str(err)}, status)
        return templates.TemplateResponse(
            request, "error.html", {"message": str(err), "kind": type(err).__name__}, status
        )
