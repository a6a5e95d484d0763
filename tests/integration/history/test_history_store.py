"""History side of the store, SQLite and PostgreSQL: aftercare, notices, forget, 0001 → head."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from backbuddy.adapters import sql_migrate
from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import escalation as esc
from backbuddy.domain import events as ev
from backbuddy.domain import screening as scr
from backbuddy.domain import session, techniques
from backbuddy.domain.cues import Cue
from backbuddy.domain.errors import SessionLimitReached, StoreError
from backbuddy.services import aftercare
from backbuddy.services.escalation import StartBlocked, check_can_start, current_notices
from backbuddy.services.session_runner import SessionRunner

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_aftercare_answers_read_back_as_given(db_url: str) -> None:
    with SqlStore(db_url) as store:
        sid = store.start_session("seated_hug_extension", None, T0, camera=False)
        answer = esc.AftercareFact(
            T0, "after_session", "worse", ("numbness", "other"), None, None, sid
        )
        store.save_aftercare(answer)
        later = esc.AftercareFact(T0 + timedelta(days=1), "next_start", None, (), True, False, sid)
        store.save_aftercare(later)

        assert store.aftercare() == [answer, later]
        assert store.aftercare(since=T0 + timedelta(hours=1)) == [later]


def test_notices_are_recorded_once_per_key(db_url: str) -> None:
    notice = esc.Notice("symptom_halt", "why", "see a physiotherapist", "k1", T0, urgency="today")
    with SqlStore(db_url) as store:
        assert store.record_notices([notice, notice], T0) == 1
        assert store.record_notices([notice], T0 + timedelta(hours=1)) == 0
        assert store.record_notices([], T0) == 0
        assert store.notices() == [notice]
        assert store.notices(since=T0 + timedelta(seconds=1)) == []


def test_a_notice_another_process_stores_meanwhile_is_not_an_error(db_url: str) -> None:
    """Two refused starts raising the same notice at once (six processes racing a start): one
    writes it between the other's look and its insert. That was a unique-key StoreError in
    place of the refusal; now the second insert skips the key (returns 0)."""
    import threading

    from backbuddy.adapters import sql_schema as schema

    notice = esc.Notice("frequency", "why", "see a physiotherapist", "k-race", T0, urgency="soon")
    with SqlStore(db_url) as store:
        other = sa.create_engine(db_url)
        if other.dialect.name == "sqlite":  # one writer at a time: the race cannot happen
            other.dispose()
            assert store.record_notices([notice], T0) == 1
            return
        told: list[object] = []
        with other.connect() as conn:
            conn.begin()
            conn.execute(
                schema.notices.insert(),
                [
                    {
                        "key": "k-race",
                        "rule": "frequency",
                        "reason": "why",
                        "advice": "a",
                        "urgency": "soon",
                        "blocks": False,
                        "raised_at": T0,
                        "recorded_at": T0,
                    }
                ],
            )  # not committed: the store's look does not see it; its insert waits on it
            worker = threading.Thread(
                target=lambda: told.append(_or_error(store.record_notices, [notice], T0))
            )
            worker.start()
            worker.join(timeout=1.0)
            conn.commit()
        worker.join(timeout=30)
        other.dispose()
        assert told == [0]
        assert [n.key for n in store.notices()] == ["k-race"]


def _or_error(call: object, *args: object) -> object:
    try:
        return call(*args)  # type: ignore[operator]
    except StoreError as err:
        return err


def test_events_and_cues_of_a_kind_come_with_their_session(db_url: str) -> None:
    with SqlStore(db_url) as store:
        sid = store.start_session("seated_hug_extension", None, T0, camera=True)
        store.append_event(sid, 0, ev.Begin(0.0, camera=True))
        store.append_event(sid, 1, ev.Pose(1.0, speed_deg_s=40.0, range_deg=5.0))
        store.append_cues(sid, 1, [Cue(1.0, "halt", "Stop.", reason="speed:40.0")])

        assert store.events_of_kind(["pose"]) == [
            (sid, ev.Pose(1.0, speed_deg_s=40.0, range_deg=5.0))
        ]
        assert store.events_of_kind(["pose"], since=T0 + timedelta(days=1)) == []
        assert store.cues_of_kind(["halt"]) == [
            (sid, Cue(1.0, "halt", "Stop.", reason="speed:40.0"))
        ]
        assert store.cues_of_kind(["halt"], since=T0 + timedelta(days=1)) == []


def test_forget_deletes_everything_and_says_where(db_url: str) -> None:
    with SqlStore(db_url) as store:
        sid = store.start_session("seated_hug_extension", None, T0, camera=False)
        store.append_event(sid, 0, ev.Begin(0.0))
        store.append_cues(sid, 0, [Cue(0.0, "say", "hello")])
        store.finish_session(sid, "completed", T0 + timedelta(minutes=9), 3)
        store.save_aftercare(esc.AftercareFact(T0, "after_session", "same", (), None, None, sid))
        store.record_notices([esc.Notice("frequency", "r", "a", "k", T0)], T0)
        store.save_seen(esc.Seen(T0.date(), T0, "seen"))

        gone = store.forget()

        assert gone.where == store.where
        assert gone.counts["sessions"] == 1
        assert gone.counts["seen"] == 1
        assert sum(gone.counts.values()) == 6
        assert (store.sessions(), store.aftercare(), store.notices(), store.screenings()) == (
            [],
            [],
            [],
            [],
        )
        assert store.seen() == []


def test_forget_refuses_while_a_live_process_runs_a_session(db_url: str) -> None:
    with SqlStore(db_url) as store:
        sid = store.start_session("seated_hug_extension", None, T0, camera=False)
        store.append_event(sid, 0, ev.Begin(0.0))

        with pytest.raises(
            StoreError, match=f"session {sid} is running right now.*Nothing was deleted"
        ):
            store.forget()

        assert [s.id for s in store.sessions()] == [sid]
        assert len(store.events(sid)) == 1


def test_an_old_database_upgrades_from_0001_and_keeps_its_sessions(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(sql_migrate.alembic_config(connection=conn), "0001")
        conn.execute(
            sa.text(
                "INSERT INTO sessions (technique, started_at, status, attempts, camera) "
                "VALUES ('seated_hug_extension', :at, 'completed', 3, false)"
            ),
            {"at": T0.replace(tzinfo=None) if conn.dialect.name == "sqlite" else T0},
        )
    engine.dispose()

    with SqlStore(db_url) as store:
        assert [s.attempts for s in store.sessions()] == [3]
        assert store.aftercare() == []
        assert store.notices() == []
        assert store.seen() == []
    with engine.connect() as conn:
        assert sql_migrate.current_revision(conn) == sql_migrate.head_revision() == "0004"
    engine.dispose()


def test_0002_downgrades_to_0001_and_upgrades_again(db_url: str) -> None:
    SqlStore(db_url).close()
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        command.downgrade(sql_migrate.alembic_config(connection=conn), "0001")
        assert {"aftercare", "notices", "seen"}.isdisjoint(sa.inspect(conn).get_table_names())
    with engine.begin() as conn:  # and applying head twice changes nothing
        command.upgrade(sql_migrate.alembic_config(connection=conn), "head")
        command.upgrade(sql_migrate.alembic_config(connection=conn), "head")
        assert {"aftercare", "notices", "seen"} <= set(sa.inspect(conn).get_table_names())
    engine.dispose()


def test_0003_keeps_what_0002_stored_and_adds_the_visit_records(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(sql_migrate.alembic_config(connection=conn), "0002")
        assert "seen" not in sa.inspect(conn).get_table_names()
    engine.dispose()
    notice = esc.Notice("symptom_halt", "why", "see a physiotherapist", "k1", T0)
    with SqlStore(db_url) as store:  # upgrades to 0003
        store.record_notices([notice], T0)
        visit = esc.Seen(T0.date(), T0 + timedelta(hours=3), "A doctor has seen the receiver.")
        store.save_seen(visit)
        assert store.seen() == [visit]
        assert store.notices() == [notice]


def _stored_at_0003(db_url: str) -> None:
    """A store at 0003 (written as 0003 wrote it) holding a session backbuddy ended for a
    screening answered since (stored then as `ended_by_pair`, end reason `screening`), with
    an event and a cue, and one the pair ended."""
    engine = sa.create_engine(db_url)
    at = T0.replace(tzinfo=None) if engine.dialect.name == "sqlite" else T0
    with engine.begin() as conn:
        command.upgrade(sql_migrate.alembic_config(connection=conn), "0003")
        for sid, why in ((1, "screening"), (2, "ended_by_pair")):
            conn.execute(
                sa.text(
                    "INSERT INTO sessions (technique, started_at, ended_at, status, "
                    "attempts, camera, end_reason) VALUES ('seated_hug_extension', :at, "
                    ":at, 'ended_by_pair', 0, false, :why)"
                ),
                {"at": at, "why": why},  # ids 1 and 2 in a fresh store
            )
            conn.execute(
                sa.text(
                    "INSERT INTO events (session_id, seq, t, kind, payload, recorded_at) "
                    "VALUES (:sid, 0, 0.0, 'begin', :payload, :at)"
                ).bindparams(sa.bindparam("payload", type_=sa.JSON)),
                {"sid": sid, "at": at, "payload": {"t": 0.0, "event": "begin"}},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO cues (session_id, seq, idx, t, kind, payload) "
                    "VALUES (:sid, 0, 0, 0.0, 'say', :payload)"
                ).bindparams(sa.bindparam("payload", type_=sa.JSON)),
                {"sid": sid, "payload": {"t": 0.0, "kind": "say", "text": "Hello."}},
            )
    engine.dispose()


def test_0004_gives_a_session_ended_for_a_screening_its_own_status_and_loses_nothing(
    db_url: str,
) -> None:
    """Red-team leftover 2: such a session read "ended by the pair". The upgrade (SQLite
    rewrites the status check in place, no table rebuild that would cascade-delete the
    events) gives it `screened_out`; the events and cues stay; the check still refuses
    a status nobody knows."""
    _stored_at_0003(db_url)
    with SqlStore(db_url) as store:  # upgrades to 0004
        assert [(s.status, s.end_reason) for s in store.sessions()] == [
            ("screened_out", "screening"),
            ("ended_by_pair", "ended_by_pair"),
        ]
        for sid in (1, 2):
            assert [e.kind for e in store.events(sid)] == ["begin"]
            assert [c.kind for _, c in store.cues(sid)] == ["say"]
        sid = store.start_session("side_lying_rotation", None, T0, camera=False)
        store.finish_session(sid, "screened_out", T0, 0, "screening")
        with pytest.raises(StoreError):
            store.finish_session(sid, "vanished", T0, 0, "screening")  # type: ignore[arg-type]
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        assert sql_migrate.current_revision(conn) == "0004"
    engine.dispose()


def test_0004_downgrades_to_0003_giving_the_old_status_back(db_url: str) -> None:
    _stored_at_0003(db_url)
    SqlStore(db_url).close()
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        command.downgrade(sql_migrate.alembic_config(connection=conn), "0003")
        rows = conn.execute(sa.text("SELECT status FROM sessions ORDER BY id")).all()
        assert [r[0] for r in rows] == ["ended_by_pair", "ended_by_pair"]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE sessions SET status = 'screened_out' WHERE id = 1"))
    engine.dispose()


def test_a_second_session_today_is_blocked_and_the_block_recorded(db_url: str) -> None:
    with SqlStore(db_url) as store:
        sid = store.start_session("seated_hug_extension", None, T0, camera=False)
        store.finish_session(sid, "completed", T0 + timedelta(minutes=10), 3, "completed")

        with pytest.raises(SessionLimitReached, match="limit is 1 a day") as info:
            check_can_start(store, "side_lying_rotation", T0 + timedelta(hours=2), tz=UTC)

        assert isinstance(info.value, StartBlocked)
        assert [n.rule for n in info.value.notices] == ["frequency"]
        assert [n.rule for n in store.notices() if n.blocks] == ["frequency"]
        assert check_can_start(store, "side_lying_rotation", T0 + timedelta(days=1), tz=UTC) == ()


def test_a_pop_rests_the_region_across_sessions(db_url: str) -> None:
    with SqlStore(db_url) as store:
        sid = store.start_session("seated_hug_extension", None, T0 - timedelta(days=1), False)
        store.finish_session(sid, "completed", T0 - timedelta(minutes=5), 1, "pop")

        with pytest.raises(StartBlocked, match="thoracic area had a click") as info:
            check_can_start(store, "seated_hug_extension", T0, tz=UTC)
        assert "rest at least 20 minutes" not in str(info.value)  # the reason says until when


def test_a_pop_after_the_end_rests_the_region_from_its_session_time(db_url: str) -> None:
    """Issue 11 item 2: the engine takes a pop after `end`; the runner stores it; the
    history reads its time on the session clock (start + t) and rests the region."""
    technique = techniques.get("seated_hug_extension")
    result = scr.ScreeningResult(technique.id, "clear", (), T0, T0 + timedelta(hours=2))
    with SqlStore(db_url) as store:
        runner = SessionRunner.start(store, session.new_session(technique, result), None, T0)
        runner.handle(ev.Begin(0.0, at=T0), T0)
        runner.handle(ev.End(2.0), T0 + timedelta(seconds=2))  # before any attempt
        cues = runner.handle(ev.Pop(600.0, source="audio", confidence=0.8), T0)
        assert [c.reason for c in cues] == ["pop"]
        popped = T0 + timedelta(minutes=10)

        with pytest.raises(StartBlocked, match="thoracic area had a click") as info:
            check_can_start(store, "seated_hug_extension", popped + timedelta(minutes=19), tz=UTC)
        assert [n.rule for n in info.value.notices] == ["pop_rest"]
        assert check_can_start(store, "side_lying_rotation", popped, tz=UTC) == ()
        assert check_can_start(store, "seated_hug_extension", popped + timedelta(minutes=20)) == ()


def test_aftercare_flow_stores_answers_and_returns_referrals(db_url: str) -> None:
    with SqlStore(db_url) as store:
        assert not aftercare.next_start_due(store)
        assert aftercare.after_session_due(store) is None
        sid = store.start_session("seated_hug_extension", None, T0, camera=False)
        store.finish_session(sid, "halted", T0 + timedelta(minutes=4), 1, "symptom")
        assert aftercare.after_session_due(store) == sid
        assert aftercare.next_start_due(store)

        result = aftercare.record_after_session(
            store,
            sid,
            {"feel": "worse", "new_symptoms": ["chest_pain"]},
            T0 + timedelta(minutes=5),
            UTC,
        )
        assert result.urgency == "emergency"
        assert "call emergency services now" in result.messages[0]
        assert {"symptom_halt", "aftercare_symptom", "felt_worse"} <= {
            n.rule for n in result.notices
        }
        assert aftercare.after_session_due(store) is None

        later = aftercare.record_next_start(
            store,
            {"soreness_over_day": "yes", "new_symptoms": "none", "felt_need_most_days": False},
            T0 + timedelta(days=2),
            UTC,
        )
        assert later.urgency == "routine"
        assert not aftercare.next_start_due(store)
        assert store.aftercare()[-1].session_id == sid
        assert {n.rule for n in current_notices(store, T0 + timedelta(days=2), UTC)} >= {
            "lasting_soreness"
        }
