"""`backbuddy serve --workers N`: N worker processes, each the whole app on its own port.

Worker 0 listens on the port asked for (the address printed and opened), worker k on
port + k; all share the store (SQLite in WAL mode across processes, or PostgreSQL) and
a secret made up here for their calls to one another (`web.workers`). This process only
starts them and watches: a worker that dies is said in one red line and started again
on its port (its unfinished sessions read back as interrupted; the store keeps all they
recorded). Ctrl+C stops them all; each records its unfinished sessions as interrupted.
"""

from __future__ import annotations

import multiprocessing
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

from backbuddy.domain.errors import BackbuddyError

#: A worker restarted more often than this within `RESTART_WINDOW_S` is left stopped.
MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0


class WorkersFailed(BackbuddyError):
    """No worker stays up: `serve` ends with one red line."""


@dataclass(frozen=True)
class WorkerPlan:
    """What each worker needs to build its app: plain values, so a fresh process takes them."""

    db: str | None
    host: str
    ports: tuple[int, ...]
    token: str | None
    cert_dir: Path | None
    secret: str


def plan(
    db: str | None, host: str, port: int, count: int, token: str | None, cert_dir: Path | None
) -> WorkerPlan:
    ports = tuple(port + k for k in range(count))
    return WorkerPlan(db, host, ports, token, cert_dir, secrets.token_urlsafe(24))


def run_worker(worker: WorkerPlan, index: int) -> None:
    """In the worker process: the app for this worker, served on its port until stopped."""
    from backbuddy.cli.serve_cmd import camera_watch, run_app
    from backbuddy.config import load_settings
    from backbuddy.web.app import create_app
    from backbuddy.web.tls import ensure
    from backbuddy.web.workers import Workers

    port = worker.ports[index]
    settings = load_settings(db=worker.db, host=worker.host, port=port, token=worker.token)
    certs = ensure(worker.cert_dir) if worker.cert_dir is not None else None
    siblings = Workers(worker.ports, index, worker.secret, certs.ca_cert if certs else None)
    app = create_app(
        settings,
        analyzers=camera_watch(settings),
        certificates=certs,
        workers=siblings,
        warm_listening=True,
    )
    run_app(app, worker.host, port, certs)


def supervise(worker: WorkerPlan, say: Callable[[str], None]) -> None:
    """Start every worker, restart one that dies, stop them all on Ctrl+C."""
    context = multiprocessing.get_context("spawn")

    def launch(index: int) -> BaseProcess:
        process = context.Process(
            target=run_worker, args=(worker, index), name=f"backbuddy-worker-{index}"
        )
        process.start()
        return process

    running = [launch(k) for k in range(len(worker.ports))]
    restarts: list[list[float]] = [[] for _ in running]
    given_up: set[int] = set()
    try:
        while True:
            time.sleep(0.5)
            for k, process in enumerate(running):
                if k in given_up or process.is_alive():
                    continue
                port = worker.ports[k]
                restarts[k] = [t for t in restarts[k] if time.monotonic() - t < RESTART_WINDOW_S]
                if len(restarts[k]) >= MAX_RESTARTS:
                    say(
                        f"worker {k} (port {port}) keeps stopping (exit code {process.exitcode})"
                        "; it is left stopped and the other workers go on: restart backbuddy."
                    )
                    given_up.add(k)
                    if len(given_up) == len(running):
                        raise WorkersFailed("every worker keeps stopping; see the errors above")
                    continue
                say(
                    f"worker {k} (port {port}) stopped unexpectedly (exit code "
                    f"{process.exitcode}): its running sessions are recorded as interrupted, "
                    "nothing stored is lost; starting it again."
                )
                restarts[k].append(time.monotonic())
                running[k] = launch(k)
    except KeyboardInterrupt:
        pass
    finally:
        _stop_all(running)


def _stop_all(running: list[BaseProcess]) -> None:
    """Ask each worker to stop (it records its unfinished sessions), then make sure."""
    for process in running:
        if process.is_alive():
            process.terminate()
    for process in running:
        process.join(timeout=15)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
