"""Notices a page that stopped answering: a ping every second, never a blocking wait."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

Ping = Callable[[Callable[[object], None]], None]


class HangWatchdog(QObject):
    """Sends `ping(callback)` at most once per interval; hung when the answer is late.

    The page runs in its own renderer process, so a page stuck in a loop only delays the
    answer; the GUI thread keeps running and this timer keeps ticking.
    """

    hungChanged = Signal(bool)

    def __init__(
        self,
        ping: Ping,
        *,
        interval_ms: int = 1000,
        timeout_ms: int = 5000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ping = ping
        self._timeout_s = timeout_ms / 1000
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._generation = 0
        self._outstanding: int | None = None
        self._sent_at = 0.0
        self._hung = False

    @property
    def is_hung(self) -> bool:
        return self._hung

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._outstanding = None

    def reset(self) -> None:
        """Forget the ping in flight (the document changed) and any hang verdict."""
        self._outstanding = None
        self._set_hung(False)

    def _tick(self) -> None:
        if self._outstanding is not None:
            if time.monotonic() - self._sent_at >= self._timeout_s:
                self._set_hung(True)
            return
        self._generation += 1
        generation = self._generation
        self._outstanding = generation
        self._sent_at = time.monotonic()
        self._ping(lambda _result: self._answered(generation))

    def _answered(self, generation: int) -> None:
        if generation != self._outstanding:
            return
        self._outstanding = None
        self._set_hung(False)

    def _set_hung(self, hung: bool) -> None:
        if hung != self._hung:
            self._hung = hung
            self.hungChanged.emit(hung)
