"""A preview in a window of its own — popped out or full screen — and back in its pane."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QVBoxLayout, QWidget

from studio.ui.preview.widgets import AwayNotice, PreviewWindow


def window_title(label: str) -> str:
    # Never the page's own title: a page must not be able to write into our chrome.
    return f"{label} — Preview" if label else "Preview"


class PopOut(QObject):
    """Moves a pane's body (banner, page and console) into a `PreviewWindow` and back.

    While the body is away, `away` stands in the pane with a button to bring it back;
    closing the window brings it back too. The body sits at index 1 of `root` (after the
    toolbar) when it is home.
    """

    def __init__(self, pane: QWidget, root: QVBoxLayout, body: QWidget) -> None:
        super().__init__(pane)
        self._pane = pane
        self._root = root
        self._body = body
        self.window: PreviewWindow | None = None
        self.away = AwayNotice(pane)
        self.away.bringBack.connect(self.bring_back)
        self.away.hide()

    def pop_out(self, title: str) -> None:
        if self.window is not None:
            self.window.raise_()
            self.window.activateWindow()
            return
        window = PreviewWindow(title, self._pane)
        self._root.removeWidget(self._body)
        window.body_layout.addWidget(self._body)
        self.away.show()
        window.closed.connect(self.bring_back)
        self.window = window
        window.resize(max(self._pane.width(), 1024), max(self._pane.height(), 720))
        window.show()

    def full_screen(self, title: str) -> None:
        self.pop_out(title)
        if self.window is not None:
            self.window.showFullScreen()

    def bring_back(self) -> None:
        window = self.window
        if window is None:
            return
        self.window = None
        self._body.setParent(self._pane)
        self._root.insertWidget(1, self._body, 1)
        self._body.show()
        self.away.hide()
        window.closed.disconnect(self.bring_back)
        window.close()
        window.deleteLater()

    def set_title(self, title: str) -> None:
        if self.window is not None:
            self.window.setWindowTitle(title)
