"""Fenced code blocks as CommonMark draws them: ``` or ~~~ runs, indented up to 3 spaces."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE_OPEN_RE = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)")
_FENCE_CLOSE_RE = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*")


@dataclass(slots=True)
class FenceMarker:
    char: str
    length: int
    indent: int

    def content(self, line: str) -> str:
        """A code line with the fence's own indentation removed."""
        stripped = len(line) - len(line.lstrip(" "))
        return line[min(stripped, self.indent):]

    def closes(self, line: str) -> bool:
        m = _FENCE_CLOSE_RE.fullmatch(line)
        return m is not None and m.group(1)[0] == self.char and len(m.group(1)) >= self.length


def open_fence(line: str) -> tuple[FenceMarker, str] | None:
    """The marker and info string of a line that opens a fence, or None."""
    m = _FENCE_OPEN_RE.fullmatch(line)
    if m is None or (m.group(2)[0] == "`" and "`" in m.group(3)):
        return None
    return FenceMarker(m.group(2)[0], len(m.group(2)), len(m.group(1))), m.group(3).strip()
