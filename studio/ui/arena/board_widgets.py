"""The leaderboard's table (ratings with their 95 % intervals as bars on one axis) and the
pairwise win-rate heat map."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from studio.core.arena_board import Leaderboard, ModelRow
from studio.ui.style import colors

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Rank", "Model", "Rating", "95 % interval", "Battles", "W-L-T")
INTERVAL_COLUMN = 3
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


def rank_text(row: ModelRow) -> str:
    best, worst = row.rank_range
    return str(best) if best == worst else f"{best}–{worst}"


def axis_of(board: Leaderboard) -> tuple[float, float]:
    """The common axis of the interval bars: every interval on it, in round steps of 50."""
    if not board.models:
        return 900.0, 1100.0
    low = min(r.ci_low for r in board.models)
    high = max(r.ci_high for r in board.models)
    return math.floor(low / 50) * 50, math.ceil(high / 50) * 50 + (50 if high == low else 0)


class BoardModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.board: Leaderboard | None = None
        self.axis = (900.0, 1100.0)

    def set_board(self, board: Leaderboard | None) -> None:
        self.beginResetModel()
        self.board = board
        if board is not None:
            self.axis = axis_of(board)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() or self.board is None else len(self.board.models)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is not Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section == INTERVAL_COLUMN:
            low, high = self.axis
            return f"95 % interval ({low:.0f} to {high:.0f})"
        return COLUMNS[section]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        board = self.board
        if board is None or not index.isValid():
            return None
        row = board.models[index.row()]
        column = index.column()
        if role == ROW_ROLE:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(board, row, column, role)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 2, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(board: Leaderboard, row: ModelRow, column: int, role: int) -> str:
        if column == 0:
            return rank_text(row)
        if column == 1:
            group = f"  (group {row.group + 1})" if len(board.groups) > 1 else ""
            return f"{row.model}{' *' if row.separated else ''}{group}"
        if column == 2:
            return f"{row.rating:.0f}"
        if column == INTERVAL_COLUMN:
            # Painted as a bar; screen readers and copies get the numbers.
            return (f"{row.ci_low:.0f} to {row.ci_high:.0f}"
                    if role == Qt.ItemDataRole.AccessibleTextRole else "")
        if column == 4:
            return str(row.battles)
        return f"{row.wins}-{row.losses}-{row.ties}"

    @staticmethod
    def _tip(row: ModelRow) -> str:
        lines = [f"{row.model}: {row.rating:.0f}, 95 % interval {row.ci_low:.0f} to "
                 f"{row.ci_high:.0f}, rank {rank_text(row)}",
                 f"{row.battles} battles: {row.wins} won, {row.losses} lost, {row.ties} ties "
                 f"({row.both_bad} both bad)"]
        if row.separated:
            lines.append("* won or lost every battle against part of its group: the rating "
                         "rests on the prior")
        return "\n".join(lines)


class IntervalDelegate(QStyledItemDelegate):
    """Paints a row's 95 % interval as a bar, and its rating as a dot, on the table's axis."""

    def __init__(self, model: BoardModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model

    def x_of(self, value: float, rect: QRect) -> float:
        low, high = self._model.axis
        inner = rect.adjusted(8, 0, -8, 0)
        return inner.left() + (value - low) / (high - low) * inner.width()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        row = index.data(ROW_ROLE)
        if not isinstance(row, ModelRow):
            return
        rect = option.rect
        c = colors(option.palette)
        y = rect.center().y()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(c.muted, 1, Qt.PenStyle.DotLine))
        middle = self.x_of(1000.0, rect)
        painter.drawLine(QPointF(middle, rect.top() + 2), QPointF(middle, rect.bottom() - 2))
        tone = c.warning if row.separated else c.accent
        painter.setPen(QPen(tone, 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(self.x_of(row.ci_low, rect), y),
                         QPointF(self.x_of(row.ci_high, rect), y))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(c.text)
        painter.drawEllipse(QPointF(self.x_of(row.rating, rect), y), 4.0, 4.0)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(260, super().sizeHint(option, index).height())


def win_colour(fraction: float, palette: QPalette) -> QColor:
    """0 → red, ½ → the base colour, 1 → green."""
    base = palette.color(QPalette.ColorRole.Base)
    target = QColor(46, 160, 67) if fraction >= 0.5 else QColor(218, 54, 51)
    t = min(1.0, abs(fraction - 0.5) * 2)
    return QColor(round(base.red() + (target.red() - base.red()) * t),
                  round(base.green() + (target.green() - base.green()) * t),
                  round(base.blue() + (target.blue() - base.blue()) * t))


class HeatMap(QWidget):
    """The pairwise win rates: row model against column model, over their decisive
    battles (ties left out, as LMArena's heat map); empty cells never met."""

    CELL = 56
    MAX_NAME = 260  # the widest a row name (or a column name, written upwards) is shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Pairwise win rates")
        self.board: Leaderboard | None = None
        self.names: list[str] = []
        self.matrix: list[list[float | None]] = []
        self.label_width = self.header_height = 40
        self.setMouseTracking(True)

    def set_board(self, board: Leaderboard | None) -> None:
        self.board = board
        self.names = [r.model for r in board.models] if board is not None else []
        self.matrix = board.win_matrix() if board is not None else []
        widest = max((self.fontMetrics().horizontalAdvance(n) for n in self.names), default=0)
        self.label_width = self.header_height = min(widest, self.MAX_NAME) + 12
        self.setMinimumSize(self.sizeHint())
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        n = len(self.names)
        return QSize(self.label_width + n * self.CELL + 4,
                     self.header_height + n * self.CELL + 4)

    def cell_rect(self, i: int, j: int) -> QRect:
        return QRect(self.label_width + j * self.CELL, self.header_height + i * self.CELL,
                     self.CELL - 2, self.CELL - 2)

    def cell_text(self, i: int, j: int) -> str:
        value = self.matrix[i][j]
        return "" if value is None else f"{value * 100:.0f} %"

    def tip(self, i: int, j: int) -> str:
        board = self.board
        if board is None or i == j:
            return ""
        a, b = self.names[i], self.names[j]
        pair = board.pair(a, b)
        value = self.matrix[i][j]
        if pair is None or value is None:
            return f"{a} and {b} have no decisive battle"
        decisive = pair.a_wins + pair.b_wins
        return (f"{a} beat {b} in {value * 100:.0f} % of {decisive} decisive battles "
                f"({pair.battles} battles, {pair.ties} ties)")

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        c = colors(palette)
        metrics = painter.fontMetrics()
        painter.setPen(c.text)
        for i, name in enumerate(self.names):
            y = self.header_height + i * self.CELL
            label = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle,
                                       self.label_width - 12)
            painter.drawText(QRect(0, y, self.label_width - 6, self.CELL - 2),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             label)
            # The column's name, written upwards above its column.
            upwards = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle,
                                         self.header_height - 12)
            painter.save()
            painter.translate(self.label_width + i * self.CELL
                              + (self.CELL + metrics.ascent()) / 2 - 2, self.header_height - 6)
            painter.rotate(-90)
            painter.drawText(0, 0, upwards)
            painter.restore()
        for i in range(len(self.names)):
            for j in range(len(self.names)):
                rect = self.cell_rect(i, j)
                value = self.matrix[i][j]
                if i == j or value is None:
                    painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase))
                    continue
                painter.fillRect(QRectF(rect), win_colour(value, palette))
                painter.setPen(c.text)
                painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), self.cell_text(i, j))
        painter.end()

    def event(self, event: Any) -> bool:
        if isinstance(event, QHelpEvent):
            pos = event.pos()
            for i in range(len(self.names)):
                for j in range(len(self.names)):
                    if self.cell_rect(i, j).contains(pos):
                        QToolTip.showText(event.globalPos(), self.tip(i, j), self)
                        return True
            QToolTip.hideText()
            return True
        return super().event(event)
