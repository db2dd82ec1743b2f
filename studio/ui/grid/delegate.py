"""Painting one grid cell: state, the page's thumbnail, figures, checks and the first lines.

No widget per cell: this delegate paints every cell from its `CellFace` (text computed
once per change) and the thumbnail cache. The text of a cell is laid out once per face
and column width (elided, split, measured) into `QStaticText`s that Qt keeps ready to
draw, so a paint is a few blits — cheap enough for every visible cell at every frame of
a scroll.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QStaticText
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from studio.core.batch import Cell, CellState
from studio.ui.grid.faces import CellFace
from studio.ui.grid.model import GridModel
from studio.ui.grid.thumbnails import Thumbnails

CELL_SIZE = QSize(290, 118)
PAD = 5
STATE_COLOURS = {
    CellState.WAITING: QColor(128, 128, 128),
    CellState.RUNNING: QColor(66, 133, 244),
    CellState.STREAMING: QColor(30, 136, 229),
    CellState.CHECKING: QColor(142, 68, 173),
    CellState.DONE: QColor(46, 160, 67),
    CellState.FAILED: QColor(218, 54, 51),
    CellState.CANCELLED: QColor(230, 126, 34),
}
MARK_COLOURS = {"✓": QColor(46, 160, 67), "✗": QColor(218, 54, 51)}
LAYOUTS = 2048  # cells' text laid out and kept (a few per visible cell at most)
Index = QModelIndex | QPersistentModelIndex


def _static(text: str) -> QStaticText:
    static = QStaticText(text)
    static.setTextFormat(Qt.TextFormat.PlainText)
    static.setPerformanceHint(QStaticText.PerformanceHint.AggressiveCaching)
    return static


@dataclass(slots=True)
class _Layout:
    """A cell's text, ready to draw: (position, text) relative to the cell's top left."""

    status: tuple[QPoint, QStaticText]
    small: list[tuple[QPoint, QStaticText]]  # figures, dimmed
    marks: list[tuple[QPoint, QStaticText, QColor | None]]
    lines: list[tuple[QPoint, QStaticText]]  # the answer's first lines


class CellDelegate(QStyledItemDelegate):
    def __init__(self, thumbnails: Thumbnails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._thumbnails = thumbnails
        self._fonts: tuple[QFont, QFont, QFont] | None = None
        self._layouts: OrderedDict[tuple[int, int, int], tuple[CellFace, _Layout]] = (
            OrderedDict())

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(CELL_SIZE)

    def fonts(self, base: QFont) -> tuple[QFont, QFont, QFont]:
        if self._fonts is None or self._fonts[0] != base:
            bold = QFont(base)
            bold.setBold(True)
            small = QFont(base)
            small.setPointSizeF(max(6.0, base.pointSizeF() * 0.9))
            self._fonts = (QFont(base), bold, small)
            self._layouts.clear()
        return self._fonts

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        model = index.model()
        if not isinstance(model, GridModel):
            return
        cell = model.cell(index.row(), index.column())
        face = model.face(index.row(), index.column())
        if cell is None or face is None:
            return
        painter.save()
        try:
            self._paint(painter, option, cell, face)
        finally:
            painter.restore()

    def _paint(self, painter: QPainter, option: QStyleOptionViewItem, cell: Cell,
               face: CellFace) -> None:
        widget = option.widget
        if widget is not None:  # selection and hover backgrounds as the platform draws them
            widget.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option,
                                         painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = option.palette
        text_colour = palette.color(QPalette.ColorRole.HighlightedText if selected
                                    else QPalette.ColorRole.Text)
        dim = QColor(text_colour)
        dim.setAlpha(170)
        cell_rect: QRect = option.rect
        colour = STATE_COLOURS[face.state]
        painter.fillRect(QRect(cell_rect.left(), cell_rect.top(), 3, cell_rect.height()), colour)
        thumb = self._thumbnails.size
        picture = QRect(cell_rect.left() + PAD, cell_rect.top() + PAD, thumb.width(),
                        thumb.height())
        self._paint_picture(painter, picture, cell, face, dim)

        layout = self._layout(face, cell, cell_rect.width(), cell_rect.height(), option.font)
        origin = cell_rect.topLeft()
        normal, bold, small = self.fonts(option.font)
        painter.setFont(bold)
        painter.setPen(text_colour if selected else colour)
        at, text = layout.status
        painter.drawStaticText(origin + at, text)
        painter.setFont(small)
        painter.setPen(dim)
        for at, text in layout.small:
            painter.drawStaticText(origin + at, text)
        for at, text, mark_colour in layout.marks:
            painter.setPen(text_colour if selected or mark_colour is None else mark_colour)
            painter.drawStaticText(origin + at, text)
        painter.setFont(normal)
        painter.setPen(text_colour)
        for at, text in layout.lines:
            painter.drawStaticText(origin + at, text)

    def _layout(self, face: CellFace, cell: Cell, width: int, height: int,
                base: QFont) -> _Layout:
        key = (cell.row, cell.col, width)
        found = self._layouts.get(key)
        if found is not None and found[0] is face:
            self._layouts.move_to_end(key)
            return found[1]
        layout = self._lay_out(face, width, height, base)
        self._layouts[key] = (face, layout)
        while len(self._layouts) > LAYOUTS:
            self._layouts.popitem(last=False)
        return layout

    def _lay_out(self, face: CellFace, width: int, height: int, base: QFont) -> _Layout:
        normal, bold, small = self.fonts(base)
        thumb = self._thumbnails.size
        x = PAD + thumb.width() + PAD + 2
        room = max(10, width - x - PAD)
        y = PAD
        bold_metrics = QFontMetrics(bold)
        status = face.status if not face.attempt else f"{face.status} · attempt {face.attempt + 1}"
        status_text = _static(bold_metrics.elidedText(status, Qt.TextElideMode.ElideRight, room))
        status_at = QPoint(x, y)
        y += bold_metrics.height() + 1
        small_metrics = QFontMetrics(small)
        line = small_metrics.height()
        figures = []
        if face.figures:
            for part in _wrap_figures(face.figures, small_metrics, room)[:2]:
                figures.append((QPoint(x, y), _static(part)))
                y += line
        marks: list[tuple[QPoint, QStaticText, QColor | None]] = []
        if face.marks:
            mx = x
            for mark in face.marks:
                advance = small_metrics.horizontalAdvance(mark) + 1
                if mx + advance > x + room - 40:
                    marks.append((QPoint(mx, y), _static("…"), None))
                    mx += small_metrics.horizontalAdvance("…") + 2
                    break
                marks.append((QPoint(mx, y), _static(mark), MARK_COLOURS.get(mark)))
                mx += advance
            if face.judged:
                marks.append((QPoint(mx + 4, y), _static(f"{face.passed}/{face.judged}"), None))
        metrics = QFontMetrics(normal)
        lines = []
        inner = width - 2 * PAD
        y = PAD + thumb.height() + PAD
        for text in face.snippet:
            if y + metrics.height() > height - PAD + 2:
                break
            lines.append((QPoint(PAD, y), _static(
                metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner))))
            y += metrics.height()
        return _Layout((status_at, status_text), figures, marks, lines)

    def _paint_picture(self, painter: QPainter, rect: QRect, cell: Cell, face: CellFace,
                       dim: QColor) -> None:
        image = self._thumbnails.image(cell.response_id) if cell.has_screenshot else None
        if image is not None:
            x = rect.left() + (rect.width() - image.width()) // 2
            y = rect.top() + (rect.height() - image.height()) // 2
            painter.drawImage(x, y, image)
            return
        painter.setPen(dim)
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        result = cell.result
        if cell.has_screenshot:
            note = "…"
        elif face.state is CellState.CHECKING and result is not None and result.html:
            note = "page…"
        elif face.state.finished and result is not None and not result.html:
            note = "no page"
        else:
            note = ""
        if note:
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), note)


def _wrap_figures(figures: str, metrics: QFontMetrics, width: int) -> list[str]:
    """The figures on one line when they fit, else split at their separators."""
    if metrics.horizontalAdvance(figures) <= width:
        return [figures]
    lines: list[str] = []
    current = ""
    for part in figures.split(" · "):
        candidate = f"{current} · {part}" if current else part
        if current and metrics.horizontalAdvance(candidate) > width:
            lines.append(current)
            current = part
        else:
            current = candidate
    if current:
        lines.append(current)
    return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in lines]
