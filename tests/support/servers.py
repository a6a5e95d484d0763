"""The real app server in a subprocess (`tests/e2e/app_server.py`), for browser, socket and
bench runs: a fresh store on a free port, answered /healthz before it is handed over.

Tests start dozens of servers, and most of a start was Python importing the web app
(≈ 1.5 s of CPU each). With `FORKED` on (the suite's conftest turns it on; benchmarks
leave it off and measure a plain process) each server is forked from one fork server
per test process that has imported the app once (`multiprocessing`'s forkserver): still
its own process, its own port and store, running `app_server.main` with the same
arguments, killed the same way; only the imports are shared. The pose model, its
threads, the store and the event loop are all made in the child, after the fork.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "tests" / "e2e" / "app_server.py"
#: The app server's module, imported once by the fork server (it imports the web app).
APP_MODULE = "tests.e2e.app_server"
#: Imported by the fork server too: the bulk of MediaPipe's import (it starts no thread;
#: MediaPipe itself, whose cv2 starts one at import, is imported in each child).
PRELOAD = ("matplotlib.pyplot",)
#: Start servers by forking the fork server (tests) rather than as a fresh Python (benchmarks).
FORKED = False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Forked:
    """A server forked from the fork server, answering like the `Popen` of a plain start."""

    def __init__(self, process: BaseProcess) -> None:
        self._process = process

    @property
    def pid(self) -> int:
        return int(self._process.pid or 0)

    def poll(self) -> int | None:
        return self._process.exitcode

    def kill(self) -> None:
        self._process.kill()

    def wait(self, timeout: float | None = None) -> int | None:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(str(self._process.name), timeout or 0)
        return self._process.exitcode


def _run_forked(argv: list[str], env: dict[str, str], parent: int) -> None:
    """In the forked child: the parent's environment, folder and output, then the server."""
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    os.chdir(ROOT)
    for fd in (1, 2):  # where the test's own output goes now (pytest's capture of this test)
        try:
            target = os.open(f"/proc/{parent}/fd/{fd}", os.O_WRONLY | os.O_APPEND)
        except OSError:  # not a file or a pipe (a socket): the fork server's own output then
            continue
        os.dup2(target, fd)
        os.close(target)
    sys.argv = [str(SERVER), *argv]
    __import__(APP_MODULE, fromlist=["main"]).main()


def _fork(argv: list[str]) -> Forked:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([APP_MODULE, *PRELOAD])
    process = context.Process(
        target=_run_forked, args=(argv, dict(os.environ), os.getpid()), daemon=True
    )
    process.start()
    return Forked(process)


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes] | Forked
    #: A SQLite file, or a database URL (PostgreSQL) when one was given.
    db: Path | str

    @property
    def ws(self) -> str:
        return "ws" + self.url.removeprefix("http")  # wss:// for an https:// server

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def start_server(
    tmp: Path,
    camera: bool = True,
    grace: float = 5.0,
    live: int = 0,
    live_camera: bool = False,
    again: Server | None = None,
    extra: tuple[str, ...] = (),
    tls: Path | None = None,
    db: str | None = None,
    port: int | None = None,
) -> Server:
    """The app server on a free port over a fresh store; `live` sessions started (ids 1..live,
    with the camera watch when `live_camera`). `again`: a restart of that (killed) server,
    on its port and over its store. `extra`: more app_server options (`--speak`, `--no-listen`).
    `tls`: served over HTTPS with the certificates kept there (`backbuddy.web.tls`), trusted
    here by their CA. `db`: a database URL (an empty PostgreSQL database) instead of a fresh
    SQLite file. `port`: this port instead of a free one (one of several workers)."""
    store: Path | str
    if again is not None:
        port, store = int(again.url.rsplit(":", 1)[1]), again.db
    else:
        port = port or free_port()
        store = db or tmp / f"e2e-{port}.sqlite3"
    args = [str(port), str(store), "--grace", str(grace)]
    args += ["--live", str(live), *(["--live-camera"] if live_camera else []), *extra]
    args += ["--tls", str(tls)] if tls else []
    args += ["--camera"] if camera else []
    if FORKED:
        process: subprocess.Popen[bytes] | Forked = _fork(args)
    else:
        process = subprocess.Popen([sys.executable, str(SERVER), *args], cwd=ROOT)
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            context = ssl.create_default_context(cafile=str(tls / "ca.pem")) if tls else None
            with urllib.request.urlopen(f"{url}/healthz", timeout=1, context=context):
                return Server(url, process, store)
        except (urllib.error.URLError, OSError):
            if process.poll() is not None:
                raise RuntimeError("the app server exited at start") from None
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the app server did not answer /healthz within 60 s")
