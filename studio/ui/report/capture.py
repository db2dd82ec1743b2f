"""Screenshots a report needs and the history did not keep, taken in the preview sandbox.

Each page is loaded in an `OffscreenPage` (the app's own sandbox: its profile, scheme,
network switch and watchdog, shown but never put on screen), given a moment to paint after
it loaded, and grabbed. One page at a time, each bounded by a deadline; a page that crashes
or stops responding gets no screenshot and a note saying so, and never holds the rest up.
Everything runs on the event loop: nothing here blocks or spins a loop of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QSize, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from studio.report.export import Shot
from studio.report.run_report import PageKey
from studio.ui.preview import offscreen
from studio.ui.preview.offscreen import OffscreenPage

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
        self._settle_ms = settle_ms
        self._load_timeout_ms = load_timeout_ms
        self._hang_timeout_ms = hang_timeout_ms
        self._index = -1
        self._page: OffscreenPage | None = None
        self._running = False

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
        self._close_page()
        self._jobs = self._jobs[: self._index + 1]
        self._finish_all()

    def _next(self) -> None:
        self._index += 1
        if self._index >= len(self._jobs):
            self._finish_all()
            return
        job = self._jobs[self._index]
        page = OffscreenPage(job.html, label=job.label, network=self._network,
                             size=self._viewport, settle_ms=self._settle_ms,
                             load_timeout_ms=self._load_timeout_ms,
                             hang_timeout_ms=self._hang_timeout_ms, parent=self)
        page.done.connect(self._done)
        self._page = page
        page.start()

    def _done(self, outcome: str) -> None:
        page = self._page
        if page is None:
            return
        if outcome == offscreen.CRASHED:
            shot = Shot(None, CRASHED, stuck=True)
        elif outcome == offscreen.NOT_RESPONDING:
            shot = Shot(None, HUNG, stuck=True)
        else:  # loaded, or still loading at the deadline: taken as it is
            png = page.grab_now()
            shot = Shot(png or None, "" if png else "The screenshot could not be taken.")
        self.results[self._jobs[self._index].key] = shot
        self._close_page()
        self.progress.emit(len(self.results), len(self._jobs))
        # The next page once this one's widgets are gone, from the event loop.
        QTimer.singleShot(0, self, self._next)

    def _close_page(self) -> None:
        page, self._page = self._page, None
        if page is not None:
            page.close()

    def _finish_all(self) -> None:
        if not self._running:
            return
        self._running = False
        self.finished.emit()
