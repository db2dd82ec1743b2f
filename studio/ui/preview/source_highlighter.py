"""Colours for a page's source in a QTextDocument, from studio.core.highlight.

The core highlighter writes one line at a time as inline-styled <span>s and hands back the
state the next line starts in (inside a <script>, a comment, a template string …). Here the
spans become character formats, and each distinct state gets a small integer, which is what
QSyntaxHighlighter stores per block; it re-highlights the following lines only when that
number changes.
"""

from __future__ import annotations

import re
from functools import lru_cache

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat

from studio.core.highlight import LIGHT, START, State, Theme, highlight_line

Span = tuple[int, int, str, bool]  # start, length (UTF-16 units), colour, italic

# A minified library pasted into a page is one huge line: colouring it costs seconds per
# megabyte and helps nobody read it. Such a line stays plain and passes its state through,
# which is right for the usual case of a whole script or style on one line.
LONG_LINE = 10_000

_SPAN = re.compile(r'<span style="color:(#[0-9A-Fa-f]{3,8})(;font-style:italic)?">([^<]*)</span>')
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot);")
_ENTITY_LEN = {"&amp;": 5, "&lt;": 4, "&gt;": 4, "&quot;": 6}


def _plain_length(escaped: str) -> int:
    """Characters `escaped` stands for (every entity the core writes is one character)."""
    extra = sum(_ENTITY_LEN[m.group()] - 1 for m in _ENTITY.finditer(escaped))
    return len(escaped) - extra


def spans_from_html(markup: str, line: str) -> list[Span]:
    """The coloured stretches of `line`, given the core highlighter's markup for it.

    Offsets are in UTF-16 code units, as Qt counts them, so characters outside the Basic
    Multilingual Plane (emoji in a page's text) do not shift the colours after them.
    """
    spans: list[tuple[int, int, str, bool]] = []
    pos = 0  # in code points
    last = 0
    for m in _SPAN.finditer(markup):
        pos += _plain_length(markup[last:m.start()])
        length = _plain_length(m.group(3))
        if length:
            spans.append((pos, length, m.group(1), m.group(2) is not None))
        pos += length
        last = m.end()
    if line.isascii() or len(line.encode("utf-16-le")) == 2 * len(line):
        return spans
    # Convert code-point offsets to UTF-16 ones: astral characters take two units.
    units = [0]
    for ch in line:
        units.append(units[-1] + (2 if ord(ch) > 0xFFFF else 1))
    end = len(line)
    return [(units[min(s, end)], units[min(s + n, end)] - units[min(s, end)], c, i)
            for s, n, c, i in spans]


@lru_cache(maxsize=64)
def _format(color: str, italic: bool) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if italic:
        fmt.setFontItalic(True)
    return fmt


class SourceHighlighter(QSyntaxHighlighter):
    """Highlights HTML (with its <script> and <style> sections), CSS or JavaScript;
    `setDocument` chooses the text."""

    def __init__(self, parent: QObject, *, language: str = "html",
                 theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self._language = language
        self._theme = theme
        self._states: list[State] = [START]
        self._ids: dict[State, int] = {START: 0}

    def language(self) -> str:
        return self._language

    def set_language(self, language: str) -> None:
        if language != self._language:
            self._language = language
            self.rehighlight()

    def theme(self) -> Theme:
        return self._theme

    def set_theme(self, theme: Theme) -> None:
        if theme != self._theme:
            self._theme = theme
            self.rehighlight()

    def state_of(self, block_state: int) -> State:
        return self._states[block_state] if 0 <= block_state < len(self._states) else START

    def _state_id(self, state: State) -> int:
        found = self._ids.get(state)
        if found is None:
            found = len(self._states)
            self._states.append(state)
            self._ids[state] = found
        return found

    def highlightBlock(self, text: str) -> None:
        state = self.state_of(self.previousBlockState())
        if len(text) > LONG_LINE:
            self.setCurrentBlockState(self._state_id(state))
            return
        markup, after = highlight_line(self._language, text, state, self._theme)
        for start, length, color, italic in spans_from_html(markup, text):
            self.setFormat(start, length, _format(color, italic))
        self.setCurrentBlockState(self._state_id(after))

