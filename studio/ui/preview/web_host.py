"""Where a preview's web view sits in its pane: created with the first page, centred at the
chosen device's width (or a fixed viewport), watched for the user's clicks, and released
with the page.

QtWebEngine is imported only when the first web view is created.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QWidget

if TYPE_CHECKING:
    from PySide6.QtWebEngineWidgets import QWebEngineView

    from studio.ui.preview.page import PreviewPage

_MAX_WIDTH = 16_777_215  # QWIDGETSIZE_MAX
# What counts as the user following a link: a click, a tap, or Enter/Space on a focused
# link. Other keys do not, so a game's key presses cannot open pages outside.
_CLICK_EVENTS = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin})
_ACTIVATION_KEYS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space})


def _is_activation(event: QEvent) -> bool:
    if event.type() in _CLICK_EVENTS:
        return True
    return isinstance(event, QKeyEvent) and event.key() in _ACTIVATION_KEYS


class WebHost(QWidget):
    """Holds at most one web view (and its page) at a time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._web: QWebEngineView | None = None
        self._page: PreviewPage | None = None
        self._input_target: QObject | None = None
        self._device_width: int | None = None  # None: as wide as the pane
        self._viewport: QSize | None = None

    def web(self) -> QWebEngineView | None:
        return self._web

    def create_web(self, context_menu: Callable[[QPoint], object]) -> QWebEngineView:
        """A new web view, centred in the host; `attach` its page before showing it."""
        from PySide6.QtWebEngineWidgets import QWebEngineView

        web = QWebEngineView(self)
        # Not Chromium's menu (back, view source, inspect): the preview's own actions.
        web.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        web.customContextMenuRequested.connect(context_menu)
        self._web = web
        self._layout.addStretch(0)
        self._layout.addWidget(web, 1)
        self._layout.addStretch(0)
        return web

    def attach(self, page: PreviewPage) -> None:
        """`page` runs in the web view: watch what the user does to it, then show it."""
        self._page = page
        page.loadStarted.connect(self.watch_input)
        self._apply_size()
        if self._web is not None:
            self._web.show()

    def release(self) -> None:
        """Take the web view and its page out and delete them (later, as Qt requires)."""
        web, page = self._web, self._page
        self._web = None
        self._page = None
        self._input_target = None
        if web is None:
            return
        while self._layout.count():
            self._layout.takeAt(0)
        web.hide()
        web.setPage(None)  # type: ignore[arg-type]
        if page is not None:
            page.deleteLater()
        web.deleteLater()

    # -- size --------------------------------------------------------------------------

    def set_device_width(self, width: int | None) -> None:
        self._device_width = width
        self._apply_size()

    def set_viewport_size(self, size: QSize | None) -> None:
        self._viewport = QSize(size) if size is not None else None
        self._apply_size()

    def _apply_size(self) -> None:
        web = self._web
        if web is None:
            return
        if self._viewport is not None:
            web.setFixedSize(self._viewport)
            return
        web.setMinimumSize(0, 0)
        web.setMaximumHeight(_MAX_WIDTH)
        width = self._device_width
        web.setMaximumWidth(width if width is not None else _MAX_WIDTH)

    # -- the user's input --------------------------------------------------------------

    def watch_input(self) -> None:
        # The page's input goes to the view's focus proxy, which exists once a page loads.
        web = self._web
        target = web.focusProxy() if web is not None else None
        if target is not None and target is not self._input_target:
            target.installEventFilter(self)
            self._input_target = target

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._input_target and self._page is not None and _is_activation(event):
            self._page.note_user_input()
        return False
