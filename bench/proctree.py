"""Memory and CPU of a process and all its descendants, read from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.processes import descendants

_TICKS = os.sysconf("SC_CLK_TCK")

__all__ = ["cpu_seconds", "descendants", "pss_mb", "rss_mb", "tree_cpu_over"]


def _rollup(pid: int, field: str) -> int:
    """A field of /proc/PID/smaps_rollup in kB (0 if the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def pss_mb(pid: int) -> float:
    """Proportional set size of the tree: shared pages counted once in total."""
    return sum(_rollup(p, "Pss") for p in descendants(pid)) / 1024


def rss_mb(pid: int) -> float:
    return sum(_rollup(p, "Rss") for p in descendants(pid)) / 1024


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """utime + stime of each process (processes that are gone are left out)."""
    times: dict[int, float] = {}
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        times[pid] = (int(fields[11]) + int(fields[12])) / _TICKS
    return times


def tree_cpu_over(pid: int, start: dict[int, float], end: dict[int, float]) -> float:
    """CPU seconds the tree used between two `cpu_seconds` readings; a process that started
    meanwhile counts in full."""
    return sum(t - start.get(p, 0.0) for p, t in end.items())
