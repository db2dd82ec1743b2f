"""A muted line of text that stands in for something still being built.

It says when it was first painted: what it stands for is built after that, so the window
shows first and fills in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent


class Placeholder(QLabel):
    painted = Signal()  # once, after the first paint

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setEnabled(False)  # drawn in the palette's muted text colour
        self.was_painted = False

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.was_painted:
            self.was_painted = True
            self.painted.emit()
