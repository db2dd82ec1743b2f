"""Screenshots that wait for the page: taken once it has loaded and painted a frame."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

PngCallback = Callable[[bytes], None]

SETTLE_MS = 200  # time for a rendered frame after loadFinished
DEADLINE_MS = 15_000  # a page that never finishes loading is captured anyway


class ScreenshotQueue(QObject):
    """Collects screenshot requests and answers them all with one grab."""

    ready = Signal(bytes)

    def __init__(self, grab: Callable[[], bytes], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._grab = grab
        self._waiters: list[PngCallback] = []
        self._pending = False
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.timeout.connect(self._deliver)
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.setInterval(DEADLINE_MS)
        self._deadline.timeout.connect(self._deliver)

    @property
    def pending(self) -> bool:
        return self._pending

    def request(self, callback: PngCallback | None, *, loading: bool) -> None:
        if callback is not None:
            self._waiters.append(callback)
        if self._pending:
            return
        self._pending = True
        self._deadline.start()
        if not loading:
            self._settle.start(SETTLE_MS // 4)

    def page_loaded(self) -> None:
        if self._pending:
            self._settle.start(SETTLE_MS)

    def _deliver(self) -> None:
        if not self._pending:
            return
        self._pending = False
        self._settle.stop()
        self._deadline.stop()
        data = self._grab()
        waiters, self._waiters = self._waiters, []
        self.ready.emit(data)
        for waiter in waiters:
            waiter(data)
