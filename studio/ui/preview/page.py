"""The page every preview runs in: no navigation away, no windows, no permissions, no dialogs."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWebEngineCore import (
    QWebEngineDesktopMediaRequest,
    QWebEngineFileSystemAccessRequest,
    QWebEngineFullScreenRequest,
    QWebEngineLoadingInfo,
    QWebEngineNewWindowRequest,
    QWebEnginePage,
    QWebEnginePermission,
    QWebEngineProfile,
    QWebEngineRegisterProtocolHandlerRequest,
    QWebEngineWebAuthUxRequest,
)

from studio.ui.preview.console import ERROR, INFO, WARNING, ConsoleLog

_Level = QWebEnginePage.JavaScriptConsoleMessageLevel
_LEVELS = {_Level.InfoMessageLevel: INFO, _Level.WarningMessageLevel: WARNING}
_Nav = QWebEnginePage.NavigationType

# A link counts as clicked by the user only this soon after a real mouse or key event.
USER_GESTURE_WINDOW_S = 2.0
# And the system browser is asked at most this often, whatever the page does.
EXTERNAL_OPEN_INTERVAL_S = 1.0

_EXTERNAL_SCHEMES = frozenset({"http", "https"})

ExternalOpener = Callable[[QUrl], object]


class PreviewPage(QWebEnginePage):
    """Sandbox rules that live on the page. The profile holds the network rules."""

    def __init__(
        self,
        profile: QWebEngineProfile,
        console: ConsoleLog,
        *,
        on_console: Callable[[], None],
        open_external: ExternalOpener,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(profile, parent)
        self._console = console
        self._on_console = on_console
        self._open_external = open_external
        self._own_url = QUrl()
        self._leaving = False
        self._last_user_input = -1e9
        self._last_external_open = -1e9
        self.permissionRequested.connect(self._deny_permission)
        self.newWindowRequested.connect(self._on_new_window)
        self.desktopMediaRequested.connect(self._deny_desktop_media)
        self.fileSystemAccessRequested.connect(self._deny_file_system)
        self.registerProtocolHandlerRequested.connect(self._deny_protocol_handler)
        self.fullScreenRequested.connect(self._deny_full_screen)
        self.webAuthUxRequested.connect(self._cancel_web_auth)
        self.loadingChanged.connect(self._on_loading_changed)

    # -- the document ----------------------------------------------------------------

    def load_own(self, url: QUrl) -> None:
        """Load the preview's own document; the only navigation this page accepts."""
        self._own_url = QUrl(url)
        self._leaving = True
        self.load(url)

    def own_url(self) -> QUrl:
        return QUrl(self._own_url)

    def _on_loading_changed(self, info: QWebEngineLoadingInfo) -> None:
        started = info.status() == QWebEngineLoadingInfo.LoadStatus.LoadStartedStatus
        if started and self.is_own(info.url()):
            self._leaving = False

    def note_user_input(self) -> None:
        """Called by the view for a real click (or Enter) on the page."""
        self._last_user_input = time.monotonic()

    def acceptNavigationRequest(
        self, url: QUrl | str, type: QWebEnginePage.NavigationType, isMainFrame: bool
    ) -> bool:
        url = QUrl(url)
        if not isMainFrame:
            # Frames may load what the request interceptor and scheme handler allow.
            return True
        if type in (_Nav.NavigationTypeTyped, _Nav.NavigationTypeReload) and self.is_own(url):
            return True
        # Chromium reports `location.href = …` as a link click too, so a link is opened
        # outside only right after the user really clicked or typed in the page.
        if type == _Nav.NavigationTypeLinkClicked and self._open_outside(url):
            return False
        self._log_sandbox(f"Blocked navigation to {_short(url)}: a preview cannot leave its page")
        return False

    def is_own(self, url: QUrl) -> bool:
        """Whether `url` is this preview's own document."""
        own = self._own_url
        return (
            own.isValid()
            and url.scheme() == own.scheme()
            and url.host().lower() == own.host().lower()
            and url.path() in (own.path(), "", "/")
        )

    def _open_outside(self, url: QUrl) -> bool:
        now = time.monotonic()
        if url.scheme().lower() not in _EXTERNAL_SCHEMES:
            return False
        if now - self._last_user_input > USER_GESTURE_WINDOW_S:
            return False
        if now - self._last_external_open < EXTERNAL_OPEN_INTERVAL_S:
            return False
        self._last_external_open = now
        # One click, one page opened: the gesture is used up.
        self._last_user_input = -1e9
        self._log_sandbox(f"Opened {_short(url)} in the system browser", level=INFO)
        self._open_external(QUrl(url))
        return True

    def createWindow(self, type: QWebEnginePage.WebWindowType) -> QWebEnginePage:
        # No page: Qt then emits newWindowRequested, which knows the URL and the gesture.
        return None  # type: ignore[return-value]

    def _on_new_window(self, request: QWebEngineNewWindowRequest) -> None:
        url = request.requestedUrl()
        if request.isUserInitiated() and self._open_outside(url):
            return
        self._log_sandbox(f"Blocked a new window for {_short(url)}")

    # -- permissions and other requests: all refused -----------------------------------

    def _deny_permission(self, permission: QWebEnginePermission) -> None:
        permission.deny()
        kind = permission.permissionType().name
        self._log_sandbox(f"Denied permission request: {kind}")

    def _deny_desktop_media(self, request: QWebEngineDesktopMediaRequest) -> None:
        request.cancel()
        self._log_sandbox("Denied screen capture")

    def _deny_file_system(self, request: QWebEngineFileSystemAccessRequest) -> None:
        request.reject()
        self._log_sandbox("Denied file system access")

    def _deny_protocol_handler(self, request: QWebEngineRegisterProtocolHandlerRequest) -> None:
        request.reject()

    def _deny_full_screen(self, request: QWebEngineFullScreenRequest) -> None:
        request.reject()

    def _cancel_web_auth(self, request: QWebEngineWebAuthUxRequest) -> None:
        request.cancel()

    def chooseFiles(
        self,
        mode: QWebEnginePage.FileSelectionMode,
        oldFiles: Sequence[str],
        acceptedMimeTypes: Sequence[str],
    ) -> list[str]:
        self._log_sandbox("Blocked a file picker: previews cannot read files")
        return []

    # -- console and dialogs -----------------------------------------------------------

    def javaScriptConsoleMessage(
        self,
        level: QWebEnginePage.JavaScriptConsoleMessageLevel,
        message: str,
        lineNumber: int,
        sourceID: str,
    ) -> None:
        # Uncaught exceptions and rejections arrive here from the engine itself
        # ("Uncaught …", with a line number), so a page cannot hide or forge them away.
        self._console.add(_LEVELS.get(level, ERROR), message, lineNumber, sourceID)
        self._on_console()

    def javaScriptAlert(self, securityOrigin: QUrl | str, msg: str) -> None:
        self._log_dialog("alert", msg)

    def javaScriptConfirm(self, securityOrigin: QUrl | str, msg: str) -> bool:
        if self._leaving:
            # Qt asks "leave this page?" through here when we load a new version.
            return True
        self._log_dialog("confirm", msg)
        return False

    def javaScriptPrompt(
        self, securityOrigin: QUrl | str, msg: str, defaultValue: str
    ) -> tuple[bool, str]:
        self._log_dialog("prompt", msg)
        return False, ""

    def _log_dialog(self, kind: str, message: str) -> None:
        self._console.add(INFO, f"{kind}() suppressed: {message}", kind="dialog")
        self._on_console()

    def _log_sandbox(self, message: str, level: str = WARNING) -> None:
        self._console.add(level, message, kind="sandbox")
        self._on_console()


def _short(url: QUrl) -> str:
    text = url.toDisplayString()
    return text if len(text) <= 120 else text[:117] + "…"
