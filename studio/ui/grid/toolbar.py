"""The batch window's toolbar: the list of batches, the controls, the limits and the progress.

Progress says what a person asks while a batch runs: how many cells are finished, failed,
running and waiting, how long is left, and which provider was told to slow down (a 429
or an overload) and when it gets its next stream.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QLabel,
    QMenu,
    QProgressBar,
    QSpinBox,
    QToolBar,
    QToolButton,
    QWidget,
)

from studio.core.batch import MAX_CONCURRENCY, BatchState
from studio.core.batch_runner import Progress
from studio.ui.grid.faces import progress_text, slowed_text


class BatchToolbar(QToolBar):
    """Signals: `limitsChanged(concurrency, per_provider or 0)`."""

    limitsChanged = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Batch", parent)
        self.setObjectName("batchToolbar")
        self.setAccessibleName("Batch controls")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setMovable(False)
        self.batches_menu = QMenu("Batches", self)
        self.batches_menu.setObjectName("batchesMenu")
        batches = QToolButton(self)
        batches.setText("Batches")
        batches.setToolTip("Open a batch run before (newest first)")
        batches.setMenu(self.batches_menu)
        batches.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.addWidget(batches)
        self.addSeparator()
        self.pause = self._action("Pause", "Send nothing new; streams already open finish")
        self.resume = self._action("Resume", "Go on: after a pause, or send what is left of a "
                                             "batch that was stopped or interrupted")
        self.cancel = self._action("Cancel", "Stop: open streams are cut, waiting cells are "
                                             "not sent")
        self.rerun_failed = self._action("Re-run failed", "Send the failed cells again, each "
                                                          "as a new attempt (the failed one "
                                                          "is kept)")
        self.fix_failed = self._action("Fix failed checks…", "Show the models the pages that "
                                                             "failed a check")
        self.fix_failed.setVisible(False)
        self.addSeparator()
        self.addWidget(QLabel(" Streams ", self))
        self.concurrency = self._spin("Streams open at once across the batch", 1)
        self.addWidget(QLabel(" per provider ", self))
        self.per_provider = self._spin("Streams open at once to one provider (0: no limit "
                                       "of its own)", 0)
        self.addSeparator()
        self.bar = QProgressBar(self)
        self.bar.setObjectName("batchProgress")
        self.bar.setAccessibleName("Batch progress")
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        self.addWidget(self.bar)
        self.label = QLabel(self)
        self.label.setObjectName("batchProgressText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.addWidget(self.label)
        self.slowed = QLabel(self)
        self.slowed.setObjectName("batchSlowedDown")
        self.slowed.setTextFormat(Qt.TextFormat.PlainText)
        self.slowed.setStyleSheet("color: #c0392b; padding-left: 8px;")
        self.slowed_action = self.addWidget(self.slowed)  # a toolbar shows or hides this
        self.slowed_action.setVisible(False)
        self._quiet = False

    def _action(self, text: str, tip: str) -> QAction:
        action = self.addAction(text)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        return action

    def _spin(self, tip: str, low: int) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(low, MAX_CONCURRENCY)
        spin.setToolTip(tip)
        spin.setAccessibleName(tip)
        spin.setKeyboardTracking(False)
        spin.valueChanged.connect(self._limits_edited)
        self.addWidget(spin)
        return spin

    def _limits_edited(self) -> None:
        if not self._quiet:
            self.limitsChanged.emit(self.concurrency.value(), self.per_provider.value())

    def set_limits(self, concurrency: int, per_provider: int | None) -> None:
        self._quiet = True
        try:
            self.concurrency.setValue(concurrency)
            self.per_provider.setValue(per_provider or 0)
        finally:
            self._quiet = False

    def show_progress(self, p: Progress, state: BatchState | None, running: bool,
                      slowed: list[tuple[str, int, float]]) -> None:
        self.bar.setRange(0, max(1, p.total))
        self.bar.setValue(p.finished)
        self.bar.setFormat(f"{p.finished}/{p.total}")
        self.label.setText(progress_text(p, state, running))
        text = slowed_text(slowed)
        self.slowed.setText(text)
        self.slowed_action.setVisible(bool(text))
