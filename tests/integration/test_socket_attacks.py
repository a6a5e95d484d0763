"""Malformed, huge and out-of-order session-socket messages against the real server (uvicorn,
real sockets: the transport's limits, not the test client's), red-team pass of session 9.

Sessions 1..8 take one attack each (a fatal one ends its session); the last session is the
bystander. After each: the server answers /healthz and the bystander's STOP halts first
(the in-process fuzzer also checks that nothing reached the socket's last-resort handler,
which the forked server's log does not show here). The in-process fuzzer
(tests/unit/web/test_socket_fuzz.py) covers arbitrary message content; this covers what
only a real server has: the frame size limit, fragments, a close mid-message, binary
headers cut short, a page that never reads.
"""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from tests.support.page_socket import page, wait_for
from tests.support.servers import Server, start_server
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from backbuddy.cli.serve_cmd import WS_MAX_BYTES
from backbuddy.web.page_landmarks import MAGIC

pytestmark = pytest.mark.slow


@contextmanager
def raw(server: Server, session_id: int) -> Iterator[ClientConnection]:
    """A live session's page socket past its opening (hello, replay, state), with no size
    limit of its own: the server's is what is tested."""
    url = f"{server.ws}/ws/session/{session_id}"
    headers = {"Origin": server.url}
    with connect(url, additional_headers=headers, open_timeout=10, max_size=None) as ws:
        for _ in range(3):
            ws.recv(timeout=10)
        yield ws


def oversized(ws: ClientConnection) -> None:
    ws.send("x" * (WS_MAX_BYTES + 1))


def fragments(ws: ClientConnection) -> None:
    """A valid STOP in fragments of one text message."""
    text = json.dumps({"v": 1, "type": "event", "event": {"event": "stop"}, "ref": "f"})
    ws.send(iter([text[:5], text[5:17], text[17:]]))


def cut_landmarks(ws: ClientConnection) -> None:
    ws.send(MAGIC + b"\x01")  # the landmarks magic, then nothing of its header


def wrong_count(ws: ClientConnection) -> None:
    head = MAGIC + struct.pack("<B3sII4sdd", 1, b"\0\0\0", 640, 480, b"\0\0\0\0", 10.0, 0.0)
    ws.send(head + b"\0" * 17)  # a header, then points of no whole landmark


def audio_cut(ws: ClientConnection) -> None:
    ws.send(b"BBA1")


def nan_text(ws: ClientConnection) -> None:
    ws.send('{"v": 1, "type": "landmarks", "image": null, "size": [640, 480], "ms": NaN}')


def resume_first(ws: ClientConnection) -> None:
    """Out of order: resume and a second begin before anything was paused or ended."""
    for event in ("resume", "begin", "end", "resume", "ready"):
        ws.send(json.dumps({"v": 1, "type": "event", "event": {"event": event}}))


def never_reads(ws: ClientConnection) -> None:
    """Presses at a person's pace for a while, never reading an answer."""
    for k in range(12):
        ws.send(json.dumps({"v": 1, "type": "event", "event": {"event": "ready"}, "ref": str(k)}))
        time.sleep(0.25)


ATTACKS: dict[str, Callable[[ClientConnection], None]] = {
    "oversized": oversized,
    "fragments": fragments,
    "cut_landmarks": cut_landmarks,
    "wrong_count": wrong_count,
    "audio_cut": audio_cut,
    "nan_text": nan_text,
    "resume_first": resume_first,
    "never_reads": never_reads,
}


def test_malformed_huge_and_out_of_order_messages_never_stop_the_server_or_a_stop(
    tmp_path: Path,
) -> None:
    bystander = len(ATTACKS) + 1  # sessions 1..N take one attack each (a fatal one ends it)
    server = start_server(tmp_path, camera=False, grace=60.0, live=bystander)
    try:
        for target, (name, attack) in enumerate(ATTACKS.items(), start=1):
            with raw(server, target) as ws:  # a live session's page: the attack reaches it
                try:
                    attack(ws)
                    time.sleep(0.3)
                except (ConnectionClosed, OSError, TimeoutError):
                    pass  # cut off by the server: its right
            assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200, name
            with page(server, bystander) as two:
                ref = f"stop-{name}"
                stop = {"v": 1, "type": "event", "event": {"event": "stop"}, "ref": ref}
                two.send(json.dumps(stop))
                answer = wait_for(two, lambda m, r=ref: m.get("ref") == r)
                assert answer["type"] == "cues", (name, answer)
                assert answer["cues"][0]["kind"] == "halt", (name, answer)
                two.send(json.dumps({"v": 1, "type": "event", "event": {"event": "resume"}}))
    finally:
        server.kill()
