"""The store's journal side (`sql_journal`): writes the database refused, kept and replayed.

A mixin of `SqlStore`, kept apart so each file owns one thing: a write the database could
not take is kept in the journal before its error goes up (`_keeping`), read with the
stored records (`_kept`), stored when the database takes it again (`replay`), and a line a
crash cut off is said on the home page until read (`set_aside`). It uses the store's
`_transaction`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import sqlalchemy as sa

from backbuddy.adapters import sql_schema as schema
from backbuddy.adapters.sql_journal import Journal, Unstored, steps_of
from backbuddy.adapters.sql_rows import cue_rows, event_row
from backbuddy.domain.errors import JournalError, StoreError
from backbuddy.domain.ports import StoredStep


class KeptWrites:
    """The journal of refused writes over the store's connection; mixed into `SqlStore`."""

    _journal: Journal | None

    def _transaction(
        self, action: str, *, write: bool = True
    ) -> AbstractContextManager[sa.Connection]:
        raise NotImplementedError  # pragma: no cover - SqlStore provides it

    def replay(self) -> bool:
        """Store the writes the journal kept, skipping any step already stored; True when
        the journal is empty after. A database that still refuses leaves them kept (reads
        include them); a journal that cannot be read raises JournalError."""
        if self._journal is None:
            return True
        try:
            with self._journal.replaying() as kept:
                if kept:
                    with self._transaction("store the events kept while it failed") as conn:
                        for write in kept:
                            replay_write(conn, write)
        except JournalError:
            raise
        except StoreError:
            return False
        return True

    def set_aside(self) -> list[str]:
        """What the home page says of each journal line cut off by a crash, until read."""
        return [] if self._journal is None else [a.notice() for a in self._journal.set_aside()]

    def set_aside_read(self) -> None:
        """The lines set aside so far have been read on the home page: not said again."""
        if self._journal is not None:
            self._journal.mark_seen()

    def _kept(self) -> list[tuple[int, StoredStep]]:
        return [] if self._journal is None else list(steps_of(self._journal.entries()))

    @contextmanager
    def _keeping(self, writes: Sequence[Unstored]) -> Iterator[None]:
        """Run a write; if the database fails it, keep `writes` in the journal first."""
        try:
            yield
        except StoreError as err:
            if not refused(err.__cause__) or self._journal is None:
                raise  # a mistake (a wrong session id, a step stored twice), or nowhere to keep
            for write in writes:
                try:
                    self._journal.append(write)
                except JournalError as lost:
                    raise JournalError(f"{err} and {lost}") from err
            raise StoreError(
                f"{err}; what it carried is kept in {self._journal.path} and stored when "
                "the database takes it"
            ) from err


def journal_for(url: str, given: Path | None) -> Journal | None:
    """The journal of refused writes: `given`, else beside a SQLite file (`<file>.unstored`);
    None for a store in memory (it is gone with the process anyway)."""
    if given is not None:
        return Journal(given)
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        return None  # not a URL: opening the engine says so
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(str(parsed.database)).expanduser()
    return Journal(path.with_name(path.name + ".unstored"))


def replay_write(conn: sa.Connection, write: Unstored) -> None:
    """One kept write into the database: the steps not stored yet, and the end if the
    session has none yet (a crash since marked it interrupted: the kept end is the truth)."""
    sid = write.session_id
    sessions, events = schema.sessions.c, schema.events.c
    if conn.execute(sa.select(sessions.id).where(sessions.id == sid)).first() is None:
        return  # forgotten since
    have = set(conn.execute(sa.select(events.seq).where(events.session_id == sid)).scalars())
    steps = [s for s in write.steps if s.seq not in have]
    if steps:
        conn.execute(schema.events.insert(), [event_row(sid, s.seq, s.event) for s in steps])
        cues = [row for s in steps for row in cue_rows(sid, s.seq, s.cues)]
        if cues:
            conn.execute(schema.cues.insert(), cues)
    end = write.finish
    if end is not None:
        values = {
            "status": end.status,
            "ended_at": end.ended_at,
            "attempts": end.attempts,
            "end_reason": end.end_reason,
        }
        conn.execute(
            schema.sessions.update()
            .where(sessions.id == sid, sessions.status.in_(["running", "interrupted"]))
            .values(values)
        )


def refused(cause: BaseException | None) -> bool:
    """The database (or its disk, or its server) could not take a write it would take
    later: not a write it refuses for what it is (a constraint, a wrong argument)."""
    if isinstance(cause, sa.exc.IntegrityError | sa.exc.ProgrammingError | sa.exc.DataError):
        return False
    return isinstance(cause, sa.exc.SQLAlchemyError | OSError)
