"""The grid as Qt models: `GridModel` (a row per prompt × variable row, a column per model)
and `FooterModel` (one row of column summaries). Both read the live `Batch` the runner
mutates; `cells_changed` turns the coalesced changes into `dataChanged` for those cells only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from studio.core.batch import Batch, Cell, column_summary
from studio.core.runner import ModelTarget
from studio.ui.grid.faces import CellFace, cell_face, cell_tooltip, footer_text

CELL_ROLE = Qt.ItemDataRole.UserRole + 1
FACE_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_PROMPT_TIP_CHARS = 600


def column_title(target: ModelTarget) -> str:
    """Two lines: the model, then its provider and the settings that tell slots apart."""
    summary = target.settings.summary()
    second = target.config.display_name
    if summary != "defaults":
        second += f" · {summary}"
    return f"{target.ref.model}\n{second}"


class GridModel(QAbstractTableModel):
    """`footersChanged(columns)`: the summaries of these columns may have changed."""

    footersChanged = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.batch: Batch | None = None
        self._titles: list[str] = []
        self._faces: dict[tuple[int, int], CellFace] = {}

    def set_batch(self, batch: Batch | None, targets: Sequence[ModelTarget] = ()) -> None:
        self.beginResetModel()
        self.batch = batch
        self._titles = [column_title(t) for t in targets]
        self._faces.clear()
        self.endResetModel()
        if batch is not None:
            self.footersChanged.emit(list(range(len(batch.columns))))

    # -- shape -----------------------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() or self.batch is None else len(self.batch.rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() or self.batch is None else len(self.batch.columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- cells -----------------------------------------------------------------------------

    def cell(self, row: int, col: int) -> Cell | None:
        batch = self.batch
        if batch is None or not (0 <= row < len(batch.rows) and 0 <= col < len(batch.columns)):
            return None
        return batch.cell(row, col)

    def face(self, row: int, col: int) -> CellFace | None:
        cell = self.cell(row, col)
        if cell is None:
            return None
        key = (row, col)
        face = self._faces.get(key)
        if face is None:
            face = self._faces[key] = cell_face(cell)
        return face

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == CELL_ROLE:
            return self.cell(row, col)
        if role == FACE_ROLE:
            return self.face(row, col)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            face = self.face(row, col)
            if face is None:
                return None
            parts = [face.status, *face.snippet[:1], face.figures]
            if face.judged:
                parts.append(f"checks {face.passed} of {face.judged} passed")
            return " · ".join(p for p in parts if p)
        if role == Qt.ItemDataRole.ToolTipRole:
            cell, face = self.cell(row, col), self.face(row, col)
            if cell is None or face is None or self.batch is None:
                return None
            return cell_tooltip(self.batch, cell, face)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        batch = self.batch
        if batch is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self._titles):
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return self._titles[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return (f"{self._titles[section].replace(chr(10), ' · ')}\n"
                        "Click: this model across all prompts")
            return None
        if not 0 <= section < len(batch.rows):
            return None
        row = batch.rows[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.label
        if role == Qt.ItemDataRole.ToolTipRole:
            prompt = row.prompt if len(row.prompt) <= _PROMPT_TIP_CHARS \
                else row.prompt[:_PROMPT_TIP_CHARS - 1] + "…"
            return f"{row.label}\n\n{prompt}\n\nClick: this prompt's pages side by side, live"
        return None

    def cells_changed(self, cells: list[tuple[int, int]], states: bool) -> None:
        batch = self.batch
        if batch is None:
            return
        columns: set[int] = set()
        for row, col in cells:
            if not (0 <= row < len(batch.rows) and 0 <= col < len(batch.columns)):
                continue
            key = (row, col)
            self._faces[key] = cell_face(batch.cell(row, col), self._faces.get(key))
            index = self.index(row, col)
            self.dataChanged.emit(index, index, [FACE_ROLE])
            columns.add(col)
        if states and columns:
            self.footersChanged.emit(sorted(columns))

    def refresh_all(self) -> None:
        """Everything may have changed (ratings read again, say)."""
        self._faces.clear()
        if self.batch is not None and self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, self.columnCount() - 1))
            self.footersChanged.emit(list(range(self.columnCount())))

    def picture_ready(self, response_id: int) -> None:
        batch = self.batch
        if batch is None:
            return
        for cell in batch.cells:
            if cell.response_id == response_id:
                index = self.index(cell.row, cell.col)
                self.dataChanged.emit(index, index, [FACE_ROLE])


class FooterModel(QAbstractTableModel):
    """One row: each column's total cost, median TTFT, failures, pass rate, mean rating."""

    def __init__(self, grid: GridModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._grid = grid
        self._texts: dict[int, tuple[str, ...]] = {}
        grid.modelReset.connect(self._reset)
        grid.footersChanged.connect(self.update_columns)

    def _reset(self) -> None:
        self.beginResetModel()
        self._texts.clear()
        self.endResetModel()

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() or self._grid.batch is None else 1

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else self._grid.columnCount()

    def text(self, col: int) -> tuple[str, ...]:
        found = self._texts.get(col)
        batch = self._grid.batch
        if found is None and batch is not None and 0 <= col < len(batch.columns):
            found = self._texts[col] = footer_text(column_summary(batch.column_cells(col)))
        return found or ()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return "\n".join(self.text(index.column()))
        if role == Qt.ItemDataRole.ToolTipRole:
            return ("Total cost of the answers (without a price: unknown), and apart from "
                    "it what the judge checks' requests cost; median time to first token; "
                    "failed cells, checks passed of checks run, mean rating")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return "Totals"
        return None

    def update_columns(self, columns: list[int]) -> None:
        for col in columns:
            self._texts.pop(col, None)
            if 0 <= col < self.columnCount():
                index = self.index(0, col)
                self.dataChanged.emit(index, index)
