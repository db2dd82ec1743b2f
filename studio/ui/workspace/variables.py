"""`{{variables}}` in a prompt, and the small form that fills them in before sending."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class VariablesDialog(QDialog):
    """One field per variable, pre-filled with the values used last time.

    Shown with `open()`; read `values()` when `finished` reports acceptance.
    """

    def __init__(self, names: list[str], previous: Mapping[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fill in the prompt's variables")
        self.setAccessibleName("Prompt variables")
        self._fields: dict[str, QPlainTextEdit] = {}
        layout = QVBoxLayout(self)
        intro = QLabel("The prompt contains placeholders. Their values are sent in place of "
                       "each {{name}}.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        for name in names:
            edit = QPlainTextEdit(previous.get(name, ""))
            edit.setTabChangesFocus(True)
            edit.setAccessibleName(f"Value of {name}")
            line = edit.fontMetrics().lineSpacing()
            edit.setFixedHeight(line * 3 + 12)
            form.addRow(f"{name}:", edit)
            self._fields[name] = edit
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Send")
        ok.setAccessibleName("Send with these values")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if names:
            self._fields[names[0]].setFocus()

    def field(self, name: str) -> QPlainTextEdit:
        return self._fields[name]

    def values(self) -> dict[str, str]:
        return {name: edit.toPlainText() for name, edit in self._fields.items()}
