"""Imports point one way (design.md §2): import-linter's contracts, and a pure domain.

The second test reads every domain module with `ast`, so it also catches imports
inside functions and under `if TYPE_CHECKING:` that would pull I/O into the core.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOMAIN = REPO / "src" / "backbuddy" / "domain"
FORBIDDEN = (
    "numpy",
    "sqlalchemy",
    "fastapi",
    "cv2",
    "mediapipe",
    "backbuddy.motion",
    "backbuddy.adapters",
    "backbuddy.web",
    "backbuddy.cli",
    "backbuddy.services",
    "backbuddy.reports",
)


def test_import_linter_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    if not lint_imports.exists():
        pytest.fail(f"lint-imports not installed next to {sys.executable}")
    run = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


def imported(path: Path) -> set[str]:
    """Every module an `import` or `from ... import` in the file names (absolute)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve inside backbuddy.domain
                base = "backbuddy.domain" + ("." + node.module if node.module else "")
                names.add(base)
            elif node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def forbidden_in(names: set[str]) -> list[str]:
    return sorted(n for n in names for f in FORBIDDEN if n == f or n.startswith(f + "."))


DOMAIN_FILES = sorted(DOMAIN.glob("*.py"))


def test_the_domain_has_modules_to_check():
    assert {"session.py", "rules.py", "events.py", "diagram.py"} <= {p.name for p in DOMAIN_FILES}


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: p.name)
def test_domain_modules_import_no_io_numpy_framework_or_outer_layer(path):
    assert forbidden_in(imported(path)) == []


AUDIO_FILES = sorted((REPO / "src" / "backbuddy" / "audio").glob("*.py"))
#: The audio layer is numpy and scipy: models, devices, players and outer layers are not.
AUDIO_FORBIDDEN = (
    "onnxruntime", "faster_whisper", "ctranslate2", "piper", "sounddevice", "av", "subprocess",
    "cv2", "mediapipe", "sqlalchemy", "fastapi", "typer", "rich", "backbuddy.motion",
    "backbuddy.adapters", "backbuddy.services", "backbuddy.reports", "backbuddy.web",
    "backbuddy.cli", "backbuddy.bootstrap", "backbuddy.config",
)  # fmt: skip


def test_the_audio_layer_has_modules_to_check():
    names = {p.name for p in AUDIO_FILES}
    assert {"pops.py", "speech_gate.py", "words.py", "samples.py"} <= names


@pytest.mark.parametrize("path", AUDIO_FILES, ids=lambda p: p.name)
def test_audio_modules_import_only_numpy_scipy_and_the_domain(path):
    names = imported(path)
    bad = sorted(n for n in names for f in AUDIO_FORBIDDEN if n == f or n.startswith(f + "."))
    assert bad == []


def test_the_import_reader_sees_every_kind_of_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import numpy as np\n"
        "from backbuddy import services\n"
        "def f():\n"
        "    import cv2\n"
        "if TYPE_CHECKING:\n"
        "    from backbuddy.motion.angles import trunk\n"
        "from . import session\n",
        encoding="utf-8",
    )
    assert forbidden_in(imported(sample)) == [
        "backbuddy.motion.angles",
        "backbuddy.motion.angles.trunk",
        "backbuddy.services",
        "cv2",
        "numpy",
    ]
