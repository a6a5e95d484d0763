"""A session ended by backbuddy because a screening answered since no longer allowed it gets
its own status, `screened_out` (it was stored as `ended_by_pair`, which it was not).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

The sessions' status CHECK allows the new value, and the sessions already stored that way
(`ended_by_pair` with the end reason `screening`) are given it; downgrade gives them back.

SQLite cannot alter a CHECK, and rebuilding `sessions` (Alembic's batch mode) inside the
store's transaction, with foreign keys on, would delete every event and cue through their
ON DELETE CASCADE when the old table is dropped. Allowing one more value changes nothing
stored, so SQLite's own procedure for such changes is used instead: the table's CREATE
statement is rewritten in the schema (writable_schema, schema_version bumped, integrity
checked), all in the one transaction (https://www.sqlite.org/lang_altertable.html, "making
other kinds of table schema changes"). PostgreSQL drops and adds the constraint.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD = ("running", "completed", "halted", "ended_by_pair", "interrupted")
NEW = (*OLD, "screened_out")
#: The status CHECK of `sessions` as 0001 created it (its name through the naming convention).
_CHECK = re.compile(r"CHECK \(status IN \([^)]*\)\)")


def _in_list(statuses: tuple[str, ...]) -> str:
    return ", ".join(f"'{s}'" for s in statuses)


def _allow(statuses: tuple[str, ...]) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_allow(bind, statuses)
        return
    names = [
        c["name"]
        for c in sa.inspect(bind).get_check_constraints("sessions")
        if "status" in str(c.get("sqltext", ""))
    ]
    for name in names:
        op.execute(sa.text(f'ALTER TABLE sessions DROP CONSTRAINT "{name}"'))
    name = names[0] if names else "ck_sessions_ck_sessions_status"
    op.execute(
        sa.text(
            f'ALTER TABLE sessions ADD CONSTRAINT "{name}" CHECK (status IN ({_in_list(statuses)}))'
        )
    )


def _sqlite_allow(bind: sa.Connection, statuses: tuple[str, ...]) -> None:
    query = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sessions'"
    create = bind.exec_driver_sql(query).scalar_one()
    if len(_CHECK.findall(create)) != 1:
        raise RuntimeError("the sessions table's status check is not the one 0001 made")
    wanted = _CHECK.sub(f"CHECK (status IN ({_in_list(statuses)}))", create)
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'sessions'",
            (wanted,),
        )
        bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = [r[0] for r in bind.exec_driver_sql("PRAGMA integrity_check").fetchall()]
    if problems != ["ok"]:
        raise RuntimeError(f"the store failed its integrity check: {problems[:3]}")


def _restatus(old: str, new: str) -> None:
    op.execute(
        sa.text(
            "UPDATE sessions SET status = :new WHERE status = :old AND end_reason = 'screening'"
        ).bindparams(old=old, new=new)
    )


def upgrade() -> None:
    _allow(NEW)
    _restatus("ended_by_pair", "screened_out")


def downgrade() -> None:
    _restatus("screened_out", "ended_by_pair")
    _allow(OLD)
