"""Records that a professional has seen the receiver (ends red-flag and symptom blocks).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

Written out in full (not imported from sql_schema), like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seen",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("seen_on", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("statement", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_seen"),
    )
    op.create_index("ix_seen_recorded_at", "seen", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_seen_recorded_at", table_name="seen")
    op.drop_table("seen")
