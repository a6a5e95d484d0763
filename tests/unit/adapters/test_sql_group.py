"""Group commit: first come, first written, and a commit shared by whoever waited for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from backbuddy.adapters.sql_group import GroupCommit


def test_a_writer_that_keeps_writing_cannot_jump_ahead_of_one_that_queued_before_it() -> None:
    """A stop queued while a busy session's write is on disk goes in the very next commit:
    never behind that session's next write."""
    written: list[list[str]] = []
    in_write = threading.Event()
    release = threading.Event()

    def write(items: Sequence[str]) -> None:
        if items == ["hog-1"]:
            in_write.set()
            release.wait()
        written.append(list(items))

    group = GroupCommit(write, threading.RLock())

    def hog() -> None:
        group.submit("hog-1")
        group.submit("hog-2")  # straight back in line: behind the waiting stop

    first = threading.Thread(target=hog)
    first.start()
    in_write.wait()
    second = threading.Thread(target=group.submit, args=("stop",))
    second.start()
    while group.queued < 1:  # the stop is queued
        time.sleep(0.001)
    release.set()
    first.join()
    second.join()
    assert [item for batch in written for item in batch] == ["hog-1", "stop", "hog-2"]
    assert written[0] == ["hog-1"]
