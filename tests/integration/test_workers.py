"""Several worker processes of one server (`backbuddy serve --workers N`, `web.workers`).

Two real app servers as workers of one server over one SQLite file: a session started on
a busy worker runs on the idle one and the browser is sent there; a double start on
either worker goes back to the running session wherever it runs; a STOP on each halts
it; a red flag answered on one worker ends the session on the other. Then the real
`backbuddy serve --workers 2`: both ports answer, a killed worker is started again and
said so, and Ctrl+C stops them all.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.page_socket import page, wait_for
from tests.support.servers import Server, free_port, start_server
from websockets.sync.client import ClientConnection

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.config import db_url
from backbuddy.domain.screening import load_questions

pytestmark = pytest.mark.slow

SEATED, LYING = "seated_hug_extension", "side_lying_rotation"
SECRET = "test-worker-secret-0123456789"


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Worker 0 runs session 1 (started 3 days ago, so the history allows one today);
    worker 1 runs nothing yet."""
    ports = (free_port(), free_port())
    plan = f"{ports[0]},{ports[1]}:{SECRET}"
    first = start_server(
        tmp_path,
        camera=False,
        grace=30.0,
        live=1,
        port=ports[0],
        extra=("--live-days-back", "3", "--worker", f"0:{plan}"),
    )
    second = None
    try:
        second = start_server(
            tmp_path,
            camera=False,
            grace=30.0,
            port=ports[1],
            db=str(first.db),
            extra=("--worker", f"1:{plan}"),
        )
        yield first, second
    finally:
        for server in (first, second):
            if server is not None:
                server.kill()


def browser(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"origin": server.url}, timeout=30)


def screen(server: Server, technique: str, **answers: str) -> None:
    given = {q.id: "no" for q in load_questions().questions} | answers
    with browser(server) as http:
        assert http.post(f"/screening/{technique}", data=given).status_code == 200


def start(server: Server, technique: str) -> str:
    """POST /sessions as the set-up page does; where the browser is sent."""
    with browser(server) as http:
        answer = http.post("/sessions", data={"technique": technique})
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def stop(ws: ClientConnection, ref: str) -> dict[str, Any]:
    ws.send(json.dumps({"v": 1, "type": "event", "event": {"event": "stop"}, "ref": ref}))
    return wait_for(ws, lambda m: m.get("ref") == ref)


def test_sessions_on_two_workers_stop_restart_and_halt_across(
    two_workers: tuple[Server, Server],
) -> None:
    busy, idle = two_workers
    screen(busy, SEATED)
    screen(busy, LYING)
    # Worker 0 holds a session: the new one starts on worker 1, and the browser goes there.
    assert start(busy, LYING) == f"{idle.url}/session/2"
    # A double start on either worker goes back to the session where it runs.
    assert start(busy, LYING) == f"{idle.url}/session/2"
    assert start(idle, SEATED) == f"{busy.url}/session/1"
    with browser(busy) as http:
        elsewhere = http.get("/session/2")
    assert (elsewhere.status_code, elsewhere.headers["location"]) == (
        303,
        f"{idle.url}/session/2",
    )
    with page(busy, 1) as one, page(idle, 2) as two:
        assert stop(one, "a")["cues"][0]["kind"] == "halt"
        assert stop(two, "b")["cues"][0]["kind"] == "halt"
        # A red flag answered on worker 0 ends the session on worker 1 as well (I1).
        screen(busy, SEATED, chest_pain="yes")
        for ws in (one, two):
            assert wait_for(ws, lambda m: m["type"] == "error")["code"] == "screening_blocked"
    with SqlStore(db_url(busy.db)) as store:
        for session_id in (1, 2):
            # The pair's STOP, then (already halted) the engine's end for the red flag.
            told = [(e.kind, getattr(e, "source", None)) for e in store.events(session_id)]
            assert told[-2:] == [("stop", "button"), ("end", None)], (session_id, told)
        assert {s.id: s.status for s in store.sessions()}[2] != "running"


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(check: Callable[[], bool], within: float = 60.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in found]


