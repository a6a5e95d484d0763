"""What a socket has still to send its page, bounded (issue 15: a page that never reads).

A page that stops reading (a hung tab, a dead network that has not yet timed out) fills
the connection's buffers; then each send waits, and without a bound the messages for it
pile up in the server's memory, 10 frame answers a second for as long as the session runs.
Two rules bound them, and neither drops a message the page must see:

* **Frame answers coalesce.** A `frame` answer still waiting is replaced by the newer one,
  which then counts the messages both covered (`analysed`): the newest answer is all the
  page draws from (its speed meter, seen or not), so at most one waits. Every other message
  (cues, halts, pauses, state, errors, role answers) waits in order and is never dropped.
* **A page that does not read for `STALL_S` is let go** (`session_socket`): a send that has
  waited that long closes the socket, and the session halts and waits for its page as for a
  lost page (`LiveSession.page_gone`). So what waits is at most `STALL_S` of the rare
  messages plus one frame answer, beyond the buffers themselves.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

#: A send that has waited this long (s) means the page is not reading: it is let go. The
#: buffers in between (the kernel's and the transport's, hundreds of kB) fill first, so a
#: page that merely reads late is never caught; one that cannot take a message for this long
#: is not showing the cues either.
STALL_S = 5.0

Message = dict[str, Any]


class Outbox:
    """The messages waiting for one socket's sender, oldest first; None closes the socket.
    `put` never blocks (the session's code runs on the event loop and must not wait)."""

    def __init__(self) -> None:
        self._items: deque[Message | None] = deque()
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, message: Message | None) -> None:
        if message is not None and message.get("type") == "frame":
            message = self._coalesced(message)
        self._items.append(message)
        self._ready.set()

    def _coalesced(self, message: Message) -> Message:
        """`message`, counting the frame answer still waiting (which leaves the queue)."""
        for i, old in enumerate(self._items):
            if old is not None and old.get("type") == "frame":
                del self._items[i]
                analysed = old.get("analysed", 1) + message.get("analysed", 1)
                return {**message, "analysed": analysed}
        return message

    async def get(self) -> Message | None:
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()
