"""A stored history with fixed dates and a seeded generator, for reports, export and forget.

Six weeks of sessions for one receiver: screenings (one answering chronic pain),
camera sessions with pose measures (one over the speed limit), a symptom halt,
speed halts, aftercare checks, and the referral notices they raise. After the
symptom halt: a screening that answers "in pain" (blocked), a re-screen that
answers no to it (a contradiction, still blocked), then a recorded visit to a
professional, after which sessions go on.

The history is written once per test process and each test gets its own copy of it (a
SQLite backup, a PostgreSQL template): the same rows, at a fraction of the writes.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain import escalation as esc
from backbuddy.domain import events as ev
from backbuddy.domain import screening as scr
from backbuddy.domain.cues import Cue
from backbuddy.services import aftercare
from backbuddy.services.escalation import current_notices
from backbuddy.services.screening import take_screening

NOW = datetime(2026, 6, 12, 18, 0, tzinfo=UTC)
START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
SEED = 42


def populate(store: SqlStore, now: datetime = NOW) -> None:
    """Fill `store` with the sample history (deterministic)."""
    rng = random.Random(SEED)
    day = START
    for n in range(12):
        technique = "seated_hug_extension" if n % 3 else "side_lying_rotation"
        answers = {"chronic_pain": n >= 8, "in_pain_or_injured": False}
        outcome = "caution" if n >= 8 else "clear"
        reasons = (scr.Reason("chronic_pain", "caution", "Pain > 12 weeks."),) if n >= 8 else ()
        result = scr.ScreeningResult(technique, outcome, reasons, day, day + timedelta(hours=2))  # type: ignore[arg-type]
        screening_id = store.save_screening(result, answers)
        camera = n % 2 == 0
        sid = store.start_session(technique, screening_id, day + timedelta(minutes=5), camera)
        seq = 0
        store.append_event(sid, seq, ev.Begin(0.0, camera=camera))
        seq += 1
        if camera:
            for k in range(20):
                speed = rng.uniform(2, 14) + (30 if n == 4 and k == 10 else 0)
                pose = ev.Pose(
                    1.0 + k * 0.5,
                    speed_deg_s=round(speed, 1),
                    range_deg=round(rng.uniform(3, 11) + (6 if n == 6 and k == 5 else 0), 1),
                )
                store.append_event(sid, seq, pose)
                if speed > 30:
                    store.append_cues(
                        sid,
                        seq,
                        [
                            Cue(
                                pose.t,
                                "halt",
                                "Stop: that was too fast.",
                                reason=f"speed:{speed:.1f}",
                            )
                        ],
                    )
                seq += 1
        status, reason, attempts = "completed", "completed", 3
        if n == 4:
            status, reason, attempts = "halted", "speed", 2
            store.append_cues(
                sid, seq - 1, [Cue(11.0, "halt", "Stop: that was too fast.", reason="speed:31.0")]
            )
        if n == 10:
            store.append_event(sid, seq, ev.Sensation(12.0, "tingling"))
            status, reason, attempts = "halted", "symptom", 1
        store.finish_session(sid, status, day + timedelta(minutes=20), attempts, reason)  # type: ignore[arg-type]
        feel = "worse" if n == 10 else ("better" if n % 2 else "same")
        symptoms = ["tingling"] if n == 10 else []
        aftercare.record_after_session(
            store, sid, {"feel": feel, "new_symptoms": symptoms}, day + timedelta(minutes=25), UTC
        )
        if n == 10:
            _blocked_then_seen(store, day)
        day += timedelta(days=3, hours=rng.randint(0, 6))
        aftercare.record_next_start(
            store,
            {"soreness_over_day": n == 6, "new_symptoms": [], "felt_need_most_days": n == 11},
            day,
            UTC,
        )
    current_notices(store, now, UTC)


def _blocked_then_seen(store: SqlStore, day: datetime) -> None:
    """After the symptom halt: a red flag, a re-answer that contradicts it, then a visit."""
    no = {q.id: q.negative for q in scr.load_questions().questions}
    at = day + timedelta(hours=2)
    take_screening(store, "side_lying_rotation", no | {"in_pain_or_injured": True}, at, tz=UTC)
    take_screening(store, "side_lying_rotation", no, at + timedelta(minutes=10), tz=UTC)
    seen_at = day + timedelta(days=1, hours=2)
    store.save_seen(
        esc.Seen(seen_at.date(), seen_at, "A physiotherapist has seen the receiver since then.")
    )


@pytest.fixture(scope="session")
def sample_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample history in a SQLite file, filled once per test process (each event is
    committed on its own, durably: seconds), copied for each test."""
    path = tmp_path_factory.mktemp("sample") / "sample.sqlite3"
    with SqlStore(f"sqlite:///{path}") as store:
        populate(store)
    return path


@pytest.fixture(scope="session")
def sample_postgres(pg_server: str) -> str:
    """The name of a PostgreSQL database holding the sample history, filled once per test
    process: each test's database is made from it as a template."""
    import psycopg

    name = f"sample_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin(pg_server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with SqlStore(f"{pg_server}/{name}") as store:
        populate(store)
    # A template must have no session left: the store's closed connections end on their own.
    with psycopg.connect(_admin(pg_server), autocommit=True) as conn:
        for _ in range(300):
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
            row = conn.execute(query, (name,)).fetchone()
            if row is not None and row[0] == 0:
                break
            time.sleep(0.1)
    return name


def _admin(pg_server: str) -> str:
    return pg_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"


@pytest.fixture
def sample_store(db_url: str, request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    """The test's own database (SQLite file or PostgreSQL), holding a copy of the sample
    history: what `populate` writes, made once per test process and copied, not re-written."""
    if db_url.startswith("sqlite:///"):
        template = request.getfixturevalue("sample_sqlite")
        with (
            contextlib.closing(sqlite3.connect(template)) as source,
            contextlib.closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as copy,
        ):
            source.backup(copy)
    else:
        import psycopg

        template = request.getfixturevalue("sample_postgres")
        server, name = db_url.rsplit("/", 1)
        with psycopg.connect(_admin(server), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}"')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    with SqlStore(db_url) as store:
        yield store
