"""Run a coroutine on a thread of its own: a fresh event loop, whatever an earlier test left.

Playwright's sync API (the e2e tests) leaves a running event loop on the worker's main thread,
so a later test's `asyncio.run` there fails with "cannot be called from a running event loop"
when pytest-xdist puts both on one worker.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any


def run_apart(main: Callable[[], Coroutine[Any, Any, Any]], timeout_s: float = 120.0) -> None:
    """`asyncio.run(main())` on its own thread; its exception is raised here."""
    failed: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as err:  # noqa: BLE001 - re-raised on the test's thread
            failed.append(err)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=timeout_s)
    assert not thread.is_alive(), f"the coroutine did not finish within {timeout_s:g} s"
    if failed:
        raise failed[0]
