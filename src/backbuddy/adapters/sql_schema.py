"""Tables of the session store (SQLAlchemy Core), portable to SQLite and PostgreSQL.

This is the schema as the code reads it; Alembic migrations create it (a test
checks the two agree). Constraints carry fixed names so later migrations can
alter them on PostgreSQL and in SQLite batch mode alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

#: Revision 0004 added `screened_out`: ended by backbuddy for a screening answered since.
STATUSES = ("running", "completed", "halted", "ended_by_pair", "interrupted", "screened_out")

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every database.

    SQLite keeps no zone, so values are stored as naive UTC there; PostgreSQL
    stores `timestamptz`. A naive datetime is refused: its meaning is unknown.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no time zone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


screenings = sa.Table(
    "screenings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("technique", sa.String(64), nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("taken_at", UtcDateTime, nullable=False),
    sa.Column("valid_until", UtcDateTime, nullable=False),
    sa.Index(None, "technique", "taken_at"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("technique", sa.String(64), nullable=False),
    sa.Column("screening_id", sa.Integer, sa.ForeignKey("screenings.id"), nullable=True),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("ended_at", UtcDateTime, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("camera", sa.Boolean, nullable=False),
    sa.Column("end_reason", sa.Text, nullable=True),
    sa.Column("owner", sa.String(200), nullable=True),
    sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status"),
    sa.Index(None, "status"),
    sa.Index(None, "started_at"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("t", sa.Float, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("session_id", "seq"),
)

cues = sa.Table(
    "cues",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("idx", sa.Integer, nullable=False),
    sa.Column("t", sa.Float, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    # A cue can only be stored after the event that produced it (I7).
    sa.ForeignKeyConstraint(
        ["session_id", "seq"], ["events.session_id", "events.seq"], ondelete="CASCADE"
    ),
    sa.UniqueConstraint("session_id", "seq", "idx"),
)

# Revision 0002: aftercare checks and the referral notices raised from history (I8).
CHECKS = ("after_session", "next_start")

aftercare = sa.Table(
    "aftercare",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("answered_at", UtcDateTime, nullable=False),
    sa.Column("feel", sa.String(16), nullable=True),
    sa.Column("symptoms", sa.JSON, nullable=False),
    sa.Column("soreness_over_day", sa.Boolean, nullable=True),
    sa.Column("felt_need_most_days", sa.Boolean, nullable=True),
    sa.CheckConstraint(sa.column("kind").in_(CHECKS), name="kind"),
    sa.Index(None, "answered_at"),
)

notices = sa.Table(
    "notices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("rule", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("advice", sa.Text, nullable=False),
    sa.Column("urgency", sa.String(16), nullable=False),
    sa.Column("blocks", sa.Boolean, nullable=False),
    sa.Column("raised_at", UtcDateTime, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("key"),
    sa.Index(None, "raised_at"),
)

# Revision 0003: the pair's records that a professional has seen the receiver (I1, I8).
seen = sa.Table(
    "seen",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("seen_on", sa.Date, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("statement", sa.Text, nullable=False),
    sa.Index(None, "recorded_at"),
)
