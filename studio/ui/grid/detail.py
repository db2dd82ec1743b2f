"""Under the grid: the selected prompt's pages running side by side, or one model's column.

Only the selected row runs live pages (a sandboxed preview per model, refreshed at most
every 300 ms while its answers stream), so a grid of hundreds of cells never keeps more
than one row of renderers busy. A column is shown as a sheet of larger thumbnails with
each prompt's status and figures; double-click one to open its comparison.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QLabel, QListView, QStackedWidget, QVBoxLayout, QWidget

from studio.core.batch import Batch, CellState
from studio.core.runner import ModelTarget
from studio.ui.grid.faces import cell_face
from studio.ui.grid.thumbnails import Thumbnails

if TYPE_CHECKING:
    from studio.ui.preview.grid import PreviewGrid

LIVE_REFRESH_MS = 300
SHEET_THUMB = QSize(256, 160)
HINT = ("Click a prompt's header (left) to run its pages side by side, a model's header "
        "(top) to see it across all prompts, a cell to open its comparison in the workspace.")
Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class RowPages(QWidget):
    """The pages of one grid row, live."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Pages of the selected prompt")
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-weight: bold; padding: 2px 4px;")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._layout.addWidget(self.title)
        self.grid: PreviewGrid | None = None
        self.batch: Batch | None = None
        self.row = -1
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LIVE_REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

    def show_row(self, batch: Batch, row: int, targets: list[ModelTarget]) -> None:
        grid = self._ensure_grid()
        if batch is not self.batch or row != self.row:
            grid.clear()  # each prompt's pages in fresh previews, each with its own origin
        self.batch = batch
        self.row = row
        self.title.setText(batch.rows[row].label)
        for col, target in enumerate(targets):
            grid.add_preview(str(col), target.title)
        self.refresh()

    def cells_changed(self, cells: list[tuple[int, int]]) -> None:
        if self.row >= 0 and any(r == self.row for r, _c in cells) \
                and not self._timer.isActive():
            self._timer.start()

    def refresh(self) -> None:
        batch, grid = self.batch, self.grid
        if batch is None or grid is None or self.row < 0:
            return
        for cell in batch.row_cells(self.row):
            run = cell.run
            if run is not None and cell.state.active and cell.state is not CellState.CHECKING:
                grid.set_document(str(cell.col), run.html())  # as far as it has come
            else:
                result = cell.result
                grid.set_document(str(cell.col), result.html if result is not None else None,
                                  final=result is not None)

    def clear(self) -> None:
        """No row: every preview goes (its renderer with it)."""
        self._timer.stop()
        self.row = -1
        self.batch = None
        if self.grid is not None:
            self.grid.clear()

    def _ensure_grid(self) -> PreviewGrid:
        if self.grid is None:
            from studio.ui.preview.grid import PreviewGrid

            self.grid = PreviewGrid(self)
            self._layout.addWidget(self.grid, 1)
        return self.grid


class ColumnModel(QAbstractListModel):
    """One column of the batch: each prompt's larger thumbnail, status and figures."""

    def __init__(self, thumbnails: Thumbnails, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thumbnails = thumbnails
        self.batch: Batch | None = None
        self.col = -1
        thumbnails.ready.connect(self._picture_ready)

    def set_column(self, batch: Batch | None, col: int) -> None:
        self.beginResetModel()
        self.batch = batch
        self.col = col
        self.endResetModel()

    def rowCount(self, parent: Index = _ROOT) -> int:
        if parent.isValid() or self.batch is None or self.col < 0:
            return 0
        return len(self.batch.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        batch = self.batch
        if batch is None or not index.isValid() or self.col < 0:
            return None
        cell = batch.cell(index.row(), self.col)
        if role == Qt.ItemDataRole.DisplayRole:
            face = cell_face(cell)
            lines = [batch.rows[cell.row].label, face.status]
            if face.figures:
                lines.append(face.figures)
            if face.judged:
                lines.append(f"checks {face.passed}/{face.judged} {face.marks}")
            if cell.judging.asked:
                lines.append(cell.judging.text())
            return "\n".join(lines)
        if role == Qt.ItemDataRole.DecorationRole and cell.has_screenshot:
            return self._thumbnails.image(cell.response_id)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(cell_face(cell).checks) or None
        return None

    def cells_changed(self, cells: list[tuple[int, int]]) -> None:
        batch = self.batch
        for row, col in cells:
            if col == self.col and batch is not None:
                cell = batch.cell(row, col)
                if cell.has_screenshot:
                    self._thumbnails.retry(cell.response_id)
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def _picture_ready(self, response_id: int) -> None:
        batch = self.batch
        if batch is None or self.col < 0:
            return
        for cell in batch.column_cells(self.col):
            if cell.response_id == response_id:
                index = self.index(cell.row)
                self.dataChanged.emit(index, index)


class DetailArea(QStackedWidget):
    """`openRequested(row, col)` when a page in the column sheet is double-clicked."""

    openRequested = Signal(int, int)

    def __init__(self, sheet_thumbnails: Thumbnails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint = QLabel(HINT, self)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setEnabled(False)
        self.row_pages = RowPages(self)
        self.column_model = ColumnModel(sheet_thumbnails, self)
        self.sheet = QListView(self)
        self.sheet.setObjectName("batchColumnSheet")
        self.sheet.setAccessibleName("The selected model across all prompts")
        self.sheet.setModel(self.column_model)
        self.sheet.setViewMode(QListView.ViewMode.IconMode)
        self.sheet.setIconSize(SHEET_THUMB)
        self.sheet.setResizeMode(QListView.ResizeMode.Adjust)
        self.sheet.setUniformItemSizes(True)
        self.sheet.setGridSize(QSize(SHEET_THUMB.width() + 24, SHEET_THUMB.height() + 90))
        self.sheet.setWordWrap(True)
        self.sheet.setMovement(QListView.Movement.Static)
        self.sheet.doubleClicked.connect(
            lambda index: self.openRequested.emit(index.row(), self.column_model.col))
        self.addWidget(self.hint)
        self.addWidget(self.row_pages)
        self.addWidget(self.sheet)

    def show_hint(self) -> None:
        self.row_pages.clear()
        self.column_model.set_column(None, -1)
        self.setCurrentWidget(self.hint)

    def show_row(self, batch: Batch, row: int, targets: list[ModelTarget]) -> None:
        self.column_model.set_column(None, -1)
        self.setCurrentWidget(self.row_pages)
        self.row_pages.show_row(batch, row, targets)

    def show_column(self, batch: Batch, col: int) -> None:
        self.row_pages.clear()
        self.column_model.set_column(batch, col)
        self.setCurrentWidget(self.sheet)

    def cells_changed(self, cells: list[tuple[int, int]]) -> None:
        if self.currentWidget() is self.row_pages:
            self.row_pages.cells_changed(cells)
        elif self.currentWidget() is self.sheet:
            self.column_model.cells_changed(cells)
