"""The app's own techniques with shorter breath phases, for a browser test that needs a whole
session's pacing (every phase, every attempt, the end) but not its real length (about 25 s an
attempt). Only the phases' `seconds` change; the copies go through the same loader and
validation as the package's files (`app_server.py --techniques DIR`)."""

from __future__ import annotations

from pathlib import Path

import yaml

from backbuddy.domain import techniques


def quick_techniques(folder: Path, seconds: float = 1.0) -> Path:
    """Copies of every technique file in `folder`, each phase lasting `seconds`; validated."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted(techniques.default_dir().glob("*.yaml")):
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
        for phase in raw["phases"]:
            phase["seconds"] = seconds
        (folder / source.name).write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    loaded = techniques.load_all(folder)
    assert loaded.keys() == techniques.load_all().keys()
    assert all(p.seconds == seconds for t in loaded.values() for p in t.phases)
    return folder
