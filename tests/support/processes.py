"""The processes below a process, read from /proc (Linux); shared by tests and benchmarks."""

from __future__ import annotations

from pathlib import Path


def descendants(root: int) -> list[int]:
    """`root` first, then every process below it (children, grandchildren, …)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        # The command name in parentheses may hold spaces; fields resume after ')'.
        parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found
