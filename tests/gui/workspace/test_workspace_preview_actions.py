"""Every preview action can be reached at any width (the toolbar's overflow menu and the
page's context menu), and previews of two slots of one model say which is which."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QToolButton

from studio.core.catalog import ProviderRegistry
from studio.ui.main_window import MainWindow
from studio.ui.preview.scheme import is_registered
from studio.ui.preview.toolbar import PreviewToolbar
from studio.ui.preview.view import PreviewView
from tests.gui.workspace.workspace_support import (
    ENGINE_NOISE,
    OFFSCREEN_SIZE_HINTS,
    in_loop,
    target,
    wait_until,
)
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [
    pytest.mark.gui, pytest.mark.webengine, pytest.mark.slow,
    pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, *ENGINE_NOISE),
    pytest.mark.skipif(not is_registered(),
                       reason="a QApplication existed before the preview scheme"),
]

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
                "Phone (390 px)"}


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
    assert labels == ["page-a (Sim openai) · T 0.2", "page-a (Sim openai) · T 0.9"]
    pane = comparison.panes[1]
    in_loop(loop, lambda: pane.set_preview_visible(True))
    assert pane.preview is not None and pane.preview.label() == labels[1]
