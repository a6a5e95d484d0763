"""The store keeps what the engine gives it, in order and durably (I7), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import events as ev
from backbuddy.domain.cues import Cue
from backbuddy.domain.screening import Reason, ScreeningResult

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
TECHNIQUE = "seated_hug_extension"

#: One event of every kind, as a JSONL line would carry it.
RAW_EVENTS = [
    {"t": 0.0, "event": "begin", "at": "2026-05-01T11:00:00+02:00", "camera": True},
    {"t": 0.1, "event": "tick"},
    {"t": 0.5, "event": "pose", "tracked": True, "checks_ok": False, "speed_deg_s": 4.5},
    {"t": 1.0, "event": "ready"},
    {"t": 2.0, "event": "sensation", "sensation": "discomfort"},
    {"t": 2.5, "event": "resistance"},
    {"t": 3.0, "event": "stop", "source": "voice"},
    {"t": 4.0, "event": "resume"},
    {"t": 5.0, "event": "pop"},
    {"t": 6.0, "event": "end"},
]


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    with SqlStore(db_url) as opened:
        yield opened


def screening(outcome: str = "clear", taken_at: datetime = T0) -> ScreeningResult:
    reasons = (
        (Reason("recent_injury", "caution", "Go gently today."),) if outcome != "clear" else ()
    )
    return ScreeningResult(TECHNIQUE, outcome, reasons, taken_at, taken_at + timedelta(hours=2))  # type: ignore[arg-type]


def test_a_screening_reads_back_as_it_was_saved(store: SqlStore) -> None:
    saved = screening("caution")
    screening_id = store.save_screening(saved, {"recent_injury": True, "pain_level": "mild"})

    assert store.latest_screening(TECHNIQUE, T0 + timedelta(minutes=30)) == (screening_id, saved)


def test_the_newest_valid_screening_wins_and_expired_ones_do_not_count(store: SqlStore) -> None:
    store.save_screening(screening("clear"), {})
    newer = store.save_screening(screening("block_refer", T0 + timedelta(minutes=10)), {})

    found = store.latest_screening(TECHNIQUE, T0 + timedelta(minutes=20))
    assert found is not None
    assert found[0] == newer
    assert found[1].outcome == "block_refer"
    assert store.latest_screening(TECHNIQUE, T0 + timedelta(hours=3)) is None
    assert store.latest_screening("side_lying_rotation", T0 + timedelta(minutes=20)) is None


def test_events_and_cues_read_back_in_order(store: SqlStore) -> None:
    session_id = store.start_session(TECHNIQUE, None, T0, camera=True)
    sent = [ev.from_dict(raw) for raw in RAW_EVENTS]
    for seq, event in enumerate(sent):
        store.append_event(session_id, seq, event)
        store.append_cues(
            session_id, seq, [Cue(event.t, "say", f"cue {seq}.{i}") for i in range(3)]
        )

    assert store.events(session_id) == sent
    assert [ev.to_dict(e) for e in store.events(session_id)] == [
        ev.to_dict(ev.from_dict(raw)) for raw in RAW_EVENTS
    ]
    cues = store.cues(session_id)
    assert [(seq, cue.text) for seq, cue in cues] == [
        (seq, f"cue {seq}.{i}") for seq in range(len(sent)) for i in range(3)
    ]


def test_a_cue_keeps_every_field(store: SqlStore) -> None:
    session_id = store.start_session(TECHNIQUE, None, T0, camera=False)
    store.append_event(session_id, 0, ev.Tick(1.0))
    cue = Cue(
        1.0,
        "move",
        "Lean back slowly",
        reason="exhale",
        phase="out",
        seconds=5.0,
        step="mobilise",
        receiver="Let your weight go back",
        assistant="Support the upper back",
    )
    store.append_cues(session_id, 0, [cue])

    assert store.cues(session_id) == [(0, cue)]


def test_every_append_is_visible_to_another_connection_before_the_call_returns(
    store: SqlStore, db_url: str
) -> None:
    """Committed means committed: another process reading the database sees it at once."""
    reader = sa.create_engine(db_url)
    try:
        session_id = store.start_session(TECHNIQUE, None, T0, camera=False)
        for seq in range(5):
            store.append_event(session_id, seq, ev.Tick(seq / 10))
            store.append_cues(session_id, seq, [Cue(seq / 10, "say", "breathe")])
            with reader.connect() as conn:
                stored = conn.execute(
                    sa.text("SELECT count(*) FROM events WHERE session_id = :s"), {"s": session_id}
                ).scalar_one()
                cues = conn.execute(sa.text("SELECT count(*) FROM cues")).scalar_one()
            assert (stored, cues) == (seq + 1, seq + 1)
    finally:
        reader.dispose()


def test_a_cue_cannot_be_stored_before_its_event(store: SqlStore) -> None:
    from backbuddy.domain.errors import StoreError

    session_id = store.start_session(TECHNIQUE, None, T0, camera=False)
    with pytest.raises(StoreError, match="event is stored before its cues"):
        store.append_cues(session_id, 0, [Cue(0.0, "say", "too early")])


def test_an_event_number_is_stored_once(store: SqlStore) -> None:
    from backbuddy.domain.errors import StoreError

    session_id = store.start_session(TECHNIQUE, None, T0, camera=False)
    store.append_event(session_id, 0, ev.Tick(0.0))
    with pytest.raises(StoreError, match="already stored"):
        store.append_event(session_id, 0, ev.Tick(0.1))
    assert store.events(session_id) == [ev.Tick(0.0)]


def test_history_lists_sessions_with_how_they_ended(store: SqlStore) -> None:
    screening_id = store.save_screening(screening(), {})
    first = store.start_session(TECHNIQUE, screening_id, T0, camera=True)
    store.finish_session(first, "halted", T0 + timedelta(minutes=4), 2, "sharp pain")
    second = store.start_session(TECHNIQUE, screening_id, T0 + timedelta(hours=1), camera=False)

    records = store.sessions()
    assert [(r.id, r.status, r.attempts, r.camera) for r in records] == [
        (first, "halted", 2, True),
        (second, "running", 0, False),
    ]
    assert records[0].end_reason == "sharp pain"
    assert records[0].ended_at == T0 + timedelta(minutes=4)
    assert records[0].screening_id == screening_id
    assert [r.id for r in store.sessions(since=T0 + timedelta(minutes=30))] == [second]


def test_times_come_back_in_utc_whatever_zone_they_went_in(store: SqlStore) -> None:
    paris = timezone(timedelta(hours=2))
    session_id = store.start_session(
        TECHNIQUE, None, datetime(2026, 5, 1, 11, 0, tzinfo=paris), False
    )

    (record,) = store.sessions()
    assert record.id == session_id
    assert record.started_at == T0
    assert record.started_at.tzinfo == UTC


def test_a_time_without_zone_is_refused(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        store.start_session(TECHNIQUE, None, datetime(2026, 5, 1, 9, 0), camera=False)


def test_a_session_of_this_live_process_is_not_marked_interrupted(store: SqlStore) -> None:
    session_id = store.start_session(TECHNIQUE, None, T0, camera=False)

    assert store.mark_interrupted(T0 + timedelta(minutes=5)) == []
    assert store.sessions()[0].status == "running"
    store.finish_session(session_id, "completed", T0 + timedelta(minutes=6), 3)
    assert store.mark_interrupted(T0 + timedelta(minutes=7)) == []


def test_a_session_run_on_another_machine_is_interrupted_only_once_stale(
    store: SqlStore, db_url: str
) -> None:
    session_id = store.start_session(TECHNIQUE, None, T0, camera=False)
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE sessions SET owner = 'another-host/boot/123/456'"))
    engine.dispose()

    assert store.mark_interrupted(T0 + timedelta(hours=1)) == []
    assert store.mark_interrupted(T0 + timedelta(hours=13)) == [session_id]
    assert store.sessions()[0].status == "interrupted"


def test_finishing_an_unknown_session_says_so(store: SqlStore) -> None:
    from backbuddy.domain.errors import StoreError

    with pytest.raises(StoreError, match="no session 42"):
        store.finish_session(42, "completed", T0, 1)


def test_an_in_memory_store_works_for_quick_tools() -> None:
    with SqlStore("sqlite://") as store:
        session_id = store.start_session(TECHNIQUE, None, T0, camera=False)
        store.append_event(session_id, 0, ev.Tick(0.0))
        assert store.events(session_id) == [ev.Tick(0.0)]
