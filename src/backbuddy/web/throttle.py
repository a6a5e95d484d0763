"""How fast one client may go: text messages per socket, and failed token attempts per server.

(Store writes of concurrent sessions no longer take turns here: they share commits,
first come first served, in `adapters.sql_group`.)

A page sends a few presses a second at most; a socket that sends far more is
misbehaving, and every message costs a store write, so it is cut off (the
session halts and is recorded) before it can hold up anyone else. Failed
tokens are counted across all clients: off loopback the token is the only
lock, so guessing it is made slow for everyone, except this machine itself. Under
`serve --workers N` every worker tells its siblings of each failure (`web.workers`), so
the limit holds for the server as a whole, not N times over.
"""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from collections.abc import Callable

#: Text messages (presses) one socket may send in a burst, and per second after that.
EVENTS_BURST = 30
EVENTS_PER_S = 10.0
#: Failed token attempts (from any client) within WINDOW_S that lock the door for LOCKOUT_S.
MAX_FAILURES = 10
WINDOW_S = 60.0
LOCKOUT_S = 60.0


class MessageRate:
    """A token bucket: `EVENTS_BURST` at once, then `EVENTS_PER_S` a second."""

    def __init__(self, burst: int = EVENTS_BURST, per_s: float = EVENTS_PER_S) -> None:
        self.burst = burst
        self.per_s = per_s
        self._tokens = float(burst)
        self._at: float | None = None

    def flooded(self, now: float) -> bool:
        """Take one message at `now` (monotonic seconds); True when over the rate."""
        if self._at is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_s)
        self._at = now
        if self._tokens < 1.0:
            return True
        self._tokens -= 1.0
        return False


class OncePer:
    """Says a repeated notice at most once per `every_s`: a page whose pose model backed up
    sends 30 late frames a second, and an error for each one was 30 sends a second saying
    the same thing (issue 15)."""

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self._told: float | None = None

    def due(self, now: float) -> bool:
        """Tell it at `now` (monotonic seconds)? True the first time, then once `every_s`
        has passed since the last time it was told."""
        if self._told is not None and now - self._told < self.every_s:
            return False
        self._told = now
        return True


def is_loopback_client(host: str | None) -> bool:
    """The client is this machine (whoever sits here can read the token anyway)."""
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TokenFailures:
    """Failed token attempts over the last `window_s`; too many lock out other machines."""

    def __init__(
        self,
        limit: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        lockout_s: float = LOCKOUT_S,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.lockout_s = lockout_s
        self._failures: deque[float] = deque()
        self._locked_until = 0.0
        #: Told of each failure counted here (the siblings under `serve --workers`).
        self.on_failed: Callable[[], None] | None = None

    def locked(self, client: str | None, now: float | None = None) -> float:
        """Seconds until `client` may try again (0: it may); loopback is never locked out."""
        if is_loopback_client(client):
            return 0.0
        now = time.monotonic() if now is None else now
        return max(0.0, self._locked_until - now)

    def failed(self, now: float | None = None, *, tell: bool = True) -> None:
        """One more wrong or missing token; the limit reached locks the door. `tell`: pass it
        on (`on_failed`); False for one a sibling worker counted and passed on here."""
        now = time.monotonic() if now is None else now
        if tell and self.on_failed is not None:
            self.on_failed()
        self._failures.append(now)
        while self._failures and now - self._failures[0] > self.window_s:
            self._failures.popleft()
        if len(self._failures) >= self.limit:
            self._locked_until = now + self.lockout_s
            self._failures.clear()
