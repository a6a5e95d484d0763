"""Database failures in words a person can act on: which file, what went wrong, what to do."""

from __future__ import annotations

import errno
from pathlib import Path

import sqlalchemy as sa

from backbuddy.domain.errors import StoreError

#: (words in the driver's message, what it means and what to do), first match wins.
_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("disk is full", "no space left", "could not extend file"),
        "the disk is full; free some space, then try again",
    ),
    (
        ("not a database", "malformed", "file is encrypted"),
        "the file is damaged or is not a backbuddy database; move it aside (rename it) "
        "and backbuddy starts a fresh one, or choose another with --db",
    ),
    (
        ("unable to open", "readonly", "read-only", "permission denied", "not a directory"),
        "the file or its folder cannot be written; check its permissions, or choose another "
        "place with --db or BACKBUDDY_DB",
    ),
    (
        ("lock timeout",),
        "another program is holding the records it needs (another backbuddy, a psql window "
        "left in a transaction, a backup); close it, or wait, and try again",
    ),
    (
        ("statement timeout",),
        "the database server took more than a minute to answer; check that it is not "
        "overloaded, then try again",
    ),
    (
        ("database is locked", "database is busy"),
        "another program is holding the database; close other backbuddy windows and try again",
    ),
    (
        ("the database system is starting up", "the database system is shutting down"),
        "the database server is starting up or shutting down; wait a moment, then try again",
    ),
    (
        (
            "terminating connection due to administrator command",
            "server closed the connection unexpectedly",
            "consuming input failed",
            "the connection is closed",
            "the connection is lost",
        ),
        "the database server stopped, restarted or dropped the connection; check that it is "
        "running, then try again",
    ),
    (
        ("connection refused", "could not translate host", "timeout expired", "password"),
        "cannot reach the database server; check that it is running and that the URL, "
        "user and password are right",
    ),
    (
        ("foreign key",),
        "the session or event it belongs to is not stored (an event is stored before its cues)",
    ),
    (
        ("unique constraint", "duplicate key"),
        "it is already stored (each event number is stored once per session)",
    ),
    (
        ("does not exist",),
        "the database server has no such database or user; create it, or fix the URL",
    ),
)


def where(url: str) -> str:
    """How to name a database to a person: the SQLite file path, or the URL without password."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        return repr(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return "the in-memory database"
        return str(Path(str(parsed.database)).expanduser().resolve())
    return parsed.render_as_string(hide_password=True)


def explain(err: BaseException, action: str, place: str) -> StoreError:
    """A StoreError for `err`, raised while trying to `action` on the database at `place`."""
    detail = _detail(err)
    if isinstance(err, sa.exc.ArgumentError):
        hint = "this is not a database URL; use sqlite:///PATH, postgresql+psycopg://USER@HOST/DB "
        hint += "or a file path"
    elif isinstance(err, sa.exc.NoSuchModuleError | ImportError):
        hint = "no driver for this kind of database; use sqlite:/// or postgresql+psycopg://"
    elif isinstance(err, OSError) and err.errno == errno.ENOSPC:
        hint = _HINTS[0][1]
    elif isinstance(err, OSError):
        hint = _HINTS[2][1]
    else:
        low = detail.lower()
        hint = next((h for words, h in _HINTS if any(w in low for w in words)), "")
    message = f"{place}: cannot {action}: {hint or detail}"
    if hint and detail:
        message += f" (database said: {detail})"
    return StoreError(message)


def _detail(err: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's SQL echo and links."""
    orig = getattr(err, "orig", None)
    source = orig if isinstance(orig, BaseException) else err
    if isinstance(source, OSError) and source.strerror:
        text = f"{source.strerror}: {source.filename}" if source.filename else source.strerror
    else:
        text = str(source)
    return text.strip().splitlines()[0] if text.strip() else type(source).__name__
