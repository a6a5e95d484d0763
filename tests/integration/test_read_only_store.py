"""Reading a store on a read-only medium (red-team review, leftover 3).

`history`, `report` and `export` only read, yet each failed on a store that cannot be
written ("cannot open the database: the file or its folder cannot be written"): opening
wrote (schema check, WAL, marking crashed sessions, recording notices). The medium here is
real: a read-only bind mount in a user and mount namespace (`unshare -rm`), which refuses
every write even to root, as a locked USB stick or a read-only backup does.
"""

from __future__ import annotations

import hashlib
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backbuddy.adapters.sql_store import SqlStore

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
BACKBUDDY = Path(sys.executable).with_name("backbuddy")


def _can_mount_read_only() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    return subprocess.run([unshare, "-rm", "true"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(
    not _can_mount_read_only(), reason="needs unshare -rm (user and mount namespaces)"
)


def on_read_only_medium(
    folder: Path, *commands: list[str]
) -> list[subprocess.CompletedProcess[str]]:
    """Run backbuddy commands with `folder` mounted read-only at `folder`/../ro."""
    out, ro = folder.parent, folder.parent / "ro"
    ro.mkdir()
    mount = (
        f"mount --bind {shlex.quote(str(folder))} {shlex.quote(str(ro))} && "
        f"mount -o remount,bind,ro {shlex.quote(str(ro))}"
    )
    runs = [
        f"{shlex.join([str(BACKBUDDY), *c])} >{out}/out{k} 2>{out}/err{k}; echo $? >{out}/rc{k}"
        for k, c in enumerate(commands)
    ]
    script = f"{mount} && {{ {'; '.join(runs)}; }}"
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [
        subprocess.CompletedProcess(
            c,
            int((out / f"rc{k}").read_text()),
            (out / f"out{k}").read_text(),
            (out / f"err{k}").read_text(),
        )
        for k, c in enumerate(commands)
    ]


def test_history_report_and_export_read_a_store_on_a_read_only_medium(tmp_path: Path) -> None:
    folder = tmp_path / "stick"
    folder.mkdir()
    with SqlStore(f"sqlite:///{folder / 'h.sqlite3'}") as store:
        first = store.start_session("seated_hug_extension", None, T0, camera=True)
        store.finish_session(first, "halted", T0 + timedelta(minutes=3), 2, "sharp pain")
        second = store.start_session("side_lying_rotation", None, T0 + timedelta(days=1), False)
        store.finish_session(second, "ended_by_pair", T0 + timedelta(days=1, minutes=5), 3)
    before = hashlib.sha256((folder / "h.sqlite3").read_bytes()).hexdigest()
    db = str(tmp_path / "ro" / "h.sqlite3")
    report, export = tmp_path / "report.html", tmp_path / "export.json"
    history, written, exported = on_read_only_medium(
        folder,
        ["history", "--db", db, "--json"],
        ["report", "--db", db, "--out", str(report)],
        ["export", "--db", db, "--out", str(export)],
    )
    assert history.returncode == 0, history.stderr
    assert '"ended_by_pair"' in history.stdout
    assert history.stdout.count('"technique"') == 2
    assert written.returncode == 0, written.stderr
    assert "2 sessions" in written.stdout
    assert "Side-Lying Rotation" in report.read_text()
    assert exported.returncode == 0, exported.stderr
    assert "2 sessions" in exported.stdout
    # Nothing was written beside the file, and the file is unchanged.
    assert sorted(p.name for p in folder.iterdir()) == ["h.sqlite3"]
    assert hashlib.sha256((folder / "h.sqlite3").read_bytes()).hexdigest() == before


def test_a_write_on_a_read_only_medium_is_one_clear_line(tmp_path: Path) -> None:
    """Recording a visit needs a write: one red line that says so, exit 2, nothing lost."""
    folder = tmp_path / "stick"
    folder.mkdir()
    SqlStore(f"sqlite:///{folder / 'h.sqlite3'}").close()
    db = str(tmp_path / "ro" / "h.sqlite3")
    (seen,) = on_read_only_medium(folder, ["seen", "--db", db, "--date", "2026-05-02", "--yes"])
    assert seen.returncode == 2, seen.stdout + seen.stderr
    assert "Traceback" not in seen.stderr
    assert "cannot be written" in seen.stderr or "read-only" in seen.stderr


def test_a_store_of_schema_0003_on_a_read_only_medium_still_reads(tmp_path: Path) -> None:
    """Schema 0004 (red-team leftover 2) gave the sessions backbuddy ended for a screening
    their own status; a read-only store cannot be upgraded, so one written before is read as
    it is, that session under its new name, instead of being refused."""
    import sqlalchemy as sa
    from alembic import command

    from backbuddy.adapters import sql_migrate

    folder = tmp_path / "stick"
    folder.mkdir()
    engine = sa.create_engine(f"sqlite:///{folder / 'h.sqlite3'}")
    with engine.begin() as conn:
        command.upgrade(sql_migrate.alembic_config(connection=conn), "0003")
        conn.execute(
            sa.text(
                "INSERT INTO sessions (technique, started_at, ended_at, status, attempts, "
                "camera, end_reason) VALUES ('seated_hug_extension', :at, :at, "
                "'ended_by_pair', 0, false, 'screening')"
            ),
            {"at": T0.replace(tzinfo=None)},
        )
    engine.dispose()
    db = str(tmp_path / "ro" / "h.sqlite3")
    (history,) = on_read_only_medium(folder, ["history", "--db", db, "--json"])
    assert history.returncode == 0, history.stderr
    assert '"screened_out"' in history.stdout
