"""The real app server in a subprocess (`tests/e2e/app_server.py`), for browser, socket and
bench runs: a fresh store on a free port, answered /healthz before it is handed over."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "tests" / "e2e" / "app_server.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    db: Path

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
) -> Server:
    """The app server on a free port over a fresh store; `live` sessions started (ids 1..live,
    with the camera watch when `live_camera`). `again`: a restart of that (killed) server,
    on its port and over its store. `extra`: more app_server options (`--speak`, `--no-listen`).
    `tls`: served over HTTPS with the certificates kept there (`backbuddy.web.tls`), trusted
    here by their CA."""
    if again is not None:
        port, db = int(again.url.rsplit(":", 1)[1]), again.db
    else:
        port = free_port()
        db = tmp / f"e2e-{port}.sqlite3"
    args = [sys.executable, str(SERVER), str(port), str(db), "--grace", str(grace)]
    args += ["--live", str(live), *(["--live-camera"] if live_camera else []), *extra]
    args += ["--tls", str(tls)] if tls else []
    process = subprocess.Popen([*args, *(["--camera"] if camera else [])], cwd=ROOT)
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            context = ssl.create_default_context(cafile=str(tls / "ca.pem")) if tls else None
            with urllib.request.urlopen(f"{url}/healthz", timeout=1, context=context):
                return Server(url, process, db)
        except (urllib.error.URLError, OSError):
            if process.poll() is not None:
                raise RuntimeError("the app server exited at start") from None
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the app server did not answer /healthz within 60 s")
