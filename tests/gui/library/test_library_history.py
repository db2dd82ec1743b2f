# mypy: disable-error-code="no-untyped-call"
"""The history list: filters, paging, updates after a save, and the run actions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QMessageBox
from pytestqt.qtbot import QtBot

from studio.core.model_sets import entries_from_refs
from studio.store import NotFoundError, Store
from studio.ui.library import LibraryPanel
from studio.ui.library.history_model import HISTORY_PAGE
from studio.ui.library.history_pane import HistoryPane
from tests.gui.library.library_support import OFFSCREEN_SIZE_HINTS, add_run, import_old_run

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

Maker = Callable[[], LibraryPanel]


def titles(pane: HistoryPane) -> list[str]:
    return [str(pane.model.index(r, 1).data()) for r in range(pane.model.rowCount())]


def choose(combo: QComboBox, data: object) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def test_rows_show_time_title_models_turns_and_best_rating(store: Store,
                                                           make_panel: Maker) -> None:
    run_id, _ = add_run(store, "Hexagon", ("openai:gpt-5", "anthropic:claude-opus-4"),
                        ratings=[2, 4])
    store.add_turn(run_id, "now with 10 balls")
    panel = make_panel()
    model = panel.history.model
    row = [str(model.index(0, c).data()) for c in range(model.columnCount())]
    assert row[1:] == ["Hexagon", "gpt-5, claude-opus-4", "2", "4★"]
    assert ":" in row[0]  # today: just the time
    tooltip = str(model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole))
    assert "openai:gpt-5, anthropic:claude-opus-4" in tooltip and "2 turns" in tooltip
    assert "Best rating: ★★★★☆" in tooltip


def test_filters_by_model_rating_date_and_collection_narrow_the_list(
        store: Store, make_panel: Maker) -> None:
    games = store.add_collection("Games")
    three_d = store.add_collection("3D", games.id)
    pages = store.add_collection("Pages")
    add_run(store, "Hexagon", ("openai:gpt-5", "kimi:kimi-k2"), collection_id=games.id,
            ratings=[5, None])
    add_run(store, "Pagoda", ("anthropic:claude-opus-4",), collection_id=three_d.id,
            ratings=[3])
    add_run(store, "Landing", ("kimi:kimi-k2",), collection_id=pages.id)
    import_old_run(store, "Old snake", days_ago=12, model="openai:gpt-4o")
    import_old_run(store, "Ancient tetris", days_ago=45, model="openai:gpt-4o")
    panel = make_panel()
    pane = panel.history
    assert titles(pane) == ["Landing", "Pagoda", "Hexagon", "Old snake", "Ancient tetris"]
    models = [pane.model_filter.itemText(i) for i in range(pane.model_filter.count())]
    assert models == ["All models", "anthropic:claude-opus-4", "kimi:kimi-k2",
                      "openai:gpt-4o", "openai:gpt-5"]

    choose(pane.model_filter, "kimi:kimi-k2")
    assert titles(pane) == ["Landing", "Hexagon"]
    choose(pane.model_filter, None)

    choose(pane.rating_filter, 4)
    assert titles(pane) == ["Hexagon"]
    choose(pane.rating_filter, 3)
    assert titles(pane) == ["Pagoda", "Hexagon"]
    choose(pane.rating_filter, None)

    pane.date_filter.setCurrentIndex(pane.date_filter.findText("Last 30 days"))
    assert titles(pane) == ["Landing", "Pagoda", "Hexagon", "Old snake"]
    pane.date_filter.setCurrentIndex(pane.date_filter.findText("Last 7 days"))
    assert titles(pane) == ["Landing", "Pagoda", "Hexagon"]
    pane.date_filter.setCurrentIndex(pane.date_filter.findText("Today"))
    assert titles(pane) == ["Landing", "Pagoda", "Hexagon"]
    pane.date_filter.setCurrentIndex(0)

    choose(pane.collection_filter, int(games.id))  # a collection includes its children
    assert titles(pane) == ["Pagoda", "Hexagon"]
    choose(pane.collection_filter, int(three_d.id))
    assert titles(pane) == ["Pagoda"]
    assert pane.collection_filter.currentText().strip() == "3D"
    # Filters combine.
    choose(pane.collection_filter, int(games.id))
    choose(pane.model_filter, "openai:gpt-5")
    assert titles(pane) == ["Hexagon"]
    pane.clear_filters()
    assert len(titles(pane)) == 5


def test_scrolling_to_the_end_loads_the_next_page(qtbot: QtBot, store: Store,
                                                  make_panel: Maker) -> None:
    with store.transaction():
        for n in range(HISTORY_PAGE * 2 + 30):
            add_run(store, f"Run {n:03}")
    panel = make_panel()
    pane = panel.history
    assert pane.model.rowCount() == HISTORY_PAGE
    bar = pane.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    assert pane.model.rowCount() == HISTORY_PAGE * 2
    qtbot.waitUntil(lambda: bar.value() < bar.maximum())  # the view grew
    bar.setValue(bar.maximum())
    assert pane.model.rowCount() == HISTORY_PAGE * 2 + 30
    assert not pane.model.canFetchMore(QModelIndex())
    assert titles(pane)[-1] == "Run 000"


def test_a_saved_run_appears_at_the_top_and_updates_in_place(
        store: Store, make_panel: Maker) -> None:
    add_run(store, "First")
    panel = make_panel()
    pane = panel.history
    run_id, responses = add_run(store, "Second", ("deepseek:deepseek-chat",))
    assert titles(pane) == ["First"]
    panel.run_saved(run_id)
    assert titles(pane) == ["Second", "First"]
    assert pane.model_filter.findData("deepseek:deepseek-chat") >= 0
    store.add_turn(run_id, "a follow-up")
    store.rate(responses[0], 5)
    panel.run_saved(run_id)
    assert [str(pane.model.index(0, c).data()) for c in (3, 4)] == ["2", "5★"]
    assert pane.model.rowCount() == 2


def select_row(pane: HistoryPane, row: int) -> None:
    """Select one row as a click does. (QTableView.selectRow reads the keyboard modifiers
    Qt last saw, and a key test earlier in the process can leave Ctrl among them: the row
    is then toggled instead of selected.)"""
    index = pane.model.index(row, 0)
    pane.view.selectionModel().setCurrentIndex(
        index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        | QItemSelectionModel.SelectionFlag.Rows)


def test_select_run_finds_it_past_the_loaded_page_and_past_filters(
        store: Store, make_panel: Maker) -> None:
    first, _ = add_run(store, "The first one", ("openai:gpt-5",))
    with store.transaction():
        for n in range(HISTORY_PAGE + 5):
            add_run(store, f"Run {n:03}", ("kimi:kimi-k2",))
    panel = make_panel()
    pane = panel.history
    choose(pane.model_filter, "kimi:kimi-k2")
    assert panel.select_run(first)
    assert not pane.filtered  # the filter hid it, so it was cleared
    assert [s.id for s in pane.selected_runs()] == [first]


def test_open_rerun_compare_and_delete(qtbot: QtBot, store: Store, make_panel: Maker) -> None:
    store.save_model_set("Coders", entries_from_refs(["openai:gpt-5", "qwen:qwen3-max"]))
    old, _ = add_run(store, "Hexagon v1")
    middle, _ = add_run(store, "Something else")
    new, _ = add_run(store, "Hexagon v2")
    panel = make_panel()
    pane = panel.history
    assert not pane.open_action.isEnabled()  # nothing selected yet
    select_row(pane, 0)
    assert pane.open_action.isEnabled()

    with qtbot.waitSignal(panel.runChosen) as opened:
        pane.open_action.trigger()
    assert opened.args == [new]
    pane.view.setFocus()
    with qtbot.waitSignal(panel.runChosen) as opened:
        qtbot.keyClick(pane.view, Qt.Key.Key_Return)
    assert opened.args == [new]

    with qtbot.waitSignal(panel.rerunRequested) as rerun:
        pane.rerun_action.trigger()
    assert rerun.args == [new, None]
    pane.rerun_menu.aboutToShow.emit()
    names = [a.text() for a in pane.rerun_menu.actions()]
    assert "With the same models" in names and "Coders" in names
    with qtbot.waitSignal(panel.rerunRequested) as rerun:
        next(a for a in pane.rerun_menu.actions() if a.text() == "Coders").trigger()
    assert rerun.args == [new, "Coders"]

    # Compare with…: the next run picked is the other side; the older one comes first.
    pane.compare_action.trigger()
    assert pane.picking and pane.pick_bar.isVisible()
    old_row = pane.model.row_of(old)
    assert old_row is not None
    pane.view.setFocus()
    qtbot.keyClick(pane.view, Qt.Key.Key_Down)  # moving through the list picks nothing
    assert pane.picking
    rect = pane.view.visualRect(pane.model.index(old_row, 1))
    with qtbot.waitSignal(panel.compareRequested) as compared:
        qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert compared.args == [old, new]
    assert (pane.picking, pane.pick_bar.isVisible()) == (False, False)
    # Or two rows selected at once.
    select_row(pane, 0)
    pane.view.selectionModel().select(
        pane.model.index(1, 0), pane.view.selectionModel().SelectionFlag.Select
        | pane.view.selectionModel().SelectionFlag.Rows)
    with qtbot.waitSignal(panel.compareRequested) as compared:
        pane.compare_action.trigger()
    assert compared.args == [middle, new]

    # Delete asks first; Cancel keeps the run, Yes removes it.
    select_row(pane, pane.model.row_of(middle))  # type: ignore[arg-type]
    box = pane.delete_selected()
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "Something else" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert store.run(middle).title == "Something else"
    box = pane.delete_selected()
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    with pytest.raises(NotFoundError):
        store.run(middle)
    assert titles(pane) == ["Hexagon v2", "Hexagon v1"]
