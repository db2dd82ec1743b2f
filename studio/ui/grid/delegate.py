"""Painting one grid cell: state, the page's thumbnail, figures, checks and the first lines.

No widget per cell: this delegate paints every cell from its `CellFace` (text computed
once per change) and the thumbnail cache. Everything here is cheap enough to run for each
visible cell at every frame of a scroll.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from studio.core.batch import Cell, CellState
from studio.ui.grid.faces import CellFace
from studio.ui.grid.model import CELL_ROLE, FACE_ROLE
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
PASS_COLOUR = QColor(46, 160, 67)
FAIL_COLOUR = QColor(218, 54, 51)
Index = QModelIndex | QPersistentModelIndex


class CellDelegate(QStyledItemDelegate):
    def __init__(self, thumbnails: Thumbnails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._thumbnails = thumbnails
        self._bold: QFont | None = None
        self._small: QFont | None = None

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(CELL_SIZE)

    def _fonts(self, base: QFont) -> tuple[QFont, QFont]:
        if self._bold is None or self._small is None:
            self._bold = QFont(base)
            self._bold.setBold(True)
            self._small = QFont(base)
            self._small.setPointSizeF(max(6.0, base.pointSizeF() * 0.9))
        return self._bold, self._small

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        cell: Cell | None = index.data(CELL_ROLE)
        face: CellFace | None = index.data(FACE_ROLE)
        if cell is None or face is None:
            return
        painter.save()
        try:
            self._paint(painter, option, cell, face)
        finally:
            painter.restore()

    def _paint(self, painter: QPainter, option: QStyleOptionViewItem, cell: Cell,
               face: CellFace) -> None:
        style = option.widget.style() if option.widget is not None else None
        if style is not None:  # selection and hover backgrounds as the platform draws them
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter,
                                option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = option.palette
        text_colour = palette.color(QPalette.ColorRole.HighlightedText if selected
                                    else QPalette.ColorRole.Text)
        dim = QColor(text_colour)
        dim.setAlpha(170)
        rect: QRect = option.rect.adjusted(PAD, PAD, -PAD, -PAD)
        colour = STATE_COLOURS[face.state]
        painter.fillRect(QRect(option.rect.left(), option.rect.top(), 3,
                               option.rect.height()), colour)

        thumb = self._thumbnails.size
        picture = QRect(rect.left(), rect.top(), thumb.width(), thumb.height())
        self._paint_picture(painter, picture, cell, face, dim)

        bold, small = self._fonts(option.font)
        x = picture.right() + PAD + 2
        width = max(10, rect.right() - x)
        y = rect.top()
        painter.setFont(bold)
        painter.setPen(colour if not selected else text_colour)
        bold_metrics = QFontMetrics(bold)
        status = face.status if not face.attempt else f"{face.status} · attempt {face.attempt + 1}"
        painter.drawText(QRect(x, y, width, bold_metrics.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         bold_metrics.elidedText(status, Qt.TextElideMode.ElideRight, width))
        y += bold_metrics.height() + 1
        painter.setFont(small)
        small_metrics = QFontMetrics(small)
        line = small_metrics.height()
        if face.figures:
            painter.setPen(dim)
            for part in _wrap_figures(face.figures, small_metrics, width)[:2]:
                painter.drawText(QRect(x, y, width, line), int(Qt.AlignmentFlag.AlignLeft),
                                 part)
                y += line
        if face.marks:
            self._paint_marks(painter, QRect(x, y, width, line), face, small_metrics,
                              selected, text_colour)

        painter.setFont(option.font)
        painter.setPen(text_colour)
        metrics = QFontMetrics(option.font)
        y = picture.bottom() + PAD
        for text in face.snippet:
            if y + metrics.height() > rect.bottom() + 2:
                break
            painter.drawText(QRect(rect.left(), y, rect.width(), metrics.height()),
                             int(Qt.AlignmentFlag.AlignLeft),
                             metrics.elidedText(text, Qt.TextElideMode.ElideRight,
                                                rect.width()))
            y += metrics.height()

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

    @staticmethod
    def _paint_marks(painter: QPainter, rect: QRect, face: CellFace, metrics: QFontMetrics,
                     selected: bool, text_colour: QColor) -> None:
        x = rect.left()
        for mark in face.marks:
            colour = {"✓": PASS_COLOUR, "✗": FAIL_COLOUR}.get(mark)
            painter.setPen(text_colour if selected or colour is None else colour)
            advance = metrics.horizontalAdvance(mark) + 1
            if x + advance > rect.right() - 40:
                painter.drawText(QRect(x, rect.top(), 12, rect.height()),
                                 int(Qt.AlignmentFlag.AlignLeft), "…")
                x += metrics.horizontalAdvance("…") + 2
                break
            painter.drawText(QRect(x, rect.top(), advance, rect.height()),
                             int(Qt.AlignmentFlag.AlignLeft), mark)
            x += advance
        if face.judged:
            painter.setPen(text_colour)
            painter.drawText(QRect(x + 4, rect.top(), rect.right() - x - 4, rect.height()),
                             int(Qt.AlignmentFlag.AlignLeft), f"{face.passed}/{face.judged}")


def _wrap_figures(figures: str, metrics: QFontMetrics, width: int) -> list[str]:
    """The figures on one line when they fit, else split at their separators."""
    if metrics.horizontalAdvance(figures) <= width:
        return [figures]
    parts = figures.split(" · ")
    lines: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current} · {part}" if current else part
        if current and metrics.horizontalAdvance(candidate) > width:
            lines.append(current)
            current = part
        else:
            current = candidate
    if current:
        lines.append(current)
    return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in lines]
