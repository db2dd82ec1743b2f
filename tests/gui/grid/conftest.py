"""Fixtures of the batch window tests: the workspace's loop, simulator and registry, an
engine whose price table knows one simulated model, and main windows as the app builds
them (their own store, so the library and batches work)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync

from studio.core.prices import PriceTable
from studio.core.runner import Engine
from studio.core.secrets import KeyStore
from tests.gui.grid.grid_support import PRICED_MODEL
from tests.gui.integration.conftest import make_window
from tests.gui.workspace.conftest import keys, registry, sim

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
