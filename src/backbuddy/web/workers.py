"""Several worker processes of one server (`backbuddy serve --workers N`), session-affine.

Python runs one process's code on one core at a time, so one process holds only a
few live sessions. With N workers, each is the whole app on its own port (the first on
the port asked for, the others on the ports after it), over the same store. Any worker
serves every page; a live session belongs to the worker whose engine runs it, and its
page, socket and phone talk to that worker's port only.

Starting a session (`POST /sessions`) on any worker: a session of that technique
running on a sibling is gone back to (a double start); otherwise the least-loaded
worker starts it — a sibling through `POST /workers/start` on loopback, carrying the
secret the workers share — and the browser is sent to that worker's session page
(a plain GET, so no form is posted across origins). A sibling that does not answer
is taken as gone and skipped; its sessions read back as interrupted (the store keeps
everything they recorded) when the supervisor restarts it.

A wrong token counted by one worker is passed to its siblings (`POST /workers/failed`),
so the lock-out after too many wrong tokens (`throttle.TokenFailures`) counts the guesses
made at every worker, not N times as many.

Each worker looks at the store's screenings every second, so a red flag answered on
any worker (or in a terminal) halts sessions on every worker (`Registry.watch_screenings`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import ssl
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import BackbuddyError
from backbuddy.web.registry import Registry
from backbuddy.web.throttle import TokenFailures

log = logging.getLogger(__name__)

#: Header carrying the workers' shared secret on their calls to one another.
SECRET_HEADER = "x-backbuddy-worker"
#: A sibling that has not answered within this is taken as gone (it is on this machine).
ASK_S = 2.0

router = APIRouter()


@dataclass(frozen=True)
class Workers:
    """This worker's place among its siblings."""

    ports: tuple[int, ...]
    index: int
    #: Shared by the workers of one `serve` (made up by it), never shown to a browser.
    secret: str
    #: The CA that signed the workers' certificate when they serve HTTPS.
    ca_cert: Path | None = None

    @property
    def port(self) -> int:
        return self.ports[self.index]

    @property
    def siblings(self) -> tuple[int, ...]:
        return tuple(p for i, p in enumerate(self.ports) if i != self.index)

    def trusts(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.secret.encode())


@dataclass(frozen=True)
class Held:
    """A live session as its worker tells it."""

    port: int
    id: int
    technique: str


def workers_of(request: Request) -> Workers | None:
    found: Workers | None = getattr(request.app.state, "workers", None)
    return found


def own_door(request: Request) -> bool:
    """A sibling's call (`/workers/…` with the shared secret) passes the token check: the
    secret stands in for the token, and each route checks it again."""
    workers = workers_of(request)
    return (
        workers is not None
        and request.url.path.startswith("/workers/")
        and workers.trusts(request.headers.get(SECRET_HEADER))
    )


def address(request: Request, port: int) -> str:
    """This server's address as the browser reached it, on worker port `port`."""
    parts = urlsplit(f"//{request.headers.get('host', '')}")
    name = parts.hostname or "127.0.0.1"
    shown = f"[{name}]" if ":" in name else name
    return f"{request.url.scheme}://{shown}:{port}"


def _ask(workers: Workers, port: int, path: str, body: dict[str, Any] | None) -> Any:
    """One call to a sibling on loopback; None when it does not answer (gone)."""
    scheme = "https" if workers.ca_cert else "http"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{scheme}://127.0.0.1:{port}{path}",
        data=data,
        method="POST" if body is not None else "GET",
        headers={SECRET_HEADER: workers.secret, "content-type": "application/json"},
    )
    context = None
    if workers.ca_cert is not None:
        context = ssl.create_default_context(cafile=str(workers.ca_cert))
        context.check_hostname = False  # our own CA, our own sibling on loopback
    try:
        with urllib.request.urlopen(request, timeout=ASK_S, context=context) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return {"status": err.code}
    except (OSError, ValueError) as err:
        log.warning("worker on port %s did not answer: %s", port, err)
        return None


async def held_by_siblings(workers: Workers) -> tuple[list[Held], dict[int, int]]:
    """Every sibling's live sessions, and each answering sibling's load (live sessions)."""
    answers = await asyncio.gather(
        *(asyncio.to_thread(_ask, workers, p, "/workers/sessions", None) for p in workers.siblings)
    )
    held: list[Held] = []
    loads: dict[int, int] = {}
    for port, answer in zip(workers.siblings, answers, strict=True):
        if not isinstance(answer, dict) or "sessions" not in answer:
            continue
        loads[port] = len(answer["sessions"])
        held += [Held(port, int(s["id"]), str(s["technique"])) for s in answer["sessions"]]
    return held, loads


