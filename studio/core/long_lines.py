"""Lines too long to be drawn again on every frame while they stream: where to cut them.

A model that loops, minified code or a long JSON line can stream a single line of a
megabyte. Everything that redraws the open line on each update would then cost time in
proportion to its length, and the window stalls. So a line longer than `LINE_LIMIT` is
cut into pieces of at most that many characters, at points that depend only on the text
(never on how it arrived), and each finished piece is drawn once. A cut prefers the last
space or tab in the second half of the piece, so words stay whole.

Inline code that starts before a cut goes on after it: `open_code_span` finds a backtick
run whose closing run is not in the piece (CommonMark: a run closes at the next run of
the same length), and `close_code_span` finds that closing run in the next pieces.

A line longer than `LINE_LIMIT` never opens or closes a code fence (its info string or
its marker would be absurd), so the cutting never has to take a fence decision back.
"""

from __future__ import annotations

LINE_LIMIT = 1_024


def cut_point(window: str) -> int:
    """Where to cut a line whose next `len(window)` characters are `window` (the text
    after the previous cut): after the last space or tab of its second half, else at
    its end. Always at least 1."""
    half = len(window) // 2
    cut = max(window.rfind(" ", half), window.rfind("\t", half))
    return cut + 1 if cut >= 0 else max(len(window), 1)


def _run_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] == "`":
        end += 1
    return end


def close_code_span(text: str, length: int, start: int = 0) -> int | None:
    """The index of the first run of exactly `length` backticks in `text[start:]`."""
    pos = text.find("`", start)
    while pos >= 0:
        end = _run_end(text, pos)
        if end - pos == length:
            return pos
        pos = text.find("`", end)
    return None


def open_code_span(text: str) -> tuple[int, int] | None:
    """(index, length) of a backtick run in `text` that opens inline code not closed
    within `text`; None when every code span in it is closed. A backslash escapes the
    backtick after it, except inside code."""
    pos = text.find("`")
    while pos >= 0:
        backslashes = 0
        while pos - backslashes > 0 and text[pos - backslashes - 1] == "\\":
            backslashes += 1
        end = _run_end(text, pos)
        if backslashes % 2:  # the first backtick is escaped: the run starts after it
            pos += 1
            if pos == end:
                pos = text.find("`", end)
                continue
        closing = close_code_span(text, end - pos, end)
        if closing is None:
            return pos, end - pos
        pos = text.find("`", closing + end - pos)
    return None
