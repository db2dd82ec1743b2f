"""The "Previews" tab: every answer's page running side by side.

QtWebEngine is loaded only when the tab is first shown; while the tab is hidden nothing is
refreshed (the preview views freeze pages that are not visible).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from studio.ui.workspace.identity import PLAIN, Identity

if TYPE_CHECKING:
    from studio.core.thread import Answer
    from studio.ui.preview.grid import PreviewGrid
    from studio.ui.workspace.comparison import Comparison


def preview_key(index: int, ref: str) -> str:
    # The same model may be compared with itself under other settings: keep them apart.
    return f"{index}:{ref}"


class PreviewsTab(QWidget):
    # "Edit source" on the page of the pane (slot) shown in this preview (PreviewView)
    editSourceRequested = Signal(int, object)

    def __init__(self, parent: QWidget | None = None, *, identity: Identity = PLAIN) -> None:
        super().__init__(parent)
        self.setAccessibleName("Previews of all pages")
        # Names and order of the pages: blind labels, in the panes' shuffled order, while blind.
        self.identity = identity
        identity.changed.connect(self.refresh)
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
            elif self._grid is not None and comparison is not None:
                self._name_cells(self._grid, comparison, answers)  # hidden, but named right
            return
        assert comparison is not None
        grid = self._ensure_grid()
        self._stack.setCurrentWidget(grid)
        keys = self._name_cells(grid, comparison, answers, create=True)
        for stale in set(grid.keys()) - set(keys):
            grid.remove_preview(stale)  # another branch on screen, or a model not asked
        for key, answer in zip(keys, self.identity_order(answers), strict=True):
            grid.set_document(key, comparison.page_of(answer), final=answer.finished)

    def identity_order(self, answers: list[Answer]) -> list[Answer]:
        by_slot = {a.slot: a for a in answers}
        return [by_slot[s] for s in self.identity.order(by_slot)]

    def _name_cells(self, grid: PreviewGrid, comparison: Comparison, answers: list[Answer],
                    *, create: bool = False) -> list[str]:
        """Name the previews as the identity says and stand them in its order; returns
        their keys in that order."""
        identity = self.identity
        shown = self.identity_order(answers)
        keys = [preview_key(a.slot, str(a.target.ref)) for a in shown]
        for key, answer in zip(keys, shown, strict=True):
            title = identity.title(answer.slot, answer.target)
            view = grid.preview(key)
            if view is None:
                if not create:
                    continue
                view = grid.add_preview(key, title)
                view.set_source_editable(True)
                view.editSourceRequested.connect(
                    lambda slot=answer.slot, v=view: self.editSourceRequested.emit(slot, v))
                view.set_fix_it_available(True)  # the fix-it loop
                view.fixItRequested.connect(lambda s=answer.slot: self._fix_it(s))
            grid.set_label(key, title)
            view.setAccessibleName(f"Page preview of {title}")
            view.set_file_stem(identity.file_stem(comparison.title, answer.slot, answer.target))
        grid.set_order(keys)
        return keys

    def _fix_it(self, slot: int) -> None:
        if self._comparison is not None:
            self._comparison.fixItRequested.emit(slot)

    def _ensure_grid(self) -> PreviewGrid:
        if self._grid is None:
            from studio.ui.preview.grid import PreviewGrid

            self._grid = PreviewGrid()
            self._stack.addWidget(self._grid)
        return self._grid
