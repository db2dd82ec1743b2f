"""A read-only answer view that grows by appending: a streamed answer is never re-laid out.

The streamed text is split (`Segmenter`) into Markdown and fenced code. Markdown goes
through `IncrementalMarkdown`, whose stable HTML is appended once while only its small tail
is replaced. Code is highlighted line by line: finished lines are appended once, only the
unfinished line is redrawn, so a 2,000-line code block costs the same per frame at its end
as at its start. A very long line (of code or of Markdown) is shown in pieces of at most
`long_lines.LINE_LIMIT` characters, each on a line of its own, for the same reason. The
document keeps one position, where the replaceable tail begins.

Turns are appended one after another, so a pane can show a whole conversation.
"""

from __future__ import annotations

import html as html_lib

from PySide6.QtCore import QPoint, Qt, QUrl, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDesktopServices,
    QGuiApplication,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
)
from PySide6.QtWidgets import QMenu, QTextBrowser, QWidget

from studio.core.highlight import DARK, LIGHT, START, State, Theme, highlight_line, language_of
from studio.core.markdown_render import CodeBlock, IncrementalMarkdown, code_link, parse_code_link
from studio.ui.style import is_dark
from studio.ui.workspace.stream_segments import (
    CodeCut,
    CodeLine,
    FenceClose,
    FenceOpen,
    MarkdownText,
    Piece,
    Segmenter,
)
from studio.ui.workspace.turn_html import parse_turn_link

_BOTTOM_SLACK = 4  # pixels: "at the bottom" tolerates a partly visible last line


class _OpenFence:
    def __init__(self, info: str, language: str, index: int) -> None:
        self.info = info
        self.language = language
        self.lexer = language_of(info)
        self.index = index
        self.lines: list[str] = []
        self.cut: list[str] = []  # the pieces of a long line cut so far
        self.state: State = START


