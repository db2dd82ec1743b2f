"""Fixtures of the library panel tests: a real SQLite store under the test's
PROMPT_STUDIO_HOME and a shown LibraryPanel over it."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from studio.core.paths import StudioPaths
from studio.store import Store
from studio.ui.library import LibraryPanel


@pytest.fixture(autouse=True)
def _collect_qt_garbage_on_the_gui_thread() -> Iterator[None]:
    # Dialogs and menus dropped in a test are freed here, on the GUI thread.
    yield
    gc.collect()


@pytest.fixture
def store(paths: StudioPaths) -> Iterator[Store]:
    opened = Store.open(paths.database)
    yield opened
    opened.close()


@pytest.fixture
def make_panel(qtbot: QtBot, store: Store) -> Iterator[Callable[[], LibraryPanel]]:
    """Build the panel after the test has put its data in the store."""
    made: list[LibraryPanel] = []

    def make() -> LibraryPanel:
        panel = LibraryPanel(store)
        qtbot.addWidget(panel)
        panel.resize(420, 900)
        with qtbot.waitExposed(panel):
            panel.show()
        # Shortcuts (Delete, Ctrl+Z) only reach the focused widget of the active window.
        with qtbot.waitActive(panel):
            panel.activateWindow()
        made.append(panel)
        return panel

    yield make
    for panel in made:
        panel.close()
