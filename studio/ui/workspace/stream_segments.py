"""Split a streamed answer into Markdown text and fenced code, line by line, as it arrives.

A long fenced code block (a whole HTML game) is the normal case here, and re-rendering it
as one growing HTML tail on every frame would cost time proportional to its length. So
the answer view handles fences itself: each finished code line is appended once, only the
unfinished last line is redrawn. Everything outside fences still goes through
`IncrementalMarkdown`. Fences are recognised by the same rule the Markdown renderer uses
(CommonMark: up to three spaces, then three or more backticks or tildes).

Pure Python, no Qt: the answer view consumes the pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.core.fences import FenceMarker, open_fence

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
    code: str


@dataclass(frozen=True, slots=True)
class FenceClose:
    pass


Piece = MarkdownText | FenceOpen | CodeLine | FenceClose


class Segmenter:
    def __init__(self) -> None:
        self._line = ""  # the current, unfinished line
        self._fed = 0  # characters of it already passed on as Markdown
        self._fence: FenceMarker | None = None
        self._finished = False

    @property
    def in_fence(self) -> bool:
        return self._fence is not None

    @property
    def partial_code(self) -> str | None:
        """The unfinished code line while inside a fence (None outside)."""
        if self._fence is None:
            return None
        return self._fence.content(self._line.rstrip("\r"))

    def feed(self, delta: str) -> list[Piece]:
        if self._finished:
            raise RuntimeError("feed() after finish()")
        pieces: list[Piece] = []
        start = 0
        end = delta.find("\n")
        while end >= 0:
            self._line += delta[start:end + 1]
            self._complete_line(pieces)
            start = end + 1
            end = delta.find("\n", start)
        self._line += delta[start:]
        if self._fence is None and self._line and len(self._line) > self._fed and (
                self._fed or not _MAYBE_FENCE_RE.fullmatch(self._line)):
            self._markdown(pieces, self._line[self._fed:])
            self._fed = len(self._line)
        return pieces

    def finish(self) -> list[Piece]:
        if self._finished:
            return []
        self._finished = True
        pieces: list[Piece] = []
        if self._line:
            self._complete_line(pieces, final=True)
        if self._fence is not None:
            pieces.append(FenceClose())
            self._fence = None
        return pieces

    def _complete_line(self, pieces: list[Piece], final: bool = False) -> None:
        raw = self._line
        line = raw.rstrip("\n").rstrip("\r")
        fed = self._fed
        self._line, self._fed = "", 0
        fence = self._fence
        if fence is not None:
            if fence.closes(line):
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
        self._markdown(pieces, raw[fed:])

    @staticmethod
    def _markdown(pieces: list[Piece], text: str) -> None:
        if pieces and isinstance(pieces[-1], MarkdownText):
            pieces[-1] = MarkdownText(pieces[-1].text + text)
        else:
            pieces.append(MarkdownText(text))
