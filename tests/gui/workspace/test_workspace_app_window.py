"""The app's top-level window: painted first, then hosting the workspace as its content."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from studio.core.catalog import ProviderRegistry
from studio.core.model_sets import JsonModelSetStore, model_sets_file
from studio.core.paths import StudioPaths
from studio.core.runner import Engine
from studio.ui.app_window import AppWindow
from studio.ui.main_window import MainWindow
from studio.ui.workspace.ui_state import load_state
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


class Hosted:
    """An AppWindow with a MainWindow moved in, as `studio.app` builds them."""

    def __init__(self, engine: Engine, paths: StudioPaths, registry: ProviderRegistry,
                 geometry: str = "") -> None:
        self.frame = AppWindow(geometry)
        self.closed: list[bool] = []
        self.frame.closed.connect(lambda: self.closed.append(True))
        self.frame.show()
        self.frame.wait_until_painted(2000)
        self.window = MainWindow(engine, paths=paths, registry=registry,
                                 model_sets=JsonModelSetStore(model_sets_file(paths.config)),
                                 show_welcome=False, parent=self.frame)
        self.frame.set_workspace(self.window)


@pytest.fixture
def hosted(loop: qasync.QEventLoop, engine: Engine, paths: StudioPaths,
           registry: ProviderRegistry) -> Iterator[Hosted]:
    app = Hosted(engine, paths, registry)
    yield app
    if app.frame.isVisible():
        app.frame.close()
    loop.run_until_complete(app.window.shutdown())
    app.frame.deleteLater()
    QApplication.processEvents()


def test_the_workspace_is_the_content_of_the_window(hosted: Hosted) -> None:
    frame, window = hosted.frame, hosted.window
    QApplication.processEvents()
    assert frame.workspace is window and frame.centralWidget() is window
    assert not window.isWindow() and window.window() is frame
    assert window.isVisible() and window.menuBar().isVisible()
    assert window.statusBar().isVisible() and window.prompt_area.isVisible()
    # The app has one top-level window: the workspace is not a second one.
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [frame]


def test_closing_the_window_closes_the_workspace_and_remembers_the_window_geometry(
        loop: qasync.QEventLoop, engine: Engine, paths: StudioPaths,
        registry: ProviderRegistry) -> None:
    app = Hosted(engine, paths, registry)
    app.frame.setGeometry(QRect(40, 50, 900, 640))
    QApplication.processEvents()
    assert app.frame.close()
    loop.run_until_complete(app.window.shutdown())
    assert app.closed == [True]
    assert not app.frame.isVisible()
    geometry = load_state(paths.settings_file).geometry
    assert geometry
    app.frame.deleteLater()

    again = Hosted(engine, paths, registry, geometry)
    QApplication.processEvents()
    assert again.frame.size() == QSize(900, 640)
    again.frame.close()
    loop.run_until_complete(again.window.shutdown())
    again.frame.deleteLater()


def test_quit_from_the_workspace_closes_the_window(hosted: Hosted) -> None:
    hosted.window.actions_.quit.trigger()
    assert hosted.closed == [True]
    assert not hosted.frame.isVisible()


def test_a_workspace_that_refuses_to_close_keeps_the_window_open(
        hosted: Hosted, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a page editor with unsaved edits does: it asks first, and the close waits.
    monkeypatch.setattr(hosted.window, "_close_page_editors", lambda: False)
    assert not hosted.frame.close()
    assert hosted.frame.isVisible() and hosted.window.isVisible()
    assert hosted.closed == []
    monkeypatch.undo()
    assert hosted.frame.close()
    assert hosted.closed == [True]


def test_waiting_for_the_first_paint_ends_for_a_window_never_shown(qapp: QApplication) -> None:
    frame = AppWindow()
    frame.wait_until_painted(50)  # returns after the limit: nothing to paint
    assert not frame.isVisible()
    frame.deleteLater()


def test_the_workspace_shortcuts_work_inside_the_window(hosted: Hosted, qtbot: QtBot) -> None:
    frame, window = hosted.frame, hosted.window
    frame.activateWindow()
    qtbot.waitUntil(frame.isActiveWindow, timeout=10_000)
    editor = window.prompt_area.editor
    editor.setFocus()
    qtbot.keyClicks(editor, "a prompt to throw away")
    assert window.prompt_area.prompt() == "a prompt to throw away"
    qtbot.keyClick(editor, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # New
    assert window.prompt_area.prompt() == ""
