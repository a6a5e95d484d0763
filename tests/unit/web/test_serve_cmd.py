"""`backbuddy serve`: starts, answers /healthz, needs a token off loopback, needs no browser."""

from __future__ import annotations

import os
import socket
import ssl
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


def wait_up(url: str, context: ssl.SSLContext | None = None) -> int:
    """The server's first answer; start-up imports MediaPipe, slow on a loaded 2-core box."""
    for _ in range(600):
        try:
            with urllib.request.urlopen(url, timeout=1, context=context) as r:
                return int(r.status)
        except urllib.error.HTTPError as err:
            return err.code
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def serve(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    cmd = [sys.executable, "-m", "backbuddy.cli.main", "serve", "--db", str(tmp_path / "s.db")]
    # No terminal anywhere (as under a service manager or in CI): output is 80 columns wide.
    env.pop("COLUMNS", None)
    return subprocess.Popen(
        [*cmd, *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )


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


def test_off_loopback_makes_up_a_token_and_serves_https_with_its_own_certificate(
    tmp_path: Path,
) -> None:
    """--lan: HTTPS with the certificate made in --cert-dir (the CA's fingerprint printed to
    compare); plain HTTP is not answered; the token is required."""
    port = free_port()
    certs = tmp_path / "tls"
    proc = serve(tmp_path, "--lan", "--port", str(port), "--no-browser", "--cert-dir", str(certs))
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once the certificate is made
        assert f"https://127.0.0.1:{port}/?token=" in line
        trusted = ssl.create_default_context(cafile=str(certs / "ca.pem"))
        assert wait_up(f"https://127.0.0.1:{port}/healthz", trusted) == 401
        token = line.split("?token=")[1].split()[0]
        assert wait_up(f"https://127.0.0.1:{port}/healthz?token={token}", trusted) == 200
        with pytest.raises(OSError):  # plain HTTP gets no page
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?token={token}", timeout=2)
        # A client that does not trust the CA is warned.
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz", timeout=2).close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    # Not communicate(): it reads the pipe beneath proc.stdout, so whatever readline() had
    # already buffered past the first line (often the fingerprint) would be lost.
    assert proc.stdout is not None
    out = proc.stdout.read()
    assert (certs / "ca.pem").exists()
    fingerprint = ":".join(f"{b:02X}" for b in _sha256_der(certs / "ca.pem"))
    assert fingerprint in out


def _sha256_der(pem: Path) -> bytes:
    import hashlib

    der = ssl.PEM_cert_to_DER_cert(pem.read_text())
    return hashlib.sha256(der).digest()


def test_plain_http_off_loopback_only_with_insecure_and_a_loud_warning(tmp_path: Path) -> None:
    port = free_port()
    args = ("--host", "0.0.0.0", "--port", str(port), "--no-browser", "--insecure")
    proc = serve(tmp_path, *args, "--cert-dir", str(tmp_path / "tls"))
    try:
        assert wait_up(f"http://127.0.0.1:{port}/healthz") == 401
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "WARNING: serving plain HTTP on the network" in " ".join(out.split())
    assert not (tmp_path / "tls").exists()


def test_a_browser_is_only_tried_with_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert serve_cmd.can_open_browser() is False
    monkeypatch.setenv("DISPLAY", ":0")
    assert serve_cmd.can_open_browser() is True


def test_the_fingerprint_and_addresses_print_exactly_as_they_are(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A fingerprint holding ":CD:" once printed as a disc emoji, and an IPv6 address in
    brackets reads like console markup: both must reach the terminal unchanged."""
    from types import SimpleNamespace

    fingerprint = "8E:ED:9F:F3:FF:21:B6:76:E1:21:9F:2A:7C:E1:2E:CD:C5:44:82:28"
    certs = SimpleNamespace(
        addresses=("127.0.0.1", "192.168.1.20", "fe80::1"),
        folder=tmp_path,
        ca_fingerprint=fingerprint,
    )
    serve_cmd._say_certificate(certs, 8443)  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert fingerprint in out
    assert "https://192.168.1.20:8443/" in out
    assert "https://[fe80::1]:8443/" in out
