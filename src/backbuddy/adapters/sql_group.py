"""Group commit: writers that arrive while a commit is in progress share the next one.

A commit costs mostly its flush to disk, and a SQLite file takes one writer at a
time, so with many live sessions each appending events every writer would wait
for every other writer's flush in turn. Here a writer queues its rows, then waits
for the commit lock; whoever gets it first writes everything queued so far in one
transaction and wakes the others (the leader/follower scheme of database logs).

A writer returns only once its own rows are committed (I7), so each writer's order
is kept, and no writer waits for more than the commit in progress and its own:
a stop queued behind a hundred poses of other sessions costs two flushes, not a
hundred. If a shared commit fails, each writer's rows are written again alone, so
one writer's bad rows (or a full disk) fail that writer only with its own error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Ticket(Generic[T]):
    item: T
    done: bool = False
    error: Exception | None = None


class GroupCommit(Generic[T]):
    """`submit(item)` from any thread: `write(items)` runs once for everything queued."""

    def __init__(self, write: Callable[[Sequence[T]], None], lock: threading.RLock) -> None:
        """`lock`: held while writing; the store's other writes take it too."""
        self._write = write
        self.lock = lock
        self._guard = threading.Lock()
        self._queue: list[_Ticket[T]] = []
        #: Transactions written (shared or alone): what the grouping saved, for tests.
        self.commits = 0

    @property
    def queued(self) -> int:
        with self._guard:
            return len(self._queue)

    def submit(self, item: T) -> None:
        """Return once `item` is committed; raise the error its write raised."""
        ticket = _Ticket(item)
        with self._guard:
            self._queue.append(ticket)
        with self.lock:
            if not ticket.done:  # nobody took it yet: lead, with all that is queued
                with self._guard:
                    batch, self._queue = self._queue, []
                self._commit(batch)
        if ticket.error is not None:
            raise ticket.error

    def _commit(self, batch: list[_Ticket[T]]) -> None:
        try:
            self.commits += 1
            self._write([t.item for t in batch])
        except Exception as err:  # noqa: BLE001 - handed to the writer(s) it belongs to
            if len(batch) == 1:
                batch[0].error = err
            else:
                for ticket in batch:
                    try:
                        self.commits += 1
                        self._write([ticket.item])
                    except Exception as alone:  # noqa: BLE001 - handed to its writer
                        ticket.error = alone
        for ticket in batch:
            ticket.done = True
