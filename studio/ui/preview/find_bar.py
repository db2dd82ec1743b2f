"""The editor's find bar (next/previous, match case, all matches marked) and go-to-line bar."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QWidget,
)

from studio.ui.preview.code_editor import CodeEditor


def _button(parent: QWidget, text: str, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    return button


class FindBar(QWidget):
    closed = Signal()

    def __init__(self, editor: CodeEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._editor = editor
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Find")
        self.field.setAccessibleName("Find text")
        self.field.setClearButtonEnabled(True)
        self.previous_button = _button(self, "↑", "Previous match (Shift+Enter)")
        self.next_button = _button(self, "↓", "Next match (Enter)")
        self.case_box = QCheckBox("Match case", self)
        self.count_label = QLabel(self)
        self.count_label.setAccessibleName("Matches")
        close = _button(self, "✕", "Close (Esc)")
        layout.addWidget(self.field, 1)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.case_box)
        layout.addWidget(self.count_label)
        layout.addWidget(close)

        self.field.textEdited.connect(lambda _text: self._search(from_start=True))
        self.case_box.toggled.connect(lambda _on: self._search(from_start=True))
        self.next_button.clicked.connect(self.find_next)
        self.previous_button.clicked.connect(self.find_previous)
        close.clicked.connect(self.close_bar)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.close_bar)
        self.hide()

    def open_bar(self, text: str = "") -> None:
        """Show the bar; `text` (the editor's selection) becomes the search."""
        if text and "\n" not in text and "\u2029" not in text:
            self.field.setText(text)
        self.show()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()
        self._search(from_start=True)

    def close_bar(self) -> None:
        if self.isHidden():
            return
        self.hide()
        self._editor.clear_search()
        self._editor.setFocus(Qt.FocusReason.OtherFocusReason)
        self.closed.emit()

    def set_text(self, text: str, *, case_sensitive: bool | None = None) -> None:
        if case_sensitive is not None:
            self.case_box.blockSignals(True)
            self.case_box.setChecked(case_sensitive)
            self.case_box.blockSignals(False)
        self.field.setText(text)
        self._search(from_start=True)

    def find_next(self) -> bool:
        return self._step(backward=False)

    def find_previous(self) -> bool:
        return self._step(backward=True)

    def refresh(self) -> None:
        """Mark the matches again (the text changed)."""
        if self.isVisible():
            self._editor.refresh_matches()
            self._show_count()

    def _search(self, *, from_start: bool) -> None:
        self._editor.set_search(self.field.text(), self.case_box.isChecked())
        if self.field.text():
            self._editor.find_match(from_start=from_start)
        self._show_count()

    def _step(self, *, backward: bool) -> bool:
        if not self.field.text():
            return False
        found = self._editor.find_match(backward=backward)
        self._show_count()
        return found

    def _show_count(self) -> None:
        total = len(self._editor.matches())
        if not self.field.text():
            self.count_label.setText("")
        elif total == 0:
            self.count_label.setText("No matches")
        else:
            current = self._editor.current_match()
            where = f"{current + 1} of " if current >= 0 else ""
            more = "+" if self._editor.matches_capped() else ""
            self.count_label.setText(f"{where}{total}{more}")
        bad = bool(self.field.text()) and total == 0
        self.field.setStyleSheet("color: #d33;" if bad else "")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.find_previous()
            else:
                self.find_next()
            return
        super().keyPressEvent(event)


class GoToLineBar(QWidget):
    closed = Signal()

    def __init__(self, editor: CodeEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._editor = editor
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(QLabel("Go to line:", self))
        self.field = QLineEdit(self)
        self.field.setAccessibleName("Line number")
        self.field.setValidator(QIntValidator(1, 10_000_000, self.field))
        self.field.setMaximumWidth(120)
        self.range_label = QLabel(self)
        close = _button(self, "✕", "Close (Esc)")
        layout.addWidget(self.field)
        layout.addWidget(self.range_label)
        layout.addStretch(1)
        layout.addWidget(close)
        self.field.returnPressed.connect(self._go)
        close.clicked.connect(self.close_bar)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.close_bar)
        self.hide()

    def open_bar(self) -> None:
        self.range_label.setText(f"(1–{self._editor.blockCount()})")
        self.field.setText(str(self._editor.current_line()))
        self.show()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def close_bar(self) -> None:
        if self.isHidden():
            return
        self.hide()
        self._editor.setFocus(Qt.FocusReason.OtherFocusReason)
        self.closed.emit()

    def _go(self) -> None:
        text = self.field.text()
        if text.isdigit() and self._editor.go_to_line(int(text)):
            self.close_bar()
