"""A page that never reads cannot grow the server's memory without bound (`web.outbox`).

Frame answers still waiting coalesce into the newest (counting every message they covered);
cues, state and every other message wait in order and are never dropped. A page whose
messages cannot be sent for `STALL_S` is let go: the session halts as for a lost page.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.support.apart import run_apart
from tests.support.live_sessions import start_live

from backbuddy.bootstrap import open_store
from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain.techniques import Limits, Technique
from backbuddy.web import session_socket
from backbuddy.web.frames import FrameResult
from backbuddy.web.outbox import Outbox
from backbuddy.web.page_landmarks import encode
from backbuddy.web.phone import Phones
from backbuddy.web.phone_socket import PhoneConnection
from backbuddy.web.registry import Registry
from backbuddy.web.session_socket import Connection


def frame(analysed: int, seq: int) -> dict[str, Any]:
    return {"type": "frame", "seq": seq, "analysed": analysed}


def drained(box: Outbox) -> list[dict[str, Any] | None]:
    got: list[dict[str, Any] | None] = []

    async def read() -> None:
        got.extend([await box.get() for _ in range(len(box))])

    run_apart(read)
    return got


def test_waiting_frame_answers_coalesce_and_nothing_else_is_dropped() -> None:
    box = Outbox()
    halt = {"type": "cues", "cues": [{"kind": "halt"}], "ref": None}
    state = {"type": "state", "mode": "halted"}
    box.put(frame(1, 1))
    box.put(halt)
    box.put(frame(2, 2))
    box.put(state)
    box.put(frame(3, 5))
    box.put(None)
    # The halt and the state keep their order; one frame answer, the newest, counting all 6.
    assert drained(box) == [halt, state, frame(6, 5), None]


class Watch:
    """A camera watch that sees nobody (the socket's queueing is the thing tested)."""

    def analyze(self, jpeg: bytes, t: float, checks: tuple[str, ...]) -> FrameResult:
        raise AssertionError("only landmarks are sent")

    def analyze_landmarks(self, *args: Any, **kwargs: Any) -> FrameResult:
        t = args[3]
        return FrameResult(ev.Pose(t, tracked=False), None)

    def close(self) -> None:
        pass


class DeafPage:
    """A page that sends landmarks but never reads: every send waits for good."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.k = 0

    async def receive(self) -> dict[str, Any]:
        if self.k >= self.count:
            await asyncio.Event().wait()  # then silence, the socket still open
        self.k += 1
        await asyncio.sleep(0.025)  # 40 a second, page time as the server's (a camera's)
        image = np.full((33, 4), 0.5, np.float32)
        image[0, 0] = self.k / 1e4  # each message its own numbers (no frozen camera)
        data = encode(image, None, (360, 640), 1000.0 * asyncio.get_running_loop().time())
        return {"type": "websocket.receive", "bytes": data}

    async def send_text(self, text: str) -> None:
        await asyncio.Event().wait()

    async def close(self, code: int = 1000) -> None:
        pass


@pytest.fixture(scope="module")
def store() -> Iterator[Any]:
    with tempfile.TemporaryDirectory() as name:
        opened = open_store(Settings(db=str(Path(name) / "deaf.sqlite3")))
        yield opened.store
        opened.store.close()


def deaf_registry(store: Any, monkeypatch: pytest.MonkeyPatch) -> Registry:
    """A registry whose sockets let a page go after 0.3 s of full buffers."""
    monkeypatch.setattr(session_socket, "STALL_S", 0.3)

    def watch(technique: Technique, limits: Limits) -> Watch:
        return Watch()

    return Registry(Settings(db="unused"), store, watch, grace_s=30.0)  # type: ignore[arg-type]


def test_a_page_that_reads_nothing_is_let_go_and_its_session_halts(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = deaf_registry(store, monkeypatch)
    seen: dict[str, Any] = {}

    async def main() -> None:
        (sid,) = start_live(registry, [True])
        live = registry.sessions[sid]
        connection = Connection(DeafPage(60), live)  # type: ignore[arg-type]
        await asyncio.wait_for(connection.run(), timeout=10.0)  # let go, not hung
        seen["mode"] = live.runner.state.mode
        seen["waiting"] = [m for m in connection.outbox._items if m is not None]
        seen["stalled"] = connection.stalled
        await live.interrupt_now("the test is over")

    run_apart(main)
    assert seen["stalled"]
    assert seen["mode"] == "halted"  # as for a lost page: halted, waiting for it to return
    # 60 landmarks messages were answered, but at most one frame answer ever waits.
    frames = [m for m in seen["waiting"] if m["type"] == "frame"]
    assert len(frames) <= 1
    assert len(seen["waiting"]) < 20


def test_a_phone_that_reads_nothing_is_let_go(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = deaf_registry(store, monkeypatch)
    seen: dict[str, Any] = {}

    async def main() -> None:
        (sid,) = start_live(registry, [True], days_back=3)
        live = registry.sessions[sid]
        phone = PhoneConnection(DeafPage(60), live, Phones(lambda _: True))  # type: ignore[arg-type]
        await asyncio.wait_for(phone.run(), timeout=10.0)  # let go, not hung
        seen["stalled"], seen["phone"] = phone.stalled, live.phone
        await live.interrupt_now("the test is over")

    run_apart(main)
    # Let go: its frames no longer reach the camera watch (a movement pauses for them).
    assert seen == {"stalled": True, "phone": "none"}
