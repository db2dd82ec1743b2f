"""The notice at start-up about batches that did not finish: Resume, Show, or dismiss."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from studio.core.batch import CellState
from studio.store.batches import BatchSummary


def notice_text(found: Sequence[BatchSummary]) -> str:
    newest = found[0]
    left = sum(newest.counts.values()) - newest.counts[CellState.DONE] \
        - newest.counts[CellState.FAILED]
    text = (f"Batch “{newest.title or newest.id}” was interrupted with {left} of "
            f"{sum(newest.counts.values())} cells left.")
    if len(found) > 1:
        text += f" ({len(found) - 1} more interrupted: Batches lists them.)"
    return text


class InterruptedNotice(QWidget):
    """For the newest interrupted batch: `resumeRequested(id)`, `showRequested(id)`."""

    resumeRequested = Signal(int)
    showRequested = Signal(int)

    def __init__(self, found: Sequence[BatchSummary], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("interruptedBatchNotice")
        self.setAccessibleName("Interrupted batch")
        self._found = list(found)
        self.batch_id = found[0].id
        self.label = QLabel(notice_text(found), self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.resume = QPushButton("Resume", self)
        self.resume.setToolTip("Send the cells that are not finished (finished ones are "
                               "never sent again)")
        self.show_button = QPushButton("Show", self)
        self.show_button.setToolTip("Open the batch's grid without sending anything")
        self.dismiss = QToolButton(self)
        self.dismiss.setText("×")
        self.dismiss.setToolTip("Hide this notice (the batch stays interrupted; Batches "
                                "lists it)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.resume)
        layout.addWidget(self.show_button)
        layout.addWidget(self.dismiss)
        self.resume.clicked.connect(lambda: self.resumeRequested.emit(self.batch_id))
        self.show_button.clicked.connect(lambda: self.showRequested.emit(self.batch_id))
        self.dismiss.clicked.connect(self.close_notice)

    def forget(self, batch_id: int) -> bool:
        """A batch was resumed: the notice goes to the next one, or away; True when gone."""
        self._found = [s for s in self._found if s.id != batch_id]
        if not self._found:
            self.close_notice()
            return True
        self.batch_id = self._found[0].id
        self.label.setText(notice_text(self._found))
        return False

    def close_notice(self) -> None:
        self.hide()
        self.deleteLater()
