from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.simulator import Simulator


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """One loopback simulator per test module; tests reset it as they need."""
    with Simulator() as s:
        yield s
