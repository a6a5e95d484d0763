"""The session runner's contract with the store (I7), with a small hand-written fake store."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from session_strategies import NOW, TECHNIQUES, screening

from backbuddy.domain import session
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import EventError, StoreError
from backbuddy.domain.events import Begin, End, Event, Ready, Sensation, Tick
from backbuddy.domain.ports import StoredStep
from backbuddy.services.session_runner import MAX_SIMULATED_S, SessionRunner, with_ticks


class FakeStore:
    """Records calls in order; can be told to fail, like a full disk."""

    def __init__(self) -> None:
        self.log: list[tuple[str, Any]] = []
        self.fail = False
        #: The steps written in each finish's own transaction.
        self.with_finish: list[list[Any]] = []

    def start_session(
        self, technique: str, screening_id: Any, at: datetime, camera: bool, recheck: Any = None
    ) -> int:
        self.log.append(("start", technique))
        return 7

    def append_event(self, session_id: int, seq: int, event: Event) -> None:
        if self.fail:
            raise StoreError("database or disk is full")
        self.log.append(("event", (seq, event.kind)))

    def append_cues(self, session_id: int, seq: int, cues: Sequence[Cue]) -> None:
        self.log.append(("cues", (seq, [c.kind for c in cues])))

    def append_steps(self, session_id: int, steps: Sequence[StoredStep]) -> None:
        """One call is one transaction: logged as one entry."""
        if self.fail:
            raise StoreError("database or disk is full")
        self.log.append(("write", [(s.seq, s.event.kind, [c.kind for c in s.cues]) for s in steps]))

    def finish_session(self, session_id: int, status: str, at: datetime, attempts: int,
                       end_reason: str | None = None,
                       steps: Sequence[StoredStep] = ()) -> None:  # fmt: skip
        """The steps and the finish are one transaction: logged as one entry."""
        if self.fail:
            raise StoreError("database or disk is full")
        written = [(s.seq, s.event.kind, [c.kind for c in s.cues]) for s in steps]
        self.log.append(("finish", (status, attempts, end_reason)))
        self.with_finish.append(written)


def runner(store: FakeStore) -> SessionRunner:
    tid = "seated_hug_extension"
    state = session.new_session(TECHNIQUES[tid], screening(tid))
    return SessionRunner.start(store, state, 1, NOW)  # type: ignore[arg-type]


def test_each_event_is_stored_with_its_cues_in_one_write_and_quiet_ticks_are_not_stored():
    store = FakeStore()
    r = runner(store)
    r.handle(Begin(0.0, at=NOW), NOW)
    r.handle(Tick(0.1), NOW)  # nothing happens: not stored
    r.handle(Ready(0.5), NOW)
    assert store.log == [
        ("start", "seated_hug_extension"),
        ("write", [(0, "begin", ["say", "say", "say", "step"])]),
        ("write", [(1, "ready", ["step"])]),
    ]


def test_a_symptom_finishes_the_session_as_halted_once():
    store = FakeStore()
    r = runner(store)
    for event in (Begin(0.0, at=NOW), Sensation(1.0, sensation="weakness"), Tick(1.1)):
        r.handle(event, NOW + timedelta(seconds=event.t))
    r.close(NOW)
    finishes = [entry for kind, entry in store.log if kind == "finish"]
    assert finishes == [("halted", 0, "symptom")]


def test_the_step_that_ends_a_session_is_written_in_the_finishs_own_transaction():
    """Red team, session 10: the symptom was committed, then the session finished in a
    second transaction; other processes notice a symptom halt only by the end reason, so a
    process dying between the two hid the symptom from them. Now the one transaction."""
    store = FakeStore()
    r = runner(store)
    r.handle(Begin(0.0, at=NOW), NOW)
    r.handle(Sensation(1.0, sensation="numbness"), NOW)
    assert [kind for kind, _ in store.log] == ["start", "write", "finish"]
    assert [[kind for _, kind, _ in w] for w in store.with_finish] == [["sensation"]]
    assert r.seq == 2


def test_an_end_for_a_screening_answered_since_is_stored_as_screened_out_not_the_pairs():
    """Red-team leftover 2: backbuddy's end for a screening answered since was stored as
    `ended_by_pair`; the record said the pair ended a session they did not."""
    store = FakeStore()
    r = runner(store)
    for event in (Begin(0.0, at=NOW), End(1.0, why="screening")):
        r.handle(event, NOW + timedelta(seconds=event.t))
    r.handle(End(2.0), NOW)  # the pair's own end after it changes nothing
    finishes = [entry for kind, entry in store.log if kind == "finish"]
    assert finishes == [("screened_out", 0, "screening")]


def test_close_marks_an_unfinished_session_interrupted():
    store = FakeStore()
    r = runner(store)
    r.handle(Begin(0.0, at=NOW), NOW)
    r.close(NOW, "the events ended first")
    assert store.log[-1] == ("finish", ("interrupted", 0, "the events ended first"))


def test_a_store_failure_returns_no_cue_and_says_stop():
    store = FakeStore()
    r = runner(store)
    r.handle(Begin(0.0, at=NOW), NOW)
    store.fail = True
    with pytest.raises(StoreError, match="Stop and release gently"):
        r.handle(Ready(1.0), NOW)


@pytest.mark.parametrize(
    ("times", "ticks"),
    [((0.0, 0.35), [0.1, 0.2, 0.3]), ((0.0, 0.1), []), ((1.0, 1.25), [1.1, 1.2])],
)
def test_with_ticks_fills_gaps_every_tenth_of_a_second(times, ticks):
    events = [Ready(t) for t in times]
    out = list(with_ticks(events, start=times[0]))
    assert [e.t for e in out if isinstance(e, Tick)] == ticks
    assert [e.t for e in out if not isinstance(e, Tick)] == list(times)


@pytest.mark.parametrize("far", [1e308, math.inf, MAX_SIMULATED_S + 1])
def test_with_ticks_refuses_a_gap_past_its_bound_before_making_any_tick(far):
    events = with_ticks([Ready(0.0), Ready(far)])
    assert next(events) == Ready(0.0)
    with pytest.raises(EventError, match="too far ahead: simulated time covers at most 21600 s"):
        next(events)


def test_with_ticks_counts_every_tick_against_the_bound():
    events = [Ready(float(t)) for t in range(6)]  # 9 ticks per second
    assert sum(isinstance(e, Tick) for e in with_ticks(events, max_ticks=45)) == 45
    with pytest.raises(EventError):
        list(with_ticks(events, max_ticks=44))


def test_a_quiet_pose_waits_only_when_it_changed_nothing_but_what_it_saw():
    """The group commit's test (`SessionRunner._waits`, the fields' dicts compared) gives the
    answer of comparing whole states (`replace(new, **seen) == old`, as it was written):
    changes only to what a pose sees wait; any other field, even an equal float that is not
    the same object where the dataclass's tuples would differ (NaN), does not."""
    from backbuddy.domain.events import Pose
    from backbuddy.domain.state import replace
    from backbuddy.services.session_runner import _SEEN

    r = runner(FakeStore())
    r.group_s = 0.2
    old = replace(r.state, mode="setup", camera=True, t=1.0, held_at=float("nan"))
    r.state = old
    pose = Pose(1.1)
    nan = float("nan")
    variants = {
        "only what it saw": replace(old, t=1.1, last_pose=pose, frame_times=(1.0, 1.1)),
        "set-up held since": replace(old, checks_since=1.1, unsteady="arms"),
        "a new hold": replace(old, t=1.1, held_at=1.1),
        "another NaN object": replace(old, held_at=nan),
        "an attempt counted": replace(old, attempts=1),
        "the same limits, copied": replace(old, limits=old.limits.model_copy()),
        "nothing": old,
    }
    waits = {name: r._waits(pose, (), new) for name, new in variants.items()}
    seen = {f: getattr(old, f) for f in _SEEN}
    assert waits == {name: replace(new, **seen) == old for name, new in variants.items()}
    assert [name for name, wait in waits.items() if wait] == [
        "only what it saw",
        "set-up held since",
        "the same limits, copied",
        "nothing",
    ]
    assert not r._waits(pose, (Cue(1.1, "say", "x"),), variants["nothing"])  # a cue: written
