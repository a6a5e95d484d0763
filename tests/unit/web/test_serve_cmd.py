"""`backbuddy serve`: starts, answers /healthz, needs a token off loopback, needs no browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from backbuddy.cli import serve_cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str) -> int:
    """The server's first answer; start-up imports MediaPipe, slow on a loaded 2-core box."""
    for _ in range(600):
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                return int(r.status)
        except urllib.error.HTTPError as err:
            return err.code
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def serve(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    cmd = [sys.executable, "-m", "backbuddy.cli.main", "serve", "--db", str(tmp_path / "s.db")]
    return subprocess.Popen([*cmd, *args], env=env, stdout=subprocess.PIPE, text=True)


def test_serve_answers_healthz_and_survives_no_browser(tmp_path: Path) -> None:
    """Without --no-browser on a machine without a display: says to open it, keeps serving."""
    port = free_port()
    proc = serve(tmp_path, "--port", str(port))
    try:
        assert wait_up(f"http://127.0.0.1:{port}/healthz") == 200
        time.sleep(0.5)
        assert proc.poll() is None
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in out
    assert "No browser could be opened here" in out


def test_off_loopback_makes_up_a_token_and_requires_it(tmp_path: Path) -> None:
    port = free_port()
    proc = serve(tmp_path, "--host", "0.0.0.0", "--port", str(port), "--no-browser")
    try:
        assert wait_up(f"http://127.0.0.1:{port}/healthz") == 401
        assert proc.stdout is not None
        line = proc.stdout.readline()
        token = line.split("?token=")[1].split()[0]
        assert wait_up(f"http://127.0.0.1:{port}/healthz?token={token}") == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_a_browser_is_only_tried_with_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert serve_cmd.can_open_browser() is False
    monkeypatch.setenv("DISPLAY", ":0")
    assert serve_cmd.can_open_browser() is True
