"""A symptom felt in either of two sessions sharing a store stops the other (I2, I8 across
sessions; red-team leftover of session 8).

Two sessions run at once over one SQLite file, each through its own connection as two
processes hold it (the terminal guide's look at the store, `StoreWatch`, on each: the
server's registry makes the same look, tests/unit/web/test_symptom_elsewhere.py). Each
gets an arbitrary event sequence (tests/support/session_strategies.py: every alarm, any
camera reading, the pair's every move), interleaved by time; both look at the store at
every event's moment, as the guide does between keys and ticks. Then:

* a symptom felt in one is stepped in the other within the watch's second, as the same
  sensation naming where it was felt; from then on the other gives no movement cue, its
  engine has ended it for a symptom, and its cues hold a referral;
* the store says so: the one that felt it "symptom", the other "symptom_elsewhere" (unless it
  felt one itself), and the report lists each symptom once, where it was felt;
* no new session may start (the screening refuses: ScreeningBlocked) until the pair records
  that a professional has seen the receiver; then it may;
* without a symptom in either, neither is stopped for one and nothing waits for a visit.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from history_strategies import QUESTIONS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memory_dir import MEMORY_DIR
from session_strategies import event_sequences, start

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import ScreeningBlocked, TransitionNotAllowed
from backbuddy.reports.data import collect
from backbuddy.services.escalation import local_zone
from backbuddy.services.felt_elsewhere import WATCH_S, StoreWatch
from backbuddy.services.screening import require_valid_screening, take_screening
from backbuddy.services.seen import record_seen, waiting
from backbuddy.services.session_runner import SessionRunner

TECHNIQUES = ("seated_hug_extension", "side_lying_rotation")
CLEAR = {q.id: q.negative for q in QUESTIONS.questions}
#: Cues that move someone (the engine's movement cues; `tests/unit/web/test_symptom_elsewhere`).
MOVEMENT = {"move", "step", "pace"}
#: The events of one sequence are at most this far apart (ticks every 0.1 s: `with_ticks`).
TICK_S = 0.1


@dataclass
class Side:
    """One session: its runner over its own connection, its look at the store, what it did."""

    runner: SessionRunner
    watch: StoreWatch
    felt_at: float | None = None  # the first symptom felt here (not one stepped from elsewhere)
    told_at: float | None = None  # when a symptom felt elsewhere was stepped here
    told_cue: int = 0  # the index in `cues` of its first cue
    ended_at: float | None = None  # when the engine first ended it (for any reason)
    cues: list[tuple[float, Cue]] = field(default_factory=list)

    def step(self, event: ev.Event, now: datetime) -> None:
        try:
            cues = self.runner.handle(event, now)
        except TransitionNotAllowed:
            return
        if isinstance(event, ev.Sensation) and event.sensation in ev.SYMPTOMS:
            if event.elsewhere is None and self.felt_at is None:
                self.felt_at = event.t
            if event.elsewhere is not None and self.told_at is None:
                self.told_at, self.told_cue = event.t, len(self.cues)
        self.cues += [(event.t, c) for c in cues]
        if self.ended_at is None and self.runner.state.mode == "ended":
            self.ended_at = event.t

    def look(self, t: float, now: datetime) -> None:
        """As the guide looks: while its session has not ended."""
        if self.runner.state.mode == "ended":
            return
        found, _ = self.watch.poll(max(t, self.runner.last_event_t), now)
        for event in found:
            self.step(event, now)


def run(db: Path, techniques: tuple[str, str], sequences: tuple[list[ev.Event], ...]) -> None:
    url = f"sqlite:///{db}"
    began = datetime.now(UTC).replace(microsecond=0)
    with SqlStore(url) as one, SqlStore(url) as two:
        sides = []
        for store, technique in zip((one, two), techniques, strict=True):
            runner = SessionRunner.start(store, start(technique, "clear"), None, began)
            sides.append(Side(runner, StoreWatch(store, runner.session_id, technique, None)))
        a, b = sides
        merged = sorted(
            [(e.t, 0, e) for e in sequences[0]] + [(e.t, 1, e) for e in sequences[1]],
            key=lambda item: (item[0], item[1]),
        )
        end = 0.0
        for t, k, event in merged:
            now = began + timedelta(seconds=t)
            sides[k].step(event, now)
            for side in sides:
                side.look(t, now)
            end = t
        for k in range(1, round(2 * WATCH_S / TICK_S) + 1):  # the ticks after the last event
            t = round(end + k * TICK_S, 4)
            for side in sides:
                side.look(t, began + timedelta(seconds=t))
        check(one, a, b)
        check(two, b, a)
        check_store(one, (a, b), began + timedelta(seconds=end + 3))


def check(store: SqlStore, me: Side, other: Side) -> None:
    """`me` as the other side of any symptom `other` felt."""
    if other.felt_at is None:
        if me.felt_at is None:
            assert me.told_at is None
        return
    # Ended within the watch's second (and the next event's moment, at most a tick later):
    # by the symptom felt there, or by itself before its look (then it gives no cue again).
    deadline = other.felt_at + WATCH_S + TICK_S + 1e-6
    assert me.ended_at is not None, "a symptom felt in the other session never stopped this one"
    assert me.ended_at <= deadline
    if me.told_at is None:
        assert me.ended_at < other.felt_at + WATCH_S + TICK_S
        return
    assert me.told_at <= deadline
    state = me.runner.state
    assert (state.mode, state.end_reason) == ("ended", "symptom")
    assert not [c for _, c in me.cues[me.told_cue :] if c.kind in MOVEMENT]
    assert any(c.kind == "refer" for _, c in me.cues)
    stored = next(s for s in store.sessions() if s.id == me.runner.session_id)
    assert stored.status == "halted"
    assert stored.end_reason == ("symptom" if me.felt_at is not None else "symptom_elsewhere")
    told = [e for e in store.events(me.runner.session_id) if isinstance(e, ev.Sensation)]
    assert any(e.elsewhere == f"in session {other.runner.session_id}" for e in told)


def check_store(store: SqlStore, sides: tuple[Side, Side], now: datetime) -> None:
    felt_here = {
        s.runner.session_id: sum(
            1
            for e in store.events(s.runner.session_id)
            if isinstance(e, ev.Sensation) and e.sensation in ev.SYMPTOMS and e.elsewhere is None
        )
        for s in sides
    }
    rows = [r for r in collect(store, now).symptoms if r.source == "during session"]
    assert sorted(r.session_id for r in rows) == sorted(
        sid for sid, n in felt_here.items() for _ in range(n)
    )
    zone = local_zone()
    if not any(s.felt_at is not None for s in sides):
        assert not [b for b in waiting(store, now, zone) if b.kind == "symptom"]
        return
    for technique in TECHNIQUES:  # no new start, whatever the screening says
        take_screening(store, technique, CLEAR, now)
        with pytest.raises(ScreeningBlocked):
            require_valid_screening(store, technique, now)
    record_seen(store, now.astimezone(zone).date(), now, confirmed=True)
    later = now + timedelta(seconds=1)
    for technique in TECHNIQUES:  # seen: a new screening lets a session start again
        take_screening(store, technique, CLEAR, later)
        require_valid_screening(store, technique, later)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    techniques=st.tuples(st.sampled_from(TECHNIQUES), st.sampled_from(TECHNIQUES)),
    first=event_sequences(camera=False),
    second=event_sequences(),
)
def test_a_symptom_in_either_session_stops_the_other_until_the_receiver_is_seen(
    techniques: tuple[str, str], first: list[ev.Event], second: list[ev.Event]
) -> None:
    with tempfile.TemporaryDirectory(dir=MEMORY_DIR) as tmp:
        run(Path(tmp) / "two.sqlite3", techniques, (first, second))
