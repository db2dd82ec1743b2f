"""PreviewView: one sandboxed, live-refreshing preview of a model's page, with its controls.

QtWebEngine is imported only when the first document is shown, so creating panes (and
starting the app) does not pay for it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent
from PySide6.QtWidgets import QMenu, QVBoxLayout, QWidget

from studio.ui.preview.body import NO_PAGE, NO_PAGE_YET, PreviewBody
from studio.ui.preview.capture import PngCallback, ScreenshotQueue
from studio.ui.preview.console import ConsoleLog
from studio.ui.preview.engine_check import engine_status
from studio.ui.preview.engine_notices import EngineUnavailableNotice, root_sandbox_badge
from studio.ui.preview.export import png_bytes
from studio.ui.preview.outputs import PageOutputs, UrlOpener
from studio.ui.preview.pop_out import PopOut, window_title
from studio.ui.preview.toolbar import DEVICE_WIDTHS, PreviewToolbar
from studio.ui.preview.widgets import PreviewWindow
from studio.ui.style import icon

if TYPE_CHECKING:
    from PySide6.QtWebEngineWidgets import QWebEngineView

    from studio.ui.preview.page import PreviewPage
    from studio.ui.preview.session import PreviewSession

EMPTY = "empty"
UNAVAILABLE = "unavailable"  # the web engine cannot run here: the pane says why instead

_default_network = False


def set_default_network(enabled: bool) -> None:
    """The network switch new previews start with (the app's setting); off unless set."""
    global _default_network
    _default_network = bool(enabled)


def default_network() -> bool:
    return _default_network


class PreviewView(QWidget):
    """A page preview: toolbar, status banner, the sandboxed web view and its console."""

    consoleChanged = Signal()
    stateChanged = Signal(str)
    errorCountChanged = Signal(int)
    blockedCountChanged = Signal(int)
    networkChanged = Signal(bool)
    loadFinished = Signal(bool)
    screenshotReady = Signal(bytes)
    editSourceRequested = Signal()  # the toolbar's "Edit source" (see set_source_editable)
    # How an action turned out (saved, copied, opened, or why not), also shown in the
    # status bar of the window around the preview; True when it failed.
    reported = Signal(str, bool)
    fixItRequested = Signal()  # "Show the model its page" (the fix-it loop, see attachments)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        label: str = "",
        network: bool | None = None,
        open_url: UrlOpener | None = None,
        show_toolbar: bool = True,
        debounce_ms: int = 300,
        hang_timeout_ms: int = 5000,
        freeze_after_ms: int = 1000,
        discard_after_ms: int = 60_000,
    ) -> None:
        super().__init__(parent)
        self._label = label
        self._network = _default_network if network is None else network
        # Saving, copying and the system browser; each says how it turned out (`reported`).
        self.outputs = PageOutputs(self, open_url)
        self.outputs.reported.connect(self.reported)
        self._open_url = self.outputs.open_url
        self._debounce_s = debounce_ms / 1000
        self._session_options = {
            "hang_timeout_ms": hang_timeout_ms,
            "freeze_after_ms": freeze_after_ms,
            "discard_after_ms": discard_after_ms,
        }
        self._document: str | None = None  # the latest document we were given
        self._shown: str | None = None  # the document the page is running
        self._dirty = False
        self._last_flush = -1e9
        self._device = "desktop"
        self._session: PreviewSession | None = None
        self._empty_log = ConsoleLog(capacity=1)

        self.toolbar = PreviewToolbar(self)
        self.toolbar.setVisible(show_toolbar)
        # F5 reloads the preview that has focus; a window-wide shortcut would be ambiguous
        # as soon as two previews are open.
        self.toolbar.reload_action.setShortcutContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.toolbar.reload_action)
        # First on the toolbar, so it is never what a narrow toolbar hides.
        self.sandbox_badge = root_sandbox_badge(self.toolbar)
        if self.sandbox_badge is not None:
            self.toolbar.insertWidget(self.toolbar.actions()[0], self.sandbox_badge)
        # The fix-it loop: shown where an owner sends the follow-up (set_fix_it_available).
        self.fix_it_action = QAction(icon("fix-it"), "Show the model its page", self)
        self.fix_it_action.setToolTip("Send the model a follow-up with this page's screenshot "
                                      "and its console errors, asking it to fix the page")
        self.fix_it_action.triggered.connect(self.fixItRequested)
        self.fix_it_action.setVisible(False)
        self.toolbar.addAction(self.fix_it_action)

        # What pops out with the preview: banner, badge, the page and its console.
        self._body = PreviewBody(self)
        self.banner = self._body.banner
        self.cut_off_badge = self._body.cut_off_badge
        self.console_panel = self._body.console_panel
        self._web_host = self._body.web_host
        self._web_host.set_device_width(DEVICE_WIDTHS[self._device])
        self._body.installEventFilter(self)

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        # Pop-out and full screen move the body into a window of its own and back.
        self._pop_out = PopOut(self, root, self._body)
        root.addWidget(self.toolbar)
        root.addWidget(self._body, 1)
        root.addWidget(self._pop_out.away, 1)

        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.timeout.connect(self._flush)
        self._screenshots = ScreenshotQueue(self.grab_now, self)
        self._screenshots.ready.connect(self.screenshotReady)

        tb = self.toolbar
        tb.reloadClicked.connect(self.reload)
        tb.stopClicked.connect(self.stop)
        tb.networkToggled.connect(self.set_network)
        tb.deviceChosen.connect(self.set_device)
        tb.popOutClicked.connect(self.pop_out)
        tb.fullScreenClicked.connect(self.full_screen)
        tb.openInBrowserClicked.connect(self.open_in_browser)
        tb.saveHtmlClicked.connect(self.outputs.ask_save_html)
        tb.copyScreenshotClicked.connect(self.copy_screenshot)
        tb.saveScreenshotClicked.connect(self.outputs.ask_save_png)
        tb.consoleToggled.connect(self.set_console_visible)
        tb.editSourceClicked.connect(self.editSourceRequested)
        self.banner.reloadRequested.connect(self.reload)
        tb.set_network(self._network, 0)
        engine_status().changed.connect(self._on_engine_status)

    # -- document ----------------------------------------------------------------------

    def set_document(self, html: str | None, *, final: bool = False) -> None:
        """Show `html` (None: no page). Live updates run at most once per debounce period;
        `final=True` renders now. An unchanged document is not reloaded."""
        self._document = html
        self._dirty = True
        self.cut_off_badge.show_for(html)
        # While the answer streams a page may still come; once it has ended, none will.
        self._body.placeholder.setText(NO_PAGE if final else NO_PAGE_YET)
        if final:
            self._throttle.stop()
            self._flush()
            return
        if self._throttle.isActive():
            return
        wait = self._debounce_s - (time.monotonic() - self._last_flush)
        self._throttle.start(max(0, int(wait * 1000)))

    def document(self) -> str | None:
        return self._document

    def reload(self) -> None:
        """Run the current document again (also after an edit, a crash or a hang)."""
        if self._dirty:
            self._flush()
        elif self._session is not None:
            self._session.reload()

    def stop(self) -> None:
        if self._session is not None:
            self._session.stop()

    def _flush(self) -> None:
        if not self._dirty:
            return
        if not self._body.isVisible() and self._document is not None:
            return  # run when shown: hidden previews do not start renderers
        self._dirty = False
        self._last_flush = time.monotonic()
        html = self._document
        if html is None:
            self._shown = None
            self._close_session()
            self._body.show_placeholder()
            return
        if html == self._shown and self._session is not None:
            return
        problem = engine_status().problem()
        if problem is not None:
            # Checked before any web view exists: without a working engine, creating one
            # could take the whole app down.
            self._show_unavailable()
            return
        keep_scroll = self._shown is not None
        self._shown = html
        session = self._ensure_session()
        self._body.show_page()
        session.load(html.encode("utf-8", "surrogatepass"), keep_scroll=keep_scroll)

    def _show_unavailable(self) -> None:
        problem = engine_status().problem()
        if problem is None:
            return
        self._shown = None
        self._close_session()
        self._body.show_unavailable(problem)
        self.stateChanged.emit(UNAVAILABLE)

    def _on_engine_status(self) -> None:
        if engine_status().problem() is not None:
            if self._session is not None or self._body.shows_unavailable():
                self._show_unavailable()
        elif self._document is not None and self._body.shows_unavailable():
            self._dirty = True  # the engine works again: run the page
            self._flush()

    def unavailable_message(self) -> str:
        """What the pane says instead of the page ("" when the page can run)."""
        return self._body.unavailable_message()

    @property
    def engine_notice(self) -> EngineUnavailableNotice | None:
        """Says why the page cannot run, once the web engine has failed here."""
        return self._body.engine_notice

    # -- network, device, visibility ---------------------------------------------------

    def set_network(self, enabled: bool) -> None:
        enabled = bool(enabled)
        changed = enabled != self._network
        self._network = enabled
        self.toolbar.set_network(enabled, self.blocked_count())
        if self._session is not None:
            self._session.set_network(enabled)
        if changed:
            self.networkChanged.emit(enabled)

    def network(self) -> bool:
        return self._network

    def set_device(self, name: str) -> None:
        if name not in DEVICE_WIDTHS:
            raise ValueError(f"unknown device {name!r}; use one of {', '.join(DEVICE_WIDTHS)}")
        self._device = name
        self.toolbar.set_device(name)
        self._web_host.set_device_width(DEVICE_WIDTHS[name])

    def device(self) -> str:
        return self._device

    def set_viewport_size(self, size: QSize | None) -> None:
        """Fix the page's viewport (the command line's --size); None to follow the pane."""
        self._web_host.set_viewport_size(size)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty and not self._throttle.isActive():
            self._throttle.start(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self._body and kind in (QEvent.Type.Show, QEvent.Type.Hide):
            visible = kind == QEvent.Type.Show
            if self._session is not None:
                self._session.set_active(visible)
            if visible and self._dirty and not self._throttle.isActive():
                self._throttle.start(0)
        return False

    # -- session -----------------------------------------------------------------------

    def _ensure_session(self) -> PreviewSession:
        if self._session is not None:
            return self._session
        from studio.ui.preview.session import PreviewSession

        web = self._web_host.create_web(self.show_context_menu)
        session = PreviewSession(
            web,
            network=self._network,
            open_external=self._open_url,
            parent=self,
            **self._session_options,
        )
        self._session = session
        session.stateChanged.connect(self._on_state)
        session.consoleChanged.connect(self._on_console)
        session.errorCountChanged.connect(self._on_errors)
        session.blockedCountChanged.connect(self._on_blocked)
        session.loadFinished.connect(self._on_load_finished)
        self.console_panel.set_log(session.console)
        self._web_host.attach(session.page)
        session.set_active(self._body.isVisible())
        return session

    def show_context_menu(self, pos: QPoint) -> QMenu | None:
        """The toolbar's actions as a menu at `pos` on the page (also when the toolbar is
        too narrow to show them all, or hidden)."""
        web = self._web_host.web()
        if web is None:
            return None
        menu = self.toolbar.context_menu(self)
        if self.fix_it_action.isVisible():
            menu.addSeparator()
            menu.addAction(self.fix_it_action)
        menu.setObjectName("previewContextMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(web.mapToGlobal(pos))
        return menu

    def _close_session(self) -> None:
        session = self._session
        if session is None or self._web_host.web() is None:
            return
        self._session = None
        session.close()  # first: a page stuck in a loop is ended while it is still attached
        self._web_host.release()
        session.deleteLater()
        self.console_panel.set_log(None)
        self.banner.hide()
        self.toolbar.set_error_count(0)
        self.toolbar.set_network(self._network, 0)
        self.stateChanged.emit(EMPTY)
        self.errorCountChanged.emit(0)
        self.blockedCountChanged.emit(0)

    def _on_state(self, state: str) -> None:
        from studio.ui.preview.session import CRASHED, NOT_RESPONDING

        if state == NOT_RESPONDING:
            self.banner.show_message(
                "The page is not responding (it may be stuck in a loop). "
                "The rest of the app is unaffected."
            )
        elif state == CRASHED:
            reason = self.crash_reason()
            self.banner.show_message(reason[0].upper() + reason[1:] + ".")
        else:
            self.banner.hide()
        if state in (NOT_RESPONDING, CRASHED):
            # It will not finish loading: a screenshot waiting for it is taken as it is.
            self._screenshots.page_loaded()
        self.stateChanged.emit(state)

    def _on_console(self) -> None:
        if self.console_panel.isVisible():
            self.console_panel.refresh()
        self.consoleChanged.emit()

    def _on_errors(self, errors: int) -> None:
        self.toolbar.set_error_count(errors)
        self.errorCountChanged.emit(errors)

    def _on_blocked(self, blocked: int) -> None:
        self.toolbar.set_network(self._network, blocked)
        self.blockedCountChanged.emit(blocked)

    def _on_load_finished(self, ok: bool) -> None:
        self._web_host.watch_input()
        self._screenshots.page_loaded()
        self.loadFinished.emit(ok)

    # -- state for callers -------------------------------------------------------------

    def state(self) -> str:
        if self._session is not None:
            return self._session.state
        return UNAVAILABLE if self.unavailable_message() else EMPTY

    def console(self) -> ConsoleLog:
        return self._session.console if self._session is not None else self._empty_log

    def crash_reason(self) -> str:
        reason = self._session.crash_reason if self._session is not None else ""
        return reason or "the page crashed"

    def error_count(self) -> int:
        return self.console().error_count

    def blocked_count(self) -> int:
        return self._session.blocked_count if self._session is not None else 0

    def runs_on_screen(self) -> bool:
        """Whether this preview runs its page: it is on screen (here or popped out). A
        hidden one does not start its page until it is shown."""
        return self._body.isVisible()

    def web_view(self) -> QWebEngineView | None:
        return self._web_host.web()

    def page(self) -> PreviewPage | None:
        return self._session.page if self._session is not None else None

    def label(self) -> str:
        return self._label

    def set_label(self, label: str) -> None:
        self._label = label
        self._pop_out.set_title(window_title(label))

    def set_fix_it_available(self, available: bool) -> None:
        self.fix_it_action.setVisible(available)

    def set_source_editable(self, editable: bool) -> None:
        """Offer "Edit source" in the toolbar; the owner opens an editor on
        `editSourceRequested`."""
        self.toolbar.edit_source_action.setVisible(editable)

    # -- console panel -----------------------------------------------------------------

    def set_console_visible(self, visible: bool) -> None:
        self.console_panel.setVisible(visible)
        self.toolbar.set_console_checked(visible)
        if visible:
            self.console_panel.refresh()

    # -- screenshots -------------------------------------------------------------------

    def grab_png(self, callback: PngCallback | None = None) -> None:
        """PNG of the page once it has loaded and painted; delivered to `callback` and
        `screenshotReady` (empty bytes when there is no page)."""
        loading = self._dirty or (self._session is not None and self._session.state == "loading")
        self._screenshots.request(callback, loading=loading)

    def grab_now(self) -> bytes:
        """PNG of whatever the view shows right now."""
        web = self._web_host.web()
        if web is None or self._session is None:
            return b""
        return png_bytes(web.grab())

    def copy_screenshot(self) -> None:
        self.outputs.copy_screenshot()

    def save_screenshot(self, path: str | Path, callback: PngCallback | None = None) -> None:
        self.outputs.save_screenshot(path, callback)

    # -- files and the system browser (see PageOutputs) ------------------------------------

    def set_file_stem(self, stem: str) -> None:
        """The name proposed when the page or its screenshot is saved (no suffix)."""
        self.outputs.stem = stem

    def save_html(self, path: str | Path) -> Path | None:
        return self.outputs.save_html(path)

    def open_in_browser(self) -> Path | None:
        """Open a temporary copy in the system browser; it runs there, outside the sandbox."""
        return self.outputs.open_in_browser()

    # -- pop out and full screen (see PopOut) -------------------------------------------

    def pop_out(self) -> None:
        self._pop_out.pop_out(window_title(self._label))

    def full_screen(self) -> None:
        self._pop_out.full_screen(window_title(self._label))

    def bring_back(self) -> None:
        self._pop_out.bring_back()

    def popped_out(self) -> bool:
        return self._pop_out.window is not None

    @property
    def _window(self) -> PreviewWindow | None:
        # The pop-out window, if any (tests drive its shortcuts).
        return self._pop_out.window

    def closeEvent(self, event: QCloseEvent) -> None:
        self.bring_back()
        super().closeEvent(event)

    def dispose(self) -> None:
        """Release the page and its origin now (also done when the widget is destroyed)."""
        self.bring_back()
        self._throttle.stop()
        self._close_session()
