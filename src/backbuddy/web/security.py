"""Who may talk to the server: a token off loopback, and same-origin session sockets.

On loopback (the default) nobody else can reach the server, so no token is
needed. Bound anywhere else, every request and socket must carry the token: as
`?token=` once (the server then sets a cookie), as that cookie, or as a bearer
header. Sockets and form posts must also come from a page this server served
(the Origin matches the Host), so another web site open in the same browser
cannot drive a session or answer a screening. Without a token the Host must be
a loopback name, so a web site cannot rebind its own name to 127.0.0.1 and read
the pages (DNS rebinding); a Host with user info (`evil.com@localhost`) is never
accepted. The token must be hard to guess (`token_problem`), and wrong tokens
lock other machines out for a while (`throttle.TokenFailures`).
"""

from __future__ import annotations

import hmac
import re
from urllib.parse import urlsplit

from backbuddy.config import Settings

TOKEN_COOKIE = "backbuddy_token"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
#: A token must be at least this long, with this many different characters.
MIN_TOKEN_CHARS = 16
MIN_TOKEN_DISTINCT = 10
#: Characters that travel unchanged in `?token=` (RFC 3986 unreserved).
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9._~-]+")


def token_problem(token: str) -> str | None:
    """Why `token` is too easy to guess or to mangle in a URL, or None when it will do."""
    if len(token) < MIN_TOKEN_CHARS:
        return f"the token has {len(token)} character(s); use at least {MIN_TOKEN_CHARS}"
    if not _TOKEN_CHARS.fullmatch(token):
        return "the token may only use letters, digits and . _ ~ - (it travels in the address)"
    if len(set(token)) < MIN_TOKEN_DISTINCT:
        return (
            f"the token repeats itself ({len(set(token))} different characters); "
            f"use at least {MIN_TOKEN_DISTINCT} different ones, e.g. a random one"
        )
    return None


def tokens_given(*given: str | None) -> bool:
    """Some token was presented (a missing token is not a guess)."""
    return any(g for g in given)


def token_ok(settings: Settings, *given: str | None) -> bool:
    """True when no token is configured, or one of `given` matches it."""
    if settings.token is None:
        return True
    secret = settings.token.get_secret_value().encode()
    return any(g is not None and hmac.compare_digest(g.encode(), secret) for g in given)


def bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def origin_allowed(origin: str | None, host: str | None) -> bool:
    """The socket's Origin must be this server's own http(s) address."""
    if not origin or not host:
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


def host_allowed(settings: Settings, host: str | None) -> bool:
    """Never a Host with user info; off loopback (with a token) any other; on loopback only
    loopback names."""
    if host is not None and "@" in host:
        return False
    if settings.token is not None:
        return True
    if not host:
        return False
    name = urlsplit(f"//{host}").hostname or ""
    return name in LOOPBACK_NAMES or name == settings.host
