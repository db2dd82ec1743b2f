"""The grid on screen: a table view of painted cells with a row of column footers under it.

Sections have fixed default sizes (no size-to-contents pass over hundreds of cells), the
view scrolls by pixel, and the footer follows the table's horizontal scrolling and column
widths. Clicking a cell asks for its comparison; clicking a row's or a column's header
selects that prompt or that model.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio.ui.grid.delegate import CELL_SIZE, CellDelegate
from studio.ui.grid.model import FooterModel, GridModel
from studio.ui.grid.thumbnails import Thumbnails

ROW_HEADER_WIDTH = 230
FOOTER_LINES = 2


class _Table(QTableView):
    """Enter opens the current cell, as a click does."""

    openRequested = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.openRequested.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class _Footer(QTableView):
    """Scrolled by the table, never by itself; as wide as the table's viewport."""

    def match(self, table: QTableView) -> None:
        bar = table.verticalScrollBar()
        right = bar.sizeHint().width() if bar.isVisible() else 0
        self.setViewportMargins(0, 0, right, 0)
        self.horizontalScrollBar().setValue(table.horizontalScrollBar().value())


class GridView(QWidget):
    """`cellClicked(row, col)`, `rowSelected(row)`, `columnSelected(col)`;
    `menuRequested(row, col, global position)` with -1 for a header's whole column or row."""

    cellClicked = Signal(int, int)
    rowSelected = Signal(int)
    columnSelected = Signal(int)
    menuRequested = Signal(int, int, QPoint)

    def __init__(self, model: GridModel, thumbnails: Thumbnails,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.table = _Table(self)
        self.table.setObjectName("batchGrid")
        self.table.setAccessibleName("Batch grid: a row per prompt, a column per model")
        self.table.setModel(model)
        self.delegate = CellDelegate(thumbnails, self.table)
        self.table.setItemDelegate(self.delegate)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.setMouseTracking(True)
        h = self.table.horizontalHeader()
        h.setDefaultSectionSize(CELL_SIZE.width())
        h.setMinimumSectionSize(140)
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.setHighlightSections(True)
        h.setSectionsClickable(True)
        h.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        v = self.table.verticalHeader()
        v.setDefaultSectionSize(CELL_SIZE.height())
        v.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        v.setFixedWidth(ROW_HEADER_WIDTH)
        v.setTextElideMode(Qt.TextElideMode.ElideRight)
        v.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        v.setSectionsClickable(True)
        v.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        self.footer_model = FooterModel(model, self)
        self.footer = _Footer(self)
        self.footer.setObjectName("batchFooter")
        self.footer.setAccessibleName("Column totals")
        self.footer.setModel(self.footer_model)
        self.footer.horizontalHeader().hide()
        self.footer.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.footer.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.footer.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.footer.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.footer.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.footer.setWordWrap(True)
        fv = self.footer.verticalHeader()
        fv.setFixedWidth(ROW_HEADER_WIDTH)
        line = self.footer.fontMetrics().lineSpacing()
        height = line * FOOTER_LINES + 10
        fv.setDefaultSectionSize(height)
        fv.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.footer.setFixedHeight(height + 2 * self.footer.frameWidth())
        self.footer.horizontalHeader().setDefaultSectionSize(CELL_SIZE.width())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.footer)

        self.table.clicked.connect(self._clicked)
        self.table.openRequested.connect(self._clicked)
        h.sectionClicked.connect(self.columnSelected)
        v.sectionClicked.connect(self.rowSelected)
        h.sectionResized.connect(self._sync_width)
        self.table.horizontalScrollBar().valueChanged.connect(
            self.footer.horizontalScrollBar().setValue)
        self.table.horizontalScrollBar().rangeChanged.connect(
            lambda _low, _high: self.footer.match(self.table))
        self.table.verticalScrollBar().rangeChanged.connect(
            lambda _low, _high: self.footer.match(self.table))
        self.table.customContextMenuRequested.connect(self._cell_menu)
        h.customContextMenuRequested.connect(
            lambda pos: self.menuRequested.emit(-1, h.logicalIndexAt(pos), h.mapToGlobal(pos)))
        v.customContextMenuRequested.connect(
            lambda pos: self.menuRequested.emit(v.logicalIndexAt(pos), -1, v.mapToGlobal(pos)))
        model.modelReset.connect(self._model_reset)

    def _clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.cellClicked.emit(index.row(), index.column())

    def _cell_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.menuRequested.emit(index.row(), index.column(),
                                    self.table.viewport().mapToGlobal(pos))

    def _sync_width(self, col: int, _old: int, new: int) -> None:
        self.footer.setColumnWidth(col, new)

    def _model_reset(self) -> None:
        for col in range(self.model.columnCount()):
            self.footer.setColumnWidth(col, self.table.columnWidth(col))
        header = self.table.horizontalHeader()
        line = header.fontMetrics().lineSpacing()
        header.setFixedHeight(line * 2 + 10)

    def current_cell(self) -> tuple[int, int] | None:
        index = self.table.currentIndex()
        return (index.row(), index.column()) if index.isValid() else None

    def scroll_to(self, row: int, col: int) -> None:
        index = self.model.index(row, col)
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)
