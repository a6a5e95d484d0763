"""Run the benchmarks: every module in `bench/` with a `run()`, or those named on the command line.

    python -m bench            # all (make bench)
    python -m bench pose       # just bench/pose.py

Each figure is printed once as ``BENCH <name> <value> <unit> goal=<goal> <met|MISSED|info>``,
and the run ends with one ``BENCH-SUMMARY`` line naming the goals missed; all figures
go to ``bench/results.json`` with the machine they came from. A module that
fails is reported and the others still run (exit status 1).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import pkgutil
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from bench import Result, line, summary  # noqa: E402


def modules() -> list[str]:
    """Bench modules, in name order: every `bench/*.py` that is not private."""
    return sorted(m.name for m in pkgutil.iter_modules([str(ROOT)]) if not m.name.startswith("_"))


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in load],
    }


class _Tee(io.TextIOBase):
    """Passes output through and notes which BENCH lines a module printed itself."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.printed: set[str] = set()
        self._partial = ""

    def write(self, text: str) -> int:
        self.out.write(text)
        self._partial += text
        *done, self._partial = self._partial.split("\n")
        self.printed.update(
            row.split()[1] for row in done if row.startswith("BENCH ") and len(row.split()) > 1
        )
        return len(text)

    def flush(self) -> None:
        self.out.flush()


def run_module(name: str) -> list[dict[str, Any]]:
    module = importlib.import_module(f"bench.{name}")
    if not hasattr(module, "run"):
        return []
    tee = _Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        results = [Result(*r) for r in module.run()]
    for result in results:
        if result.name not in tee.printed:
            print(line(result), flush=True)
    return [{**r._asdict(), "module": name} for r in results]


def main(argv: list[str]) -> int:
    chosen = argv or modules()
    unknown = sorted(set(chosen) - set(modules()))
    if unknown:
        print(f"unknown bench module(s): {', '.join(unknown)}; known: {', '.join(modules())}")
        return 2
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    results: list[dict[str, Any]] = []
    failed: list[str] = []
    for name in chosen:
        started = time.perf_counter()
        try:
            results.extend(run_module(name))
        except Exception:  # one broken bench must not hide the others
            failed.append(name)
            print(f"BENCH-ERROR {name}:\n{traceback.format_exc()}", file=sys.stderr)
        print(f"# bench.{name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    report["results"] = results
    report["failed"] = failed
    print(summary([Result(r["name"], r["value"], r["unit"], r["goal"]) for r in results]))
    if failed:
        print(f"BENCH-SUMMARY modules that failed to run: {', '.join(failed)}")
    (ROOT / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
