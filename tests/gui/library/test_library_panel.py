# mypy: disable-error-code="no-untyped-call"
"""The panel as the main window sees it: cheap to open, named controls, refresh."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from studio.store import Store
from studio.ui.library import LibraryPanel
from studio.ui.library.history_model import HISTORY_PAGE
from tests.gui.library.library_support import OFFSCREEN_SIZE_HINTS, add_run

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

Maker = Callable[[], LibraryPanel]


def test_opening_reads_collections_and_one_page_of_history_only(
        qtbot: QtBot, store: Store) -> None:
    collections = [store.add_collection(f"Collection {n}") for n in range(20)]
    with store.transaction():
        for n in range(3000):
            store.add_prompt(collections[n % 20].id, f"Prompt {n}", f"body {n} " * 20)
        for n in range(HISTORY_PAGE * 3):
            add_run(store, f"Run {n}", ("openai:gpt-5", "kimi:kimi-k2"))
    started = time.perf_counter()
    panel = LibraryPanel(store)
    elapsed = time.perf_counter() - started
    qtbot.addWidget(panel)
    model = panel.collections.model
    assert model.rowCount(QModelIndex()) == 20
    assert all(model.rowCount(model.collection_index(c.id)) == 0 for c in collections)
    assert panel.history.model.rowCount() == HISTORY_PAGE
    # Generous: the work is a few small queries, whatever the size of the library.
    assert elapsed < 1.0


def test_every_control_has_an_accessible_name(store: Store, make_panel: Maker) -> None:
    games = store.add_collection("Games")
    store.add_prompt(games.id, "Hexagon", "balls")
    add_run(store, "Hexagon")
    panel = make_panel()
    panel.collections.undo_bar.show()
    panel.history.pick_bar.show()
    controls: list[QWidget] = [w for w in panel.findChildren(QAbstractButton)
                               if w.isVisibleTo(panel)]
    controls += [w for w in panel.findChildren(QComboBox) if w.isVisibleTo(panel)]
    controls += [w for w in panel.findChildren(QLineEdit) if w.isVisibleTo(panel)
                 and not isinstance(w.parent(), QComboBox)]
    controls += [w for w in panel.findChildren(QAbstractItemView) if w.isVisibleTo(panel)]
    assert len(controls) > 15
    unnamed = [w for w in controls
               if not (w.accessibleName() or (isinstance(w, QAbstractButton) and w.text()))
               and not (isinstance(w, QToolButton) and w.defaultAction() is not None)]
    assert unnamed == [], [type(w).__name__ for w in unnamed]


def test_refresh_shows_changes_made_elsewhere(store: Store, make_panel: Maker) -> None:
    games = store.add_collection("Games")
    panel = make_panel()
    panel.collections.view.expand(panel.collections.model.collection_index(games.id))
    # Another process (the CLI) adds a prompt, a collection and a run.
    store.add_prompt(games.id, "Hexagon", "balls")
    store.add_collection("Pages")
    run_id, _ = add_run(store, "From the command line", ("ollama:qwen3",))
    panel.refresh()
    model = panel.collections.model
    games_index = model.collection_index(games.id)
    assert panel.collections.view.isExpanded(games_index)
    assert str(model.index(0, 0, games_index).data()) == "Hexagon"
    assert model.rowCount(QModelIndex()) == 2
    assert panel.history.model.summary(0).id == run_id
    assert panel.history.model_filter.findData("ollama:qwen3") >= 0
    history_collections = [panel.history.collection_filter.itemText(i)
                           for i in range(panel.history.collection_filter.count())]
    assert history_collections == ["All collections", "Games", "Pages"]


def test_new_collection_is_named_freely_and_opens_for_renaming(
        store: Store, make_panel: Maker) -> None:
    store.add_collection("New collection")
    panel = make_panel()
    created = panel.collections.new_collection()
    assert created is not None and created.name == "New collection 2"
    view = panel.collections.view
    assert view.state() == QAbstractItemView.State.EditingState
    sub = panel.collections.new_collection(created.id)
    assert sub is not None and sub.parent_id == created.id
    assert panel.collections.model.collection_index(sub.id).parent() == (
        panel.collections.model.collection_index(created.id))
