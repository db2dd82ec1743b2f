"""Fixtures for the report tests: a real store holding the rich comparison."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.core.paths import studio_paths
from studio.store import Run, Store
from tests.support.report_runs import HOME, RichRun, rich_run


@pytest.fixture
def store(studio_home: Path) -> Iterator[Store]:
    opened = Store.open(studio_paths().ensure())
    yield opened
    opened.close()


@pytest.fixture
def rich(store: Store) -> RichRun:
    return rich_run(store)


@pytest.fixture
def run(store: Store, rich: RichRun) -> Run:
    return store.run(rich.run_id)


@pytest.fixture
def home() -> str:
    return HOME
