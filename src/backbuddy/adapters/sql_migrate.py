"""Schema migrations run from code: a fresh database is created, an old one upgraded.

The Alembic config is built here, pointing at the migrations shipped inside the
package, so nothing depends on the working directory. To write a new revision:

    .venv/bin/python -c "from alembic import command; \
from backbuddy.adapters.sql_migrate import alembic_config; \
command.revision(alembic_config(), 'what changes', rev_id='0002')"
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config for backbuddy's migrations, with no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection) -> bool:
    """Bring the schema to head inside `connection`'s transaction; True if anything ran.

    Raises `NewerSchema` when the database was written by a newer backbuddy.
    """
    current = current_revision(connection)
    head = head_revision()
    if current == head:
        return False
    if current is not None and not _known(current):
        raise NewerSchema(current)
    command.upgrade(alembic_config(connection=connection), "head")
    return True


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


class NewerSchema(Exception):
    """The database carries a schema revision this backbuddy does not know."""

    def __init__(self, revision: str) -> None:
        super().__init__(revision)
        self.revision = revision
