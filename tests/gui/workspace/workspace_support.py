"""Helpers for the workspace tests: driving the qasync loop from a test function.

Coroutines run with `loop.run_until_complete` from the test function itself (never nested
inside a coroutine). Anything that starts engine tasks (send, retry) is called through
`in_loop`, because the engine creates its tasks on the running loop.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import qasync
import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from studio.core.catalog import ModelRef, ProviderRegistry
from studio.core.request import GenerationSettings
from studio.core.runner import ModelTarget
from studio.ui.event_loop import StudioEventLoop

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow

T = TypeVar("T")

# What Chromium says once when it starts on a machine without a GPU (and, offscreen,
# without OpenGL): about the machine, not about this code.
ENGINE_NOISE = (r"^Failed to load vulkan", r"^initInstance: No Vulkan library available",
                r"^Failed to create platform Vulkan instance", r"^Unable to detect GPU vendor",
                r"^GLX: No DRI3 Extension", r"^QRhiGles2: Failed to create",
                r"^Failed to create RHI", r"^This plugin does not support "
                r"createPlatformVulkanInstance", r"^QVulkanInstance: Failed to initialize",
                r"^GBM is not supported", r"^GPUInfo not initialized")

# What the offscreen platform cannot do (size hints, raising and grabbing for popups):
# harmless there, and never printed on a real display.
OFFSCREEN_SIZE_HINTS = (r"This plugin does not support "
                        r"(propagateSizeHints\(\)|raise\(\)|grabbing the (keyboard|mouse))")


def live_page_marks() -> list[pytest.MarkDecorator]:
    """The marks of a GUI test that runs pages in real QtWebEngine previews."""
    from studio.ui.preview.scheme import is_registered

    return [
        pytest.mark.gui, pytest.mark.webengine, pytest.mark.slow,
        pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, *ENGINE_NOISE),
        pytest.mark.skipif(not is_registered(),
                           reason="a QApplication existed before the preview scheme"),
    ]


class StopStartLoop(StudioEventLoop):
    """The application's loop, minus one extra Qt event pass after `run_until_complete`.

    qasync spins Qt once more after the awaited future is done, with the loop already
    marked as stopped: a model task stepping in that pass finds no running loop (anyio,
    under httpx, then fails). In the application the loop runs without pause, so this
    only matters for tests, which start and stop it many times.
    """

    def run_until_complete(self, future: Any) -> Any:
        task = asyncio.ensure_future(future, loop=self)
        task.add_done_callback(lambda _t: self.stop())
        self.run_forever()
        return task.result()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def target(registry: ProviderRegistry, provider: str, model: str, **settings: Any) -> ModelTarget:
    return ModelTarget(ModelRef(provider, model), registry.get(provider),
                       GenerationSettings(**settings))


def in_loop(loop: qasync.QEventLoop, fn: Callable[[], T]) -> T:
    """Call `fn` while the loop runs (engine calls need a running loop)."""
    async def call() -> T:
        return fn()

    result: T = loop.run_until_complete(call())
    return result


def wait_until(loop: qasync.QEventLoop, predicate: Callable[[], bool],
               timeout: float = 10.0, what: str = "condition") -> float:
    """Spin the loop until `predicate()`; returns the seconds it took."""
    start = time.perf_counter()

    async def poll() -> None:
        while not predicate():
            if time.perf_counter() - start > timeout:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            await asyncio.sleep(0.002)

    loop.run_until_complete(poll())
    return time.perf_counter() - start


# "Within 100 ms" of a stop, measured on the machine as it is: 100 ms of wall time, or no
# more than the frames those 100 ms hold (16 ms each) when the machine is so loaded that the
# window's frames themselves come late. A stop that waits for anything (the stream's next
# chunk, a timeout) takes more of both.
PROMPT_S = 0.1
PROMPT_FRAMES = 6


class TickCount:
    """Counts the ticks of a repeating timer while in its `with` block: what the GUI thread
    ran meanwhile, whatever the wall clock says."""

    def __init__(self, interval_ms: int) -> None:
        self.ticks = 0
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.ticks += 1

    def __enter__(self) -> TickCount:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.stop()


def wait_promptly(loop: qasync.QEventLoop, predicate: Callable[[], bool],
                  what: str) -> tuple[float, int]:
    """Wait for `predicate()` (up to 10 s); returns the seconds and the 16 ms frames it took."""
    with TickCount(16) as frames:
        took = wait_until(loop, predicate, timeout=10.0, what=what)
    return took, frames.ticks


def assert_prompt(took: float, frames: int, what: str) -> None:
    assert took < PROMPT_S or frames <= PROMPT_FRAMES, (
        f"{what} took {took * 1000:.0f} ms and {frames} frames")


def spin(loop: qasync.QEventLoop, seconds: float) -> None:
    loop.run_until_complete(asyncio.sleep(seconds))


def close_window(loop: qasync.QEventLoop, win: MainWindow) -> None:
    """Close a window the way the app does (its state is saved) and free it; a window
    closed this way already is left alone."""
    if not shiboken6.isValid(win) or (win.store is None and not win.isVisible()):
        return
    if win.isVisible():
        win.close()
    loop.run_until_complete(win.shutdown())
    win.deleteLater()
    QApplication.processEvents()
