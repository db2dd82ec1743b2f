"""The "Previews" tab: every answer's page running side by side.

QtWebEngine is loaded only when the tab is first shown; while the tab is hidden nothing is
refreshed (the preview views freeze pages that are not visible).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from studio.core.file_names import answer_file_stem

if TYPE_CHECKING:
    from studio.ui.preview.grid import PreviewGrid
    from studio.ui.workspace.comparison import Comparison


def preview_key(index: int, ref: str) -> str:
    # The same model may be compared with itself under other settings: keep them apart.
    return f"{index}:{ref}"


class PreviewsTab(QWidget):
    # "Edit source" on the page of the pane (slot) shown in this preview (PreviewView)
    editSourceRequested = Signal(int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Previews of all pages")
        self._stack = QStackedLayout(self)
        self._placeholder = QLabel("The pages the models write run here, side by side.\n"
                                   "Send a prompt that asks for an HTML page.")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setEnabled(False)
        self._stack.addWidget(self._placeholder)
        self._grid: PreviewGrid | None = None
        self._comparison: Comparison | None = None
        self._active = False

    @property
    def grid(self) -> PreviewGrid | None:
        return self._grid

    def set_comparison(self, comparison: Comparison | None) -> None:
        # A replaced comparison is closed and goes quiet, so its signal needs no disconnect;
        # refresh() always reads the current one.
        self._comparison = comparison
        if self._grid is not None:
            self._grid.clear()
        if comparison is not None:
            comparison.progressed.connect(self.refresh)
        self.refresh()

    def set_active(self, active: bool) -> None:
        self._active = active
        self.refresh()

    def refresh(self) -> None:
        comparison = self._comparison
        answers = comparison.answers() if comparison is not None else []
        if not self._active or not answers:
            if not answers:
                self._stack.setCurrentWidget(self._placeholder)
            return
        assert comparison is not None
        grid = self._ensure_grid()
        self._stack.setCurrentWidget(grid)
        keys = [preview_key(a.slot, str(a.target.ref)) for a in answers]
        for stale in set(grid.keys()) - set(keys):
            grid.remove_preview(stale)  # another branch on screen, or a model not asked
        for key, answer in zip(keys, answers, strict=True):
            if grid.preview(key) is None:
                view = grid.add_preview(key, answer.target.title)
                view.set_source_editable(True)
                view.set_file_stem(answer_file_stem(comparison.title, answer.target))
                view.editSourceRequested.connect(
                    lambda slot=answer.slot, v=view: self.editSourceRequested.emit(slot, v))
                view.set_fix_it_available(True)  # the fix-it loop
                view.fixItRequested.connect(lambda s=answer.slot: self._fix_it(s))
            grid.set_document(key, comparison.page_of(answer), final=answer.finished)

    def _fix_it(self, slot: int) -> None:
        if self._comparison is not None:
            self._comparison.fixItRequested.emit(slot)

    def _ensure_grid(self) -> PreviewGrid:
        if self._grid is None:
            from studio.ui.preview.grid import PreviewGrid

            self._grid = PreviewGrid()
            self._stack.addWidget(self._grid)
        return self._grid
