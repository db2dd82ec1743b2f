"""Screenshots a report needs and the history did not keep, taken in the preview sandbox.

Each page is loaded in a `PreviewView` (the app's own sandbox: its profile, scheme, network
switch and watchdog) that is shown but never put on screen, given a moment to paint after
it loaded, and grabbed. One page at a time, each bounded by a deadline; a page that crashes
or stops responding gets no screenshot and a note saying so, and never holds the rest up.
Everything runs on the event loop: nothing here blocks or spins a loop of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from studio.report.export import Shot
from studio.report.run_report import PageKey
from studio.ui.preview.view import PreviewView

VIEWPORT = QSize(1280, 800)
SETTLE_MS = 1000  # after loading, for animations to draw their first frames
LOAD_TIMEOUT_MS = 15_000  # a page still loading then is grabbed as it is
HANG_TIMEOUT_MS = 5000
HUNG = "The page stopped responding (it may be stuck in a loop), so no screenshot was taken."
CRASHED = "The page crashed while its screenshot was being taken."
_HEADLESS = frozenset({"offscreen", "minimal"})


@dataclass(frozen=True, slots=True)
class ShotJob:
    key: PageKey
    html: str
    label: str


def capture_problem() -> str | None:
    """Why no screenshot can be taken in this application, or None if they can."""
    app = QGuiApplication.instance()
    if app is None:
        return "screenshots need a running application"
    if QGuiApplication.platformName() in _HEADLESS:
        return ("No screenshot: there was no display when the report was written "
                "(run the export under a desktop session or xvfb-run to take one).")
    return None


class PageShooter(QObject):
    """Takes the screenshots of `jobs` one after another; `finished` when all are done (or
    cancelled), with the outcome of each in `results`."""

    progress = Signal(int, int)  # pages done, pages in all
    finished = Signal()

    def __init__(self, jobs: Sequence[ShotJob], *, network: bool = False,
                 viewport: QSize = VIEWPORT, settle_ms: int = SETTLE_MS,
                 load_timeout_ms: int = LOAD_TIMEOUT_MS,
                 hang_timeout_ms: int = HANG_TIMEOUT_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.results: dict[PageKey, Shot] = {}
        self._jobs = list(jobs)
        self._network = network
        self._viewport = QSize(viewport)
        self._hang_timeout_ms = hang_timeout_ms
        self._index = -1
        self._view: PreviewView | None = None
        self._loaded = False
        self._running = False
        self._settle = self._timer(settle_ms, self._grab)
        self._deadline = self._timer(load_timeout_ms + settle_ms, self._grab)

    def _timer(self, interval: int, then: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(interval)
        timer.timeout.connect(then)
        return timer

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        if self._running or self._index >= 0:
            return
        self._running = True
        self._next()

    def cancel(self) -> None:
        """Stop now: pages not taken yet get no screenshot."""
        if not self._running:
            return
        self._close_view()
        self._jobs = self._jobs[: self._index + 1]
        self._finish_all()

    def _next(self) -> None:
        self._index += 1
        if self._index >= len(self._jobs):
            self._finish_all()
            return
        job = self._jobs[self._index]
        view = PreviewView(label=job.label, network=self._network, show_toolbar=False,
                           hang_timeout_ms=self._hang_timeout_ms)
        # Shown, so the page runs and paints, but never mapped on the screen.
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        view.set_viewport_size(self._viewport)
        view.loadFinished.connect(self._on_loaded)
        view.stateChanged.connect(self._on_state)
        self._view = view
        self._loaded = False
        view.show()
        view.set_document(job.html, final=True)
        self._deadline.start()

    def _on_loaded(self, _ok: bool) -> None:
        if not self._loaded:
            self._loaded = True
            self._settle.start()

    def _on_state(self, state: str) -> None:
        if state == "crashed":
            self._done(Shot(None, CRASHED, stuck=True))
        elif state == "not-responding":
            self._done(Shot(None, HUNG, stuck=True))

    def _grab(self) -> None:
        view = self._view
        if view is None:
            return
        if view.state() == "not-responding":
            self._done(Shot(None, HUNG, stuck=True))
            return
        png = view.grab_now()
        self._done(Shot(png or None, "" if png else "The screenshot could not be taken."))

    def _done(self, shot: Shot) -> None:
        if self._view is None:
            return
        self.results[self._jobs[self._index].key] = shot
        self._close_view()
        self.progress.emit(len(self.results), len(self._jobs))
        # The next page once this one's widgets are gone, from the event loop.
        QTimer.singleShot(0, self, self._next)

    def _close_view(self) -> None:
        self._settle.stop()
        self._deadline.stop()
        view, self._view = self._view, None
        if view is not None:
            view.loadFinished.disconnect(self._on_loaded)
            view.stateChanged.disconnect(self._on_state)
            view.dispose()
            view.hide()
            view.deleteLater()

    def _finish_all(self) -> None:
        if not self._running:
            return
        self._running = False
        self.finished.emit()
