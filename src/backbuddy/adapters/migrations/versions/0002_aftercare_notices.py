"""Aftercare checks and referral notices.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Written out in full (not imported from sql_schema), like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CHECKS = ("after_session", "next_start")


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "aftercare",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("session_id", sa.Integer, nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("answered_at", when, nullable=False),
        sa.Column("feel", sa.String(16), nullable=True),
        sa.Column("symptoms", sa.JSON, nullable=False),
        sa.Column("soreness_over_day", sa.Boolean, nullable=True),
        sa.Column("felt_need_most_days", sa.Boolean, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_aftercare"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_aftercare_session_id_sessions",
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(sa.column("kind").in_(CHECKS), name="ck_aftercare_kind"),
    )
    op.create_index("ix_aftercare_answered_at", "aftercare", ["answered_at"])
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("advice", sa.Text, nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("blocks", sa.Boolean, nullable=False),
        sa.Column("raised_at", when, nullable=False),
        sa.Column("recorded_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
        sa.UniqueConstraint("key", name="uq_notices_key"),
    )
    op.create_index("ix_notices_raised_at", "notices", ["raised_at"])


def downgrade() -> None:
    op.drop_index("ix_notices_raised_at", table_name="notices")
    op.drop_table("notices")
    op.drop_index("ix_aftercare_answered_at", table_name="aftercare")
    op.drop_table("aftercare")
