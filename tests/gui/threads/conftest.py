"""Fixtures of the thread tests: the workspace's loop, simulator and main window, with a
price table that gives one simulated model a tiny context window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync

from studio.core.prices import PriceTable
from studio.core.runner import Engine
from studio.core.secrets import KeyStore
from tests.gui.workspace.conftest import keys, registry, sim, window

__all__ = ["engine", "keys", "registry", "sim", "window"]

TINY_WINDOW_MODEL = "tiny-window"
TINY_WINDOW = 60  # tokens


@pytest.fixture
def engine(loop: qasync.QEventLoop, keys: KeyStore) -> Iterator[Engine]:
    prices = PriceTable.from_data(
        {"version": 1, "models": {f"sim-openai:{TINY_WINDOW_MODEL}": {
            "input": 1.0, "output": 2.0, "context_window": TINY_WINDOW}}},
        base=PriceTable.shipped_data())

    async def make() -> Engine:
        return Engine(keys=keys, prices=prices)

    eng = loop.run_until_complete(make())
    yield eng
    loop.run_until_complete(eng.aclose())
