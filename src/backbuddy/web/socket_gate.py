"""Who may open the session socket: this server's own pages, with the token when needed.

Every refusal is accepted just long enough to send one fatal `error` message (so
the page can say why), then closed with its own code (docs/protocol.md). A
socket that passes is handed to `session_socket.Connection`.
"""

from __future__ import annotations

import math

from fastapi import WebSocket

from backbuddy.config import Settings
from backbuddy.web import schemas
from backbuddy.web.registry import Registry
from backbuddy.web.security import (
    TOKEN_COOKIE,
    host_allowed,
    origin_allowed,
    token_ok,
    tokens_given,
)
from backbuddy.web.session_socket import Connection
from backbuddy.web.throttle import TokenFailures


async def refuse(ws: WebSocket, code: schemas.ErrorCode, message: str, close: int) -> None:
    await ws.accept()
    error = schemas.ErrorOut(code=code, message=message, fatal=True)
    await ws.send_json(error.model_dump())
    await ws.close(code=close)


async def serve_socket(
    ws: WebSocket, session_id: int, registry: Registry, failures: TokenFailures
) -> None:
    """Check who is asking, attach to the live session, and run the connection.

    An ended session whose page went away can be attached again for its grace
    period: a stop or symptom pressed after the end still reaches the engine.
    """
    settings = registry.settings
    host = ws.headers.get("host")
    if not (host_allowed(settings, host) and origin_allowed(ws.headers.get("origin"), host)):
        await refuse(ws, "forbidden", "this page's origin may not open the session socket", 4403)
        return
    if settings.token is not None and not await _token_passes(ws, settings, failures):
        return
    live = registry.get(session_id)
    if live is None:
        await refuse(ws, "unknown_session", f"session {session_id} is not running", 4404)
        return
    if live.send is not None:
        await refuse(ws, "already_connected", "this session is already open in another tab", 4409)
        return
    await ws.accept()
    await Connection(ws, live, registry.ears).run()


async def _token_passes(ws: WebSocket, settings: Settings, failures: TokenFailures) -> bool:
    """The token, unless other machines are locked out after too many wrong ones."""
    if wait := failures.locked(ws.client.host if ws.client else None):
        message = f"too many wrong tokens were tried; try again in {math.ceil(wait)} s"
        await refuse(ws, "forbidden", message, 4429)
        return False
    given = (ws.query_params.get("token"), ws.cookies.get(TOKEN_COOKIE))
    if token_ok(settings, *given):
        return True
    if tokens_given(*given):
        failures.failed()
    await refuse(ws, "forbidden", "a valid token is needed to connect", 4401)
    return False
