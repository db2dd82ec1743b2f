"""Pages run for checks, one after another, in a process of their own (`preview --serve-pages`).

The batch command asks this worker to run each answer's page in the preview sandbox —
the same profile, scheme, policies and watchdog as the app's previews — and to report
what the checks need: console errors, whether the page crashed or hung, and a screenshot.
Requests are JSON lines on standard input, `{"id", "html", "network", "wait_s",
"timeout_s", "width", "height"}` and optionally `"thumb": [width, height]`; each gets one
JSON line on standard output, `{"id", "errors", "error_count", "problem", "png", "thumb"}`
(PNGs in base64, or null; `thumb` is the screenshot scaled to fit the size asked for, made
here so the app that shows hundreds of them never decodes the full-size pictures). Each
page runs in an `OffscreenPage` (studio/ui/preview/offscreen.py): rendered without being
shown on the screen, so a batch does not flash windows on the user's desktop.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from collections import deque
from typing import Any, TextIO

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from studio.ui.preview.console import ERROR
from studio.ui.preview.export import png_bytes
from studio.ui.preview.offscreen import CRASHED, NOT_RESPONDING, TIMED_OUT, OffscreenPage
from studio.ui.preview.scheme import register_preview_scheme
from studio.ui.preview.view import UNAVAILABLE

_MIN_SETTLE_S = 0.25
MAX_ERRORS = 20


class _Lines(QObject):
    """Standard input, read in a thread, handed to the Qt thread one line at a time."""

    line = Signal(str)
    closed = Signal()

    def start(self, source: TextIO) -> None:
        def read() -> None:
            for text in source:
                if text.strip():
                    self.line.emit(text)
            self.closed.emit()

        threading.Thread(target=read, name="page-requests", daemon=True).start()


class PageServer(QObject):
    def __init__(self, app: QCoreApplication, out: TextIO, *, headless: bool) -> None:
        super().__init__()
        self._app = app
        self._out = out
        self._headless = headless  # an offscreen platform: grabs would be blank
        self._queue: deque[dict[str, Any]] = deque()
        self._current: dict[str, Any] | None = None
        self._page: OffscreenPage | None = None
        self._eof = False

    def request(self, text: str) -> None:
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or not isinstance(data.get("html"), str):
                raise ValueError("expected an object with the page's html")
        except ValueError as exc:
            self._write({"id": None, "errors": [], "problem": f"bad request: {exc}",
                         "png": None})
            return
        self._queue.append(data)
        self._next()

    def end(self) -> None:
        self._eof = True
        if self._current is None:
            self._app.quit()

    def _next(self) -> None:
        if self._current is not None:
            return
        if not self._queue:
            if self._eof:
                self._app.quit()
            return
        request = self._current = self._queue.popleft()
        wait_s = max(float(request.get("wait_s", 1.0)), _MIN_SETTLE_S)
        # A check judges the page as it ends up: one busy for a while as it starts is
        # not reported as stuck unless it still is at the deadline.
        page = OffscreenPage(
            request["html"], label="check", network=bool(request.get("network")),
            size=QSize(int(request.get("width", 1280)), int(request.get("height", 800))),
            settle_ms=int(wait_s * 1000),
            load_timeout_ms=int(float(request.get("timeout_s", 20.0)) * 1000),
            wait_out_hangs=True, parent=self)
        page.done.connect(self._report)
        self._page = page
        page.start()

    def _report(self, outcome: str) -> None:
        page, request = self._page, self._current
        view = page.view if page is not None else None
        if page is None or view is None or request is None:
            return
        problem = None
        if outcome == CRASHED:
            problem = f"the page crashed: {view.crash_reason()}"
        elif outcome == NOT_RESPONDING:
            problem = "the page stopped responding (an endless loop?)"
        elif outcome == TIMED_OUT:
            problem = "the page did not finish loading in time"
        elif outcome == UNAVAILABLE:
            problem = f"the page could not run here: {view.unavailable_message()}"
        errors = [e.format() for e in view.console().entries() if e.level == ERROR]
        png = b"" if self._headless else page.grab_now()
        thumb = _thumbnail(png, request.get("thumb")) if png else b""
        report = {"id": request.get("id"), "errors": errors[:MAX_ERRORS],
                  "error_count": view.error_count(), "problem": problem,
                  "png": base64.b64encode(png).decode("ascii") if png else None,
                  "thumb": base64.b64encode(thumb).decode("ascii") if thumb else None}
        self._page = None
        self._current = None
        page.close()
        if self._write(report):
            QTimer.singleShot(0, self._next)

    def _write(self, data: dict[str, Any]) -> bool:
        """Send one answer; False when no one reads them any more (the app that asked has
        ended, killed perhaps): the pages still asked for are dropped and the worker ends,
        rather than run them for no one."""
        try:
            self._out.write(json.dumps(data) + "\n")
            self._out.flush()
        except (OSError, ValueError):  # a broken pipe, or a closed stream
            self._queue.clear()
            self._eof = True
            if self._page is not None:
                self._page.close()
                self._page = self._current = None
            self._app.quit()
            return False
        return True


def _thumbnail(png: bytes, size: object) -> bytes:
    """The screenshot scaled to fit `size` ([width, height]), as PNG; b"" when none is
    asked for or the size is not one."""
    if not (isinstance(size, list) and len(size) == 2
            and all(isinstance(n, int) and 8 <= n <= 2048 for n in size)):
        return b""
    image = QImage.fromData(png)
    if image.isNull():
        return b""
    return png_bytes(image.scaled(QSize(size[0], size[1]), Qt.AspectRatioMode.KeepAspectRatio,
                                  Qt.TransformationMode.SmoothTransformation))


def serve_pages(source: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Answer page requests until standard input closes; returns an exit code."""
    if QCoreApplication.instance() is not None:
        raise RuntimeError("serve_pages() creates its own QApplication")
    register_preview_scheme()
    app = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "prompt-studio"])
    from studio.app import configure_application

    configure_application(app)
    app.setQuitOnLastWindowClosed(False)  # each page's view closes; the worker goes on
    headless = QApplication.platformName() in ("offscreen", "minimal")
    server = PageServer(app, out, headless=headless)
    lines = _Lines()
    lines.line.connect(server.request)
    lines.closed.connect(server.end)
    lines.start(source)
    try:
        app.exec()
    finally:
        # Pages must go before the profile, which the application owns.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
    return 0
