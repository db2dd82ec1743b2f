"""Markdown → HTML for a Qt rich-text view, incrementally while an answer streams.

The answer is cut into chunks at points that later text can never move: a blank line outside
a code fence (once the next line shows it does not continue the block), the start of a code
fence and its closing line. A finished chunk is rendered once and its HTML never changes; only
the last, open chunk is rendered again on each feed, so the cost of a feed follows the size of
the tail, not of the answer. `render_full` runs the same cutting over a whole text, so a stored
answer renders exactly as it looked when it streamed. A single line longer than
`long_lines.LINE_LIMIT` (a paragraph without a line break, a table row, minified code) is
cut into pieces too, so the tail stays small however long the line: the piece before the
first cut ends its chunk, the following pieces are paragraphs of inline text (inline code
open at a cut goes on as code), and in a code fence each piece is a display line of its own.

The HTML itself comes from `markdown_html` (answers are untrusted: raw HTML in them is shown
as text, images become plain links, markdown-it's link validation drops javascript:/file:/
data: targets).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

from studio.core.fences import FenceMarker, open_fence
from studio.core.highlight import LIGHT, START, State, Theme, escape, highlight_line, language_of
from studio.core.long_lines import LINE_LIMIT, close_code_span, cut_point, open_code_span
from studio.core.markdown_html import (
    BlockRenderer,
    CodeBlock,
    code_link,
    info_word,
    parse_code_link,
)

# The renderer's pieces other modules use, with the renderer.
__all__ = ["CodeBlock", "IncrementalMarkdown", "RenderUpdate", "code_link", "parse_code_link",
           "render_full"]

# A blank line ends a chunk unless the next line is indented (list item bodies, indented code)
# and the chunk is still below SOFT_LIMIT; past HARD_LIMIT any line ends it. Both bound the
# size of the tail that is rendered again on every feed: markdown-it parses lists and tables
# at ~1 MB/s here, so 4 KB costs a few milliseconds, well within a frame. A table cut this
# way goes on in the next chunk under its own header (rendered, then dropped). Code fences
# are exempt: they are highlighted line by line and never parsed again.
SOFT_LIMIT = 2_048
HARD_LIMIT = 4_096

_TABLE_DELIMITER_RE = re.compile(r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")


@dataclass(frozen=True, slots=True)
class RenderUpdate:
    stable_html: str  # newly finished HTML: append it once
    tail_html: str  # the open tail: replaces the previous tail


@dataclass(slots=True)
class _Fence(FenceMarker):
    info: str
    index: int
    highlighter: str = ""
    code: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)  # the display lines of the open part
    size: int = 0  # characters of code in them
    parts: int = 0  # parts already made stable
    state: State = START

    @property
    def language(self) -> str:
        return info_word(self.info)


@dataclass(slots=True)
class _LongLine:
    """The current line once it has been cut (see `long_lines`)."""

    in_fence: bool
    code_run: int = 0  # Markdown: the backtick run of inline code still open at the cut
    carry: tuple[str, str] | None = None  # Markdown: the header of the table it is a row of
    code: list[str] = field(default_factory=list)  # in a fence: the line's code so far


# Paragraphs that continue a cut line: no gap between them and the piece before.
_CONTINUED_P = '<p style="margin-top:0; margin-bottom:0">'


class IncrementalMarkdown:
    """Feed an answer's text as it arrives; append each update's stable_html and replace the
    tail with its tail_html."""

    def __init__(self, theme: Theme = LIGHT, *, code_links: bool = True,
                 line_limit: int = LINE_LIMIT) -> None:
        self._renderer = BlockRenderer(theme, code_links)
        self._line_limit = line_limit
        self._theme = theme
        self._stable: list[str] = []
        self._blocks: list[CodeBlock] = []
        self._tail_blocks: list[CodeBlock] = []
        self._lines: list[str] = []  # complete lines of the open markdown chunk
        self._chunk_len = 0
        self._has_content = False
        self._pending_blank = False
        self._prev_raw = ""  # the previous line, while it may be a table's header row
        self._table_header: tuple[str, str] | None = None  # of the table the chunk is in
        self._prefix: tuple[str, str] | None = None  # header of a table this chunk continues
        self._carry: tuple[str, str] | None = None  # header for the chunk after a hard cut
        self._fence: _Fence | None = None
        self._partial = ""  # the incomplete last line (since its last cut)
        self._long: _LongLine | None = None
        self._tail_html = ""
        self._finished = False
        self.work = 0  # characters parsed or highlighted so far (for cost tests)

    # --- public -----------------------------------------------------------------------------

    @property
    def html(self) -> str:
        return "".join(self._stable) + self._tail_html

    @property
    def code_blocks(self) -> list[CodeBlock]:
        blocks = self._blocks + self._tail_blocks
        fence = self._fence
        if fence is not None:
            lines = fence.code
            partial = self._partial.rstrip("\r")
            if self._long is not None:
                lines = [*lines, "".join(self._long.code) + partial]
            elif partial:
                lines = [*lines, fence.content(partial)]
            blocks.append(CodeBlock(fence.index, fence.language, "\n".join(lines)))
        return blocks

    def feed(self, delta: str) -> RenderUpdate:
        if self._finished:
            raise RuntimeError("feed() after finish()")
        if not delta:
            return RenderUpdate("", self._tail_html)
        before = len(self._stable)
        start = 0
        end = delta.find("\n")
        while end >= 0:
            self._take(delta[start:end], complete=True)
            start = end + 1
            end = delta.find("\n", start)
        if start < len(delta):
            self._take(delta[start:], complete=False)
        self._tail_html = self._render_tail()
        return RenderUpdate("".join(self._stable[before:]), self._tail_html)

    def finish(self) -> RenderUpdate:
        """The answer is complete: everything becomes stable."""
        if self._finished:
            return RenderUpdate("", "")
        self._finished = True
        before = len(self._stable)
        if self._partial or self._long is not None:
            partial, self._partial = self._partial, ""
            self._end_line(partial)
        self._end_chunk()
        self._tail_html = ""
        self._tail_blocks = []
        return RenderUpdate("".join(self._stable[before:]), "")

    # --- cutting into chunks -------------------------------------------------------------------

    def _take(self, text: str, *, complete: bool) -> None:
        """Text of the current line (without its newline); `complete`: the line ends here.
        Past the line limit, pieces are cut off where `cut_point` says, counted from the
        previous cut: the same places however the text arrives."""
        line = self._partial + text if self._partial else text
        limit = self._line_limit
        fence = self._fence
        if fence is not None and self._long is None and len(line) > limit:
            code = fence.content(line)  # a code line is cut by its code, without the indent
            if len(code) > limit:
                self._long = _LongLine(in_fence=True)
                line = code
        start = 0
        while len(line) - start > limit:
            cut = cut_point(line[start:start + limit])
            self._cut(line[start:start + cut])
            start += cut
        rest = line[start:] if start else line
        if complete:
            self._partial = ""
            self._end_line(rest + "\n")
        else:
            self._partial = rest

    def _cut(self, piece: str) -> None:
        long = self._long
        if long is None:
            self._long_markdown_head(piece)
        elif long.in_fence:
            self._code_piece(piece)
        else:
            html, long.code_run = self._inline_piece(piece, long.code_run, final=False)
            self._stable.append(html)

    def _long_markdown_head(self, piece: str) -> None:
        """The first piece of a long line ends the chunk it belongs to, as a line of it (a
        code span open in it is closed there and goes on in the pieces after). A table row
        is not: a table shows only as many cells as its header has, so the row is text."""
        header = self._table_header or (None if self._has_content else self._carry)
        if header is not None and "|" in piece:
            self._end_chunk()
            html, run = self._inline_piece(piece, 0, final=False)
            self._stable.append(html)
            self._long = _LongLine(in_fence=False, code_run=run, carry=header)
            return
        span = open_code_span(piece)
        run = span[1] if span is not None else 0
        raw = piece
        if run:
            raw += (" " if piece.endswith("`") else "") + "`" * run
        before = len(self._stable)
        self._line(raw, may_open_fence=False)
        carry = self._table_header or self._carry
        self._end_chunk()
        if len(self._stable) > before and self._stable[-1].endswith("</p>\n"):
            html = self._stable[-1]
            at = html.rfind("<p>")
            if at >= 0:  # the paragraph goes on: no gap before its next piece
                self._stable[-1] = f'{html[:at]}<p style="margin-bottom:0">{html[at + 3:]}'
        self._long = _LongLine(in_fence=False, code_run=run, carry=carry)

    def _code_piece(self, code: str) -> None:
        """A piece of a long code line (minified code, data): a display line of its own,
        shown plain, as colours would cost more than all the rest and say little there."""
        fence = self._fence
        long = self._long
        assert fence is not None and long is not None
        self.work += len(code)
        long.code.append(code)
        self._fence_line(fence, escape(code), len(code))

    def _end_line(self, raw: str) -> None:
        long = self._long
        if long is None:
            self._line(raw)
            return
        self._long = None
        rest = raw.rstrip("\n").rstrip("\r")
        fence = self._fence
        if long.in_fence and fence is not None:
            self.work += len(rest)
            self._fence_line(fence, escape(rest), len(rest))
            fence.code.append("".join(long.code) + rest)
            return
        if rest:
            self._stable.append(self._inline_piece(rest, long.code_run, final=True)[0])
        self._carry = long.carry  # a table goes on under its header on the next line

    def _inline_piece(self, text: str, code_run: int, *, final: bool) -> tuple[str, int]:
        """A piece after a cut as a paragraph of its own, and the code run still open after
        it. At the end of the line (`final`) an unclosed run is just backticks."""
        self.work += len(text)
        renderer = self._renderer
        parts = []
        if code_run:
            close = close_code_span(text, code_run)
            if close is None:
                return f"{_CONTINUED_P}{renderer.code_span(text)}</p>\n", code_run
            parts.append(renderer.code_span(text[:close]))
            text = text[close + code_run:]
            code_run = 0
        span = None if final else open_code_span(text)
        if span is not None:
            at, code_run = span
            parts.append(renderer.inline(text[:at]))
            parts.append(renderer.code_span(text[at + code_run:]))
        elif text:
            parts.append(renderer.inline(text))
        return f"{_CONTINUED_P}{''.join(parts)}</p>\n", code_run

    def _line(self, raw: str, *, may_open_fence: bool = True) -> None:
        line = raw.rstrip("\n").rstrip("\r")
        fence = self._fence
        if fence is not None:
            if fence.closes(line):
                self._end_chunk()
                return
            code = fence.content(line)
            html, fence.state = highlight_line(fence.highlighter, code, fence.state,
                                               self._theme)
            self.work += len(code)
            fence.code.append(code)
            self._fence_line(fence, html, len(code))
            return
        opener = open_fence(line) if may_open_fence else None
        if opener is not None:
            self._end_chunk()
            marker, info = opener
            self._fence = _Fence(marker.char, marker.length, marker.indent, info,
                                 len(self._blocks), language_of(info))
            return
        if not line.strip():
            self._append(raw)
            self._pending_blank = self._has_content
            self._carry = self._table_header = None
            self._prev_raw = ""
            return
        if self._pending_blank and not (line[0] in " \t" and self._chunk_len < SOFT_LIMIT):
            self._end_chunk()
        if not self._has_content and self._carry is not None and "|" in line:
            self._prefix = self._table_header = self._carry
        self._carry = None
        self._pending_blank = False
        self._has_content = True
        self._track_table(raw, line)
        self._append(raw)
        if self._chunk_len >= HARD_LIMIT:
            carry = self._table_header
            self._end_chunk()
            self._carry = carry

    def _track_table(self, raw: str, line: str) -> None:
        if "|" not in line:
            self._table_header = None
        elif ("|" in self._prev_raw and "-" in line
              and _TABLE_DELIMITER_RE.fullmatch(line) is not None):
            self._table_header = (self._prev_raw, raw)
        self._prev_raw = raw

    def _append(self, raw: str) -> None:
        self._lines.append(raw)
        self._chunk_len += len(raw)

    def _end_chunk(self) -> None:
        fence = self._fence
        if fence is not None:
            self._stable.append(self._fence_html(fence, None))
            self._blocks.append(CodeBlock(fence.index, fence.language, "\n".join(fence.code)))
            self._fence = None
        elif self._has_content:
            html, blocks = self._markdown("".join(self._lines))
            self._stable.append(html)
            self._blocks.extend(blocks)
        self._lines = []
        self._chunk_len = 0
        self._has_content = False
        self._pending_blank = False
        self._prev_raw = ""
        self._table_header = self._prefix = self._carry = None

    # --- rendering ---------------------------------------------------------------------------

    def _markdown(self, text: str) -> tuple[str, list[CodeBlock]]:
        prefix = self._prefix
        if prefix is not None:
            text = prefix[0] + prefix[1] + text
        self.work += len(text)
        html, blocks = self._renderer.markdown(text, len(self._blocks))
        if prefix is not None:  # drop the borrowed header row
            start = html.find("<thead>")
            end = html.find("</thead>\n", start)
            if start >= 0 and end >= 0:
                html = html[:start] + html[end + len("</thead>\n"):]
        return html, blocks

    def _fence_line(self, fence: _Fence, html: str, size: int) -> None:
        """A finished display line of the open fence. Its lines are made stable in parts of
        about HARD_LIMIT characters, so the tail never holds more than one part."""
        if fence.html and fence.size + size > HARD_LIMIT:
            self._stable.append(self._fence_html(fence, None, last=False))
            fence.html = []
            fence.size = 0
            fence.parts += 1
        fence.html.append(html)
        fence.size += size

    def _fence_html(self, fence: _Fence, extra_line: str | None, *, last: bool = True) -> str:
        lines = fence.html
        if extra_line:
            lines = [*lines, extra_line]
        return self._renderer.code_block("\n".join(lines), fence.language, fence.index,
                                         first=not fence.parts, last=last)

    def _render_tail(self) -> str:
        fence = self._fence
        long = self._long
        partial = self._partial.rstrip("\r")
        if fence is not None:
            self._tail_blocks = []
            if long is not None:
                self.work += len(partial)
                return self._fence_html(fence, escape(partial))
            code = fence.content(partial)
            if not code.strip(fence.char + " \t"):
                return self._fence_html(fence, None)  # perhaps the closing fence, arriving
            html, _state = highlight_line(fence.highlighter, code, fence.state,
                                          self._theme)
            self.work += len(code)
            return self._fence_html(fence, html)
        if long is not None:
            self._tail_blocks = []
            return self._inline_piece(partial, long.code_run, final=False)[0] if partial else ""
        text = "".join(self._lines) + partial
        if not text.strip():
            self._tail_blocks = []
            return ""
        html, self._tail_blocks = self._markdown(text)
        return html


# A line limit that never cuts, for a document rendered once and read in a browser (a
# report): there a long line is laid out once, not on every frame, and a long table row or
# code line keeps its table and its colours.
WHOLE_LINES = sys.maxsize


def render_full(markdown: str, theme: Theme = LIGHT, *, code_links: bool = True,
                line_limit: int = LINE_LIMIT) -> str:
    """HTML of a finished answer, identical to what streaming it produced."""
    renderer = IncrementalMarkdown(theme, code_links=code_links, line_limit=line_limit)
    first = renderer.feed(markdown)
    last = renderer.finish()
    return first.stable_html + last.stable_html
