"""Fixtures of the workspace tests: a qasync loop, the simulator, an engine, a main window."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from studio.core.catalog import ProviderRegistry
from studio.core.model_sets import JsonModelSetStore, model_sets_file
from studio.core.paths import StudioPaths, studio_paths
from studio.core.prices import PriceTable
from studio.core.runner import Engine
from studio.core.secrets import KeyStore
from studio.ui.main_window import MainWindow
from studio.ui.preview.scheme import register_preview_scheme
from tests.gui.workspace.workspace_support import StopStartLoop, closed_port
from tests.support.memory_keyring import MemoryKeyring
from tests.support.simulator import Simulator

# Previews need their URL scheme before the QApplication exists (pytest-qt makes it at the
# first test); registering twice is harmless.
if QCoreApplication.instance() is None:
    register_preview_scheme()

@pytest.fixture
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    event_loop = StopStartLoop(qapp)
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


