"""Pairing a phone as the session's camera: the rules of the pairing token and the phone's own key.

The laptop asks for a pairing token (`offer`), shown as a QR code; the phone that
opens it (`pair`) spends the token and gets its own device key in exchange, kept in
a cookie, which its page and its frame socket need from then on. The rules:

* a pairing token has 192 bits (`secrets.token_urlsafe(24)`), lasts `OFFER_S`, and
  works once: a second use, a wrong one or an old one is refused;
* one phone at a time: while a phone is paired no new token is offered, and a second
  phone that opens the used link is told that another phone is the camera;
* unpairing, or the session ending (or going), frees the place.

Only hashes of tokens and keys are kept, compared in constant time. The clock is
given (monotonic seconds) so the rules are tested without waiting.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

#: A pairing token is good for this long after the laptop showed it.
OFFER_S = 10 * 60.0
#: Bytes of randomness: the pairing token 24 (192 bits), the device key 32.
OFFER_BYTES = 24
DEVICE_BYTES = 32
PHONE_COOKIE = "backbuddy_phone"

PhoneStatus = Literal["none", "offered", "paired"]
Refusal = Literal["wrong", "used", "taken", "expired", "over"]


class PairingRefused(Exception):
    """The phone may not pair (or act): `reason` says which rule, the message says it plainly."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _same(a: bytes | None, secret: str | None) -> bool:
    return a is not None and secret is not None and hmac.compare_digest(a, _hash(secret))


@dataclass
class Pairing:
    session_id: int
    offer: bytes | None = None
    offered_at: float = 0.0
    #: The token that paired the phone (a second phone opening the same link is told why).
    spent: set[bytes] = field(default_factory=set)
    device: bytes | None = None
    #: The phone's frame socket is open (a second one is refused).
    connected: bool = False
    #: Closes the phone's socket when it is unpaired from the laptop.
    hangup: Callable[[], None] | None = None


class Phones:
    """The one phone slot of this server. `alive(session_id)`: the session still runs."""

    def __init__(self, alive: Callable[[int], bool]) -> None:
        self.alive = alive
        self.pairing: Pairing | None = None

    def current(self, session_id: int | None = None) -> Pairing | None:
        """The pairing in force (for `session_id` when given); one for a session that ended
        or went is let go here."""
        p = self.pairing
        if p is not None and not self.alive(p.session_id):
            self.release(p.session_id)
            p = None
        if p is None or (session_id is not None and p.session_id != session_id):
            return None
        return p

    def status(self, session_id: int) -> PhoneStatus:
        p = self.current(session_id)
        if p is None:
            return "none"
        return "paired" if p.device is not None else "offered"

    def offer(self, session_id: int, now: float) -> str:
        """A new pairing token for `session_id`, replacing one not yet used; refused while a
        phone is paired (to this session or another)."""
        p = self.current()
        if p is not None and p.device is not None:
            raise PairingRefused(
                "taken", "a phone is already the camera; unpair it first to pair another one"
            )
        token = secrets.token_urlsafe(OFFER_BYTES)
        spent = p.spent if p is not None and p.session_id == session_id else set()
        self.pairing = Pairing(session_id, _hash(token), now, spent)
        return token

    def pair(self, session_id: int, token: str, now: float) -> str:
        """Spend `token`: the new device key for the phone, or PairingRefused."""
        if not self.alive(session_id):
            raise PairingRefused("over", "this session is not running any more")
        p = self.current(session_id)
        used = p is not None and any(hmac.compare_digest(s, _hash(token)) for s in p.spent)
        if used and p is not None and p.device is not None:
            raise PairingRefused(
                "taken",
                "another phone is already the camera for this session; "
                "unpair it on the laptop first",
            )
        if p is None or not _same(p.offer, token):
            if used:
                raise PairingRefused("used", "this pairing code was already used")
            raise PairingRefused("wrong", "this pairing code is not the one the laptop shows")
        if now - p.offered_at > OFFER_S:
            p.offer = None
            raise PairingRefused("expired", "this pairing code is too old; show a new one")
        device = secrets.token_urlsafe(DEVICE_BYTES)
        p.spent.add(_hash(token))
        p.offer = None
        p.device = _hash(device)
        return device

    def device_ok(self, session_id: int, key: str | None) -> bool:
        """The key is the paired phone's, for this running session."""
        p = self.current(session_id)
        return p is not None and _same(p.device, key)

    def any_device(self, key: str | None) -> bool:
        """The key is the paired phone's (for the files its page loads)."""
        p = self.current()
        return p is not None and _same(p.device, key)

    def unpair(self, session_id: int) -> bool:
        """Let the phone go (its socket closes); False when none was paired."""
        p = self.current(session_id)
        if p is None or p.device is None:
            return False
        self.release(session_id)
        return True

    def release(self, session_id: int) -> None:
        p = self.pairing
        if p is None or p.session_id != session_id:
            return
        self.pairing = None
        if p.hangup is not None:
            p.hangup()