def live_here(registry: Registry) -> list[dict[str, Any]]:
    """This worker's sessions still running (not ended, not let go)."""
    return [
        {"id": live.id, "technique": live.runner.state.technique.id}
        for live in registry.sessions.values()
        if not (live.over or live.gone) and live.runner.state.mode != "ended"
    ]


@router.get("/workers/sessions")
def sessions(request: Request) -> Response:
    """For a sibling: the sessions running here (its load, and where a session lives)."""
    workers = workers_of(request)
    if workers is None or not workers.trusts(request.headers.get(SECRET_HEADER)):
        return JSONResponse({"error": "not a worker"}, 403)
    return JSONResponse({"sessions": live_here(request.app.state.registry)})


@router.post("/workers/start")
async def start(request: Request) -> Response:
    """For a sibling: start a session here; its id, or the refusal's status (the sibling then
    shows the refusal itself, as it would for a start of its own)."""
    workers = workers_of(request)
    if workers is None or not workers.trusts(request.headers.get(SECRET_HEADER)):
        return JSONResponse({"error": "not a worker"}, 403)
    body = await request.json()
    registry: Registry = request.app.state.registry
    try:
        chosen = tech.get(str(body["technique"]))
        live = registry.start(chosen, bool(body["camera"]), datetime.now(UTC))
    except BackbuddyError as err:
        return JSONResponse({"error": type(err).__name__}, 409)
    live.await_page()
    return JSONResponse({"id": live.id})


def share_failures(failures: TokenFailures, workers: Workers) -> None:
    """Pass every wrong token counted here to the siblings, off the event loop, in order
    (one thread: at most `throttle.MAX_FAILURES` calls per sibling before the door locks)."""
    if not workers.siblings:
        return
    teller = ThreadPoolExecutor(1, thread_name_prefix="worker-failures")

    def tell() -> None:
        for port in workers.siblings:
            _ask(workers, port, "/workers/failed", {})

    def on_failed() -> None:
        teller.submit(tell)

    failures.on_failed = on_failed


@router.post("/workers/failed")
def failed(request: Request) -> Response:
    """For a sibling: a wrong token it counted counts here too (not passed on again)."""
    workers = workers_of(request)
    if workers is None or not workers.trusts(request.headers.get(SECRET_HEADER)):
        return JSONResponse({"error": "not a worker"}, 403)
    request.app.state.token_failures.failed(tell=False)
    return JSONResponse({"counted": True})


async def place(request: Request, registry: Registry, technique: str, camera: bool) -> str | None:
    """Where `POST /sessions` sends the browser when several workers serve: a sibling's
    session of `technique` still running (a double start across workers), or a new session
    on the least-loaded sibling. None: start it here as a single worker would (this worker
    is the least loaded, or no sibling answered, or the sibling refused: the refusal is then
    shown by starting here, which meets the same rule)."""
    workers = workers_of(request)
    if workers is None or not workers.siblings:
        return None
    held, loads = await held_by_siblings(workers)
    for session in held:
        if session.technique == technique and registry.allows(technique):
            return f"{address(request, session.port)}/session/{session.id}"
    if registry.running(technique, datetime.now(UTC)) is not None:
        return None  # here: the caller goes back to it
    mine = len(live_here(registry))
    lightest = min(loads, key=lambda p: (loads[p], p), default=None)
    if lightest is None or loads[lightest] >= mine:
        return None
    answer = await asyncio.to_thread(
        _ask, workers, lightest, "/workers/start", {"technique": technique, "camera": camera}
    )
    if isinstance(answer, dict) and "id" in answer:
        return f"{address(request, lightest)}/session/{int(answer['id'])}"
    return None


async def owner_of(request: Request, session_id: int) -> str | None:
    """The session page's address on the sibling that runs `session_id`, if one does."""
    workers = workers_of(request)
    if workers is None or not workers.siblings:
        return None
    held, _ = await held_by_siblings(workers)
    found = next((h for h in held if h.id == session_id), None)
    return f"{address(request, found.port)}/session/{session_id}" if found else None
