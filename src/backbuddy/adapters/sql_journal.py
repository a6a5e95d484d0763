"""Writes the database could not take, kept on this machine until it can (I7, I8).

While a movement runs, a write held longer than a second ends the session
(`services.store_wait`) and goes on in the background. If it never succeeds (the SQLite
file locked past the busy timeout, a PostgreSQL host gone past `tcp_user_timeout`, a
full disk), what it carried was gone: a numbness or sharp pain felt then did not block
the next screening, and the history showed nothing. Now the failed write (its events,
their cues and the session's end) is appended to this journal, one JSON line, fsynced,
before the error goes on up. The store reads the journal with its own events, so the
symptom blocks the next screening even while the database still refuses writes, and
replays it (idempotently: a step already stored is skipped) when it opens again.

A journal that cannot be read, or written, is a `JournalError`: never a silent pass.
The file sits beside the SQLite file (`<file>.unstored`), or in the data folder for
another database.

One damage is expected and tolerated (session 15): a last line cut off, with no newline,
which is what a crash mid-append leaves (SIGKILL stops a write between pages; a power
cut before the fsync; a disk that filled mid-line, which `append` also undoes itself).
That line was never acknowledged, so the complete lines before it are all that was
kept: they are read as always, and under the file lock (`replaying` at open, or the next
`append`) the torn bytes are moved to `<journal>.torn` (fsynced before the journal is cut
back) with a warning on the log, so nothing is dropped unseen. A line cut off that still
reads as a whole kept write (only its newline lost) is kept. Any other damage — a broken
line that is not the last, a whole line that is not a kept write — still refuses. A line
set aside is also said on the web home page (`set_aside`) until someone marks it read
(`mark_seen`: how far into `<journal>.torn` has been read, in `<journal>.torn.seen`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from backbuddy.domain import cues as cue_codec
from backbuddy.domain import events as event_codec
from backbuddy.domain.errors import JournalError
from backbuddy.domain.ports import SessionEnd, StoredStep

#: The journal line's format version.
VERSION = 1

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finish:
    """A session's end the database did not take."""

    status: SessionEnd
    ended_at: datetime
    attempts: int
    end_reason: str | None


@dataclass(frozen=True)
class Unstored:
    """One failed write: a session's steps, and its end if the write carried it."""

    session_id: int
    steps: tuple[StoredStep, ...]
    finish: Finish | None = None


@dataclass(frozen=True)
class SetAside:
    """A last line cut off by a crash, set aside in `where`: that write was never finished."""

    session_id: int | None
    where: Path

    def notice(self) -> str:
        """What the home page says of it (never a diagnosis: who to tell)."""
        whose = f"session {self.session_id}" if self.session_id is not None else "a session"
        return (
            f"backbuddy stopped while keeping a record of {whose} that the database had not "
            f"taken: that record was never finished, and what was written of it is set aside "
            f"in {self.where}. If a symptom was felt in {whose}, tell a physiotherapist, "
            "chiropractor or doctor before the next session."
        )


