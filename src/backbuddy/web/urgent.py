"""Events first: page landmarks wait while a press (a STOP above all) is on the event loop.

One event loop serves every session, and page landmarks are analysed on it (`live`:
~1 ms each, 30 a second per session). A STOP's way through the loop takes several turns
of it (its message read, the session lock, back from the writer thread, its cues sent),
and every turn waited behind the analyses of every other session that were ready: at 10
sessions on a loaded machine a STOP's halt took 140 ms at the median inside the server
(issue 15). So while an event is on the loop, no session starts analysing landmarks:
they wait (the newest kept, `session_socket`) until the event has been stepped and its
cues sent. While the event is being written (the writer thread, a commit), analysis
goes on: the loop has nothing of the event's to do then.

An event is marked with a `Token` for as long as it is handled (`Urgent.hold`); its
writer-thread step clears `on_loop` and sets it again when done. A token leaves the set
when its handler ends, whatever happened (`finally`), so a lost one cannot stall analysis.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

#: How often waiting landmarks look again whether the loop is free of events (s).
POLL_S = 0.002


class Token:
    """One event being handled; `on_loop`: its next step is the event loop's."""

    __slots__ = ("on_loop",)

    def __init__(self) -> None:
        self.on_loop = True


class Urgent:
    """The events in hand on one event loop (one per server process, `registry`)."""

    def __init__(self) -> None:
        self._tokens: set[Token] = set()

    @property
    def busy(self) -> bool:
        """Is an event waiting for the loop (read, locked, or back from its write)?"""
        return any(t.on_loop for t in self._tokens)

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[Token]:
        """Mark an event for as long as it is handled; on the way out, one turn of the
        loop first, so its cues (in the page's outbox) are sent before analysis resumes."""
        token = Token()
        self._tokens.add(token)
        try:
            yield token
            token.on_loop = True
            await asyncio.sleep(0)  # the sender, woken by the cues, goes first
        finally:
            self._tokens.discard(token)

    async def clear(self) -> None:
        """Return once no event waits for the loop (at once when none does)."""
        while self.busy:
            await asyncio.sleep(POLL_S)
