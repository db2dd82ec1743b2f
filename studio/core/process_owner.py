"""Which process runs a batch, and whether it still does (to find interrupted batches).

An owner is "host:pid:start" where start is the process's start time as the kernel counts
it (Linux /proc), so a process id reused after a crash is not mistaken for the batch's
process. A process that is a zombie (killed, not yet reaped) counts as ended.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

_PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        data = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may itself hold spaces or ")".
    return data[data.rfind(")") + 2:].split()


def _start_token(pid: int) -> str:
    fields = _stat_fields(pid)
    return fields[19] if fields is not None and len(fields) > 19 else "0"


def current_owner() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_token(pid)}"


def owner_alive(owner: str | None) -> bool:
    """True while the process named by `owner` runs on this machine."""
    if not owner:
        return False
    parts = owner.rsplit(":", 2)
    if len(parts) != 3:
        return False
    host, pid_text, start = parts
    if host != socket.gethostname():
        return False  # the database is this machine's; another host's process is not ours
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid <= 0:
        return False
    if pid == os.getpid():
        return start == _start_token(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    fields = _stat_fields(pid)
    if fields is None:
        return _PROC.is_dir() is False  # no /proc (not Linux): trust the signal check
    if fields[0] in ("Z", "X"):
        return False
    return start == "0" or _start_token(pid) == start