class Journal:
    """An append-only, fsynced file of `Unstored` writes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def torn_path(self) -> Path:
        """Where the bytes of a last line cut off by a crash are set aside."""
        return self.path.with_name(self.path.name + ".torn")

    @property
    def seen_path(self) -> Path:
        """How many bytes of `torn_path` have been read on the home page (`mark_seen`)."""
        return self.path.with_name(self.path.name + ".torn.seen")

    def set_aside(self) -> list[SetAside]:
        """The lines set aside not yet marked read, oldest first. A file of them that cannot
        be read is still said (one entry naming no session), never passed over."""
        try:
            torn = self.torn_path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError:
            return [SetAside(None, self.torn_path)]
        try:
            seen = int(self.seen_path.read_text(encoding="ascii"))
        except (OSError, ValueError):
            seen = 0
        lines = torn[seen if 0 <= seen <= len(torn) else 0 :].split(b"\n")
        return [SetAside(_session_id(line), self.torn_path) for line in lines if line]

    def mark_seen(self) -> None:
        """Every line set aside so far has been read (the home page's button): not said again.
        Written whole (a temporary file renamed) or JournalError."""
        try:
            size = self.torn_path.stat().st_size
            part = self.seen_path.with_name(self.seen_path.name + ".part")
            part.write_text(str(size), encoding="ascii")
            part.chmod(0o600)
            os.replace(part, self.seen_path)
        except FileNotFoundError:
            return
        except OSError as err:
            raise JournalError(
                f"{self.seen_path}: cannot note that the lines set aside were read "
                f"({err.strerror or err})"
            ) from err

    def append(self, write: Unstored) -> None:
        """Put `write` on disk (fsynced) or raise JournalError; a line only partly written
        (the disk filled mid-line) is cut back off, so the journal stays whole lines."""
        line = (json.dumps(_to_dict(write), separators=(",", ":")) + "\n").encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new = not self.path.exists()
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._mend(fd)  # a crash's torn line first: this one must start a line
                end = os.fstat(fd).st_size
                try:
                    _write_all(fd, line)
                    os.fsync(fd)
                except OSError:
                    with suppress(OSError):  # else left torn: the next open sets it aside
                        os.ftruncate(fd, end)
                    raise
            finally:
                os.close(fd)
            if new:
                _fsync_dir(self.path.parent)
        except OSError as err:
            raise JournalError(
                f"{self.path}: cannot keep what the database did not take "
                f"(session {write.session_id}): {err.strerror or err}; free space or fix "
                "the folder's permissions, and tell a physiotherapist, chiropractor or doctor "
                "about any symptom felt in that session"
            ) from err

    def entries(self) -> list[Unstored]:
        """Every kept write, oldest first; [] when there is none. Read under a shared lock,
        so an append in progress is never mistaken for a torn line."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return []
        except OSError as err:
            raise self._unreadable(f"cannot be read ({err.strerror})") from err
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            data = _read_all(fd)
        except OSError as err:
            raise self._unreadable(f"cannot be read ({err.strerror})") from err
        finally:
            os.close(fd)
        found, _ = self._parse(data)
        return found

    @contextmanager
    def replaying(self) -> Iterator[list[Unstored]]:
        """The kept writes, held against new appends; emptied when the block exits cleanly.
        A last line cut off by a crash is set aside first (`_mend`)."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            yield []
            return
        except OSError as err:
            raise self._unreadable(f"cannot be opened ({err.strerror})") from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._mend(fd)
            found, _ = self._parse(_read_all(fd))
            yield found
            if found:
                os.ftruncate(fd, 0)
                os.fsync(fd)
        finally:
            os.close(fd)

    def _parse(self, data: bytes) -> tuple[list[Unstored], bytes]:
        """The kept writes in `data`, and a torn last line's bytes (b"" if none). A torn
        line that reads as a whole write is kept; any other damage raises JournalError."""
        *lines, tail = data.split(b"\n")
        found = [self._line(number, line) for number, line in enumerate(lines, 1)]
        if tail:
            whole = _whole(tail)
            if whole is None:
                return found, tail
            found.append(whole)
        return found, b""

    def _line(self, number: int, line: bytes) -> Unstored:
        try:
            return _from_dict(json.loads(line.decode("utf-8")))
        except (ValueError, KeyError, TypeError) as err:  # UnicodeDecodeError is a ValueError
            raise self._unreadable(f"line {number} is not a kept write ({err})") from err

    def _mend(self, fd: int) -> None:
        """Under the exclusive lock: a last line cut off by a crash (its writer is gone, as
        an append holds the lock until it is fsynced) is set aside — copied to `torn_path`
        and fsynced, then cut off here — and said on the log. A torn line that still reads
        as a whole write gets its newline. Lines before it are not judged here."""
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return
        data = _read_all(fd)
        torn = data[data.rfind(b"\n") + 1 :]
        if _whole(torn) is not None:
            os.pwrite(fd, b"\n", size)  # at the end (this descriptor may not append)
            os.fsync(fd)
            return
        try:
            self._set_aside(torn)
            os.ftruncate(fd, len(data) - len(torn))
            os.fsync(fd)
        except OSError as err:
            raise self._unreadable(
                f"ends in a line cut off that cannot be set aside in {self.torn_path} "
                f"({err.strerror})"
            ) from err
        log.warning(
            "%s: its last line was cut off (backbuddy stopped while writing it%s): its %d "
            "bytes are set aside in %s and the %d whole line(s) before it are kept. That "
            "write was never finished; if a symptom was felt in that session, tell a "
            "physiotherapist, chiropractor or doctor before the next one",
            self.path,
            _session_of(torn),
            len(torn),
            self.torn_path,
            data.count(b"\n"),
        )

    def _set_aside(self, torn: bytes) -> None:
        new = not self.torn_path.exists()
        fd = os.open(self.torn_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            _write_all(fd, torn + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:
            _fsync_dir(self.torn_path.parent)

    def _unreadable(self, why: str) -> JournalError:
        return JournalError(
            f"{self.path}: the record of events the database could not take {why}; it may "
            "hold a symptom, so no session starts until it is read: restore the file from "
            "a backup, or ask a physiotherapist, chiropractor or doctor before moving it aside"
        )


def _whole(tail: bytes) -> Unstored | None:
    """A last line without its newline that is still a whole kept write, else None."""
    try:
        return _from_dict(json.loads(tail.decode("utf-8")))
    except (ValueError, KeyError, TypeError):
        return None


def _session_of(torn: bytes) -> str:
    """ ", a write of session N" when the torn line got that far."""
    session_id = _session_id(torn)
    return f", a write of session {session_id}" if session_id is not None else ""


def _session_id(torn: bytes) -> int | None:
    """The session a torn line was a write of, when it got that far."""
    began = _SESSION.match(torn)
    return int(began[1]) if began else None


_SESSION = re.compile(rb'\{"v":\d+,"session_id":(\d+),')


def _read_all(fd: int) -> bytes:
    """The whole file from its start (an O_APPEND descriptor still reads from any offset)."""
    size = os.fstat(fd).st_size
    chunks = []
    offset = 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    """Every byte of `data`, or OSError: a short write (a disk filling up) is carried on,
    and the error it then meets raised, never taken for success."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(28, "No space left on device")
        view = view[written:]


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _to_dict(write: Unstored) -> dict[str, Any]:
    finish = write.finish
    return {
        "v": VERSION,
        "session_id": write.session_id,
        "steps": [
            {
                "seq": s.seq,
                "event": event_codec.to_dict(s.event),
                "cues": [cue_codec.to_dict(c) for c in s.cues],
            }
            for s in write.steps
        ],
        "finish": None
        if finish is None
        else {
            "status": finish.status,
            "ended_at": finish.ended_at.isoformat(),
            "attempts": finish.attempts,
            "end_reason": finish.end_reason,
        },
    }


def _from_dict(raw: dict[str, Any]) -> Unstored:
    if raw["v"] != VERSION:
        raise ValueError(f"format {raw['v']!r}, not {VERSION}")
    steps = tuple(
        StoredStep(
            int(s["seq"]),
            event_codec.from_dict(s["event"]),
            tuple(cue_codec.from_dict(c) for c in s["cues"]),
        )
        for s in raw["steps"]
    )
    end = raw["finish"]
    finish = None
    if end is not None:
        at = datetime.fromisoformat(end["ended_at"])
        if at.tzinfo is None:
            raise ValueError("an end time without its zone")
        finish = Finish(end["status"], at, int(end["attempts"]), end["end_reason"])
    return Unstored(int(raw["session_id"]), steps, finish)


def steps_of(writes: Sequence[Unstored]) -> Iterator[tuple[int, StoredStep]]:
    """(session id, step) of every kept step."""
    for write in writes:
        for step in write.steps:
            yield write.session_id, step
