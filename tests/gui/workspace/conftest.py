"""The workspace against the loopback simulator: a qasync loop, an engine, a main window.

Coroutines run with `loop.run_until_complete` from the test function itself (never nested
inside a coroutine). Anything that starts engine tasks (send, retry) is called through
`in_loop`, because the engine creates its tasks on the running loop.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from studio.core.catalog import ModelRef, ProviderConfig, ProviderRegistry
from studio.core.model_sets import JsonModelSetStore, model_sets_file
from studio.core.paths import StudioPaths, studio_paths
from studio.core.prices import PriceTable
from studio.core.runner import Engine, ModelTarget
from studio.core.secrets import KeyStore
from studio.ui.event_loop import StudioEventLoop
from studio.ui.main_window import MainWindow
from studio.ui.preview.scheme import register_preview_scheme
from tests.support.memory_keyring import MemoryKeyring
from tests.support.simulator import Simulator

# Previews need their URL scheme before the QApplication exists (pytest-qt makes it at the
# first test); registering twice is harmless.
if QCoreApplication.instance() is None:
    register_preview_scheme()

T = TypeVar("T")

# What the offscreen platform cannot do (size hints, raising and grabbing for popups):
# harmless there, and never printed on a real display.
OFFSCREEN_SIZE_HINTS = (r"This plugin does not support "
                        r"(propagateSizeHints\(\)|raise\(\)|grabbing the (keyboard|mouse))")


class TestLoop(StudioEventLoop):
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


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    event_loop = TestLoop(qapp)
    asyncio.set_event_loop(event_loop)
    try:
        yield event_loop
    finally:
        pending = [t for t in asyncio.all_tasks(event_loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            event_loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        event_loop.run_until_complete(event_loop.shutdown_asyncgens())
        asyncio.set_event_loop(None)
        event_loop.close()
        del event_loop
        # qasync's timer object sits in reference cycles: collect them on the GUI thread.
        gc.collect()


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator() as server:
        yield server


@pytest.fixture
def paths() -> StudioPaths:
    return studio_paths().ensure()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def registry(paths: StudioPaths, sim: Simulator) -> ProviderRegistry:
    sim.reset()
    reg = ProviderRegistry(paths.providers_file)
    for protocol in ("openai", "anthropic", "gemini"):
        reg.add(f"sim-{protocol}", protocol, sim.url(protocol), label=f"Sim {protocol}",
                needs_key=False)
    # Whatever listens on this machine's Ollama/LM Studio/llama.cpp ports stays out of it.
    port = closed_port()
    for name in ("ollama", "lmstudio", "llamacpp"):
        reg.add(name, "openai", f"http://127.0.0.1:{port}/v1", needs_key=False)
    return reg


def target(registry: ProviderRegistry, provider: str, model: str, **settings: Any) -> ModelTarget:
    from studio.core.request import GenerationSettings

    return ModelTarget(ModelRef(provider, model), registry.get(provider),
                       GenerationSettings(**settings))


@pytest.fixture
def keys() -> KeyStore:
    return KeyStore(env={}, backend=MemoryKeyring())


@pytest.fixture
def engine(loop: qasync.QEventLoop, keys: KeyStore) -> Iterator[Engine]:
    async def make() -> Engine:
        return Engine(keys=keys, prices=PriceTable.load(None))

    eng = loop.run_until_complete(make())
    yield eng
    loop.run_until_complete(eng.aclose())


@pytest.fixture
def window(loop: qasync.QEventLoop, engine: Engine, paths: StudioPaths,
           registry: ProviderRegistry) -> Iterator[MainWindow]:
    win = MainWindow(engine, paths=paths, registry=registry,
                     model_sets=JsonModelSetStore(model_sets_file(paths.config)),
                     show_welcome=False)
    win.resize(1200, 800)
    win.show()
    yield win
    if win.isVisible():
        win.close()
    loop.run_until_complete(win.shutdown())
    win.deleteLater()
    QApplication.processEvents()


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


def spin(loop: qasync.QEventLoop, seconds: float) -> None:
    loop.run_until_complete(asyncio.sleep(seconds))


@pytest.fixture
def sim_config(registry: ProviderRegistry) -> Callable[[str], ProviderConfig]:
    return registry.get
