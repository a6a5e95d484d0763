"""A `backbuddy` command on a real pseudo-terminal, for the live terminal guide's tests."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

CLEAR = Path(__file__).parents[1] / "data" / "screening" / "clear.yaml"
BIN = Path(sys.executable).parent / "backbuddy"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def words_of(screen: str) -> str:
    """The screen's words in one line: no colours, borders or line breaks."""
    return re.sub(r"[\s│╭╮╰╯─]+", " ", ANSI.sub("", screen))


class Terminal:
    """A child process on a 100×40 pty; `expect` waits for text on its screen."""

    def __init__(self, *args: str) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"}
        self.proc = subprocess.Popen(
            [str(BIN), *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
        )
        os.close(slave)
        self.seen = ""

    # Generous: a wait for output, not a speed check (probing for a microphone and a voice
    # took over 20 s on the shared 2-core machine under load).
    def expect(self, text: str, timeout: float = 90.0, words: bool = False) -> None:
        """Wait for `text` on the screen; `words`: as words, wherever the screen wrapped them
        (a long message in a bordered panel arrives over several lines and reads)."""
        show = words_of if words else (lambda seen: ANSI.sub("", seen))
        deadline = time.monotonic() + timeout
        while text not in show(self.seen):
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} never appeared; screen ended with:\n{self.seen[-2000:]}"
            ready, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode(errors="ignore")
                except OSError:  # the child closed the pty
                    break
        assert text in show(self.seen)

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=15)
        finally:
            os.close(self.master)


def screened_db(tmp_path: Path) -> str:
    """A store whose receiver answered the screening clear (`backbuddy screen`), by URL."""
    db = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    screened = subprocess.run(
        [str(BIN), "screen", "seated_hug_extension", "--answers", str(CLEAR), "--db", db],
        capture_output=True,
        check=False,
    )
    assert screened.returncode == 0
    return db
