"""Reports in a real browser engine: QtWebEngine under Xvfb, the report served over HTTP
from a loopback server (a page opened from file:// cannot reach loopback at all in
Chromium, so only a served report shows that its policies, not the browser, stop a page).

The `browser` is a plain QWebEngineView with a profile of its own, like any browser a
reader opens the file in: none of the preview sandbox's interceptors or schemes apply.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytestqt.exceptions import TimeoutError as NoAnswer

if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from PySide6.QtCore import QCoreApplication, QEvent, QUrl
from PySide6.QtGui import QImage
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineScript
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from studio.core.paths import studio_paths
from studio.core.secrets import KeyStore
from studio.store import Store
from studio.ui.preview.scheme import register_preview_scheme
from studio.ui.report import ReportExports
from tests.preview.conftest import LoopbackTrap, loopback_trap, mark_webengine_tests
from tests.support.memory_keyring import MemoryKeyring

# The preview scheme (for the screenshots) must exist before the QApplication.
if QCoreApplication.instance() is None:
    register_preview_scheme()

__all__ = ["LoopbackTrap", "loopback_trap"]
APP_WORLD = int(QWebEngineScript.ScriptWorldId.ApplicationWorld.value)
HAS_DISPLAY = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
needs_display = pytest.mark.skipif(
    not HAS_DISPLAY, reason="screenshots of web content need a real X server (xvfb-run)")
# Chromium's own words when a page's attempt is refused: expected from the attack pages.
REFUSALS = (r"^Refused to ", r"^Fetch API cannot load", r"^Blocked ", r"^Unsafe attempt",
            r"^Uncaught ", r"^Failed to load", r"^Access to ", r"^Not allowed to load",
            r"^WebSocket connection to")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_webengine_tests(items, os.path.dirname(__file__))


def rgb(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    colour = image.pixelColor(x, y)
    return colour.red(), colour.green(), colour.blue()


def report_exports(store: Store | None) -> tuple[QWidget, ReportExports]:
    """The window's "Export report…" over `store`, with no key to mask."""
    window = QWidget()
    return window, ReportExports(window, lambda: store,
                                 providers_file=studio_paths().providers_file,
                                 keys=KeyStore(env={}, backend=MemoryKeyring()))


@pytest.fixture
def store(studio_home: Path) -> Iterator[Store]:
    opened = Store.open(studio_paths().ensure())
    yield opened
    opened.close()


@dataclass
class ReportServer:
    """Serves one folder on 127.0.0.1 and remembers every path asked for."""

    root: Path
    port: int = 0
    requests: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def report_server(tmp_path: Path) -> Iterator[ReportServer]:
    root = tmp_path / "served"
    root.mkdir()
    server_info = ReportServer(root)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            server_info.requests.append(self.path)

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    server_info.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_info
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


class ConsolePage(QWebEnginePage):
    """Keeps what every frame wrote to the console (Chromium reports refusals there)."""

    def __init__(self, profile: QWebEngineProfile, parent: Any = None) -> None:
        super().__init__(profile, parent)
        self.messages: list[str] = []

    def javaScriptConsoleMessage(self, level: Any, message: str, line: int, source: str) -> None:
        self.messages.append(message)


@dataclass
class Browser:
    view: QWebEngineView
    page: ConsolePage
    qtbot: Any

    def open(self, url: str, timeout: int = 30_000) -> None:
        with self.qtbot.waitSignal(self.page.loadFinished, timeout=timeout):
            self.page.load(QUrl(url))

    def js(self, script: str, timeout: int = 10_000) -> Any:
        """`script`'s value in the report (in a world of our own: the report's policy and
        scripts do not apply to it, the DOM is the same)."""
        return self._run(self.page, script, timeout)

    def frame_js(self, name: str, script: str, timeout: int = 10_000) -> Any:
        """`script`'s value inside the frame called `name` (None while it does not exist)."""
        frame = self.page.findFrameByName(name)
        if frame is None or not frame.isValid():
            return None
        return self._run(frame, script, timeout)

    def _run(self, target: Any, script: str, timeout: int) -> Any:
        # Through JSON: lists, booleans and null arrive as they are, and an exception as
        # its message instead of nothing.
        wrapped = (f"(() => {{ try {{ return JSON.stringify({{v: ({script})}}); }} "
                   "catch (e) { return JSON.stringify({error: String(e)}); } })()")
        box: list[Any] = []
        target.runJavaScript(wrapped, APP_WORLD, box.append)
        self.qtbot.waitUntil(lambda: bool(box), timeout=timeout)
        if not isinstance(box[0], str) or not box[0]:
            return None
        result = json.loads(box[0])
        if "error" in result:
            raise AssertionError(f"{script}: {result['error']}")
        return result.get("v")

    def wait_frame(self, name: str, script: str, expected: Any, timeout: int = 20_000) -> None:
        """Scroll the frame into view (frames load lazily) until `script` gives `expected`."""
        self.js(f"document.getElementById({name!r}).scrollIntoView()")
        seen: list[Any] = []

        def shows() -> bool:
            try:
                seen.append(self.frame_js(name, script, timeout=2000))
            except NoAnswer:
                # A frame that navigated (or was refused) while asked never answers: ask
                # the frame that is there now.
                seen.append("(no answer)")
            return seen[-1] == expected

        try:
            self.qtbot.waitUntil(shows, timeout=timeout)
        except AssertionError:
            raise AssertionError(f"frame {name}: {script} gives {seen[-1:]!r}, not "
                                 f"{expected!r}; console: {self.page.messages}") from None


@pytest.fixture
def browser(qtbot: Any) -> Iterator[Browser]:
    profile = QWebEngineProfile()  # off the record, as a fresh browser window would be
    view = QWebEngineView()
    page = ConsolePage(profile, view)
    view.setPage(page)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    yield Browser(view, page, qtbot)
    view.setPage(None)  # type: ignore[arg-type]
    page.deleteLater()
    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    profile.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


@pytest.fixture
def serve(report_server: ReportServer) -> Callable[[str, str], str]:
    """`serve(name, html)`: put a report on the server; returns its URL."""
    def put(name: str, html: str) -> str:
        (report_server.root / name).write_text(html, encoding="utf-8")
        return report_server.url(name)
    return put
