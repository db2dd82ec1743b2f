"""Fixtures of the integration tests: the workspace's loop, simulator, engine and window,
and `make_window` for tests that open several windows in turn (a restart) or build one
with the application's defaults (the store's model sets, the library)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import qasync

from studio.core.catalog import ProviderRegistry
from studio.core.paths import StudioPaths
from studio.core.runner import Engine
from studio.ui.main_window import MainWindow
from tests.gui.integration.integration_support import WindowMaker
from tests.gui.workspace.conftest import engine, keys, registry, sim, window
from tests.gui.workspace.workspace_support import close_window

__all__ = ["engine", "keys", "make_window", "registry", "sim", "window"]


@pytest.fixture
def make_window(loop: qasync.QEventLoop, engine: Engine, paths: StudioPaths,
                registry: ProviderRegistry) -> Iterator[WindowMaker]:
    """`make_window(**options)`: a shown MainWindow as the app builds it (its own store
    and model sets) unless `options` say otherwise; `close_window(win)` ends one early."""
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
