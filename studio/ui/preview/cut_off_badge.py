"""The "Page cut off" label of a preview.

Shown while the preview runs a page the answer stopped in the middle of: the studio closed
what was still open so the page runs (see studio.core.page_close), and the errors of the
cut-off code are in the console.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from studio.core.page_close import page_was_cut_off

TEXT = "Page cut off"
TOOLTIP = ("The answer ended in the middle of this page. What was still open at its end was "
           "closed so the page runs; errors of the cut-off code show in the console.")


class CutOffBadge(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(TEXT, parent)
        self.setObjectName("previewCutOffBadge")
        self.setAccessibleName(TEXT)
        self.setToolTip(TOOLTIP)
        self.setStyleSheet("#previewCutOffBadge { background: #fde68a; color: #713f12;"
                           " font-weight: bold; padding: 1px 6px; }")
        self.hide()

    def show_for(self, html: str | None) -> None:
        """Shown when `html` is a page the studio closed because it was cut off."""
        self.setVisible(page_was_cut_off(html))