def listening_on(pid: int, port: int) -> bool:
    """Whether process `pid` holds the listening socket of `port` (via /proc)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
            inodes.add(fields[9])
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False


def next_two_free() -> int:
    """A port free together with the one after it."""
    while True:
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


def test_serve_with_two_workers_restarts_a_dead_one_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = next_two_free()
    cli = Path(sys.executable).with_name("backbuddy")
    command = [str(cli), "serve", "--workers", "2", "--port", str(port), "--no-browser"]
    command += ["--db", str(tmp_path / "w.sqlite3")]
    serve = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_until(lambda: healthy(port) and healthy(port + 1)), "workers never answered"
        second = next(c for c in children(serve.pid) if listening_on(c, port + 1))
        os.kill(second, signal.SIGKILL)
        assert wait_until(lambda: healthy(port + 1) and second not in children(serve.pid)), (
            "the dead worker was not started again"
        )
        assert healthy(port)
    finally:
        serve.send_signal(signal.SIGINT)
        out, _ = serve.communicate(timeout=60)
    assert "worker 1" in out
    assert "stopped unexpectedly" in out
    assert "2 worker processes" in out
    assert not healthy(port)
    assert not healthy(port + 1)


@contextlib.contextmanager
def lan_workers(tmp_path: Path) -> Iterator[tuple[int, Path, str]]:
    """The real `serve --lan --workers 2` on two free ports: (the first port, the TLS
    directory, the token it printed); stopped with Ctrl+C after."""
    port = next_two_free()
    certs = tmp_path / "tls"
    cli = Path(sys.executable).with_name("backbuddy")
    command = [str(cli), "serve", "--lan", "--workers", "2", "--port", str(port)]
    command += ["--no-browser", "--cert-dir", str(certs), "--db", str(tmp_path / "w.sqlite3")]
    serve = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert serve.stdout is not None
        token = serve.stdout.readline().split("?token=")[1].split()[0]
        yield port, certs, token
    finally:
        serve.send_signal(signal.SIGINT)
        serve.communicate(timeout=60)


def test_workers_on_the_home_network_find_each_other_over_https_with_the_token(
    tmp_path: Path,
) -> None:
    """`serve --lan --workers 2`: HTTPS with the token on both ports; a start on worker 1
    finds the session running on worker 0 through their own calls (TLS, token-free)."""
    with lan_workers(tmp_path) as (port, certs, token):
        first, second = (f"https://127.0.0.1:{p}" for p in (port, port + 1))
        ca = ssl.create_default_context(cafile=str(certs / "ca.pem"))

        def up() -> bool:
            try:
                return all(
                    httpx.get(f"{u}/healthz?token={token}", verify=ca).is_success
                    for u in (first, second)
                )
            except httpx.HTTPError:
                return False

        assert wait_until(up), "workers never answered"
        answers = {q.id: "no" for q in load_questions().questions}
        with httpx.Client(verify=ca, headers={"origin": first}, timeout=30) as http:
            assert http.get(f"{first}/?token={token}").status_code == 200  # the cookie
            assert http.post(f"{first}/screening/{SEATED}", data=answers).status_code == 200
            started = http.post(f"{first}/sessions", data={"technique": SEATED})
            assert started.headers["location"] == "/session/1"  # the least loaded: here
            http.headers["origin"] = second
            again = http.post(f"{second}/sessions", data={"technique": SEATED})
            assert (again.status_code, again.headers["location"]) == (303, f"{first}/session/1")
            # Without the token a worker's door stays shut, the siblings' calls too.
            assert httpx.get(f"{second}/workers/sessions", verify=ca).status_code == 401


def test_a_symptom_on_one_worker_halts_the_session_on_the_other_and_refuses_a_new_start(
    two_workers: tuple[Server, Server],
) -> None:
    """Red-team leftover 1: numbness felt in the seated technique (worker 0) stopped nothing
    on worker 1, where the lying technique went on for the same receiver, and a new start
    was sent to it. Now worker 1's session stops with its referral within the watch's look,
    and a start anywhere is refused until a professional has seen the receiver (I8)."""
    busy, idle = two_workers
    screen(busy, SEATED)
    screen(busy, LYING)
    assert start(busy, LYING) == f"{idle.url}/session/2"
    with page(busy, 1) as one, page(idle, 2) as two:
        felt = {"event": "sensation", "sensation": "numbness"}
        one.send(json.dumps({"v": 1, "type": "event", "event": felt, "ref": "n"}))
        assert wait_for(one, lambda m: m.get("ref") == "n")["cues"][0]["kind"] == "halt"
        told = wait_for(two, lambda m: m["type"] == "error")
        assert told["code"] == "symptom_elsewhere"
        assert "session 1" in told["message"]
        halt = wait_for(two, lambda m: m["type"] == "cues" and bool(m["cues"]))
        assert [c["kind"] for c in halt["cues"]][:1] == ["halt"]
        assert "refer" in [c["kind"] for c in halt["cues"]]
    with SqlStore(db_url(busy.db)) as store:
        ended = {s.id: (s.status, s.end_reason) for s in store.sessions()}
    assert ended == {1: ("halted", "symptom"), 2: ("halted", "symptom_elsewhere")}
    for server in (busy, idle):
        with browser(server) as http:
            refused = http.post("/sessions", data={"technique": LYING})
        assert refused.status_code == 409
        assert "has seen the receiver" in refused.text


def own_address() -> str | None:
    """This machine's address on its network (not loopback): a client coming from it is
    "another machine" to the lock-out. A UDP socket only picks the route; nothing is sent."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
        except OSError:
            return None
        found = str(probe.getsockname()[0])
    return None if found.startswith("127.") or found == "0.0.0.0" else found


def test_wrong_tokens_at_two_workers_count_together_towards_the_lock_out(
    tmp_path: Path,
) -> None:
    """Red-team leftover 3: each worker counted only the wrong tokens it saw, so with
    `--workers 2` a machine on the home network could guess twice as fast (10 a minute at
    each port). Five wrong tokens at each worker now lock both doors for other machines."""
    from backbuddy.web.throttle import MAX_FAILURES

    lan = own_address()
    if lan is None:
        pytest.skip("this machine has no address but loopback to come from")
    with lan_workers(tmp_path) as (port, certs, token):
        ca = ssl.create_default_context(cafile=str(certs / "ca.pem"))
        ca.check_hostname = False  # the certificate names this machine; we come by address
        doors = [f"https://{lan}:{p}/healthz" for p in (port, port + 1)]

        def status(url: str, given: str) -> int:
            try:
                return httpx.get(f"{url}?token={given}", verify=ca, timeout=5).status_code
            except httpx.HTTPError:
                return 0

        assert wait_until(lambda: all(status(d, token) == 200 for d in doors)), "no answer"
        for n in range(MAX_FAILURES):  # alternately at each worker: half the limit each
            assert status(doors[n % 2], f"wrong-guess-{n:04d}-abcdefghij") == 401
        assert wait_until(lambda: all(status(d, token) == 429 for d in doors), within=10.0), [
            status(d, token) for d in doors
        ]
