"""The loop's wake-up: readable from a `set()` until the next `clear()`, however many sets."""

from __future__ import annotations

import select
import threading

from backbuddy.services.wake import Wake


def _readable(wake: Wake) -> bool:
    return bool(select.select([wake.fileno()], [], [], 0)[0])


def test_sets_wake_the_loop_until_it_clears_and_a_later_set_wakes_it_again() -> None:
    wake = Wake()
    try:
        assert not _readable(wake)
        wake.clear()  # nothing to clear: nothing happens
        assert not _readable(wake)
        wake.set()
        wake.set()  # a frame queued before the loop woke: still one wake-up
        assert _readable(wake)
        wake.clear()
        assert not _readable(wake)
        wake.set()  # a frame queued after the loop cleared: not lost
        assert _readable(wake)
    finally:
        wake.close()


def test_sets_from_many_threads_leave_one_wake_up_that_one_clear_takes() -> None:
    wake = Wake()
    try:
        threads = [
            threading.Thread(target=lambda: [wake.set() for _ in range(200)]) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert _readable(wake)
        wake.clear()
        assert not _readable(wake)
    finally:
        wake.close()


def test_a_closed_wake_up_ignores_a_late_set() -> None:
    wake = Wake()
    wake.close()
    wake.set()  # a worker finishing after the loop left: no write on a closed descriptor
    wake.clear()
    wake.close()
