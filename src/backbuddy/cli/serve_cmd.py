"""`backbuddy serve`: the web app on this machine, opened in the browser when there is one.

Loopback needs no token and is served as plain HTTP. Any other address
(`--lan` is `--host 0.0.0.0`) is reachable from other machines, so a token is
required: given with --token (at least 16 characters, not easy to guess:
`web.security.token_problem`), or made up here and printed with the address to
open; and it is served over HTTPS with a certificate made and kept on this
machine (`web.tls`), which a phone's browser needs to open its camera. Plain
HTTP off loopback is refused unless `--insecure` says so, with a warning.
"""

from __future__ import annotations

import os
import secrets
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
import webbrowser
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI
from rich.console import Console

from backbuddy.bootstrap import check_store, people_detector_factory, pose_model_factory
from backbuddy.cli import serve_workers
from backbuddy.cli.options import DbOption
from backbuddy.cli.serve_heap import frozen_after_startup
from backbuddy.config import Settings, SettingsError, is_loopback, load_settings
from backbuddy.web.app import create_app
from backbuddy.web.camera_watch import decode_jpeg, factory
from backbuddy.web.frames import MAX_FRAME_BYTES, AnalyzerFactory
from backbuddy.web.security import token_problem
from backbuddy.web.tls import Certificates, default_folder, ensure

# No emoji codes: a fingerprint like "…:CD:…" must print as it is, not as a disc.
console = Console(emoji=False)
#: uvicorn drops a socket message larger than this before the app sees it (close 1009).
WS_MAX_BYTES = 2 * MAX_FRAME_BYTES
#: No permessage-deflate on the sockets: a landmarks message is ~1 KB of float32 (deflate
#: gains little on it) and 30 a second per session; inflating and deflating every message
#: and answer cost the server CPU for bandwidth a home network does not lack (issue 15).
WS_DEFLATE = False
#: More workers than this would only queue for the same cores (and each holds its own models).
MAX_WORKERS = 16


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Don't open a browser window.")
    ] = False,
    db: DbOption = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="BACKBUDDY_TOKEN",
            show_default=False,
            help="Secret every page and socket must carry; required off loopback "
            "(one is made up and printed if not given).",
        ),
    ] = None,
    lan: Annotated[
        bool,
        typer.Option("--lan", help="Listen on the home network too (HTTPS), e.g. for a phone."),
    ] = False,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure", help="Off loopback, serve plain HTTP instead of HTTPS (not advised)."
        ),
    ] = False,
    cert_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="BACKBUDDY_CERT_DIR",
            show_default=False,
            help="Where the HTTPS certificates are kept (default: tls/ in the user data folder).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_WORKERS,
            help="Worker processes (each on its own port: --port, --port + 1, …) for many "
            "sessions at once; 1 is enough for a household.",
        ),
    ] = 1,
) -> None:
    """Start the web app: screening, camera set-up, guided session, history."""
    if lan and is_loopback(host):
        host = "0.0.0.0"
    if token is None and not is_loopback(host):
        token = secrets.token_urlsafe(18)
    if token is not None and (problem := token_problem(token)):
        raise SettingsError(
            f"--token refused: {problem}. Leave --token out and backbuddy makes one up."
        )
    settings = load_settings(db=db, host=host, port=port, token=token)
    certs = None if is_loopback(host) or insecure else ensure(cert_dir or default_folder())
    if insecure and not is_loopback(host):
        console.print(
            "[bold red]WARNING: serving plain HTTP on the network (--insecure): anyone on it "
            "can read the pages, the token and any camera pictures, and a phone's browser will "
            "not open its camera. Leave out --insecure to serve HTTPS.[/]"
        )
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    scheme = "https" if certs else "http"
    url = f"{scheme}://{shown_host}:{port}/" + (f"?token={token}" if token else "")
    for k in range(workers):
        _check_can_serve(settings, host, port + k)
    # soft_wrap: an address, token or fingerprint is never broken over lines (a pipe or a log
    # is 80 columns to Rich), so it can be copied and compared whole.
    console.print(f"backbuddy is running at [bold]{url}[/]  (Ctrl+C to stop)", soft_wrap=True)
    if certs is not None:
        _say_certificate(certs, port)
    console.print("Not a medical device; not a substitute for professional care.")
    if not no_browser:
        threading.Thread(target=_open_when_up, args=(url, port, certs), daemon=True).start()
    if workers > 1:
        console.print(f"{workers} worker processes, on ports {port}–{port + workers - 1}.")
        folder = (cert_dir or default_folder()) if certs is not None else None
        camera_watch(settings)  # a missing model is said here once, not by every worker
        plan = serve_workers.plan(settings.db, host, port, workers, token, folder)
        serve_workers.supervise(
            plan, lambda line: console.print(f"[bold red]{line}[/]", soft_wrap=True)
        )
        return
    app = create_app(
        settings, analyzers=camera_watch(settings), certificates=certs, warm_listening=True
    )
    run_app(app, host, port, certs)


