"""A read-only Markdown view that grows by appending: a streamed answer is never re-laid out.

`IncrementalMarkdown` splits the rendered answer into stable HTML (appended once) and a tail
(the block still being written, replaced on each update). The document keeps a position
where the tail starts; an update removes only the text after it. Turns are appended one
after another, so a pane can later show a whole conversation in one scrollable view.
"""

from __future__ import annotations

import html as html_lib

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QTextCursor, QTextDocument, QTextDocumentFragment
from PySide6.QtWidgets import QTextBrowser, QWidget

from studio.core.markdown_render import CodeBlock, IncrementalMarkdown, RenderUpdate

_BOTTOM_SLACK = 4  # pixels: "at the bottom" tolerates a partly visible last line


class AnswerView(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._open_link)
        self.setAccessibleName("Answer")
        self.setUndoRedoEnabled(False)
        self.document().setUndoRedoEnabled(False)
        self._markdown = IncrementalMarkdown()
        self._earlier_code: list[CodeBlock] = []
        self._turn_start = 0  # where the current turn's content begins
        self._tail_start = 0  # where the current turn's unstable tail begins
        self._turns = 0
        self._text_parts: list[str] = []
        self._follow = True
        self._programmatic_scroll = False
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)

    # -- streaming ---------------------------------------------------------------------

    def begin_turn(self, prompt: str | None = None) -> None:
        """Start a new answer below what is shown; `prompt` is shown above it (follow-ups)."""
        if self._turns:
            self._earlier_code.extend(self._markdown.code_blocks)
        self._turns += 1
        self._markdown = IncrementalMarkdown()
        self._text_parts = []
        end = self._end_position()
        if prompt is not None:
            cursor = QTextCursor(self.document())
            cursor.setPosition(end)
            self._insert_blocks(
                cursor, f"<blockquote><p><b>Prompt:</b> {html_lib.escape(prompt)}</p>"
                        "</blockquote>")
            end = self._end_position()
        self._turn_start = self._tail_start = end

    def append(self, delta: str) -> None:
        if not delta:
            return
        if not self._turns:
            self.begin_turn()
        self._text_parts.append(delta)
        self._apply(self._markdown.feed(delta))

    def finish(self) -> None:
        if self._turns:
            self._apply(self._markdown.finish())

    def reset_turn(self) -> None:
        """Drop the current turn's answer (a retry starts it over)."""
        self._remove_from(self._turn_start)
        self._tail_start = self._turn_start
        self._markdown = IncrementalMarkdown()
        self._text_parts = []
        self._follow = True

    def clear_all(self) -> None:
        self.document().clear()
        self._markdown = IncrementalMarkdown()
        self._earlier_code = []
        self._text_parts = []
        self._turn_start = self._tail_start = 0
        self._turns = 0
        self._follow = True

    # -- reading -----------------------------------------------------------------------

    def answer_text(self) -> str:
        """The current turn's Markdown source as received."""
        if len(self._text_parts) > 1:
            self._text_parts = ["".join(self._text_parts)]
        return self._text_parts[0] if self._text_parts else ""

    @property
    def code_blocks(self) -> list[CodeBlock]:
        return [*self._earlier_code, *self._markdown.code_blocks]

    @property
    def following(self) -> bool:
        return self._follow

    @property
    def auto_scrolling(self) -> bool:
        """True while the view itself moves the scroll bar to follow new text."""
        return self._programmatic_scroll

    # -- document surgery --------------------------------------------------------------

    def _end_position(self) -> int:
        doc = self.document()
        return 0 if doc.isEmpty() else doc.characterCount() - 1

    def _remove_from(self, position: int) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(min(position, self._end_position()))
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        if cursor.hasSelection():
            cursor.removeSelectedText()

    def _apply(self, update: RenderUpdate) -> None:
        if not update.stable_html and not update.tail_html and \
                self._tail_start == self._end_position():
            return
        self._remove_from(self._tail_start)
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._end_position())
        if update.stable_html:
            self._insert_blocks(cursor, update.stable_html)
            self._tail_start = self._end_position()
        if update.tail_html:
            self._insert_blocks(cursor, update.tail_html)

    def _insert_blocks(self, cursor: QTextCursor, html: str) -> None:
        doc = self.document()
        if doc.isEmpty():
            doc.setHtml(html)
            return
        # Inserting a fragment merges its first block into the block at the cursor and
        # loses that block's format (heading, code, margins). Prefixing an empty block
        # makes the merge harmless: every real block keeps its own format.
        piece = QTextDocument()
        piece.setDefaultFont(doc.defaultFont())
        piece.setHtml(html)
        QTextCursor(piece).insertBlock()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertFragment(QTextDocumentFragment(piece))

    # -- scrolling ---------------------------------------------------------------------

    def _on_scrolled(self, value: int) -> None:
        if not self._programmatic_scroll:
            bar = self.verticalScrollBar()
            self._follow = value >= bar.maximum() - _BOTTOM_SLACK

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        # Layout happens after the insert, so the range grows later: follow it only if
        # the reader was at the bottom.
        if self._follow:
            self._programmatic_scroll = True
            try:
                self.verticalScrollBar().setValue(maximum)
            finally:
                self._programmatic_scroll = False

    def _open_link(self, url: QUrl) -> None:
        # Answers are untrusted: only web links leave the app, and only to the browser.
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)
