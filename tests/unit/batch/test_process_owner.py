"""Who runs a batch, and whether that process still does."""

from __future__ import annotations

import socket
import subprocess

from studio.core import process_owner
from studio.core.process_owner import current_owner, owner_alive


def test_this_process_is_alive_and_garbage_is_not() -> None:
    assert owner_alive(current_owner())
    for owner in (None, "", "garbage", "host:x:1", f"{socket.gethostname()}:0:1",
                  f"other-host-{socket.gethostname()}:1:1"):
        assert not owner_alive(owner)


def test_a_killed_process_is_dead_even_before_it_is_reaped() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        owner = (f"{socket.gethostname()}:{child.pid}:"
                 f"{process_owner._start_token(child.pid)}")
        assert owner_alive(owner)
        # Same pid, another start time: a reused process id is not the batch's process.
        assert not owner_alive(f"{socket.gethostname()}:{child.pid}:1")
        child.kill()
        child_state = process_owner._stat_fields(child.pid)
        while child_state is not None and child_state[0] not in ("Z", "X"):
            child_state = process_owner._stat_fields(child.pid)
        assert not owner_alive(owner)  # a zombie
    finally:
        child.kill()
        child.wait()
    assert not owner_alive(owner)
