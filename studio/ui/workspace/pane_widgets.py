"""The small parts of an answer pane: a label that elides itself, the status pill, the
header, the error row (what went wrong, what to do, and a button for it), and where the
rating goes."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from studio.core.failure_text import Action, FailureText
from studio.ui.style import colors, set_text_color
from studio.ui.workspace.identity import HIDDEN_TIP, ShownName


class ElidedLabel(QLabel):
    """One line of text that shortens itself (with "…") to the width it gets."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)
        self.setTextFormat(Qt.TextFormat.PlainText)
        super().setText(text)

    def full_text(self) -> str:
        return self._full

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle,
                                              max(self.width(), 1))
        if shown != self.text():
            super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")


class StatusChip(QLabel):
    """The state of a model as a small outlined pill, in the colour of its text."""

    def __init__(self) -> None:
        super().__init__()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setContentsMargins(7, 0, 7, 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        box = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        radius = min(8.0, box.height() / 2)
        painter.drawRoundedRect(box, radius, radius)
        painter.end()


class PaneHeader(QWidget):
    """The pane's header: a double-click shows the pane alone (and back)."""

    doubleClicked = Signal()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.doubleClicked.emit()
        event.accept()


class PaneTitle(PaneHeader):
    """The pane's header: the model's name and status on top; its provider, settings and
    whether follow-ups go to it below. The names are whatever the workspace's `Identity`
    says (`show_name`): a blind label while judging blind."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Double-click to show this pane alone, and again to go back")
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(0)
        top = QHBoxLayout()
        self.name_label = ElidedLabel("")
        font = self.name_label.font()
        font.setBold(True)
        self.name_label.setFont(font)
        self.name_label.setAccessibleName("Model")
        self.status_chip = StatusChip()
        self.status_chip.setAccessibleName("Status")
        top.addWidget(self.name_label, 1)
        top.addWidget(self.status_chip)
        rows.addLayout(top)
        bottom = QHBoxLayout()
        bottom.setSpacing(6)
        muted = colors(self.palette()).muted
        self.provider_label = QLabel()
        self.provider_label.setAccessibleName("Provider")
        set_text_color(self.provider_label, muted)
        self.settings_label = ElidedLabel("")
        self.settings_label.setAccessibleName("Settings")
        set_text_color(self.settings_label, muted)
        bottom.addWidget(self.provider_label)
        self.dot = QLabel("·")
        set_text_color(self.dot, muted)
        bottom.addWidget(self.dot)
        bottom.addWidget(self.settings_label, 1)
        self.include_box = QCheckBox("Follow-ups")
        self.include_box.setChecked(True)
        self.include_box.setToolTip("Send follow-up prompts to this model too; unchecked, "
                                    "it leaves the rest of the thread")
        bottom.addWidget(self.include_box)
        rows.addLayout(bottom)

    def show_name(self, name: ShownName) -> None:
        self.name_label.setText(name.model)
        self.provider_label.setText(name.provider)
        self.provider_label.setVisible(not name.hidden)
        self.dot.setVisible(not name.hidden)
        self.settings_label.setText(name.settings)
        self.settings_label.setToolTip(
            HIDDEN_TIP if name.hidden
            else f"Per-model settings used for this answer: {name.settings}")
        self.include_box.setAccessibleName(f"Include {name.ref} in follow-ups")


_ACTION_LABELS = {"providers": "Open Providers and keys", "retry": "Retry"}


class ErrorRow(QWidget):
    """What went wrong and what to do, with a button for the next step where one fits:
    `providersRequested` (open Providers and keys) or `retryRequested`."""

    providersRequested = Signal()
    retryRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName("Error message")
        set_text_color(self.label, colors(self.palette()).danger)
        self.button = QPushButton()
        self.button.clicked.connect(self._act)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self._action: Action = None
        self.show_failure(None)

    def show_failure(self, failure: FailureText | None, note: str = "") -> None:
        """A failure with its next step, or `note` (e.g. "retrying in 2 s"), or nothing."""
        text = str(failure) if failure is not None else note
        self.label.setText(text)
        self.label.setVisible(bool(text))
        self._action = failure.action if failure is not None else None
        label = _ACTION_LABELS.get(self._action or "", "")
        self.button.setText(label)
        self.button.setAccessibleName(label)
        self.button.setVisible(self._action is not None)

    def _act(self) -> None:
        if self._action == "providers":
            self.providersRequested.emit()
        elif self._action == "retry":
            self.retryRequested.emit()


class RatingPlace:
    """Where a pane shows its rating (stars and a note): in its action row when the pane is
    wide enough for the stars and a usable note field, otherwise on a row of its own under
    the actions. The action row holds the buttons, the rating when it is there, a spacer and
    the focus button, in that order."""

    def __init__(self, action_row: QBoxLayout) -> None:
        self._row = action_row
        self.own_row = QWidget()
        self._own = QHBoxLayout(self.own_row)
        self._own.setContentsMargins(0, 0, 0, 0)
        self.own_row.hide()
        self.widget: QWidget | None = None
        self._inline: bool | None = None  # where it is now (None: not placed yet)

    def set_widget(self, widget: QWidget | None, width: int) -> None:
        """Show `widget` instead of the one shown before (which is deleted)."""
        old = self.widget
        if old is widget:
            return
        self.widget = widget
        self._inline = None
        if old is not None:
            old.hide()
            old.setParent(None)
            old.deleteLater()
        self.place(width)

    def _fits_inline(self, widget: QWidget, width: int) -> bool:
        row = self._row
        buttons = 0
        for i in range(row.count()):
            item = row.itemAt(i)
            if item is not None and item.widget() not in (None, widget):
                buttons += item.sizeHint().width()
        needed = buttons + widget.minimumSizeHint().width() + row.spacing() * row.count()
        return width >= needed

    def place(self, width: int) -> None:
        """Put the rating where a pane `width` pixels wide has room for it."""
        widget = self.widget
        row = self._row
        if widget is None:
            self.own_row.hide()
            row.setStretch(row.count() - 2, 1)
            return
        inline = self._fits_inline(widget, width)
        if inline == self._inline:
            return
        self._inline = inline
        row.removeWidget(widget)
        self._own.removeWidget(widget)
        if inline:
            row.insertWidget(row.count() - 2, widget, 1)
        else:
            self._own.addWidget(widget)
        widget.show()
        self.own_row.setVisible(not inline)
        # Inline, the note field takes the room the spacer had.
        row.setStretch(row.count() - 2, 0 if inline else 1)
