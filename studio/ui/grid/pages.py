"""The window's PageRunner: each finished answer's page run once in the preview sandbox.

The batch runner asks for a page when a cell's checks need it (console errors, a judge
that looks at the screenshot) and for its thumbnail. Pages run here, in the app's own
process and sandbox (its profile, scheme, network switch and hang watchdog), one at a
time, in a view that is shown but never put on screen. Each page is bounded: a page that
crashes, stops responding or never finishes loading is reported as such when its time is
up, and never holds up the pages after it. The PNG is encoded on a worker thread, so a
batch of hundreds of pages does not stall the window.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor

from PySide6.QtCore import QObject, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QImage

from studio.core.checks import PageReport
from studio.ui.preview.console import ERROR
from studio.ui.preview.export import png_bytes

VIEWPORT = QSize(1280, 800)  # as the command line's page worker
SETTLE_MS = 1000  # after loading: animations draw, early console errors are seen
LOAD_TIMEOUT_MS = 20_000
HANG_TIMEOUT_MS = 5000
MAX_ERRORS = 20
_HEADLESS = frozenset({"offscreen", "minimal"})


def page_problem() -> str | None:
    """Why pages cannot run (or be pictured) in this application, or None."""
    if QGuiApplication.instance() is None:
        return "pages need a running application"
    if QGuiApplication.platformName() in _HEADLESS:
        return "no display to run pages on (start the studio in a desktop session)"
    try:
        import PySide6.QtWebEngineWidgets  # noqa: F401
    except ImportError:
        return "QtWebEngine is not installed, so pages cannot run"
    return None


class _PageJob(QObject):
    """One page: load, let it settle, note what it showed; `done` holds the outcome."""

    def __init__(self, html: str, *, network: bool, viewport: QSize, settle_ms: int,
                 load_timeout_ms: int, hang_timeout_ms: int) -> None:
        super().__init__()
        from studio.ui.preview.view import PreviewView

        self.done: asyncio.Future[tuple[tuple[str, ...], QImage | None, str | None]] = (
            asyncio.get_running_loop().create_future())
        self._loaded = False
        view = PreviewView(label="batch page", network=network, show_toolbar=False,
                           hang_timeout_ms=hang_timeout_ms)
        # Shown, so the page runs and paints, but never mapped on the screen.
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        view.set_viewport_size(viewport)
        view.resize(viewport)
        view.loadFinished.connect(self._on_loaded)
        view.stateChanged.connect(self._on_state)
        self._view: PreviewView | None = view
        self._settle = self._timer(settle_ms)
        self._deadline = self._timer(load_timeout_ms + settle_ms)
        view.show()
        view.set_document(html, final=True)
        self._deadline.start()

    def _timer(self, interval: int) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(interval)
        timer.timeout.connect(self._finish)
        return timer

    def _on_loaded(self, _ok: bool) -> None:
        if not self._loaded:
            self._loaded = True
            self._settle.start()

    def _on_state(self, state: str) -> None:
        if state in ("crashed", "not-responding"):
            self._finish()

    def _finish(self) -> None:
        view = self._view
        if view is None or self.done.done():
            return
        state = view.state()
        problem = None
        image = None
        if state == "crashed":
            problem = f"the page crashed: {view.crash_reason()}"
        elif state == "not-responding":
            problem = "the page stopped responding (an endless loop?)"
        else:
            if not self._loaded:
                problem = "the page did not finish loading in time"
            web = view.web_view()
            if web is not None:
                image = web.grab().toImage()
        errors = tuple(e.format() for e in view.console().entries() if e.level == ERROR)
        self.done.set_result((errors[:MAX_ERRORS], image, problem))
        self.dispose()

    def dispose(self) -> None:
        self._settle.stop()
        self._deadline.stop()
        view, self._view = self._view, None
        if view is not None:
            view.loadFinished.disconnect(self._on_loaded)
            view.stateChanged.disconnect(self._on_state)
            view.dispose()
            view.hide()
            view.deleteLater()
        if not self.done.done():
            self.done.cancel()


class SandboxPageRunner:
    """`studio.core.checks.PageRunner` for the window: one page at a time, in process."""

    def __init__(self, executor: Executor, *, network: bool = False,
                 viewport: QSize = VIEWPORT, settle_ms: int = SETTLE_MS,
                 load_timeout_ms: int = LOAD_TIMEOUT_MS,
                 hang_timeout_ms: int = HANG_TIMEOUT_MS) -> None:
        self._executor = executor
        self._options = {"network": network, "viewport": QSize(viewport),
                         "settle_ms": settle_ms, "load_timeout_ms": load_timeout_ms,
                         "hang_timeout_ms": hang_timeout_ms}
        self._lock = asyncio.Lock()
        self._job: _PageJob | None = None
        self._closed = False
        self.pages_run = 0

    def unavailable(self) -> str | None:
        if self._closed:
            return "the batch window was closed"
        return page_problem()

    async def run_page(self, html: str) -> PageReport:
        async with self._lock:
            if self._closed:
                raise RuntimeError("the batch window was closed")
            job = self._job = _PageJob(html, **self._options)  # type: ignore[arg-type]
            try:
                errors, image, problem = await job.done
            finally:
                job.dispose()
                job.deleteLater()
                self._job = None
            self.pages_run += 1
            png = None
            if image is not None and not image.isNull():
                png = await asyncio.get_running_loop().run_in_executor(
                    self._executor, png_bytes, image) or None
            return PageReport(errors=errors, screenshot=png, problem=problem)

    def close(self) -> None:
        """Stop the page being run (its check gets a cancellation) and run no more."""
        self._closed = True
        job = self._job
        if job is not None:
            job.dispose()
