"""Reading a store that cannot be written: a SQLite file on a read-only medium (a USB stick
locked read-only, a backup mounted read-only, a file without write permission).

`history`, `report` and `export` only read, but opening a store normally writes: it
migrates the schema, turns on WAL, marks crashed sessions interrupted and records new
notices. On a medium that refuses writes, each of those failed and the command said the
file "cannot be written": nothing could be read at all. `ReadOnlyStore` opens the file
read-only (SQLite `mode=ro`; `immutable=1` when the medium cannot even hold SQLite's
shared-memory file and no write-ahead log is waiting), writes nothing, and keeps the
notices it would have recorded in memory, so a report still lists them. A store whose
schema is newer than this backbuddy's, or older than it can read as it is
(`READS_AS_HEAD`), is refused in one clear line (it could only be read after an upgrade,
which is a write). Nothing stored is changed or lost.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from backbuddy.adapters import sql_migrate
from backbuddy.adapters.sql_errors import explain, where
from backbuddy.adapters.sql_group import GroupCommit
from backbuddy.adapters.sql_kept import journal_for
from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain.errors import StoreError
from backbuddy.domain.escalation import Notice
from backbuddy.domain.ports import StoredStep


def sqlite_file(url: str) -> Path | None:
    """The SQLite file a URL names, or None (another database, or in memory)."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database)).expanduser()


def cannot_write(url: str) -> bool:
    """Is this an existing SQLite file that this process cannot write (or whose folder it
    cannot write: SQLite needs that for its journal)? Then it is read read-only."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return False
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


class ReadOnlyStore(SqlStore):
    """A `SqlStore` that only reads; writes fail with a StoreError saying so."""

    def __init__(self, url: str) -> None:
        path = sqlite_file(url)
        if path is None:
            raise ValueError("a read-only store is a SQLite file")
        self.url = url
        self.where = where(url)
        self._recorded: dict[str, Notice] = {}
        self._journal = journal_for(url, None)
        self._write_lock = threading.RLock()
        self._steps: GroupCommit[tuple[int, Sequence[StoredStep]]] = GroupCommit(
            self._refuse, self._write_lock
        )
        self._engine = _open(path, self.where)
        self._writer = self._engine.execution_options()
        try:
            self._check_schema()
        except BaseException:
            self._engine.dispose()
            raise

    def _check_schema(self) -> None:
        with self._transaction("open the database", write=False) as conn:
            current = sql_migrate.current_revision(conn)
        if current != sql_migrate.head_revision() and current not in READS_AS_HEAD:
            raise StoreError(
                f"{self.where}: the file cannot be written, and its records are kept in another "
                f"version of backbuddy's format (schema {current}); copy it to a folder that can "
                "be written and run the command again there"
            )

    def _refuse(self, batch: object) -> None:
        raise StoreError(f"{self.where}: cannot store anything: the file is read-only")

    def mark_interrupted(self, at: datetime) -> list[int]:
        """Nothing is marked (that is a write); a crashed session still shows as running."""
        return []

    def record_notices(self, notices: Sequence[Notice], recorded_at: datetime) -> int:
        """Kept in memory for this command (a report lists them), never written."""
        stored = {n.key for n in super().notices()}
        new = {n.key: n for n in notices if n.key not in stored and n.key not in self._recorded}
        self._recorded.update(new)
        return len(new)

    def notices(self, since: datetime | None = None) -> list[Notice]:
        kept = [n for n in self._recorded.values() if since is None or n.at >= since]
        return sorted([*super().notices(since), *kept], key=lambda n: n.at)


#: Older schemas this backbuddy reads unchanged, without the upgrade (a write): 0004 only
#: widened the status check and renamed a status, which `SqlStore.sessions` reads either way.
READS_AS_HEAD = frozenset({"0003"})


def _open(path: Path, place: str) -> sa.Engine:
    """An engine on `path` that cannot write: `mode=ro`, or `immutable=1` when even that
    cannot open (no -shm file on a medium that cannot create one) and no WAL is waiting."""
    ro = _engine(path, "mode=ro")
    try:
        with ro.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
        return ro
    except sa.exc.OperationalError as err:
        ro.dispose()
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(
                f"{place}: cannot read the database read-only: its latest records are still in "
                f"{wal.name}, which only a writable copy can take in; copy both files to a "
                "folder that can be written and run the command again there"
            ) from err
    immutable = _engine(path, "immutable=1")
    try:
        with immutable.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except sa.exc.SQLAlchemyError as err:
        immutable.dispose()
        raise explain(err, "open the database", place) from err
    return immutable


def _engine(path: Path, flags: str) -> sa.Engine:
    uri = f"file:{quote(str(path.resolve()))}?{flags}&uri=true"
    engine = sa.create_engine(f"sqlite:///{uri}")
    sa.event.listen(engine, "connect", _connect)
    sa.event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return engine


def _connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()
