"""An outsider's fuzzer on the session socket: arbitrary messages on one page must never stop
the server from serving, nor another session from halting on STOP (I2).

Each example runs a fresh app with two running sessions: A (camera watch on, a
test double that sees the receiver) takes the arbitrary messages, text and
binary; B (no camera) is the bystander. Afterwards: A either answers a STOP with
a halt first, or was cut off with a fatal error and is recorded as no longer
running; B answers its STOP with a halt; /healthz answers; and no message ever
reached the socket's last-resort handler (that would be a crash waiting to
happen, hidden behind a polite error).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect
from tests.support.live_sessions import start_live

from backbuddy.domain.events import SENSATION_KINDS, STOP_SOURCES
from backbuddy.web.page_landmarks import MAGIC, encode
from backbuddy.web.schemas import PAGE_EVENTS

from .conftest import ORIGIN, WS, make_client
from .jpegs import claims_size, tiny_jpeg
from .test_socket import still

FINAL = "zz-final-stop"

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
values = st.recursive(
    scalars,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4)
    ),
    max_leaves=16,
)
kinds = st.sampled_from([*sorted(PAGE_EVENTS), "tick", "begin", "pose"]) | st.text(max_size=8)
events = st.fixed_dictionaries(
    {"event": kinds},
    optional={
        "sensation": st.sampled_from(SENSATION_KINDS) | values,
        "source": st.sampled_from(STOP_SOURCES) | values,
        "t": values,
        "extra": values,
    },
)
points = st.lists(st.lists(st.floats(), min_size=4, max_size=4), min_size=33, max_size=33)
points32 = st.lists(st.lists(st.floats(width=32), min_size=4, max_size=4), min_size=33, max_size=33)
envelopes = st.fixed_dictionaries(
    {
        "v": st.sampled_from([1, 1, 1, 2, "1", None]),
        "type": st.sampled_from(["event", "landmarks"]),
    },
    optional={
        "event": events | values,
        "ref": st.text(max_size=48) | values,
        "image": points | values,
        "world": points | st.none(),
        "size": st.lists(st.integers(-5, 10_000), min_size=2, max_size=2) | values,
    },
)
texts = envelopes.map(json.dumps) | values.map(json.dumps) | st.text(max_size=40)
frames = (
    st.binary(max_size=120)
    | st.binary(max_size=120).map(lambda b: b"\xff\xd8\xff" + b)
    | st.just(tiny_jpeg())
    | st.builds(claims_size, st.integers(1, 65535), st.integers(1, 65535))
    | st.binary(max_size=1100).map(lambda b: MAGIC + b)  # landmarks, binary (page_landmarks)
    | st.builds(
        encode,
        points32 | st.none(),
        points32 | st.none(),
        st.tuples(st.integers(1, 8192), st.integers(1, 8192)),
        st.floats(width=64),
        st.none() | st.floats(width=64),
    )
)
messages = st.lists(
    texts.map(lambda t: ("text", t)) | frames.map(lambda b: ("bytes", b)),
    min_size=1,
    max_size=40,  # past the burst a page may send: floods are fuzzed too
)


class Unreadable(logging.Handler):
    """Counts messages that reached the socket's last-resort handler."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


@contextmanager
def watching_the_last_resort() -> Iterator[Unreadable]:
    handler = Unreadable()
    logger = logging.getLogger("backbuddy.web.session_socket")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def stop(ws: WebSocketTestSession, ref: str) -> None:
    ws.send_text(json.dumps({"v": 1, "type": "event", "event": {"event": "stop"}, "ref": ref}))


def answer_or_cut_off(ws: WebSocketTestSession, ref: str) -> dict[str, Any] | None:
    """The answer to press `ref`, or None when the server cut the page off (fatal error)."""
    fatal = False
    try:
        while True:
            message = ws.receive_json()
            if message.get("ref") == ref:
                return dict(message)
            fatal = fatal or (message["type"] == "error" and message["fatal"])
    except WebSocketDisconnect:
        assert fatal, "the socket closed without a fatal error saying why"
        return None


def opened(client: TestClient, sid: int) -> WebSocketTestSession:
    ws = client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN)
    ws.__enter__()
    assert [ws.receive_json()["type"] for _ in range(3)] == ["hello", "cues", "state"]
    return ws


def status(client: TestClient, sid: int) -> str:
    store = client.app.state.registry.store  # type: ignore[attr-defined]
    return next(s.status for s in store.sessions() if s.id == sid)


@settings(
    max_examples=int(os.environ.get("BACKBUDDY_FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=messages)
def test_arbitrary_messages_never_stop_the_server_or_another_sessions_stop(
    tmp_path_factory: Any, sent: list[tuple[str, Any]]
) -> None:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    with (
        watching_the_last_resort() as last_resort,
        make_client(tmp, analyzers=still, grace_s=30.0) as client,
    ):
        assert client.portal is not None
        a_id, b_id = client.portal.call(start_live, client.app.state.registry, [True, False])  # type: ignore[attr-defined]
        a, b = opened(client, a_id), opened(client, b_id)
        try:
            for kind, payload in sent:
                if kind == "text":
                    a.send_text(payload)
                else:
                    a.send_bytes(payload)
            stop(a, FINAL)
            answer = answer_or_cut_off(a, FINAL)
            if answer is None:
                assert status(client, a_id) != "running"  # halted and recorded
            else:
                assert answer["cues"][0]["kind"] == "halt"  # I2: from whatever state
            stop(b, "b")
            b_answer = answer_or_cut_off(b, "b")
            assert b_answer is not None
            assert b_answer["cues"][0]["kind"] == "halt"
            assert client.get("/healthz").status_code == 200
        finally:
            a.__exit__(None, None, None)
            b.__exit__(None, None, None)
    assert last_resort.records == []
