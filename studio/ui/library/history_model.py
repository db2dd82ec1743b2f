"""Saved runs as a table, newest first, read from the store one page at a time."""

from __future__ import annotations

import sqlite3
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from studio.store import HistoryFilter, RunId, RunSummary, Store, StoreError
from studio.ui.library.formatting import (
    first_line,
    full_time,
    model_list,
    stars,
    when,
)

HIDDEN_MODELS = "hidden (blind mode)"
RUN_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 2
HISTORY_PAGE = 100
COLUMNS = ("When", "Title", "Models", "Turns", "Best")

Index = QModelIndex | QPersistentModelIndex
_NO_INDEX = QModelIndex()


def models_seen(store: Store) -> list[str]:
    """Every "provider:model" that took part in a saved run, for the model filter.

    The store has no call for this list; it is one read over the run_models index.
    """
    try:
        return [str(r[0]) for r in store.connection.execute(
            "SELECT DISTINCT model FROM run_models ORDER BY model")]
    except sqlite3.Error:
        return []


def run_title(summary: RunSummary) -> str:
    return summary.title or first_line(summary.body) or f"Run {summary.id}"


class HistoryModel(QAbstractTableModel):
    """`errorOccurred(message)` when the store cannot be read."""

    errorOccurred = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._filter = HistoryFilter()
        self._rows: list[RunSummary] = []
        self._exhausted = False
        self._names_hidden = False
        self._read_page()

    def set_names_hidden(self, hidden: bool) -> None:
        """Leave the models out of the list while answers are judged blind."""
        if hidden != self._names_hidden:
            self._names_hidden = hidden
            if self._rows:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    # ----- loading ----------------------------------------------------------------------
    @property
    def filter(self) -> HistoryFilter:
        return self._filter

    def set_filter(self, filters: HistoryFilter) -> None:
        self._filter = filters
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._exhausted = False
        self._read_page()
        self.endResetModel()

    def _history(self, limit: int, offset: int) -> list[RunSummary]:
        try:
            return self._store.history(self._filter, limit=limit, offset=offset)
        except StoreError as exc:
            self.errorOccurred.emit(str(exc))
            return []

    def _read_page(self) -> list[RunSummary]:
        page = self._history(HISTORY_PAGE, len(self._rows))
        self._exhausted = len(page) < HISTORY_PAGE
        self._rows.extend(page)
        return page

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted:
            return
        first = len(self._rows)
        page = self._history(HISTORY_PAGE, first)
        self._exhausted = len(page) < HISTORY_PAGE
        if page:
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()

    def refresh_run(self, run_id: RunId) -> None:
        """A run was saved or changed: show it at the top, or update its row in place."""
        row = self.row_of(run_id)
        if row is not None:
            fresh = self._history(1, row)
            if fresh and fresh[0].id == run_id:
                self._rows[row] = fresh[0]
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            else:
                self.reload()
            return
        if not self._rows:
            self.reload()
            return
        known = {r.id for r in self._rows}
        newer: list[RunSummary] = []
        for summary in self._history(HISTORY_PAGE, 0):
            if summary.id in known:
                break
            newer.append(summary)
        if len(newer) == HISTORY_PAGE:  # more new runs than a page: start again
            self.reload()
        elif newer:
            self.beginInsertRows(QModelIndex(), 0, len(newer) - 1)
            self._rows[0:0] = newer
            self.endInsertRows()

    def remove_run(self, run_id: RunId) -> None:
        row = self.row_of(run_id)
        if row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    # ----- lookups ----------------------------------------------------------------------
    def row_of(self, run_id: int) -> int | None:
        for row, summary in enumerate(self._rows):
            if summary.id == run_id:
                return row
        return None

    def find(self, run_id: int) -> int | None:
        """The run's row, reading further pages until it is found or the list ends."""
        row = self.row_of(run_id)
        while row is None and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())
            row = self.row_of(run_id)
        return row

    def summary(self, row: int) -> RunSummary:
        return self._rows[row]

    # ----- Qt model ---------------------------------------------------------------------
    def rowCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        summary = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(summary, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(summary)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if column == 4:
                rating = summary.best_rating
                return f"best rating {rating} of 5" if rating is not None else "not rated"
            return self._display(summary, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == RUN_ID_ROLE:
            return int(summary.id)
        if role == SUMMARY_ROLE:
            return summary
        return None

    def _display(self, summary: RunSummary, column: int) -> str:
        if column == 0:
            return when(summary.created_at)
        if column == 1:
            return run_title(summary)
        if column == 2:
            return HIDDEN_MODELS if self._names_hidden else model_list(summary.models)
        if column == 3:
            return str(summary.turn_count)
        if column == 4:  # compact: the list lives in a narrow dock
            return f"{summary.best_rating}★" if summary.best_rating is not None else ""
        return ""

    def _tooltip(self, summary: RunSummary) -> str:
        lines = [run_title(summary), full_time(summary.created_at)]
        if summary.collection_name:
            lines.append(f"Collection: {summary.collection_name}")
        lines.append("Models: " + (HIDDEN_MODELS if self._names_hidden
                                   else ", ".join(summary.models)))
        turns = "turn" if summary.turn_count == 1 else "turns"
        lines.append(f"{summary.turn_count} {turns}")
        if summary.best_rating is not None:
            lines.append(f"Best rating: {stars(summary.best_rating)}")
        lines.append(first_line(summary.body, 160))
        return "\n".join(lines)
