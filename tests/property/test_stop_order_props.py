"""STOP priority on the session socket (issue 15): with pose in the page, landmarks arrive 30
times a second, and a STOP (or a symptom press) must never wait behind them.

Over arbitrary interleavings of landmarks, STOP and resume messages from one page (with the
camera watch taking arbitrary time per frame and the event loop switching at arbitrary
points), through the real socket handler, live session, engine and SQLite store:

* no landmarks message received after a STOP is stepped before that STOP;
* a STOP waits for at most one pose: the one already being stepped when it came (waiting
  landmarks are coalesced, never queued ahead of it);
* the freshest landmarks win: poses are stepped in the order their messages came, never an
  older one after a newer one (stale ones are dropped, not reordered).

The camera watch is a hand-written fake (the ordering is the thing tested, not the monitors);
each pose it makes carries its message's number in `failing`, where the log can read it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.apart import run_apart
from tests.support.live_sessions import start_live
from tests.support.memory_dir import MEMORY_DIR

from backbuddy.bootstrap import open_store
from backbuddy.config import Settings
from backbuddy.domain import events as ev
from backbuddy.domain.techniques import Limits, Technique
from backbuddy.web.frames import FrameResult
from backbuddy.web.registry import Registry
from backbuddy.web.session_socket import Connection

POINT = [0.5, 0.5, 0.0, 0.9]
# One session a day at most (I8): each example its own day, 3 days after the one before
# (not before it: a session stamped later than "now" still counts, as after a clock set back).
_days = itertools.count(0, -3)


class Log:
    """What happened, in order, across the event loop and the session's worker."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()

    def add(self, what: str, kind: str, k: int) -> None:
        with self._lock:
            self.rows.append((what, kind, k))


class FakeWatch:
    """A camera watch that takes `delays[k]` seconds on message k and labels its pose."""

    def __init__(self, delays: Sequence[float]) -> None:
        self.delays = delays
        self.k = 0

    def analyze(self, jpeg: bytes, t: float, checks: tuple[str, ...]) -> FrameResult:
        raise AssertionError("only landmarks are sent")

    def analyze_landmarks(
        self,
        image: Any,
        world: Any,
        size: Any,
        t: float,
        checks: Any,
        unsure: bool = False,
        covered: bool = False,
    ) -> FrameResult:
        k = round(image[0][0] * 1e4)  # the message's number, carried in its first x
        time.sleep(self.delays[k % len(self.delays)])
        return FrameResult(ev.Pose(t, tracked=False, failing=(f"m{k}",)), None)

    def close(self) -> None:
        pass


class Page:
    """The page's side of the socket: the messages in order, the loop yielding between them."""

    def __init__(self, messages: list[str], yields: Sequence[int], log: Log) -> None:
        self.messages, self.yields, self.log = messages, yields, log
        self.sent: list[str] = []

    async def receive(self) -> dict[str, Any]:
        if not self.messages:
            await asyncio.sleep(0.05)  # let the last frame through, then leave
            return {"type": "websocket.disconnect", "code": 1000}
        i = len(self.sent)
        for _ in range(self.yields[i % len(self.yields)]):
            await asyncio.sleep(0)
        text = self.messages.pop(0)
        self.sent.append(text)
        message = json.loads(text)
        if message["type"] == "landmarks":
            self.log.add("received", "landmarks", round(message["image"][0][0] * 1e4))
        else:
            self.log.add("received", message["event"]["event"], i)
        return {"type": "websocket.receive", "text": text}

    async def send_text(self, text: str) -> None:
        pass

    async def close(self, code: int = 1000) -> None:
        pass


def landmarks(k: int) -> str:
    image = [[k / 1e4, 0.5, 0.0, 0.9]] + [POINT] * 32
    return json.dumps({"v": 1, "type": "landmarks", "image": image, "size": [360, 640]})


def press(kind: str) -> str:
    return json.dumps({"v": 1, "type": "event", "event": {"event": kind}})


@pytest.fixture(scope="module")
def store() -> Iterator[Any]:
    with tempfile.TemporaryDirectory(dir=MEMORY_DIR) as name:
        opened = open_store(Settings(db=str(Path(name) / "order.sqlite3")))
        yield opened.store
        opened.store.close()


def run(store: Any, kinds: list[str], delays: list[float], yields: list[int]) -> Log:
    log = Log()
    messages, k = [], 0
    for kind in kinds:
        if kind == "landmarks":
            messages.append(landmarks(k))
            k += 1
        else:
            messages.append(press(kind))

    def watch(technique: Technique, limits: Limits) -> FakeWatch:
        return FakeWatch(delays)

    registry = Registry(Settings(db="unused"), store, watch, grace_s=30.0)  # type: ignore[arg-type]

    async def main() -> None:
        (sid,) = start_live(registry, [True], days_back=next(_days))
        live = registry.sessions[sid]
        handle = live.runner.handle

        def logged(event: ev.Event, now: Any) -> Any:
            cues = handle(event, now)
            if isinstance(event, ev.Pose):
                log.add("stepped", "pose", int(event.failing[0][1:]))
            elif isinstance(event, ev.Stop) and event.source == "system":
                log.add("stepped", "system_stop", -1)
            else:
                log.add("stepped", event.kind, -1)
            return cues

        live.runner.handle = logged  # type: ignore[method-assign]
        page = Page(messages, yields, log)
        await Connection(page, live).run()  # type: ignore[arg-type]
        await live.interrupt_now("the test is over")

    run_apart(main)
    return log


page_messages = st.lists(
    st.sampled_from(["landmarks"] * 5 + ["stop", "resume"]), min_size=1, max_size=40
).filter(lambda kinds: sum(k != "landmarks" for k in kinds) <= 20)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=page_messages,
    delays=st.lists(st.sampled_from([0.0, 0.0, 0.001, 0.004]), min_size=1, max_size=8),
    yields=st.lists(st.integers(0, 3), min_size=1, max_size=8),
)
def test_a_stop_never_waits_behind_landmarks_and_nothing_after_it_goes_first(
    store: Any, kinds: list[str], delays: list[float], yields: list[int]
) -> None:
    rows = run(store, kinds, delays, yields).rows
    stepped_at = {
        k: i for i, (what, kind, k) in enumerate(rows) if what == "stepped" and kind == "pose"
    }
    page_stops = [i for i, r in enumerate(rows) if r[:2] == ("stepped", "stop")]
    received_stops = [i for i, r in enumerate(rows) if r[:2] == ("received", "stop")]
    assert len(page_stops) == len(received_stops), "every STOP reaches the engine"
    for came, done in zip(received_stops, page_stops, strict=True):
        later = [k for what, kind, k in rows[came:] if (what, kind) == ("received", "landmarks")]
        assert all(stepped_at.get(k, len(rows)) > done for k in later), (
            "landmarks received after a STOP were stepped before it"
        )
        between = [r for r in rows[came:done] if r[:2] == ("stepped", "pose")]
        assert len(between) <= 1, f"a STOP waited behind {len(between)} poses"
    poses = [k for what, kind, k in rows if (what, kind) == ("stepped", "pose")]
    assert poses == sorted(set(poses)), "an older pose was stepped after a newer one"
