"""A model's reasoning as plain text in a section that starts collapsed.

Most answers have no reasoning: the text box is only made when the first of it arrives."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

from studio.ui.style import icon


class ReasoningSection(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chars = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAccessibleName("Show reasoning")
        self.toggle.toggled.connect(self.set_expanded)
        self._layout = layout
        self._text: QPlainTextEdit | None = None
        layout.addWidget(self.toggle)
        self.toggle.setIcon(icon("chevron-right"))
        self._update_toggle()
        self.hide()

    @property
    def text(self) -> QPlainTextEdit:
        if self._text is None:
            text = QPlainTextEdit()
            text.setReadOnly(True)
            text.setUndoRedoEnabled(False)
            text.setAccessibleName("Reasoning")
            text.setMaximumHeight(220)
            text.setVisible(self.expanded)
            self._layout.addWidget(text)
            self._text = text
        return self._text

    @property
    def expanded(self) -> bool:
        return self.toggle.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        if self.toggle.isChecked() != expanded:
            self.toggle.setChecked(expanded)
            return
        if self._text is not None or expanded:
            self.text.setVisible(expanded)
        self.toggle.setIcon(icon("chevron-down" if expanded else "chevron-right"))

    def append(self, delta: str) -> None:
        if not self._chars:
            self.show()
        self._chars += len(delta)
        cursor = QTextCursor(self.text.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(delta)
        if self.expanded:
            bar = self.text.verticalScrollBar()
            bar.setValue(bar.maximum())
        self._update_toggle()

    def plain_text(self) -> str:
        return self._text.toPlainText() if self._text is not None else ""

    def clear(self) -> None:
        if self._text is not None:
            self._text.clear()
        self._chars = 0
        self._update_toggle()
        self.hide()

    def _update_toggle(self) -> None:
        self.toggle.setText(f"Reasoning ({self._chars:,} characters)")
