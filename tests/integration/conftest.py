"""Databases for integration tests: a SQLite file per test, and a throwaway PostgreSQL server.

The PostgreSQL cluster is started once per test process (each xdist worker gets
its own) from Debian's binaries, in a temp dir, on a free loopback port, as the
`postgres` user when we are root (initdb refuses root). fsync is off: these tests
check the SQL, while SQLite tests check durability. Each test gets a fresh database.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_ROOTS = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(args: list[str]) -> list[str]:
    """Run as `postgres` when root: PostgreSQL refuses to run as root."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass(frozen=True)
class PgCluster:
    """The test run's PostgreSQL server, which a test may stop and start again (a restart
    mid-session); its URL and port stay the same."""

    url: str
    ctl: list[str]

    def stop(self) -> None:
        subprocess.run([*self.ctl, "-m", "fast", "-w", "stop"], check=True, capture_output=True)

    def start(self) -> None:
        subprocess.run([*self.ctl, "-w", "start"], check=True, capture_output=True)


@pytest.fixture(scope="session")
def pg_server(pg_cluster: PgCluster) -> str:
    """Base URL (no database name) of a PostgreSQL server that lives for this test run."""
    return pg_cluster.url


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """The PostgreSQL server of `pg_server`, to stop and start."""
    if not PG_ROOTS:
        pytest.skip("PostgreSQL binaries not found under /usr/lib/postgresql (make system-deps)")
    bin_dir = PG_ROOTS[0].parent
    root = Path(tempfile.mkdtemp(prefix="backbuddy-pg-"))
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        os.chown(root, pg.pw_uid, pg.pw_gid)
    data, port = root / "data", _free_port()
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(
        _as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]),
        **run,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    ctl = str(bin_dir / "pg_ctl")
    subprocess.run(
        _as_owner([ctl, "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start"]),
        **run,
    )
    again = [ctl, "-D", str(data), "-l", str(root / "log"), "-o", options]
    try:
        yield PgCluster(f"postgresql+psycopg://postgres@127.0.0.1:{port}", _as_owner(again))
    finally:
        subprocess.run(_as_owner([ctl, "-D", str(data), "-m", "immediate", "stop"]), check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    import psycopg

    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = pg_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{pg_server}/{name}"
    with (
        contextlib.suppress(psycopg.Error),
        psycopg.connect(admin, autocommit=True) as conn,
    ):
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'backbuddy.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The same test on a SQLite file and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))
