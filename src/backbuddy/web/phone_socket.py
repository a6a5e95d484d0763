"""The phone's frame socket `/ws/phone/{id}`: a paired phone streams the session's camera.

It is the session socket's frame path (`session_socket.Connection`: the same checks,
rate limits, one-at-a-time analysis and `pose` events), with three differences:

* it is admitted by the phone's device key (`web.phone`), not the page's token, after
  the same Host and Origin checks and the same lock-out after wrong keys;
* a phone may send landmarks, frames, role frames and `stop`, nothing else: a STOP on the phone
  halts the session exactly as the laptop's does; the laptop keeps every other press;
* the phone going away does not halt the session (the laptop page is still there):
  without fresh frames a movement pauses by itself (I4). A protocol violation on the
  phone halts the session and unpairs the phone; the laptop is told why.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from backbuddy.web import schemas
from backbuddy.web.frames import MAX_FPS, MAX_FRAME_BYTES
from backbuddy.web.live import LiveSession
from backbuddy.web.phone import PHONE_COOKIE, Phones
from backbuddy.web.registry import Registry
from backbuddy.web.security import host_allowed, origin_allowed
from backbuddy.web.session_socket import Connection, ProtocolViolation
from backbuddy.web.socket_gate import refuse
from backbuddy.web.throttle import TokenFailures

#: The one press a phone page sends.
PHONE_EVENTS = frozenset({"stop"})


async def serve_phone_socket(
    ws: WebSocket, session_id: int, registry: Registry, phones: Phones, failures: TokenFailures
) -> None:
    """Check the phone's key and attach it to its live session as the camera."""
    host = ws.headers.get("host")
    origin = ws.headers.get("origin")
    if not (host_allowed(registry.settings, host) and origin_allowed(origin, host)):
        await refuse(ws, "forbidden", "this page's origin may not open the phone socket", 4403)
        return
    client = ws.client.host if ws.client else None
    if wait := failures.locked(client):
        message = f"too many wrong keys were tried; try again in {math.ceil(wait)} s"
        await refuse(ws, "forbidden", message, 4429)
        return
    key = ws.cookies.get(PHONE_COOKIE)
    live = registry.get(session_id)
    if live is None or not phones.alive(session_id):
        await refuse(ws, "unknown_session", f"session {session_id} is not running", 4404)
        return
    if not phones.device_ok(session_id, key):
        if key:
            failures.failed()
        message = "this phone is not paired with the session: scan the code the laptop shows"
        await refuse(ws, "forbidden", message, 4401)
        return
    pairing = phones.current(session_id)
    if pairing is None or pairing.connected:
        message = "this phone's camera is already open in another tab"
        await refuse(ws, "already_connected", message, 4409)
        return
    await ws.accept()
    connection = PhoneConnection(ws, live, phones)
    pairing.connected = True
    pairing.hangup = connection.unpaired
    try:
        await connection.run()
    finally:
        pairing.connected = False
        pairing.hangup = None


class PhoneConnection(Connection):
    """A paired phone: frames and landmarks in, state, cues and frame answers out."""

    source = "phone"

    def __init__(self, ws: WebSocket, live: LiveSession, phones: Phones) -> None:
        super().__init__(ws, live)
        self.phones = phones

    def unpaired(self) -> None:
        """Unpaired on the laptop (or the session is over): say so, then close."""
        message = "this phone is no longer the camera: it was unpaired, or the session is over"
        self.send(schemas.ErrorOut(code="unpaired", message=message, fatal=True).model_dump())
        self.hangup()

    def hear(self, message: dict[str, Any]) -> None:
        """What the laptop page hears; once the session has ended the phone is let go."""
        self.send(message)
        if message.get("type") == "state" and message.get("ended"):
            self.phones.release(self.live.id)

    async def run(self) -> None:
        live = self.live
        async with live.lock:
            if live.gone:
                return
            live.watchers.append(self.hear)
            live.phone = "streaming"
            hello = schemas.Hello(
                session=live.id,
                technique=live.runner.state.technique.id,
                camera=live.analyzer is not None,
                max_frame_bytes=MAX_FRAME_BYTES,
                max_fps=MAX_FPS,
                min_fps=live.runner.state.technique.video.min_fps,
                roles=self.roles is not None,
                page_pose_refused=self.page_pose_refused,
            )
            self.send(hello.model_dump())
            live.publish_state(force=True)
        sender = asyncio.create_task(self._sender())
        watcher = asyncio.create_task(self._watch_frames())
        # The two-person step: the phone's page sends role frames as the laptop's would.
        looker = asyncio.create_task(self.roles.run()) if self.roles else None
        running = asyncio.current_task()
        assert running is not None
        # A phone that reads nothing is let go as the laptop's page is (`outbox`): its frames
        # stop, so a movement pauses for the stale camera.
        guard = asyncio.create_task(self._guard_sending(sender, running))
        try:
            await self._receive()
        except ProtocolViolation as err:
            await self._fatal(err)
        except WebSocketDisconnect:
            pass
        except asyncio.CancelledError:
            if not self.stalled:
                raise
            running.uncancel()
        finally:
            guard.cancel()
            watcher.cancel()
            if looker is not None:
                looker.cancel()
            with contextlib.suppress(ValueError):
                live.watchers.remove(self.hear)
            if live.phone == "streaming":
                live.phone = "paired" if self.phones.current(live.id) else "none"
                live.publish_state()
            self.outbox.put(None)
            if not self.stalled:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(sender, timeout=1.0)

    async def _fatal(self, err: ProtocolViolation) -> None:
        """Halt the session, let the phone go, tell the phone and the laptop why (before the
        halt is awaited: the halt is shielded, so it happens even if this socket is gone)."""
        live = self.live
        with contextlib.suppress(ValueError):
            live.watchers.remove(self.hear)
        self.send(schemas.ErrorOut(code=err.code, message=str(err), fatal=True).model_dump())
        pairing = self.phones.current(live.id)
        if pairing is not None:
            pairing.hangup = None  # this socket closes anyway, with the error above
        self.phones.release(live.id)
        live.phone = "none"
        live.publish(
            schemas.ErrorOut(
                code=err.code,
                message=f"the phone's camera broke the rules ({err}), so the session stopped "
                "and the phone was unpaired",
            ).model_dump()
        )
        await live.halt()
        live.publish_state()

    async def _on_event(self, message: schemas.EventIn) -> None:
        kind = message.event.get("event")
        if not isinstance(kind, str) or kind not in PHONE_EVENTS:
            raise ProtocolViolation(
                "unknown_event", f"the phone page may send stop only, not {kind!r:.40}"
            )
        await super()._on_event(message)
