"""Fixtures of the GUI reliability tests: the workspace fixtures (qasync loop, simulator,
registry, main window), with an engine whose timeouts and retry delays are short enough for
a fault matrix to run in seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync

from studio.core.prices import PriceTable
from studio.core.retry import RetryPolicy, Timeouts
from studio.core.runner import Engine
from studio.core.secrets import KeyStore
from tests.gui.settings.conftest import secret_service
from tests.gui.workspace.conftest import keys, registry, sim, window

__all__ = ["keys", "registry", "secret_service", "sim", "window"]

MAX_ATTEMPTS = 3
POLICY = RetryPolicy(max_attempts=MAX_ATTEMPTS, base_delay_s=0.01, max_delay_s=0.05,
                     max_retry_after_s=5.0)
# A stalled stream must end as a timeout within the test's time, a healthy one never does.
TIMEOUTS = Timeouts(connect_s=5.0, read_s=0.5, write_s=5.0, pool_s=5.0)


@pytest.fixture
def engine(loop: qasync.QEventLoop, keys: KeyStore) -> Iterator[Engine]:
    async def make() -> Engine:
        return Engine(keys=keys, prices=PriceTable.load(None), policy=POLICY,
                      timeouts=TIMEOUTS)

    eng = loop.run_until_complete(make())
    yield eng
    loop.run_until_complete(eng.aclose())
