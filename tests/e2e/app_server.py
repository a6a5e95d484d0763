"""The real web app for browser tests and benchmarks: `python app_server.py PORT DB [--camera]`.

The camera watch is the one `backbuddy serve` wires (MediaPipe's bundled model);
the grace period before a page-less session is recorded as interrupted is a
parameter so tests need not wait 30 s.

`--tls DIR` serves HTTPS with the certificates `backbuddy.web.tls` keeps in DIR (made
there unless already made: a test makes them first to trust them by their key's hash).

`--worker INDEX:PORTS:SECRET` makes it one of several workers (`backbuddy.web.workers`),
as `backbuddy serve --workers N` starts them. `--live N` starts N sessions at start-up
(ids 1..N, without the camera watch unless `--live-camera`, the last one
`--live-days-back` days ago; see `tests/support/live_sessions.py`), so tests and
benchmarks can drive several sessions of one server at once.

`--one-person` turns the two-person step off (`Settings.two_person`, as
`BACKBUDDY_TWO_PERSON=false` does for `backbuddy serve`): MediaPipe alone watches the camera.

`--techniques DIR` reads the techniques from DIR instead of the package's data (through the
same loader and validation): a test that needs a whole session's pacing but not its real
length gives copies with short phases (`tests/support/paced.py`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from backbuddy.cli.serve_cmd import WS_DEFLATE, WS_MAX_BYTES, camera_watch
from backbuddy.config import Settings
from backbuddy.domain import techniques
from backbuddy.web.app import create_app
from backbuddy.web.tls import ensure
from backbuddy.web.workers import Workers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from live_sessions import start_live  # noqa: E402


def with_live_sessions(app: FastAPI, count: int, camera: bool = False, days_back: int = 0) -> None:
    """Start `count` sessions once the app's own start-up (its store, its registry) is done
    (the last one `days_back` days ago)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        async with inner(a):
            ids = start_live(a.state.registry, [camera] * count, days_back)
            if ids != list(range(1, count + 1)):
                raise RuntimeError(f"--live needs a fresh database: the sessions got ids {ids}")
            yield

    app.router.lifespan_context = lifespan


def certs_ca(folder: Path | None) -> Path | None:
    return ensure(folder).ca_cert if folder else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("db")
    parser.add_argument("--camera", action="store_true")
    parser.add_argument("--grace", type=float, default=5.0)
    parser.add_argument("--live", type=int, default=0)
    parser.add_argument("--live-camera", action="store_true")
    parser.add_argument("--speak", action="store_true", help="cues spoken by the server's voice")
    parser.add_argument("--no-listen", action="store_true", help="the server takes no audio")
    parser.add_argument(
        "--warm-listen", action="store_true", help="load the listening models as a page opens"
    )
    parser.add_argument("--tls", type=Path, default=None)
    parser.add_argument("--live-days-back", type=int, default=0)
    parser.add_argument(
        "--one-person", action="store_true", help="the two-person step off: MediaPipe alone"
    )
    parser.add_argument("--techniques", type=Path, default=None, help="technique YAMLs' folder")
    parser.add_argument(
        "--worker", default=None, help="INDEX:PORT,PORT,…:SECRET — one of several workers"
    )
    args = parser.parse_args()
    if args.techniques:
        folder = args.techniques.resolve()
        techniques.load_all(folder)  # a bad file fails the start, with its error
        techniques.default_dir = lambda: folder  # this process only: every reader goes there
    workers = None
    if args.worker:
        index, ports, secret = args.worker.split(":")
        ca = certs_ca(args.tls)
        workers = Workers(tuple(int(p) for p in ports.split(",")), int(index), secret, ca)
    settings = Settings(db=args.db, two_person=not args.one_person)
    analyzers = camera_watch(settings) if args.camera else None
    certs = ensure(args.tls) if args.tls else None
    app = create_app(
        settings,
        analyzers=analyzers,
        grace_s=args.grace,
        listening=not args.no_listen,
        speaking=args.speak,
        warm_listening=args.warm_listen,
        certificates=certs,
        workers=workers,
    )
    if args.live:
        with_live_sessions(app, args.live, args.live_camera, args.live_days_back)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        ws_max_size=WS_MAX_BYTES,
        ws_per_message_deflate=WS_DEFLATE,
        ssl_certfile=str(certs.server_cert) if certs else None,
        ssl_keyfile=str(certs.server_key) if certs else None,
    )


if __name__ == "__main__":
    main()
