"""A live session's wait for the store, bounded while the hands are on (red team, sessions 13, 15).

Every cue waits for its event's commit (I7). A store that holds the commit — another
program holding the SQLite file's write lock (up to the 10 s busy timeout), a slow disk, a
database server that stopped answering without closing the connection (until the kernel
gives up) — held every cue with it: a STOP or a halt for a jerk mid-movement reached
nobody. So while the assistant's hands are on the receiver or a movement is under way,
a commit that has waited `STALL_S` is a store failure: the caller stops the session now
(the web page halts and says "stop and release gently", and so does the terminal guide)
and the write goes on in the background, so what it carried is stored once the store
answers (or kept in the journal if it finally fails: `adapters.sql_journal`).

Not a shorter busy timeout: that fails a write that is merely slow under load, anywhere
(a red-flag end starved by another worker's burst of commits, session 12), and leaves the
server case unbounded. Here only the wait while people are moving is cut short, the
write itself keeps waiting its turn, and a session at rest waits as before.

One home for both live paths: the web app waits on its event loop (`within_bound`), the
terminal guide on its own thread (`StoreWorker`); the decision (`check`) and the words
(`stalled`, `unrecordable`) are the same.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import time
from collections.abc import Callable
from typing import TypeVar

from backbuddy.domain import rules
from backbuddy.domain.errors import StoreError
from backbuddy.domain.session import SessionState
from backbuddy.services.session_runner import UNRECORDABLE

T = TypeVar("T")

#: How long a commit may hold a moving session's cues. A commit takes ~1 ms here (fsync
#: 0.2 ms) and a STOP's round trip measured at most ~260 ms p95 at load 16-18
#: (docs/performance.md), so 1 s is far beyond a slow commit and ten times under the
#: busy timeout; the page's own STOP button halts locally meanwhile.
STALL_S = 1.0
#: How often the wait looks at how long the write has waited.
LOOK_S = 0.1


def moving(state: SessionState) -> bool:
    """A movement under way or the assistant's hands on the receiver (`rules.hands_on`)."""
    return state.mode == "attempt" or rules.hands_on(state)


def stalled(place: str) -> StoreError:
    """The error for a write held past `STALL_S` while people move."""
    return StoreError(
        f"{place}: cannot record the session: the database did not take the "
        f"last event within {STALL_S:g} s while the hands were on (another "
        "program may be holding the file, the disk is too slow, or the database server "
        "stopped answering)"
    )


def check(since: float | None, is_moving: Callable[[], bool], place: str) -> None:
    """Raise `stalled` once a write begun at `since` (monotonic; None: no write) has waited
    `STALL_S` while `is_moving()`."""
    if since is not None and time.monotonic() - since >= STALL_S and is_moving():
        raise stalled(place)


def unrecordable(err: StoreError) -> tuple[str, str]:
    """(what to tell the pair, the cause alone) for a store failure under a session: the
    runner's words already say what to do, so they are not said twice."""
    said = str(err)
    cause = said
    if said.startswith(f"{UNRECORDABLE} (") and said.endswith(")"):
        cause = said[len(UNRECORDABLE) + 2 : -1]
    return f"{UNRECORDABLE} ({cause})", cause


async def within_bound(
    job: asyncio.Future[T],
    writing_since: Callable[[], float | None],
    is_moving: Callable[[], bool],
    place: str,
) -> T:
    """`job`'s result; StoreError once its commit (begun at `writing_since()`, monotonic,
    None while not writing) has waited `STALL_S` while `is_moving()`. The job goes on."""
    try:
        while True:
            done, _ = await asyncio.wait({job}, timeout=LOOK_S)
            if done:
                return job.result()
            try:
                check(writing_since(), is_moving, place)
            except StoreError:
                job.add_done_callback(_settle)
                raise
    except asyncio.CancelledError:
        job.cancel()
        raise


def _settle(job: asyncio.Future[T] | cf.Future[T]) -> None:
    """A write nobody waits for any more: its error is in the record's retry, not the log."""
    if not job.cancelled():
        job.exception()


class StoreWorker:
    """The terminal guide's store calls on one worker thread, each waited for within the
    bound: the guide's own thread acts at `STALL_S` (halts and says so) while the write
    goes on. After a stall nothing more is taken; `settle` waits for the write in hand."""

    def __init__(self, is_moving: Callable[[], bool], place: str) -> None:
        self._moving = is_moving
        self.place = place
        self._pool = cf.ThreadPoolExecutor(1, thread_name_prefix="store")
        self._since: float | None = None
        self._stalled = False

    def call(self, fn: Callable[[], T]) -> T:
        """`fn()` on the worker; StoreError (`stalled`) once it has waited `STALL_S` while
        people move, and then for every later call (the session cannot be recorded)."""
        if self._stalled:
            raise stalled(self.place)
        job = self._pool.submit(self._timed, fn)
        while True:
            done, _ = cf.wait({job}, timeout=LOOK_S)
            if done:
                return job.result()
            try:
                check(self._since, self._moving, self.place)
            except StoreError:
                self._stalled = True
                job.add_done_callback(_settle)
                raise

    def _timed(self, fn: Callable[[], T]) -> T:
        self._since = time.monotonic()
        try:
            return fn()
        finally:
            self._since = None

    @property
    def stalled(self) -> bool:
        """A call was cut short by the bound (its write may still be going on)."""
        return self._stalled

    def settle(self) -> None:
        """Wait for the write in hand (bounded by the store's own timeouts), then stop."""
        self._pool.shutdown(wait=True)
