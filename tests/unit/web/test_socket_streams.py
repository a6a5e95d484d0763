"""A page's socket under a stream of replayed and reordered messages (red team).

Hypothesis draws what a buggy, stale or hostile page might send on one session's socket:
every page event in any order (a `resume` during a halt, `ready` after the end), the same
message sent again with the same `ref` (a retry), the sensation buttons pressed twice, and
a second tab opening while the first is attached. (Fatal messages end the session: not
drawn here; tests/integration/test_socket_attacks.py covers them.) After each message the
engine's state is read from the server, and the invariants of design.md §3 that the page
can reach must hold: a stop halts at once (I2); no more than three attempts (I6); a pop
ends the session and rests the area (I6); nothing moves again once the session ended
(I8); a second tab is refused and the first one keeps its session; the server keeps
serving (a stop still halts after anything). Real app, real SQLite, in process.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect
from tests.unit.web.conftest import ORIGIN, WS, make_client, start_session

from backbuddy.domain import rules

EVENTS = [
    {"event": "ready"},
    {"event": "resume"},
    {"event": "stop"},
    {"event": "end"},
    {"event": "pop"},
    {"event": "resistance"},
    {"event": "sensation", "sensation": "discomfort"},
    {"event": "sensation", "sensation": "comfortable_stretch"},
]
actions = st.one_of(
    st.tuples(st.just("event"), st.sampled_from(range(len(EVENTS)))),
    st.tuples(st.just("again"), st.just(0)),
    st.tuples(st.just("tab"), st.just(0)),
)


class Page:
    """The page's socket (opened again if the server closed it)."""

    def __init__(self, client: Any, sid: int) -> None:
        self.client, self.sid, self.n = client, sid, 0
        self.ws: WebSocketTestSession | None = None
        self.last: dict[str, Any] | None = None

    def open(self) -> WebSocketTestSession:
        if self.ws is None:
            cm = self.client.websocket_connect(f"{WS}/ws/session/{self.sid}", headers=ORIGIN)
            self.ws = cm.__enter__()
            self._cm = cm
            self.ws.receive_json()  # hello
        return self.ws

    def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):  # already closed by the server
                self._cm.__exit__(None, None, None)
            self.ws = None

    def send(self, event: dict[str, Any], ref: str) -> dict[str, Any] | None:
        """One event; its answer (cues with the ref, or a refusal), None if the socket died."""
        ws = self.open()
        self.last = {"v": 1, "type": "event", "event": event, "ref": ref}
        ws.send_json(self.last)
        return self._answer(ref)

    def again(self) -> dict[str, Any] | None:
        if self.last is None:
            return None
        ws = self.open()
        ws.send_json(self.last)
        return self._answer(self.last["ref"])

    def _answer(self, ref: str) -> dict[str, Any] | None:
        assert self.ws is not None
        try:
            for _ in range(200):
                m = self.ws.receive_json()
                if m.get("ref") == ref or m["type"] == "error":
                    if m["type"] == "error" and m.get("fatal"):
                        self.close()
                        return None
                    return m  # type: ignore[no-any-return]
        except WebSocketDisconnect:
            self.ws = None
            return None
        raise AssertionError(f"no answer to {ref}")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(actions, min_size=1, max_size=25))
def test_any_stream_of_page_messages_keeps_the_invariants(stream: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp, make_client(Path(tmp)) as client:
        sid = start_session(client)
        live = client.app.state.registry.get(sid)  # type: ignore[attr-defined]
        page = Page(client, sid)
        try:
            drive(client, sid, live, page, stream)
        finally:
            page.close()


def drive(client: Any, sid: int, live: Any, page: Page, stream: list[tuple[str, int]]) -> None:
    """Each message of the stream, then the invariants on the server's engine state."""
    ended = False
    for n, (kind, i) in enumerate(stream):
        before = live.runner.state
        if kind == "event":
            answer = page.send(EVENTS[i], f"r{n}")
            sent: dict[str, Any] | None = EVENTS[i]
        elif kind == "again":
            sent = page.last["event"] if page.last else None
            answer = page.again()
        else:  # a second tab while the first is attached: refused, the first goes on
            page.open()
            second = client.websocket_connect(f"{WS}/ws/session/{sid}", headers=ORIGIN)
            code: object = None
            try:
                with second as other:
                    code = other.receive_json().get("code")
            except WebSocketDisconnect as closed:
                code = closed.code
            assert code in ("already_connected", 4409), code
            answer = page.send({"event": "stop"}, f"s{n}")
            assert answer is not None, "the first tab lost its session to a second one"
            sent = {"event": "stop"}
        state = live.runner.state
        what = f"after {kind} {sent} from {before.mode}"
        if sent == {"event": "stop"}:
            assert state.mode in ("halted", "ended"), what  # I2
        if sent == {"event": "pop"} and answer is not None and answer["type"] == "cues":
            assert state.mode == "ended", what
            assert state.popped_at is not None, what
        assert state.attempts <= state.limits.attempts, what  # I6
        assert state.given_back <= rules.GIVEN_BACK_MAX, what
        if ended:
            assert state.mode == "ended", what  # I8: nothing after the end
        ended = state.mode == "ended"
    assert page.send({"event": "stop"}, "last") is not None  # the server still serves
    assert live.runner.state.mode in ("halted", "ended")
