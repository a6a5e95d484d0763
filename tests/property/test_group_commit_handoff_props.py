"""I7 with the live server's hand-off of the group commit (issue 15, session 24).

The server steps quiet poses and ticks on its event loop (`handle_quiet`) and, when the
group commit is due, hands the poses waiting to the session's FIFO worker as one batch
(`take`, `write`) without waiting under the lock; every other event is stepped and
written on the worker (`handle`) under the lock, after whatever was queued before it.
Here the worker's queue is explicit and hypothesis decides how far it has got before
each next event (any interleaving of quiet poses, ticks, batch writes and STOPs), and
which writes fail (a locked database, a full disk). Then:

* the store only ever holds an in-order, gapless prefix of the serial order (seq 0, 1, …),
  so no write lands after a failed one as if nothing had been lost;
* a cue (a STOP's halt) is handed back only once its event and every event before it are
  durable;
* a failed batch stops the session once the frame task hears of it (`store_failed`, then
  the close), and nothing is stepped after that;
* with no failure, the store ends with exactly the rows of the serial run (`handle` alone).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from session_strategies import NOW, TECHNIQUES, event_sequences, examples, start

from backbuddy.domain.errors import StoreError, TransitionNotAllowed
from backbuddy.domain.events import Event, Pose, Tick
from backbuddy.domain.ports import StoredStep
from backbuddy.services.session_runner import GROUP_S, SessionRunner

EXAMPLES = examples(150)
technique_ids = st.sampled_from(sorted(TECHNIQUES))


class FlakyJournal:
    """A store that keeps what was committed; the writes `fails` names raise StoreError
    and commit nothing (a transaction), and with `full` every write after the first
    failure fails too."""

    def __init__(self, fails: Sequence[bool], full: bool) -> None:
        self.fails = list(fails)
        self.full = full
        self.writes = 0
        self.failed = False
        self.committed: list[StoredStep] = []

    def start_session(self, *args: object, **kwargs: object) -> int:
        return 1

    def append_steps(self, session_id: int, steps: Sequence[StoredStep]) -> None:
        k, self.writes = self.writes, self.writes + 1
        if (k < len(self.fails) and self.fails[k]) or (self.full and self.failed):
            self.failed = True
            raise StoreError("database is locked")
        self.committed.extend(steps)

    def finish_session(
        self, *args: object, steps: Sequence[StoredStep] = (), **kwargs: object
    ) -> None:
        if len(args) > 5:
            steps = args[5]  # type: ignore[assignment]
        self.append_steps(0, steps)


@dataclass
class Job:
    """One call queued on the session's FIFO worker."""

    call: Callable[[], Any]
    batch: bool = False
    done: bool = False
    result: Any = None
    error: Exception | None = None


@dataclass
class Outcome:
    journal: FlakyJournal
    #: Every step stepped that is stored, in the serial (seq) order.
    handled: list[StoredStep]
    #: The session was stopped for a failed write (`store_failed`).
    stopped: bool
    #: A write failed before the close.
    failed: bool
    #: The close's own write was taken.
    closed: bool


def run(
    technique_id: str, events: list[Event], fails: list[bool], full: bool, lags: list[int]
) -> Outcome:
    """Drive `events` as the live server does, checking after each write; the close last."""
    journal = FlakyJournal(fails, full)
    runner = SessionRunner.start(journal, start(technique_id, "clear"), None, NOW)  # type: ignore[arg-type]
    runner.group_s = GROUP_S
    worker: deque[Job] = deque()
    handled: list[StoredStep] = []  # every stepped step that is stored, in seq order
    heard: list[StoreError] = []  # batch failures, heard by the frame task that waits

    def check() -> None:
        n = len(journal.committed)
        assert journal.committed == handled[:n]  # an in-order prefix…
        assert [s.seq for s in journal.committed] == list(range(n))  # …gapless

    def work(until: Job | None = None, steps: int = 1_000_000) -> None:
        while worker and steps > 0 and (until is None or not until.done):
            job = worker.popleft()
            try:
                job.result = job.call()
            except (StoreError, TransitionNotAllowed) as err:
                job.error = err
                if job.batch and isinstance(err, StoreError):
                    heard.append(err)
            job.done = True
            steps -= 1
            if job is not until:  # a batch, or an event handled before (in `handled`)
                check()

    stopped = False
    for k, event in enumerate(events):
        work(steps=lags[k % len(lags)] if lags else 0)  # how far the worker got meanwhile
        if heard:  # the frame task heard its batch fail: `store_failed` stops the session
            stopped = True
            break
        seq = runner.seq
        if isinstance(event, Pose | Tick) and runner.handle_quiet(event, defer=True):
            if runner.seq > seq:
                handled.append(StoredStep(seq, event))
            if runner.due_at(event.t):  # handed off; the lock is let go at once
                batch = runner.take()
                worker.append(Job(lambda b=batch: runner.write(b), batch=True))  # type: ignore[misc]
            continue
        # Under the lock: stepped and written on the worker, after all queued before it.
        job = Job(lambda e=event: runner.handle(e, NOW))  # type: ignore[misc]
        worker.append(job)
        work(until=job)
        if isinstance(job.error, TransitionNotAllowed):
            assert runner.seq == seq  # refused: nothing stepped
            continue
        if isinstance(job.error, StoreError):  # `store_failed`
            stopped = True
            break
        cues = job.result
        if runner.seq > seq:
            handled.append(StoredStep(seq, event, cues))
        check()
        if cues:  # handed back (a halt, a pause…) only with all before it durable
            assert journal.committed == handled
    work()  # what was queued runs, in order
    failed = journal.failed
    try:
        runner.close(NOW)  # the close (the session's end, or `interrupt` after a failure)
        closed = True
    except StoreError:  # written later (`on_unrecorded`), or marked at the next start
        closed = False
    check()
    return Outcome(journal, handled, stopped or bool(heard), failed, closed)


def serial(technique_id: str, events: list[Event]) -> list[StoredStep]:
    """The rows of the same events through `handle` alone, with nothing failing."""
    journal = FlakyJournal([], False)
    runner = SessionRunner.start(journal, start(technique_id, "clear"), None, NOW)  # type: ignore[arg-type]
    runner.group_s = GROUP_S
    for event in events:
        try:
            runner.handle(event, NOW)
        except TransitionNotAllowed:
            continue
    runner.close(NOW)
    return journal.committed


lags = st.lists(st.integers(0, 3), max_size=12)


@given(technique_ids, event_sequences(camera=True), lags)
@settings(max_examples=EXAMPLES, deadline=None)
def test_handed_off_batches_store_the_serial_rows_and_cues_wait_for_them(
    technique_id: str, events: list[Event], lags: list[int]
) -> None:
    out = run(technique_id, events, [], False, lags)
    assert not out.stopped
    assert out.journal.committed == out.handled == serial(technique_id, events)


@given(
    technique_ids,
    event_sequences(camera=True),
    st.lists(st.sampled_from([False, False, False, True]), max_size=30),
    st.booleans(),
    lags,
)
@settings(max_examples=EXAMPLES, deadline=None)
def test_a_failed_write_leaves_no_gap_and_stops_the_session(
    technique_id: str, events: list[Event], fails: list[bool], full: bool, lags: list[int]
) -> None:
    out = run(technique_id, events, fails, full, lags)
    assert out.stopped == out.failed  # every failed write stops the session, no other does
    if out.closed:
        # The close carries whatever a failed write left (a batch, the poses waiting), so
        # once it is taken everything stepped is stored, in order.
        assert out.journal.committed == out.handled
    # (a close that failed too leaves an in-order, gapless prefix: checked in `run`)
