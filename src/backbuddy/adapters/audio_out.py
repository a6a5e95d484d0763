"""Is there somewhere to play sound? A local command-line player whose device works.

Kept free of numpy so that the terminal guide can ask, at start, without loading
anything heavy: on a machine without sound the answer is one plain sentence.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from backbuddy.audio.errors import SpeechUnavailable

PLAYERS: tuple[tuple[str, list[str]], ...] = (("aplay", ["-q"]), ("paplay", []), ("play", ["-q"]))


def find_player() -> list[str] | None:
    """The first local player on PATH, as a command prefix."""
    for name, args in PLAYERS:
        exe = shutil.which(name)
        if exe is not None:
            return [exe, *args]
    return None


def _silence_wav(path: Path, samples: int = 800, rate: int = 16_000) -> Path:
    data = b"\0\0" * samples
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data"
    path.write_bytes(header + struct.pack("<I", len(data)) + data)
    return path


def working_player() -> list[str]:
    """A player command whose device works (it plays 50 ms of silence); SpeechUnavailable
    if there is none."""
    command = find_player()
    if command is None:
        raise SpeechUnavailable("no audio player found (aplay, paplay or play)")
    with tempfile.TemporaryDirectory() as tmp:
        probe = _silence_wav(Path(tmp) / "silence.wav")
        run = subprocess.run([*command, str(probe)], capture_output=True, timeout=10, check=False)
    if run.returncode != 0:
        why = run.stderr.decode(errors="replace").strip().splitlines()
        raise SpeechUnavailable(f"no audio output device ({why[-1] if why else 'no sound'})")
    return command
