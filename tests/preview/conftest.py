"""Real QtWebEngine previews under a real X server (xvfb-run); see testing.md."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

# Chromium will not start its sandbox as root; only the tests switch it off.
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from PySide6.QtCore import QCoreApplication, QEvent, QTimer, QUrl
from PySide6.QtWebEngineCore import QWebEngineScript

from studio.ui.preview.scheme import is_registered, register_preview_scheme

# The scheme must exist before the QApplication, which pytest-qt creates at the first test.
if QCoreApplication.instance() is None:
    register_preview_scheme()

HAS_DISPLAY = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
MAIN_WORLD = int(QWebEngineScript.ScriptWorldId.MainWorld.value)
APP_WORLD = int(QWebEngineScript.ScriptWorldId.ApplicationWorld.value)

needs_display = pytest.mark.skipif(
    not HAS_DISPLAY, reason="screenshots of web content need a real X server (xvfb-run)"
)


# What Chromium says once when it starts on a machine without a GPU: not about our code.
ENGINE_STARTUP_NOISE = (
    r"^Failed to load vulkan",
    r"^initInstance: No Vulkan library available",
    r"^Failed to create platform Vulkan instance",
    r"^Unable to detect GPU vendor",
    r"^GLX: No DRI3 Extension",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_webengine_tests(items, os.path.dirname(__file__))


def mark_webengine_tests(items: list[pytest.Item], here: str) -> None:
    """The tests under `here` need QtWebEngine (and may hear its start-up noise)."""
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.webengine)
            item.add_marker(pytest.mark.qt_log_ignore(*ENGINE_STARTUP_NOISE))
            if not is_registered():
                item.add_marker(
                    pytest.mark.skip(reason="a QApplication existed before the preview scheme")
                )


@pytest.fixture
def opened_urls() -> list[QUrl]:
    """What a preview asked the system browser to open (nothing is really opened)."""
    return []


_engine_started = False


def _start_engine_once(qtbot: Any) -> None:
    """Run one page before the first test's own: QtWebEngine's one-time start (its browser
    side, the profile, the first renderer) runs on the GUI thread and takes over a second
    on a loaded machine, which the tests that time the GUI thread do not measure."""
    global _engine_started
    from studio.ui.preview.engine_check import engine_status
    from studio.ui.preview.view import PreviewView

    if _engine_started or engine_status().problem() is not None:
        return
    view = PreviewView()
    view.resize(320, 200)
    view.show()
    try:
        load(qtbot, view, "<p>engine started</p>", timeout=60_000)
    finally:
        view.dispose()
        view.close()
        view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    _engine_started = True


@pytest.fixture
def make_view(qtbot: Any, opened_urls: list[QUrl]) -> Iterator[Callable[..., Any]]:
    from studio.ui.preview.view import PreviewView

    _start_engine_once(qtbot)
    views: list[PreviewView] = []

    def make(**options: Any) -> PreviewView:
        options.setdefault("open_url", opened_urls.append)
        view = PreviewView(**options)
        view.resize(640, 480)
        view.show()
        qtbot.waitExposed(view)
        views.append(view)
        return view

    yield make
    # Whatever the page did, the app is still responsive afterwards.
    fired: list[int] = []
    QTimer.singleShot(0, lambda: fired.append(1))
    qtbot.waitUntil(lambda: bool(fired), timeout=1000)
    for view in views:
        view.dispose()
        view.close()
        view.deleteLater()
    # Pages must be gone before the profile, which lives as long as the application.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def load(qtbot: Any, view: Any, html: str, timeout: int = 20_000) -> None:
    with qtbot.waitSignal(view.loadFinished, timeout=timeout):
        view.set_document(html, final=True)


def run_js(
    qtbot: Any, view: Any, script: str, world: int = APP_WORLD, timeout: int = 20_000
) -> Any:
    box: list[Any] = []
    view.page().runJavaScript(script, world, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=timeout)
    return box[0]


def wait_result(qtbot: Any, view: Any, timeout: int = 15_000) -> str:
    """The page's own report, which test pages put in <html data-result="…">."""
    state: dict[str, Any] = {"result": None, "asked": False}

    def answer(result: Any) -> None:
        # A JavaScript null arrives as an empty string.
        state["result"] = result or None
        state["asked"] = False

    def poll() -> bool:
        if state["result"] is not None:
            return True
        if not state["asked"]:
            state["asked"] = True
            view.page().runJavaScript(
                "document.documentElement.getAttribute('data-result') || ''", APP_WORLD, answer
            )
        return False

    qtbot.waitUntil(poll, timeout=timeout)
    return str(state["result"])


class TickCounter:
    """Proves the GUI thread keeps running: a 20 ms timer records its largest gap."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._tick)
        self.ticks = 0
        self.max_gap = 0.0
        self._last = time.monotonic()

    def _tick(self) -> None:
        now = time.monotonic()
        self.max_gap = max(self.max_gap, now - self._last)
        self._last = now
        self.ticks += 1

    def __enter__(self) -> TickCounter:
        self._last = time.monotonic()
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()


@dataclass
class LoopbackTrap:
    """A real TCP and UDP listener on 127.0.0.1 that records anything that reaches it."""

    tcp_port: int = 0
    udp_port: int = 0
    hits: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.tcp_port}"


@pytest.fixture
def loopback_trap() -> Iterator[LoopbackTrap]:
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(64)
    tcp.settimeout(0.2)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.2)
    trap = LoopbackTrap(tcp.getsockname()[1], udp.getsockname()[1])
    stop = threading.Event()

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = tcp.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.5)
                try:
                    data = conn.recv(200)
                except OSError:
                    data = b""
                trap.hits.append(("tcp", data))

    def udp_loop() -> None:
        while not stop.is_set():
            try:
                data, _ = udp.recvfrom(2048)
            except OSError:
                continue
            trap.hits.append(("udp", data[:40]))

    threads = [threading.Thread(target=accept_loop), threading.Thread(target=udp_loop)]
    for thread in threads:
        thread.start()
    try:
        yield trap
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        tcp.close()
        udp.close()
