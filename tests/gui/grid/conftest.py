"""Fixtures of the batch window tests: the workspace's loop, simulator and registry, an
engine whose price table knows one simulated model, and main windows as the app builds
them (their own store, so the library and batches work)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import qasync

from studio.core.catalog import ProviderRegistry
from studio.core.paths import StudioPaths
from studio.core.prices import PriceTable
from studio.core.runner import Engine
from studio.core.secrets import KeyStore
from studio.ui.main_window import MainWindow
from tests.gui.grid.grid_support import PRICED_MODEL, WindowMaker
from tests.gui.workspace.conftest import keys, registry, sim
from tests.gui.workspace.workspace_support import close_window

__all__ = ["engine", "keys", "make_window", "registry", "sim"]


@pytest.fixture
def engine(loop: qasync.QEventLoop, keys: KeyStore) -> Iterator[Engine]:
    # $10 per million output tokens: a 2,000-token answer is estimated at $0.02.
    prices = PriceTable.from_data(
        {"version": 1, "models": {f"sim-openai:{PRICED_MODEL}": {
            "input": 1.0, "output": 10.0, "context_window": 100_000}}},
        base=PriceTable.shipped_data())

    async def make() -> Engine:
        return Engine(keys=keys, prices=prices)

    eng = loop.run_until_complete(make())
    yield eng
    loop.run_until_complete(eng.aclose())


@pytest.fixture
def make_window(loop: qasync.QEventLoop, engine: Engine, paths: StudioPaths,
                registry: ProviderRegistry) -> Iterator[WindowMaker]:
    made: list[MainWindow] = []

    def make(**options: Any) -> MainWindow:
        options.setdefault("registry", registry)
        options.setdefault("show_welcome", False)
        win = MainWindow(engine, paths=paths, **options)
        win.resize(1200, 800)
        win.show()
        made.append(win)
        return win

    yield make
    for win in made:
        close_window(loop, win)
