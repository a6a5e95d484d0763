"""Initial schema: screenings, sessions, events, cues.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Written out in full (not imported from sql_schema) so this revision stays what
it was when later ones change the live schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATUSES = ("running", "completed", "halted", "ended_by_pair", "interrupted")


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("technique", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("taken_at", when, nullable=False),
        sa.Column("valid_until", when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_screenings"),
    )
    op.create_index("ix_screenings_technique_taken_at", "screenings", ["technique", "taken_at"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("technique", sa.String(64), nullable=False),
        sa.Column("screening_id", sa.Integer, nullable=True),
        sa.Column("started_at", when, nullable=False),
        sa.Column("ended_at", when, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("camera", sa.Boolean, nullable=False),
        sa.Column("end_reason", sa.Text, nullable=True),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.ForeignKeyConstraint(
            ["screening_id"], ["screenings.id"], name="fk_sessions_screening_id_screenings"
        ),
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="ck_sessions_status"),
    )
    op.create_index("ix_sessions_status", "sessions", ["status"])
    op.create_index("ix_sessions_started_at", "sessions", ["started_at"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("t", sa.Float, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("recorded_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_events_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("session_id", "seq", name="uq_events_session_id_seq"),
    )
    op.create_table(
        "cues",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("t", sa.Float, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cues"),
        sa.ForeignKeyConstraint(
            ["session_id", "seq"],
            ["events.session_id", "events.seq"],
            name="fk_cues_session_id_seq_events",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("session_id", "seq", "idx", name="uq_cues_session_id_seq_idx"),
    )


def downgrade() -> None:
    op.drop_table("cues")
    op.drop_table("events")
    op.drop_index("ix_sessions_started_at", table_name="sessions")
    op.drop_index("ix_sessions_status", table_name="sessions")
    op.drop_table("sessions")
    op.drop_index("ix_screenings_technique_taken_at", table_name="screenings")
    op.drop_table("screenings")
