"""Alembic environment for the session store, driven from code (no alembic.ini).

`backbuddy.adapters.sql_migrate` passes an open connection in
`config.attributes["connection"]`; migrations run inside its transaction. With
`--sql` (offline) the URL comes from the config's `sqlalchemy.url`.
Batch mode lets later migrations alter tables on SQLite as well as PostgreSQL.
"""

from __future__ import annotations

from alembic import context

from backbuddy.adapters.sql_schema import metadata

config = context.config


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
