"""A live session's wait for the store, bounded while the hands are on (red team, session 13).

Every cue waits for its event's commit (I7). A store that holds the commit — another
program holding the SQLite file's write lock (up to the 10 s busy timeout), a database
server that stopped answering without closing the connection (until the kernel gives up,
minutes) — held every cue with it: a voice STOP or a halt for a jerk mid-movement reached
nobody. So while the assistant's hands are on the receiver or a movement is under way,
a commit that has waited `STALL_S` is a store failure: the caller stops the session now
(`LiveSession.store_failed`: the page halts and says "stop and release gently") and the
write goes on in the background, so what it carried is stored once the store answers.

Not a shorter busy timeout: that fails a write that is merely slow under load, anywhere
(a red-flag end starved by another worker's burst of commits, session 12), and leaves the
server case unbounded. Here only the wait while people are moving is cut short, the
write itself keeps waiting its turn, and a session at rest waits as before.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

from backbuddy.domain.errors import StoreError

T = TypeVar("T")

#: How long a commit may hold a moving session's cues. A commit takes ~1 ms here (fsync
#: 0.2 ms) and a STOP's round trip measured at most ~260 ms p95 at load 16-18
#: (docs/performance.md), so 1 s is far beyond a slow commit and ten times under the
#: busy timeout; the page's own STOP button halts locally meanwhile.
STALL_S = 1.0
#: How often the wait looks at how long the write has waited.
LOOK_S = 0.1


async def within_bound(
    job: asyncio.Future[T],
    writing_since: Callable[[], float | None],
    moving: Callable[[], bool],
    place: str,
) -> T:
    """`job`'s result; StoreError once its commit (begun at `writing_since()`, monotonic,
    None while not writing) has waited `STALL_S` while `moving()`. The job goes on."""
    try:
        while True:
            done, _ = await asyncio.wait({job}, timeout=LOOK_S)
            if done:
                return job.result()
            since = writing_since()
            if since is not None and time.monotonic() - since >= STALL_S and moving():
                job.add_done_callback(_settle)
                raise StoreError(
                    f"{place}: cannot record the session: the database did not take the "
                    f"last event within {STALL_S:g} s while the hands were on (another "
                    "program may be holding the file, or the database server stopped "
                    "answering)"
                )
    except asyncio.CancelledError:
        job.cancel()
        raise


def _settle(job: asyncio.Future[T]) -> None:
    """A write nobody waits for any more: its error is in the record's retry, not the log."""
    if not job.cancelled():
        job.exception()
