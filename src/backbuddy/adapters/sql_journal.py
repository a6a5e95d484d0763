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
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


class Journal:
    """An append-only, fsynced file of `Unstored` writes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, write: Unstored) -> None:
        """Put `write` on disk (fsynced) or raise JournalError."""
        line = json.dumps(_to_dict(write), separators=(",", ":")) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new = not self.path.exists()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                os.write(fd, line.encode())
                os.fsync(fd)
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
        """Every kept write, oldest first; [] when there is none."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as err:
            raise self._unreadable(f"cannot be read ({err})") from err
        found = []
        for number, line in enumerate(text.splitlines(keepends=True), 1):
            if not line.endswith("\n"):
                raise self._unreadable(f"line {number} was cut off")
            try:
                found.append(_from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as err:
                raise self._unreadable(f"line {number} is not a kept write ({err})") from err
        return found

    @contextmanager
    def replaying(self) -> Iterator[list[Unstored]]:
        """The kept writes, held against new appends; emptied when the block exits cleanly."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            yield []
            return
        except OSError as err:
            raise self._unreadable(f"cannot be opened ({err.strerror})") from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            found = self.entries()
            yield found
            if found:
                os.ftruncate(fd, 0)
                os.fsync(fd)
        finally:
            os.close(fd)

    def _unreadable(self, why: str) -> JournalError:
        return JournalError(
            f"{self.path}: the record of events the database could not take {why}; it may "
            "hold a symptom, so no session starts until it is read: restore the file from "
            "a backup, or ask a physiotherapist, chiropractor or doctor before moving it aside"
        )


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
