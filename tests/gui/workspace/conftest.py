"""Fixtures of the workspace tests: a qasync loop, the simulator, an engine, a main window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync

from studio.core.catalog import ProviderRegistry
from studio.core.model_sets import JsonModelSetStore, model_sets_file
from studio.core.paths import StudioPaths
from studio.core.prices import PriceTable
from studio.core.runner import Engine
from studio.core.secrets import KeyStore
from studio.ui.main_window import MainWindow
from tests.gui.workspace.workspace_support import close_window, closed_port
from tests.support.memory_keyring import MemoryKeyring
from tests.support.simulator import Simulator


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator() as server:
        yield server


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
    close_window(loop, win)