def run_app(app: FastAPI, host: str, port: int, certs: Certificates | None) -> None:
    """Serve the app until stopped, one worker's or the only one's: the same socket limits
    and TLS either way, and the start-up heap set aside from the collector (`serve_heap`).
    uvicorn's own choices stay on "auto": uvloop, httptools and websockets' sans-I/O
    protocol, all installed with `uvicorn[standard]` (measured: the quickest here, issue 15),
    with asyncio and h11 should one be missing."""
    uvicorn.run(
        frozen_after_startup(app),
        host=host,
        port=port,
        log_level="warning",
        ws_max_size=WS_MAX_BYTES,
        ws_per_message_deflate=WS_DEFLATE,
        ssl_certfile=str(certs.server_cert) if certs else None,
        ssl_keyfile=str(certs.server_key) if certs else None,
    )


def _check_can_serve(settings: Settings, host: str, port: int) -> None:
    """One red line before "running" is said: the store must open (a read-only or full
    folder, a bad file) and the port must be free (another backbuddy, another server)."""
    check_store(settings)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as err:
            raise SettingsError(
                f"cannot listen on {host}:{port} ({err.strerror or err}): another program "
                "(backbuddy already running?) may hold it; stop it, or choose another --port"
            ) from None


def _say_certificate(certs: Certificates, port: int) -> None:
    """Where the home network reaches this server, and the CA fingerprint to compare."""
    lan = [a for a in certs.addresses if a not in ("127.0.0.1", "::1")]
    for address in lan:
        shown = f"[{address}]" if ":" in address else address
        console.print(f"On the home network: https://{shown}:{port}/", markup=False, soft_wrap=True)
    console.print(
        f"HTTPS with backbuddy's own certificate (kept in {certs.folder}); browsers warn "
        "until they trust it. Its CA's SHA-256 fingerprint:"
    )
    console.print(f"  {certs.ca_fingerprint}", markup=False, highlight=False, soft_wrap=True)


def camera_watch(settings: Settings | None = None) -> AnalyzerFactory | None:
    """The pose model bootstrap picks (MediaPipe, with the two-person step unless switched off)
    for each session's camera watch, if MediaPipe's model is installed; with the step on,
    the people detector too, for role frames from pages that run pose themselves."""
    model = pose_model_factory(settings, live=True)
    if model is None:
        console.print("[yellow]No pose model installed: sessions run without the camera watch.[/]")
        return None
    return factory(model, decode_jpeg, people_detector_factory(settings))


def can_open_browser() -> bool:
    """A graphical browser can only open with a display; a text browser would take the terminal."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_when_up(url: str, port: int, certs: Certificates | None = None) -> None:
    """Wait for /healthz, then open the page; on a machine without a browser, just say so."""
    scheme = "https" if certs else "http"
    health = f"{scheme}://127.0.0.1:{port}/healthz"
    context = ssl.create_default_context(cafile=str(certs.ca_cert)) if certs else None
    for _ in range(100):
        try:
            with urllib.request.urlopen(health, timeout=1, context=context):
                break
        except urllib.error.HTTPError:  # answering (e.g. 401 without the token): it is up
            break
        except OSError:
            time.sleep(0.1)
    opened = False
    if can_open_browser():
        try:
            opened = webbrowser.open(url)
        except Exception:  # noqa: BLE001 - any browser failure means "open it yourself"
            opened = False
    if not opened:
        console.print(f"No browser could be opened here; open [bold]{url}[/] yourself.")
