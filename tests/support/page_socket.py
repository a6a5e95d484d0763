"""A session page's socket on a real server, as the integration tests drive it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.support.servers import Server
from websockets.sync.client import ClientConnection, connect

#: Generous for a loaded 2-core box.
WITHIN_S = 20.0


@contextmanager
def page(server: Server, session_id: int) -> Iterator[ClientConnection]:
    """The session page's socket, past its opening messages (hello, replay, state)."""
    url = f"{server.ws}/ws/session/{session_id}"
    with connect(url, additional_headers={"Origin": server.url}, open_timeout=10) as ws:
        for _ in range(3):
            ws.recv(timeout=10)
        yield ws


def wait_for(
    ws: ClientConnection, pred: Callable[[dict[str, Any]], bool], within_s: float = WITHIN_S
) -> dict[str, Any]:
    """The first message `pred` accepts, within `within_s`."""
    deadline = time.monotonic() + within_s
    while (left := deadline - time.monotonic()) > 0:
        message: dict[str, Any] = json.loads(ws.recv(timeout=left))
        if pred(message):
            return message
    raise AssertionError(f"no such message within {within_s} s")
