"""A test socket never waits for ever: a server that goes quiet fails the test in
`RECEIVE_DEADLINE_S`, naming what happened, instead of holding a CI worker until
pytest-timeout (session 14: a session that ended on a false pop sent nothing more, and the
test's `receive_json` waited 600 s of a 15-minute budget).

Starlette's `WebSocketTestSession.receive` blocks on its portal with no limit; this wraps the
same call in `anyio.fail_after`. On the deadline every task of the app's event loop prints
where it waits (the app runs on the portal's loop), so a flaky hang leaves its cause in the
test's captured output. Installed for the whole suite by tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import io
import sys
from typing import Any

import anyio
from starlette.testclient import WebSocketTestSession

#: Longer than any message a test waits for (the slowest, a breath or a grace, is ~30 s).
RECEIVE_DEADLINE_S = 90.0


def _tasks_now() -> str:
    out = io.StringIO()
    for task in asyncio.all_tasks():
        print(f"--- {task!r:.200}", file=out)
        task.print_stack(limit=12, file=out)
    return out.getvalue()


def _receive_within(self: WebSocketTestSession) -> Any:
    async def receive() -> Any:
        try:
            with anyio.fail_after(RECEIVE_DEADLINE_S):
                return await self._send_rx.receive()
        except TimeoutError:
            print(
                f"app tasks after {RECEIVE_DEADLINE_S:g} s of quiet:\n{_tasks_now()}",
                file=sys.stderr,
            )
            raise

    try:
        return self.portal.call(receive)
    except TimeoutError:
        raise AssertionError(
            f"the server sent nothing on this socket for {RECEIVE_DEADLINE_S:g} s "
            "(where each app task waits: the test's captured stderr)"
        ) from None


def install() -> None:
    WebSocketTestSession.receive = _receive_within  # type: ignore[method-assign]
