"""The suite's `xdist_group` marks keep their tests on one worker under `make test`'s
`-n 2 --dist loadgroup` (tests/support/xdist_groups.py): the listening and truth tests share
one model and what it computed only when they run in one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SUPPORT = Path(__file__).resolve().parents[1] / "support"

MODULE = """import json, os, pytest

def note(name):
    with open({out!r}, "a") as f:
        f.write(json.dumps([name, os.environ["PYTEST_XDIST_WORKER"]]) + "\\n")

@pytest.mark.xdist_group("shared")
@pytest.mark.parametrize("i", range(6))
def test_grouped(i):
    note(f"{name}-grouped-{{i}}")

@pytest.mark.parametrize("i", range(6))
def test_free(i):
    note(f"{name}-free-{{i}}")
"""


def test_the_tests_of_one_group_run_on_one_worker(tmp_path: Path) -> None:
    out = tmp_path / "ran.jsonl"
    for name in ("a", "b"):
        (tmp_path / f"test_{name}.py").write_text(MODULE.format(out=str(out), name=name))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {**os.environ, "PYTHONPATH": str(SUPPORT)}
    env.pop("PYTEST_XDIST_WORKER", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "xdist_groups", "-p", "no:cacheprovider"]
        + ["-n", "2", "--dist", "loadgroup", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    ran = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(ran) == 24, ran
    grouped = {worker for name, worker in ran if "-grouped-" in name}
    assert len(grouped) == 1, f"the group ran on {sorted(grouped)}"
