"""Which process runs a session, and whether it still lives.

A session left `running` is interrupted only if the process that ran it is gone;
otherwise opening the store from a second terminal (say `backbuddy history`
while `backbuddy guide` runs) would mark a live session interrupted. The token
holds host, boot id, pid and process start time, so a reboot or a reused pid
counts as gone, and a killed but unreaped (zombie) process counts as gone too.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

_PROC = Path("/proc")


def current() -> str:
    """The token of this process: `host/boot/pid/start`."""
    pid = os.getpid()
    return f"{socket.gethostname()}/{_boot_id()}/{pid}/{_start_ticks(pid)}"


def is_alive(token: str | None) -> bool | None:
    """True or False for a process on this host and boot; None when it cannot be known."""
    if not token:
        return False
    try:
        host, boot, pid_text, start = token.rsplit("/", 3)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return None
    if boot != _boot_id():
        return False
    state = _stat(pid)
    if state is None:
        return _signal_alive(pid) if not _PROC.is_dir() else False
    return state[0] != "Z" and state[1] == start


def _boot_id() -> str:
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks) from /proc, or None if unreadable."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], fields[19]


def _start_ticks(pid: int) -> str:
    stat = _stat(pid)
    return stat[1] if stat else ""


def _signal_alive(pid: int) -> bool:
    """Fallback without /proc (macOS): signal 0 tells whether the pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