class AnswerView(QTextBrowser):
    codeCopied = Signal(int)  # the "Copy" link of code block N was used
    turnLinkActivated = Signal(str, int)  # a `turn:ACTION/KEY` link (see turn_html)
    reportRequested = Signal()  # "Export report…" in the context menu

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._on_link)
        self.setAccessibleName("Answer")
        self.setUndoRedoEnabled(False)
        self.document().setUndoRedoEnabled(False)
        self._theme: Theme = DARK if is_dark(self.palette()) else LIGHT
        self._earlier_code: list[CodeBlock] = []
        self._turn_start = 0  # where the current turn's content begins
        self._turns = 0
        self._follow = True
        self._programmatic_scroll = False
        self._start_state()
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)

    def context_menu(self, where: QPoint) -> QMenu:
        """Qt's own menu for the text (copy, select all), then the comparison's actions."""
        menu = self.createStandardContextMenu(where)
        menu.addSeparator()
        export = menu.addAction("Export report…")
        export.setToolTip("Save this comparison (every model, its pages) as one file to share")
        export.triggered.connect(self.reportRequested)
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.context_menu(event.pos())
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(event.globalPos())

    def _start_state(self) -> None:
        self._segmenter = Segmenter()
        self._markdown: IncrementalMarkdown | None = None
        self._markdown_tail = ""
        self._fence: _OpenFence | None = None
        self._blocks: list[CodeBlock] = []  # finished code blocks of the current turn
        self._text_parts: list[str] = []
        self._tail_start = self._turn_start
        self._shown_tail = ""

    # -- streaming ---------------------------------------------------------------------

    def begin_turn(self, prompt: str | None = None, *, header_html: str | None = None) -> None:
        """Start a new answer below what is shown; `prompt` (or a ready `header_html`) is
        shown above it (follow-ups)."""
        if self._turns:
            self._earlier_code.extend(self.code_blocks_of_turn())
        self._turns += 1
        if header_html is None and prompt is not None:
            header_html = (f"<blockquote><p><b>Prompt:</b> {html_lib.escape(prompt)}</p>"
                           "</blockquote>")
        if header_html:
            self._insert_html(header_html)
        self._turn_start = self._end_position()
        self._start_state()

    def add_html(self, html: str) -> None:
        """Append a finished piece below the current turn (its figures, a note). Call it
        after `finish()`; the next `begin_turn` starts below it."""
        if html:
            self._insert_html(html)

    def append(self, delta: str) -> None:
        if not delta:
            return
        if not self._turns:
            self.begin_turn()
        self._text_parts.append(delta)
        self._apply(self._segmenter.feed(delta), final=False)

    def finish(self) -> None:
        if self._turns:
            self._apply(self._segmenter.finish(), final=True)

    def reset_turn(self) -> None:
        """Drop the current turn's answer (a retry starts it over)."""
        self._remove_from(self._turn_start)
        self._start_state()
        self._follow = True

    def clear_all(self) -> None:
        self.document().clear()
        self._earlier_code = []
        self._turn_start = 0
        self._turns = 0
        self._follow = True
        self._start_state()

    # -- reading -----------------------------------------------------------------------

    def answer_text(self) -> str:
        """The current turn's Markdown source as received."""
        if len(self._text_parts) > 1:
            self._text_parts = ["".join(self._text_parts)]
        return self._text_parts[0] if self._text_parts else ""

    def code_blocks_of_turn(self) -> list[CodeBlock]:
        blocks = list(self._blocks)
        if self._markdown is not None:
            blocks.extend(self._renumbered(self._markdown.code_blocks, len(blocks)))
        fence = self._fence
        if fence is not None:
            partial = self._segmenter.partial_code
            current = "".join(fence.cut) + (partial or "")
            lines = fence.lines + ([current] if current or fence.cut else [])
            blocks.append(CodeBlock(len(blocks), fence.language, "\n".join(lines)))
        return blocks

    @property
    def code_blocks(self) -> list[CodeBlock]:
        """Every code block shown, earlier turns first, numbered from 0 in that order."""
        return self._renumbered([*self._earlier_code, *self.code_blocks_of_turn()], 0)

    @property
    def following(self) -> bool:
        return self._follow

    @property
    def auto_scrolling(self) -> bool:
        """True while the view itself moves the scroll bar to follow new text."""
        return self._programmatic_scroll

    @staticmethod
    def _renumbered(blocks: list[CodeBlock], start: int) -> list[CodeBlock]:
        return [CodeBlock(start + i, b.language, b.code) for i, b in enumerate(blocks)]

    # -- pieces to HTML ------------------------------------------------------------------

    def _apply(self, pieces: list[Piece], *, final: bool) -> None:
        stable: list[str] = []
        code: list[str] = []
        wrapped = False  # the lines in `code` are pieces of a long line
        for piece in pieces:
            if isinstance(piece, CodeLine | CodeCut):
                fence = self._fence
                piece_of_long = isinstance(piece, CodeCut) or bool(fence and fence.cut)
                if code and piece_of_long != wrapped:
                    stable.append(self._pre(code, wrap=wrapped))
                    code = []
                wrapped = piece_of_long
                code.append(self._code_line(piece.code, cut=isinstance(piece, CodeCut)))
                continue
            if code:
                stable.append(self._pre(code, wrap=wrapped))
                code = []
            if isinstance(piece, MarkdownText):
                if self._markdown is None:
                    # Copy links of Markdown-internal code blocks would need numbers from
                    # this view; those blocks are in the pane's code menu instead.
                    self._markdown = IncrementalMarkdown(self._theme, code_links=False)
                update = self._markdown.feed(piece.text)
                stable.append(update.stable_html)
                self._markdown_tail = update.tail_html
            elif isinstance(piece, FenceOpen):
                self._end_markdown(stable)
                self._fence = _OpenFence(piece.info, piece.language,
                                         len(self._earlier_code) + len(self._blocks))
                stable.append(self._code_header(self._fence))
            elif isinstance(piece, FenceClose):
                self._end_fence()
        if code:
            stable.append(self._pre(code, wrap=wrapped))
        if final:
            self._end_fence()
            self._end_markdown(stable)
        self._write("".join(stable), self._tail_html())

    def _end_markdown(self, stable: list[str]) -> None:
        if self._markdown is None:
            return
        stable.append(self._markdown.finish().stable_html)
        self._blocks.extend(self._renumbered(self._markdown.code_blocks, len(self._blocks)))
        self._markdown = None
        self._markdown_tail = ""

    def _end_fence(self) -> None:
        fence = self._fence
        if fence is not None:
            self._blocks.append(CodeBlock(fence.index, fence.language, "\n".join(fence.lines)))
            self._fence = None

    def _code_line(self, code: str, *, cut: bool = False) -> str:
        """The HTML of a finished code line, or of a piece of a long one (`cut`)."""
        fence = self._fence
        if fence is None:  # cannot happen: the segmenter opens a fence first
            return html_lib.escape(code)
        if cut or fence.cut:
            # A piece of a long line (minified code, data): shown plain, as colours would
            # cost more than all the rest and say little there.
            if cut:
                fence.cut.append(code)
            else:
                fence.lines.append("".join(fence.cut) + code)
                fence.cut = []
            return html_lib.escape(code)
        fence.lines.append(code)
        html, fence.state = highlight_line(fence.lexer, code, fence.state, self._theme)
        return html

    def _tail_html(self) -> str:
        fence = self._fence
        if fence is not None:
            partial = self._segmenter.partial_code
            # The unfinished line is shown plain; it is highlighted once, when complete.
            return self._pre([html_lib.escape(partial)], wrap=bool(fence.cut)) if partial else ""
        return self._markdown_tail if self._markdown is not None else ""

    def _pre(self, lines: list[str], *, wrap: bool = False) -> str:
        t = self._theme
        # An empty <pre> would be dropped by the HTML parser, losing the line.
        body = "\n".join(line or " " for line in lines)
        # The pieces of a long line wrap: thousands of characters on one display line would
        # be laid out and painted whole, and the view would only start to scroll (a width
        # change: everything is laid out again) once a hundred kilobytes are in it.
        white_space = " white-space:pre-wrap;" if wrap else ""
        return (f'<pre style="margin-top:0; margin-bottom:0;{white_space} background-color:'
                f'{t.background}; color:{t.text}">{body}</pre>')

    def _code_header(self, fence: _OpenFence) -> str:
        t = self._theme
        label = f"{html_lib.escape(fence.language)} &nbsp; " if fence.language else ""
        return (f'<p style="margin-top:6px; margin-bottom:0; background-color:{t.background};'
                f' color:{t.muted}">{label}<a href="{code_link(fence.index)}" '
                f'style="color:{t.link}">Copy</a></p>')

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

    def _write(self, stable_html: str, tail_html: str) -> None:
        if not stable_html and tail_html == self._shown_tail:
            return
        doc = self.document()
        if doc.isEmpty() or self._tail_start == 0:
            # The very first content: setHtml keeps the format of the first block.
            doc.clear()
            self._tail_start = 0
            if stable_html:
                doc.setHtml(stable_html.strip())
                self._tail_start = self._end_position()
            if tail_html:
                self._insert_html(tail_html)
            self._shown_tail = tail_html
            return
        cursor = QTextCursor(doc)
        # One edit block: the layout and the scroll range are updated once per write.
        cursor.beginEditBlock()
        try:
            if self._shown_tail:
                cursor.setPosition(min(self._tail_start, self._end_position()))
                cursor.movePosition(QTextCursor.MoveOperation.End,
                                    QTextCursor.MoveMode.KeepAnchor)
                cursor.removeSelectedText()
            if stable_html:
                self._insert_html(stable_html, cursor)
                self._tail_start = self._end_position()
            if tail_html:
                self._insert_html(tail_html, cursor)
        finally:
            cursor.endEditBlock()
        self._shown_tail = tail_html

    def _insert_html(self, html: str, cursor: QTextCursor | None = None) -> None:
        doc = self.document()
        if doc.isEmpty() and cursor is None:
            doc.setHtml(html.strip())
            return
        # Inserting a fragment merges its first block into the block at the cursor and
        # loses that block's format (heading, code, margins). Prefixing an empty block
        # makes the merge harmless: every real block keeps its own format.
        piece = QTextDocument()
        piece.setDefaultFont(doc.defaultFont())
        piece.setHtml(html.strip())
        QTextCursor(piece).insertBlock()
        if cursor is None:
            cursor = QTextCursor(doc)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertFragment(QTextDocumentFragment(piece))

    # -- scrolling and links -----------------------------------------------------------

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

    def _on_link(self, url: QUrl) -> None:
        turn = parse_turn_link(url.toString())
        if turn is not None:
            self.turnLinkActivated.emit(*turn)
            return
        index = parse_code_link(url.toString())
        if index is not None:
            blocks = self.code_blocks
            if 0 <= index < len(blocks):
                QGuiApplication.clipboard().setText(blocks[index].code)
                self.codeCopied.emit(index)
            return
        # Answers are untrusted: only web links leave the app, and only to the browser.
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)
