"""The batch runner's callbacks as Qt signals, at most once a frame.

`BatchRunner` calls its listener on the event loop's thread for every state change and
every streamed chunk (hundreds a second with 16 streams open). `BatchEvents` only notes
which cells changed and emits them together once per frame, so the grid repaints each
changed cell once however many chunks arrived meanwhile.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from studio.core.batch import Batch, Cell
from studio.core.events import ReasoningDelta, TextDelta

FRAME_MS = 16


class BatchEvents(QObject):
    """A `BatchListener`. `cellsChanged(list[(row, col)], states_changed: bool)`: cells whose
    text, state, checks or screenshot changed since the last frame (`states_changed` when
    more than streamed text did); `batchChanged()`: the batch's own state changed."""

    cellsChanged = Signal(list, bool)
    batchChanged = Signal()

    def __init__(self, parent: QObject | None = None, *, frame_ms: int = FRAME_MS) -> None:
        super().__init__(parent)
        self._dirty: set[tuple[int, int]] = set()
        self._states = False
        self._batch = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(frame_ms)
        self._timer.timeout.connect(self.flush)

    # -- BatchListener --------------------------------------------------------------------

    def on_cell(self, cell: Cell) -> None:
        self._dirty.add((cell.row, cell.col))
        self._states = True
        self._schedule()

    def on_delta(self, cell: Cell, event: TextDelta | ReasoningDelta) -> None:
        self._dirty.add((cell.row, cell.col))
        self._schedule()

    def on_batch(self, batch: Batch) -> None:
        self._batch = True
        self._schedule()

    # -- delivery ---------------------------------------------------------------------------

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Emit what changed now (also called by the frame timer)."""
        self._timer.stop()
        if self._dirty:
            dirty, self._dirty = sorted(self._dirty), set()
            states, self._states = self._states, False
            self.cellsChanged.emit(dirty, states)
        if self._batch:
            self._batch = False
            self.batchChanged.emit()

    def stop(self) -> None:
        """Forget what is pending (the batch is no longer shown)."""
        self._timer.stop()
        self._dirty.clear()
        self._states = self._batch = False
