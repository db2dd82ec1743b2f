"""The batch window's toolbar: the list of batches, the controls, the limits and the progress.

Progress says what a person asks while a batch runs: how many cells are finished, failed,
running and waiting, how long is left, and which provider was told to slow down (a 429
or an overload) and when it gets its next stream.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QLabel,
    QMenu,
    QSizePolicy,
    QSpinBox,
    QToolBar,
    QToolButton,
    QWidget,
)

from studio.core.batch import MAX_CONCURRENCY, BatchState
from studio.core.batch_runner import Progress
from studio.ui.grid.faces import progress_text, slowed_text


class TextStrip(QWidget):
    """A line of text that changes often (progress), with a bar behind it: painted, never
    laid out again.

    A label whose text changes asks its layout to be computed again, and in a toolbar that
    means the whole window's layout — several times a second while a batch runs."""

    def __init__(self, chars: int, colour: QColor | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._fraction: float | None = None  # a progress bar behind the text
        self._colour = colour
        self._width = self.fontMetrics().averageCharWidth() * chars
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(self._width, self.fontMetrics().height() + 4)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.setToolTip(text)
            self.setAccessibleDescription(text)
            self.update()

    def fraction(self) -> float | None:
        return self._fraction

    def set_fraction(self, fraction: float | None) -> None:
        if fraction != self._fraction:
            self._fraction = fraction
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self._fraction is not None:
            bar = self.rect().adjusted(1, 2, -1, -2)
            painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
            painter.drawRect(bar.adjusted(0, 0, -1, -1))
            done = QColor(self.palette().color(QPalette.ColorRole.Highlight))
            done.setAlpha(90)
            painter.fillRect(bar.adjusted(1, 1, -1, -1).adjusted(
                0, 0, -int((bar.width() - 2) * (1 - self._fraction)), 0), done)
            painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        if self._colour is not None:
            painter.setPen(self._colour)
        rect = self.rect().adjusted(6, 0, -2, 0)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight,
                                                       rect.width()))


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
        self.export = self._action("Export report…", "Save this batch's grid as a report to "
                                                     "share: HTML, Markdown or a contact sheet")
        self.export.setVisible(False)
        self.addSeparator()
        self.addWidget(QLabel(" Streams ", self))
        self.concurrency = self._spin("Streams open at once across the batch", 1)
        self.addWidget(QLabel(" per provider ", self))
        self.per_provider = self._spin("Streams open at once to one provider (0: no limit "
                                       "of its own)", 0)
        self.addSeparator()
        self.label = TextStrip(80, parent=self)
        self.label.setObjectName("batchProgressText")
        self.label.setAccessibleName("Cells finished, failed, running and waiting")
        self.addWidget(self.label)
        self.slowed = TextStrip(60, QColor(192, 57, 43), self)
        self.slowed.setObjectName("batchSlowedDown")
        self.slowed.setAccessibleName("Providers slowed down")
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
        self.label.set_fraction(p.finished / p.total if p.total else None)
        self.label.setText(progress_text(p, state, running))
        text = slowed_text(slowed)
        self.slowed.setText(text)
        self.slowed_action.setVisible(bool(text))
