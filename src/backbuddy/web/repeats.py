"""A frozen camera seen from the server: the same picture (or the same landmarks) again.

A stalled camera keeps the browser's video element on its last picture; a client that
grabs that element on a timer sends the same JPEG, byte for byte, over and over, and to
the camera watch that is a receiver perfectly still and tracked while they may be moving
(I4). Our own page stops sending when its camera stalls; any other client (an old page, a
phone app, a script) is held to the same rule here. A live camera never gives the same
picture twice for long (sensor noise alone changes the JPEG), nor the same 132 landmark
numbers, so once one device's frames (or landmarks) have brought no picture unseen among
its last `RECENT` for longer than the stale limit, each further repeat counts as nobody
seen: tracking is lost, and a movement pauses at once (I4), until a new picture comes (a
client sending from a few buffers in turn repeats a cycle, not one picture). A short run
of repeats (a page whose timer is faster than its camera) is analysed as usual. A JPEG is
compared from its scan on (the picture's coded pixels), so a changed comment or header is
no new picture. The page is told once per freeze, in words it can show.
"""

from __future__ import annotations

import hashlib

from backbuddy.domain.state import POSE_STALE_MIN_S

#: Pictures remembered: one seen again among these, within `RECENT_S` of its last showing, is
#: no new picture. A stalled client cycling a few buffers shows each again within a fraction
#: of a second; a looping video (a test's fake camera, a slide show) only after its length,
#: which at a low sending rate can still fall among the last eight.
RECENT = 8
RECENT_S = 1.0


class Repeats:
    """Spots exact repeats from one device."""

    def __init__(self, limit_s: float = POSE_STALE_MIN_S) -> None:
        self.limit_s = limit_s
        self._seen: dict[bytes, float] = {}  # the last `RECENT` pictures' digests → last seen
        self._since = 0.0  # when the newest new picture came
        self._told = False
        self._thawed = False

    def frozen(self, data: bytes, now: float) -> bool:
        """Has no picture (`data`) unseen among the last few come for longer than the limit?
        `now`: server time, seconds."""
        digest = hashlib.blake2b(pixels_part(data), digest_size=16).digest()
        again = next(reversed(self._seen), None) == digest  # the very last picture, however late
        last = self._seen.pop(digest, None)
        self._seen[digest] = now  # newest last
        if len(self._seen) > RECENT:
            del self._seen[next(iter(self._seen))]
        if not again and (last is None or now - last > RECENT_S):
            self._thawed = self._told
            self._since, self._told = now, False
            return False
        return now - self._since > self.limit_s

    def thawed(self) -> bool:
        """Did the picture just move after a freeze the page was told of? True once per
        freeze: the page takes its alert down on this word, not by guessing from "tracked"
        (which a re-run of the model on the frozen picture could set, then hold)."""
        thawed, self._thawed = self._thawed, False
        return thawed

    def tell(self, now: float) -> str | None:
        """The words for the page the first time a freeze is found (then None)."""
        if self._told:
            return None
        self._told = True
        return (
            f"the camera's picture has not changed for {now - self._since:.1f} s: the camera "
            "may be frozen. Movement pauses until the picture moves again; check the camera "
            "or reload the page."
        )


def pixels_part(data: bytes) -> bytes:
    """A JPEG's bytes from its first start-of-scan marker (FF DA) on; other data whole."""
    if data[:3] != b"\xff\xd8\xff":
        return data
    scan = data.find(b"\xff\xda")
    return data if scan < 0 else data[scan:]
