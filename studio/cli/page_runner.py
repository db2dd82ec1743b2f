"""The command line's PageRunner: pages run by a worker process with the preview sandbox.

The worker (`prompt-studio preview - --serve-pages`, studio/ui/preview/page_worker.py) is
started on the first page and keeps running for the batch, one page at a time. With each
screenshot it makes a thumbnail (256 × 160 at most), which is kept with the screenshot
for the batch window's grid. Without a display the checks that need it are reported as
not run — never passed. The worker gets no API key: variables that hold keys are left out
of its environment. `niceness` lowers its priority (and its browser's, started after it),
so a window beside it stays quick on a busy machine.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import sys

from studio.cli.preview_cmd import display_problem
from studio.core.checks import PageReport

# Beyond the page's own load timeout and settle time: the worker's start-up (QtWebEngine).
_START_GRACE_S = 30.0
_READ_LIMIT = 64 * 1024 * 1024  # a screenshot line in base64
THUMBNAIL = (256, 160)  # fits the batch window's larger pictures; its cells scale it down


def worker_command() -> list[str]:
    if getattr(sys, "frozen", False):  # a bundled app: the executable is prompt-studio
        return [sys.executable, "preview", "-", "--serve-pages"]
    return [sys.executable, "-m", "studio", "preview", "-", "--serve-pages"]


def worker_environment(key_variables: set[str]) -> dict[str, str]:
    return {name: value for name, value in os.environ.items()
            if name not in key_variables and not name.endswith("_API_KEY")}


class WorkerPageRunner:
    def __init__(self, *, network: bool = False, wait_s: float = 1.0,
                 timeout_s: float = 20.0, size: tuple[int, int] = (1280, 800),
                 key_variables: set[str] | None = None,
                 thumbnail: tuple[int, int] | None = THUMBNAIL, niceness: int = 0) -> None:
        self.network = network
        self.niceness = niceness
        self.thumbnail = thumbnail
        self.wait_s = wait_s
        self.timeout_s = timeout_s
        self.size = size
        self._keys = key_variables or set()
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self._next_id = 0
        self._started = False

    def unavailable(self) -> str | None:
        return display_problem()

    async def run_page(self, html: str) -> PageReport:
        async with self._lock:
            proc = await self._worker()
            assert proc.stdin is not None and proc.stdout is not None
            self._next_id += 1
            request = {"id": self._next_id, "html": html, "network": self.network,
                       "wait_s": self.wait_s, "timeout_s": self.timeout_s,
                       "width": self.size[0], "height": self.size[1]}
            if self.thumbnail is not None:
                request["thumb"] = list(self.thumbnail)
            budget = self.timeout_s + self.wait_s + 10.0
            if not self._started:
                budget += _START_GRACE_S
            try:
                proc.stdin.write(json.dumps(request).encode() + b"\n")
                await proc.stdin.drain()
                line = await asyncio.wait_for(proc.stdout.readline(), budget)
            except (TimeoutError, ConnectionError) as exc:
                await self._stop(kill=True)
                raise RuntimeError("the page worker did not answer") from exc
            except asyncio.CancelledError:
                await self._stop(kill=True)  # its answer would be read as the next page's
                raise
            if not line:
                await self._stop(kill=True)
                raise RuntimeError("the page worker ended (is QtWebEngine installed?)")
            self._started = True
            answer = json.loads(line)
            png, thumb = answer.get("png"), answer.get("thumb")
            return PageReport(errors=tuple(str(e) for e in answer.get("errors") or ()),
                              screenshot=base64.b64decode(png) if png else None,
                              problem=answer.get("problem"),
                              thumbnail=base64.b64decode(thumb) if png and thumb else None)

    async def _worker(self) -> asyncio.subprocess.Process:
        if self._proc is None or self._proc.returncode is not None:
            self._started = False
            self._proc = await asyncio.create_subprocess_exec(
                *worker_command(), stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
                env=worker_environment(self._keys), limit=_READ_LIMIT)
            if self.niceness and hasattr(os, "setpriority"):
                with contextlib.suppress(OSError):  # gone already, or not allowed
                    os.setpriority(os.PRIO_PROCESS, self._proc.pid, self.niceness)
        return self._proc

    async def _stop(self, *, kill: bool) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        if kill:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        try:
            await asyncio.wait_for(proc.wait(), 10.0)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()

    async def aclose(self) -> None:
        async with self._lock:
            await self._stop(kill=False)
