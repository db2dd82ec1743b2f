"""Split a streamed answer into Markdown text and fenced code, line by line, as it arrives.

A long fenced code block (a whole HTML game) is the normal case here, and re-rendering it
as one growing HTML tail on every frame would cost time proportional to its length. So
the answer view handles fences itself: each finished code line is appended once, only the
unfinished last line is redrawn. A code line longer than `long_lines.LINE_LIMIT`
(minified code, a long JSON line) is cut into pieces at the same places the Markdown
renderer cuts it (`CodeCut`), so the unfinished part stays short too. Everything outside
fences still goes through `IncrementalMarkdown`, which cuts long lines its own way. Fences
are recognised by the same rule the Markdown renderer uses (CommonMark: up to three
spaces, then three or more backticks or tildes; never on a line longer than the limit).

Each delta costs time in proportion to its own length, never to the line it continues.
Pure Python, no Qt: the answer view consumes the pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.core.fences import FenceMarker, open_fence
from studio.core.long_lines import LINE_LIMIT, cut_point

# A partial line that may still turn out to open a fence is held back from the Markdown
# renderer until its end arrives.
_MAYBE_FENCE_RE = re.compile(r" {0,3}(?:[`~].*)?")


@dataclass(frozen=True, slots=True)
class MarkdownText:
    text: str


@dataclass(frozen=True, slots=True)
class FenceOpen:
    info: str  # the info string, e.g. "html" or "python title=x"

    @property
    def language(self) -> str:
        return self.info.split(maxsplit=1)[0] if self.info.strip() else ""


@dataclass(frozen=True, slots=True)
class CodeLine:
    code: str  # a whole code line, or the end of one cut before (see CodeCut)


@dataclass(frozen=True, slots=True)
class CodeCut:
    code: str  # a piece of a long code line that goes on in the next piece


@dataclass(frozen=True, slots=True)
class FenceClose:
    pass


Piece = MarkdownText | FenceOpen | CodeLine | CodeCut | FenceClose


class Segmenter:
    def __init__(self, line_limit: int = LINE_LIMIT) -> None:
        self._limit = line_limit
        # The current, unfinished line: outside a fence the part not yet passed on as
        # Markdown, inside one the part since its last cut (without the fence's indent
        # once cut).
        self._line = ""
        self._fed = False  # part of the current line went out as Markdown already
        self._cut = False  # the current code line has been cut
        self._fence: FenceMarker | None = None
        self._finished = False

    @property
    def in_fence(self) -> bool:
        return self._fence is not None

    @property
    def partial_code(self) -> str | None:
        """The unfinished code line (since its last cut) while inside a fence, else None."""
        if self._fence is None:
            return None
        line = self._line.rstrip("\r")
        return line if self._cut else self._fence.content(line)

    def feed(self, delta: str) -> list[Piece]:
        if self._finished:
            raise RuntimeError("feed() after finish()")
        pieces: list[Piece] = []
        start = 0
        end = delta.find("\n")
        while end >= 0:
            self._take(pieces, delta[start:end])
            self._complete_line(pieces)
            start = end + 1
            end = delta.find("\n", start)
        if start < len(delta):
            self._take(pieces, delta[start:])
        return pieces

    def finish(self) -> list[Piece]:
        if self._finished:
            return []
        self._finished = True
        pieces: list[Piece] = []
        if self._line or self._cut:
            self._complete_line(pieces, final=True)
        if self._fence is not None:
            pieces.append(FenceClose())
            self._fence = None
        return pieces

    def _take(self, pieces: list[Piece], text: str) -> None:
        """More of the current line (never its newline)."""
        line = self._line + text if self._line else text
        fence = self._fence
        if fence is not None:
            limit = self._limit
            if not self._cut:
                content = fence.content(line)  # the code, without the fence's indent
                if len(content) <= limit:
                    self._line = line
                    return
                line = content
                self._cut = True
            start = 0
            while len(line) - start > limit:
                cut = cut_point(line[start:start + limit])
                pieces.append(CodeCut(line[start:start + cut]))
                start += cut
            self._line = line[start:] if start else line
            return
        self._line = line
        # Held back while it may open a fence; a line past the limit never does.
        if self._fed or len(line) > self._limit or not _MAYBE_FENCE_RE.fullmatch(line):
            self._markdown(pieces, line)
            self._line = ""
            self._fed = True

    def _complete_line(self, pieces: list[Piece], final: bool = False) -> None:
        raw = self._line
        line = raw.rstrip("\r")
        fed, cut = self._fed, self._cut
        self._line, self._fed, self._cut = "", False, False
        newline = "" if final else "\n"
        fence = self._fence
        if fence is not None:
            if cut:
                pieces.append(CodeLine(line))
            elif fence.closes(line):
                self._fence = None
                pieces.append(FenceClose())
            else:
                pieces.append(CodeLine(fence.content(line)))
            return
        opened = None if fed else open_fence(line)
        if opened is not None and not final:
            self._fence, info = opened
            pieces.append(FenceOpen(info))
            return
        if opened is not None:
            # An answer that ends on an opening fence line: an empty code block.
            pieces.append(FenceOpen(opened[1]))
            pieces.append(FenceClose())
            return
        self._markdown(pieces, raw + newline)

    @staticmethod
    def _markdown(pieces: list[Piece], text: str) -> None:
        if not text:
            return
        if pieces and isinstance(pieces[-1], MarkdownText):
            pieces[-1] = MarkdownText(pieces[-1].text + text)
        else:
            pieces.append(MarkdownText(text))
