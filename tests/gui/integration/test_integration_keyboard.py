"""The window driven from the keyboard alone: Tab leaves lists, shortcuts reach the prompt
editor, the search field, the collections and the history (and say so in the menus), and
Undo/Redo show their keys."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from studio.core.catalog import ProviderRegistry
from studio.ui.library import LibraryPanel
from studio.ui.main_window import MainWindow
from tests.gui.threads.threads_support import send
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, target
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def _menu(window: MainWindow, title: str) -> QMenu:
    for action in window.menuBar().actions():
        if action.text().replace("&", "") == title:
            menu = action.menu()
            assert isinstance(menu, QMenu)
            return menu
    raise AssertionError(f"no {title} menu")


def _press(key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.ControlModifier
           ) -> None:
    focused = QApplication.focusWidget()
    assert focused is not None
    QTest.keyClick(focused, key, modifiers)


def _panel(window: MainWindow) -> LibraryPanel:
    panel = window.library
    assert panel is not None
    return panel


def test_tab_leaves_the_history_list_without_choosing_a_run(
        loop: qasync.QEventLoop, qtbot: QtBot, window: MainWindow,
        registry: ProviderRegistry, sim: Simulator) -> None:
    for n in range(3):
        sim.script(f"tab-{n}", Synthetic([f"Answer {n}."]))
        send(loop, window, f"Prompt {n}", [target(registry, "sim-openai", f"tab-{n}")])
    history = _panel(window).history
    with qtbot.waitActive(window):
        window.activateWindow()
    history.view.setFocus()
    history.view.selectRow(0)
    chosen = [s.id for s in history.selected_runs()]
    QTest.keyClick(history.view, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not history.view
    assert [s.id for s in history.selected_runs()] == chosen
    history.view.setFocus()
    QTest.keyClick(history.view, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is not history.view
    assert [s.id for s in history.selected_runs()] == chosen


def test_shortcuts_reach_the_editor_search_collections_and_history_and_are_in_the_menu(
        qtbot: QtBot, window: MainWindow) -> None:
    panel = _panel(window)
    go_to = next(a.menu() for a in _menu(window, "View").actions()
                 if a.text().replace("&", "") == "Go to")
    assert isinstance(go_to, QMenu)
    shown = {a.text().replace("&", ""): a.shortcut().toString(
        QKeySequence.SequenceFormat.NativeText) for a in go_to.actions()}
    assert shown == {"The prompt editor": "Ctrl+L", "Search": "Ctrl+F",
                     "The collections": "Ctrl+B", "The history": "Ctrl+H"}

    with qtbot.waitActive(window):
        window.activateWindow()
    window.prompt_area.editor.setFocus()
    _press(Qt.Key.Key_F)
    assert QApplication.focusWidget() is panel.search_box
    _press(Qt.Key.Key_H)
    assert QApplication.focusWidget() is panel.history.view
    _press(Qt.Key.Key_B)
    assert QApplication.focusWidget() is panel.collections.view
    _press(Qt.Key.Key_L)
    assert QApplication.focusWidget() is window.prompt_area.editor

    # A hidden library is shown again by the key that goes to it.
    window.actions_.library.trigger()
    assert window.library_dock is not None and window.library_dock.isHidden()
    _press(Qt.Key.Key_H)
    assert not window.library_dock.isHidden()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.history.view)


def test_undo_and_redo_in_the_edit_menu_show_their_keys(window: MainWindow) -> None:
    edit = _menu(window, "Edit")
    keys = {a.text().replace("&", ""): a.shortcut().toString() for a in edit.actions()
            if not a.isSeparator()}
    assert keys == {"Undo": "Ctrl+Z", "Redo": "Ctrl+Shift+Z"}


def test_no_two_actions_of_the_window_share_a_key(window: MainWindow) -> None:
    """Every capability adds its own actions (batches, the arena, reports …); a key taken
    twice would do neither (Qt calls it ambiguous and fires nothing)."""
    from PySide6.QtGui import QAction

    owners: dict[str, list[str]] = {}
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            if action.shortcutContext() != Qt.ShortcutContext.WidgetShortcut:
                owners.setdefault(key.toString(), []).append(action.text().replace("&", ""))
    shared = {key: names for key, names in owners.items() if len(set(names)) > 1}
    assert not shared
    assert owners["Ctrl+Shift+B"] and owners["Ctrl+Shift+H"]  # batches and blind mode
