"""I7 with the live server's group commit (issue 15), over arbitrary event sequences.

`SessionRunner(group_s=GROUP_S)` lets a pose that caused no cue and changed nothing
but what it saw wait in memory, to be written with the next step that must be
stored. A crash is simulated after every event: what the store holds then must be
an in-order prefix of what was handled, and what is missing only such quiet poses,
none older than the group window. Every cue handed back has its event, and every
event before it, already stored; at the close nothing is missing at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from session_strategies import NOW, TECHNIQUES, event_sequences, examples, start

from backbuddy.domain.errors import TransitionNotAllowed
from backbuddy.domain.events import Event, Pose, Tick
from backbuddy.domain.ports import StoredStep
from backbuddy.services.session_runner import GROUP_S, SessionRunner

EXAMPLES = examples(600)
technique_ids = st.sampled_from(sorted(TECHNIQUES))


class Journal:
    """A store that keeps what was committed, one list entry per transaction."""

    def __init__(self) -> None:
        self.transactions: list[list[StoredStep]] = []
        #: Every committed step in order (the transactions, flattened as they come).
        self.committed: list[StoredStep] = []

    def start_session(
        self, technique: str, screening_id: int | None, at: datetime, camera: bool, recheck=None
    ):
        return 1

    def append_steps(self, session_id: int, steps: Sequence[StoredStep]) -> None:
        self.transactions.append(list(steps))
        self.committed.extend(steps)

    def finish_session(
        self, *args: object, steps: Sequence[StoredStep] = (), **kwargs: object
    ) -> None:
        if len(args) > 5:
            steps = args[5]  # type: ignore[assignment]
        if steps:
            self.append_steps(0, steps)


def quiet_pose(step: StoredStep) -> bool:
    return isinstance(step.event, Pose) and not step.cues


def run(technique_id: str, events: list[Event]) -> tuple[Journal, list[StoredStep]]:
    """Handle `events` as the live server does, checking after each one; the close last."""
    journal = Journal()
    runner = SessionRunner.start(journal, start(technique_id, "clear"), None, NOW)  # type: ignore[arg-type]
    runner.group_s = GROUP_S
    handled: list[StoredStep] = []
    checked = 0  # committed steps already found equal to what was handled
    for event in events:
        seq = runner.seq
        try:
            cues = runner.handle(event, NOW)
        except TransitionNotAllowed:
            continue
        if runner.seq > seq:
            handled.append(StoredStep(seq, event, cues))
        # A crash now keeps what is committed: an in-order prefix of what was handled…
        # (the journal only grows, so what it held before was compared already: only the
        # steps committed since are compared, at their places in what was handled)
        stored = len(journal.committed)
        assert journal.committed[checked:] == handled[checked:stored]
        checked = stored
        lost = handled[stored:]
        # …missing only quiet poses (never a stop, a symptom, a pop, a halt or a pause),
        # none older than the group window…
        assert all(quiet_pose(s) for s in lost), [s.event.kind for s in lost if not quiet_pose(s)]
        assert all(event.t - s.event.t < GROUP_S for s in lost)
        # …and nothing at all once a cue is handed back.
        if cues:
            assert not lost
    runner.close(NOW)
    return journal, handled


@given(technique_ids, event_sequences())
@settings(max_examples=EXAMPLES, deadline=None)
def test_a_crash_at_any_moment_loses_only_quiet_poses_of_the_last_group_window(
    technique_id: str, events: list[Event]
) -> None:
    journal, handled = run(technique_id, events)
    assert journal.committed == handled  # after the close: all of it, in order, seqs 0, 1, …
    assert [s.seq for s in handled] == list(range(len(handled)))


@given(technique_ids, event_sequences(camera=True))
@settings(max_examples=EXAMPLES // 3, deadline=None)
def test_each_step_is_one_transaction_with_only_waiting_quiet_poses_before_it(
    technique_id: str, events: list[Event]
) -> None:
    """The event and the cues it caused are written together, never split over two
    transactions; a transaction holds at most one step that was not a quiet pose, last."""
    journal, _ = run(technique_id, events)
    for tx in journal.transactions:
        assert all(quiet_pose(s) for s in tx[:-1])
    seqs = [s.seq for tx in journal.transactions for s in tx]
    assert len(seqs) == len(set(seqs))  # no step written twice


@given(technique_ids, event_sequences(camera=True), st.booleans())
@settings(max_examples=EXAMPLES // 3, deadline=None)
def test_a_pose_stepped_where_it_was_analysed_leaves_all_as_the_writer_would(
    technique_id: str, events: list[Event], defer: bool
) -> None:
    """The live server steps a pose or tick on the event loop when it writes nothing
    (`handle_quiet`), else hands it to the writer (`handle`): after every event the state,
    the waiting poses and every transaction are the same as with `handle` alone, and an
    event stepped there never had a cue to give. `defer` (the server's way since session
    21): one at which the group commit is due is stepped there too, and the writer only
    writes what waits (`due_at`, `flush`), not stepping it again."""
    runners = []
    for _ in range(2):
        runner = SessionRunner.start(Journal(), start(technique_id, "clear"), None, NOW)  # type: ignore[arg-type]
        runner.group_s = GROUP_S
        runners.append(runner)
    writer, here = runners
    quiet = 0
    for event in events:
        try:
            cues = writer.handle(event, NOW)
        except TransitionNotAllowed:
            continue
        if isinstance(event, Pose | Tick) and here.handle_quiet(event, defer=defer):
            assert cues == ()
            quiet += 1
            if defer and here.due_at(event.t):
                here.flush()
        else:
            assert here.handle(event, NOW) == cues
        assert here.state == writer.state
        assert (here.seq, here.pending, here.finished, here.last_event_t) == (
            writer.seq,
            writer.pending,
            writer.finished,
            writer.last_event_t,
        )
        assert here.store.transactions == writer.store.transactions  # type: ignore[attr-defined]
