"""Every preview action can be reached at any width (the toolbar's overflow menu and the
page's context menu), and previews of two slots of one model say which is which."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QToolButton
from pytestqt.qtbot import QtBot

from studio.core.catalog import ProviderRegistry
from studio.ui.main_window import MainWindow
from studio.ui.preview.editor import PageEditor
from studio.ui.preview.toolbar import PreviewToolbar
from studio.ui.preview.view import PreviewView
from tests.gui.workspace.workspace_support import (
    in_loop,
    live_page_marks,
    target,
    wait_until,
)
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = live_page_marks()

PAGE = ("Here it is:\n\n```html\n<!doctype html>\n<html><body><h1 id='t'>{title}</h1>"
        "</body></html>\n```\n")


def reachable(toolbar: PreviewToolbar) -> set[str]:
    """The texts of every action a user can reach from the toolbar as it is laid out now:
    the buttons on screen, the "»" overflow menu, and the menus behind both."""
    found: set[str] = set()

    def add(action: QAction) -> None:
        if action.isSeparator() or not action.isVisible():
            return
        found.add(action.text())
        menu = action.menu()
        if isinstance(menu, QMenu):
            for inner in menu.actions():
                add(inner)

    for action in toolbar.actions():
        button = toolbar.widgetForAction(action)
        if button is not None and button.isVisible():
            add(action)
    extension = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    if extension is not None and extension.isVisible() and extension.menu() is not None:
        for action in extension.menu().actions():
            add(action)
    return found


EVERY_ACTION = {"Reload", "Stop", "Network: off", "Console", "Edit source",
                "Pop out into a window", "Full screen",
                "Open in system browser (outside the sandbox)", "Save as .html…",
                "Copy screenshot", "Save screenshot as PNG…", "Desktop", "Tablet (768 px)",
                "Phone (390 px)", "Show the model its page"}


def test_every_preview_action_is_reachable_in_the_previews_tab_at_any_width(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    for name in ("page-a", "page-b", "page-c"):
        sim.script(name, Synthetic([PAGE.format(title=name)]))
    comparison = in_loop(loop, lambda: window.send("make a page", [
        target(registry, "sim-openai", m) for m in ("page-a", "page-b", "page-c")]))
    wait_until(loop, lambda: comparison.settled, what="three pages")
    window.resize(1400, 900)
    window.actions_.previews.trigger()
    grid = window.previews.grid
    assert grid is not None
    keys = grid.keys()
    views = [grid.preview(k) for k in keys]
    assert len(views) == 3
    for width in (1400, 900):
        window.resize(width, 900)
        QApplication.processEvents()
        for view in views:
            assert view is not None
            toolbar = view.toolbar
            assert toolbar.width() < toolbar.sizeHint().width() or width == 1400
            missing = EVERY_ACTION - reachable(toolbar)
            assert not missing, (width, toolbar.width(), missing)


def _context_menu(view: PreviewView) -> QMenu:
    web = view.web_view()
    assert web is not None
    web.customContextMenuRequested.emit(QPoint(10, 10))
    menu = view.findChild(QMenu, "previewContextMenu")
    assert menu is not None and menu.isVisible()
    return menu


def _texts(menu: QMenu) -> set[str]:
    texts = set()
    for action in menu.actions():
        if not action.isSeparator():
            texts.add(action.text())
        sub = action.menu()
        if isinstance(sub, QMenu):
            texts |= {a.text() for a in sub.actions() if not a.isSeparator()}
    return texts


def test_the_page_context_menu_offers_every_action_and_edit_source_works_from_the_grid(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("page-a", Synthetic([PAGE.format(title="Alpha")]))
    comparison = in_loop(loop, lambda: window.send("make a page", [
        target(registry, "sim-openai", "page-a")]))
    wait_until(loop, lambda: comparison.settled, what="the page")
    window.actions_.previews.trigger()
    grid = window.previews.grid
    assert grid is not None
    view = grid.preview(grid.keys()[0])
    assert view is not None
    wait_until(loop, lambda: view.web_view() is not None, what="the page to run")
    menu = _context_menu(view)
    assert EVERY_ACTION - {"Desktop"} <= _texts(menu)
    edit = next(a for a in menu.actions() if a.text() == "Edit source")
    menu.close()
    edit.trigger()
    answer = comparison.panes[0].answer
    assert answer is not None
    editor = window.page_editor_for(answer)
    assert editor is not None and editor.isVisible()
    assert editor.preview() is view  # edits run where "Edit source" was chosen
    editor.close()


def test_previews_of_two_slots_of_one_model_say_which_settings_they_ran_with(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("page-a", Synthetic([PAGE.format(title="Alpha")]))
    slots = [target(registry, "sim-openai", "page-a", temperature=0.2),
             target(registry, "sim-openai", "page-a", temperature=0.9)]
    comparison = in_loop(loop, lambda: window.send("make a page", slots))
    wait_until(loop, lambda: comparison.settled, what="two pages")
    window.actions_.previews.trigger()
    grid = window.previews.grid
    assert grid is not None
    keys = grid.keys()
    labels = [view.label() for key in keys if (view := grid.preview(key))]
    assert labels == ["page-a · Sim openai · T 0.2", "page-a · Sim openai · T 0.9"]
    pane = comparison.panes[1]
    in_loop(loop, lambda: pane.set_preview_visible(True))
    assert pane.preview is not None and pane.preview.label() == labels[1]


def _fake_xdg_open(folder: Path, status: int, said: str) -> Path:
    """An `xdg-open` first on PATH: records its argument, says `said` on stderr, exits."""
    log = folder / "opened.txt"
    script = folder / "xdg-open"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{log}"\n'
                      f'[ -n "{said}" ] && echo "{said}" >&2\nexit {status}\n')
    script.chmod(0o755)
    return log


def _page_preview(loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
                  sim: Simulator) -> PreviewView:
    sim.script("page-a", Synthetic([PAGE.format(title="Alpha")]))
    comparison = in_loop(loop, lambda: window.send("Spinning hexagon", [
        target(registry, "sim-openai", "page-a", temperature=0.5)]))
    wait_until(loop, lambda: comparison.settled, what="the page")
    pane = comparison.panes[0]
    in_loop(loop, lambda: pane.set_preview_visible(True))
    preview = pane.preview
    assert preview is not None
    wait_until(loop, lambda: preview.web_view() is not None, what="the page to run")
    return preview


def _status(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def test_opening_in_a_missing_browser_says_so_and_what_to_do_instead(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = _fake_xdg_open(tmp_path, 3, "xdg-open: no method available for opening it")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    preview = _page_preview(loop, window, registry, sim)
    preview.toolbar.open_action.trigger()
    assert _status(window).startswith("Opening a copy of the page in the system browser")
    wait_until(loop, lambda: _status(window).startswith("Could not open"),
               what="the failure to be reported")
    assert _status(window) == (
        "Could not open the page in the system browser (xdg-open: no method available "
        "for opening it). Save it as .html (More ▸ Save as .html…) and open the file "
        "yourself.")
    assert log.read_text().startswith("file://")

    # With a browser that opens it, the window says that too.
    _fake_xdg_open(tmp_path, 0, "")
    preview.toolbar.open_action.trigger()
    wait_until(loop, lambda: _status(window) == "Opened the page in the system browser.",
               what="the browser to open the page")


def test_saving_proposes_a_name_and_says_where_the_file_went(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, tmp_path: Path, qtbot: QtBot) -> None:
    preview = _page_preview(loop, window, registry, sim)
    preview.toolbar.save_html_action.trigger()
    dialog = preview.outputs.dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    proposed = Path(dialog.selectedFiles()[0]).name
    assert proposed == "Spinning-hexagon-page-a-T-0.5.html"
    dialog.setDirectory(str(tmp_path))
    dialog.selectFile(str(tmp_path / proposed))
    dialog.accept()
    saved = tmp_path / proposed
    assert saved.read_text(encoding="utf-8") == preview.document()
    assert _status(window) == f"Saved the page as {saved}."

    # The screenshot is named the same way, in the folder used last.
    preview.toolbar.save_png_action.trigger()
    dialog = preview.outputs.dialog
    assert isinstance(dialog, QFileDialog)
    shot = Path(dialog.selectedFiles()[0])
    assert shot == tmp_path / "Spinning-hexagon-page-a-T-0.5.png"
    dialog.accept()
    wait_until(loop, lambda: shot.exists() and _status(window).startswith("Saved a screenshot"),
               what="the screenshot")
    assert shot.read_bytes().startswith(b"\x89PNG")

    preview.toolbar.copy_png_action.trigger()
    wait_until(loop, lambda: _status(window).startswith("Copied a screenshot"),
               what="the copied screenshot")
    pane = window.pane_area.panes()[0]
    qtbot.mouseClick(pane.copy_button, Qt.MouseButton.LeftButton)
    assert _status(window).startswith("Copied the answer of page-a · Sim openai · T 0.5")

    # A place that cannot be written to gets a message with the next step.
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("")
    assert preview.save_html(not_a_folder / "page.html") is None
    assert _status(window) == (f"Could not save the page as {not_a_folder / 'page.html'}: "
                               "Not a directory. Choose another folder.")


def test_escape_and_ctrl_w_close_the_pop_out_and_the_source_editor(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, qtbot: QtBot) -> None:
    preview = _page_preview(loop, window, registry, sim)
    preview.pop_out()
    popped = preview._window
    assert popped is not None
    with qtbot.waitActive(popped):
        popped.activateWindow()
    QTest.keyClick(popped, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not preview.popped_out()

    preview.full_screen()
    popped = preview._window
    assert popped is not None
    qtbot.waitUntil(popped.isFullScreen)
    with qtbot.waitActive(popped):
        popped.activateWindow()
    QTest.keyClick(popped, Qt.Key.Key_Escape)  # out of full screen first …
    qtbot.waitUntil(lambda: not popped.isFullScreen())
    assert preview.popped_out()
    QTest.keyClick(popped, Qt.Key.Key_Escape)  # … then closed
    assert not preview.popped_out()

    answer = window.pane_area.panes()[0].answer
    assert answer is not None
    editor = _edit_source(window, preview, qtbot)
    QTest.keyClick(editor.code, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert editor.find_bar.isVisible()
    QTest.keyClick(editor.find_bar.field, Qt.Key.Key_Escape)  # closes the bar only
    assert not editor.find_bar.isVisible() and editor.isVisible()
    QTest.keyClick(editor.code, Qt.Key.Key_Escape)
    assert window.page_editor_for(answer) is None

    editor = _edit_source(window, preview, qtbot)
    QTest.keyClick(editor.code, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.page_editor_for(answer) is None


def _edit_source(window: MainWindow, preview: PreviewView, qtbot: QtBot) -> PageEditor:
    """"Edit source" on the preview: its editor, active, with the focus in the text."""
    preview.toolbar.edit_source_action.trigger()
    answer = window.pane_area.panes()[0].answer
    assert answer is not None
    editor = window.page_editor_for(answer)
    assert editor is not None
    with qtbot.waitActive(editor):
        editor.activateWindow()
    editor.code.setFocus()
    return editor
