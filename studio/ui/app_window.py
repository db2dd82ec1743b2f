"""The application's top-level window: on screen at once, the workspace moved in when built.

Loading the workspace (QtWebEngine's scheme, the engine, the history, some hundred widget
modules) takes a few hundred milliseconds; this window needs only QtWidgets, so it is shown
and painted first, at its remembered size and place, and hosts the `MainWindow` as its
central widget once that exists. Closing it closes the workspace first, which may refuse
(an editor with unsaved changes asks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEventLoop, QTimer, Signal
from PySide6.QtWidgets import QMainWindow

from studio import APP_NAME
from studio.ui.placeholder import Placeholder

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent

    from studio.ui.main_window import MainWindow

DEFAULT_SIZE = (1400, 900)


class AppWindow(QMainWindow):
    closed = Signal()  # the window closed (with its workspace, if any); the app ends

    def __init__(self, geometry: str = "") -> None:
        """`geometry`: base64 of a `saveGeometry()`, as the workspace state keeps it."""
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setAccessibleName(APP_NAME)
        self.resize(*DEFAULT_SIZE)
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
        self._placeholder: Placeholder | None = Placeholder("Loading the workspace…")
        self.setCentralWidget(self._placeholder)
        self._workspace: MainWindow | None = None
        self._closed = False

    @property
    def workspace(self) -> MainWindow | None:
        return self._workspace

    @property
    def is_closed(self) -> bool:
        return self._closed

    def wait_until_painted(self, limit_ms: int) -> None:
        """Run Qt's event loop until the window has been painted once, or `limit_ms` passed
        (a window started minimised or on another desktop is never exposed).

        For start-up only, before any asyncio loop exists: the first frame reaches the
        screen while the rest of the application is still to be loaded."""
        placeholder = self._placeholder
        if placeholder is None or placeholder.was_painted:
            return
        loop = QEventLoop()
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)

        def painted() -> None:
            timer.start(0)  # quit once the whole paint pass (and its flush) is done

        placeholder.painted.connect(painted)
        timer.start(limit_ms)
        loop.exec()
        timer.stop()
        placeholder.painted.disconnect(painted)

    def set_workspace(self, workspace: MainWindow) -> None:
        """Show `workspace` (made with this window as its parent) in place of the placeholder.
        When it closes on its own (`workspace.close()`), this window closes with it."""
        self._workspace = workspace
        self.setCentralWidget(workspace)  # deletes the placeholder
        self._placeholder = None
        workspace.closed.connect(self._finish)

    def closeEvent(self, event: QCloseEvent) -> None:
        workspace = self._workspace
        if workspace is not None and workspace.isVisible() and not workspace.close():
            event.ignore()  # the workspace asked to stay open
            return
        event.accept()
        self._finish()

    def _finish(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.hide()
        self.closed.emit()

