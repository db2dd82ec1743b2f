"""A message line that says plainly whether something worked, failed, or needs attention."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

Tone = Literal["info", "ok", "warning", "error"]

# Tinted backgrounds with the palette's own text colour stay readable in light and dark themes.
_BACKGROUNDS: dict[Tone, str] = {
    "info": "rgba(127, 127, 127, 0.15)",
    "ok": "rgba(46, 160, 67, 0.22)",
    "warning": "rgba(210, 153, 34, 0.28)",
    "error": "rgba(218, 54, 51, 0.28)",
}


class StatusLabel(QLabel):
    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName(accessible_name)
        self._tone: Tone = "info"
        self.hide()

    @property
    def tone(self) -> Tone:
        return self._tone

    def show_message(self, text: str, tone: Tone = "info") -> None:
        self._tone = tone
        self.setText(text)
        self.setStyleSheet(f"QLabel {{ background: {_BACKGROUNDS[tone]}; padding: 6px;"
                           " border-radius: 4px; }")
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()
