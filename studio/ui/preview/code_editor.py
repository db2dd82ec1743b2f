"""A plain-text code editor: monospace, line numbers, syntax colours, find with all matches
marked, go to line."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from studio.core.highlight import DARK, LIGHT
from studio.ui.preview.source_highlighter import SourceHighlighter
from studio.ui.style import colors, is_dark, mix

# Each match costs a search step and a paint; past this many the count is shown as "N+".
MAX_MARKED = 2_000
# Past this size colouring every line up front would stall the window for seconds.
HIGHLIGHT_LIMIT = 1_500_000
_PARAGRAPH = "\u2029"


class _LineNumbers(QWidget):
    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self._editor.line_number_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._editor.paint_line_numbers(self, event)


class CodeEditor(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None, *, language: str = "html") -> None:
        super().__init__(parent)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.setFont(font)
        self.setTabStopDistance(4 * self.fontMetrics().horizontalAdvance(" "))
        self.setAccessibleName("Page source")
        self._numbers = _LineNumbers(self)
        self.highlighter = SourceHighlighter(
            self, language=language, theme=DARK if is_dark(self.palette()) else LIGHT)
        self._matches: list[QTextCursor] = []
        self._needle = ""
        self._case_sensitive = False
        self.blockCountChanged.connect(self._update_margin)
        self.updateRequest.connect(self._scroll_numbers)
        self.cursorPositionChanged.connect(self._numbers.update)
        self._update_margin()

    # -- text --------------------------------------------------------------------------

    def source(self) -> str:
        # toPlainText() turns no-break spaces into plain ones, which would alter the page.
        return self.document().toRawText().replace(_PARAGRAPH, "\n")

    def load_source(self, text: str) -> None:
        """Replace the text and forget the undo history (a new file)."""
        self._attach_highlighter(len(text))
        self.setPlainText(text)
        self.document().setModified(False)

    def replace_source(self, text: str) -> None:
        """Replace the text as one undoable edit (Ctrl+Z brings the old text back)."""
        self._attach_highlighter(len(text))
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()
        cursor.movePosition(QTextCursor.MoveOperation.Start)
        self.setTextCursor(cursor)

    def _attach_highlighter(self, size: int) -> None:
        wanted = self.document() if size <= HIGHLIGHT_LIMIT else None
        if self.highlighter.document() is not wanted:
            self.highlighter.setDocument(wanted)

    def highlighting(self) -> bool:
        return self.highlighter.document() is not None

    def go_to_line(self, line: int) -> bool:
        """Put the cursor at the start of 1-based `line`; False if there is no such line."""
        block = self.document().findBlockByNumber(line - 1)
        if not block.isValid():
            return False
        cursor = QTextCursor(block)
        self.setTextCursor(cursor)
        self.centerCursor()
        return True

    def current_line(self) -> int:
        return self.textCursor().blockNumber() + 1

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Called while the base class is built too, before the highlighter exists.
        highlighter = getattr(self, "highlighter", None)
        if event.type() == QEvent.Type.PaletteChange and highlighter is not None:
            highlighter.set_theme(DARK if is_dark(self.palette()) else LIGHT)

    # -- find --------------------------------------------------------------------------

    def _flags(self, backward: bool = False) -> QTextDocument.FindFlag:
        flags = QTextDocument.FindFlag(0)
        if self._case_sensitive:
            flags |= QTextDocument.FindFlag.FindCaseSensitively
        if backward:
            flags |= QTextDocument.FindFlag.FindBackward
        return flags

    def set_search(self, needle: str, case_sensitive: bool) -> None:
        """Mark every match of `needle` (empty: none)."""
        self._needle = needle
        self._case_sensitive = case_sensitive
        self.refresh_matches()

    def refresh_matches(self) -> None:
        self._matches = []
        if self._needle:
            doc = self.document()
            flags = self._flags()
            cursor = doc.find(self._needle, 0, flags)
            while not cursor.isNull() and len(self._matches) < MAX_MARKED:
                self._matches.append(cursor)
                cursor = doc.find(self._needle, cursor, flags)
        self._paint_matches()

    def matches_capped(self) -> bool:
        """True when there are more matches than the ones marked."""
        return len(self._matches) >= MAX_MARKED

    def clear_search(self) -> None:
        self.set_search("", self._case_sensitive)

    def matches(self) -> list[tuple[int, int]]:
        """(start, end) positions of the marked matches."""
        return [(c.selectionStart(), c.selectionEnd()) for c in self._matches]

    def current_match(self) -> int:
        """0-based index of the selected match, or -1."""
        cursor = self.textCursor()
        span = (cursor.selectionStart(), cursor.selectionEnd())
        for index, match in enumerate(self._matches):
            if (match.selectionStart(), match.selectionEnd()) == span:
                return index
        return -1

    def find_match(self, *, backward: bool = False, from_start: bool = False) -> bool:
        """Select the next (or previous) match after the cursor, wrapping around."""
        if not self._needle:
            return False
        doc = self.document()
        cursor = self.textCursor()
        if from_start:
            # Typing in the find box searches again from where the current match starts.
            position = cursor.selectionStart()
            found = doc.find(self._needle, position, self._flags())
        else:
            found = doc.find(self._needle, cursor, self._flags(backward))
        if found.isNull():
            wrap = QTextCursor(doc)
            if backward:
                wrap.movePosition(QTextCursor.MoveOperation.End)
            found = doc.find(self._needle, wrap, self._flags(backward))
        if found.isNull():
            return False
        self.setTextCursor(found)
        self.centerCursor()
        return True

    def _paint_matches(self) -> None:
        palette = colors(self.palette())
        background = mix(palette.base, QColor(255, 200, 0), 0.45)
        selections = []
        for cursor in self._matches:
            selection = QTextEdit.ExtraSelection()
            selection.cursor = cursor
            selection.format.setBackground(background)
            selections.append(selection)
        self.setExtraSelections(selections)

    # -- line numbers ------------------------------------------------------------------

    def line_number_width(self) -> int:
        digits = max(3, len(str(max(1, self.blockCount()))))
        return 10 + self.fontMetrics().horizontalAdvance("9") * digits

    def _update_margin(self, _count: int = 0) -> None:
        self.setViewportMargins(self.line_number_width(), 0, 0, 0)

    def _scroll_numbers(self, rect: QRect, dy: int) -> None:
        if dy:
            self._numbers.scroll(0, dy)
        else:
            self._numbers.update(0, rect.y(), self._numbers.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        area = self.contentsRect()
        self._numbers.setGeometry(
            QRect(area.left(), area.top(), self.line_number_width(), area.height()))

    def paint_line_numbers(self, widget: QWidget, event: QPaintEvent) -> None:
        palette = colors(self.palette())
        painter = QPainter(widget)
        painter.fillRect(event.rect(), palette.alt_base)
        painter.setPen(palette.muted)
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        width = widget.width() - 5
        current = self.textCursor().blockNumber()
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + round(self.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= event.rect().top():
                font = painter.font()
                font.setBold(block.blockNumber() == current)
                painter.setFont(font)
                painter.drawText(0, top, width, height, Qt.AlignmentFlag.AlignRight,
                                 str(block.blockNumber() + 1))
            block = block.next()
            top = bottom
        painter.end()
