"""Side-by-side line diff with word-level changes inside replaced lines (difflib)."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass
from typing import Literal

RowKind = Literal["equal", "replace", "delete", "insert"]

_TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    changed: bool = False


@dataclass(frozen=True, slots=True)
class Side:
    number: int  # 1-based line number
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass(frozen=True, slots=True)
class DiffRow:
    kind: RowKind
    left: Side | None
    right: Side | None


@dataclass(frozen=True, slots=True)
class DiffStats:
    equal: int
    changed: int
    removed: int
    added: int


def tokens(line: str) -> list[str]:
    return _TOKEN_RE.findall(line)


def word_diff(a: str, b: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    ta, tb = tokens(a), tokens(b)
    left: list[Segment] = []
    right: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        same = op == "equal"
        if i2 > i1:
            left.append(Segment("".join(ta[i1:i2]), not same))
        if j2 > j1:
            right.append(Segment("".join(tb[j1:j2]), not same))
    return _merge(left), _merge(right)


def _merge(segments: list[Segment]) -> tuple[Segment, ...]:
    merged: list[Segment] = []
    for seg in segments:
        if merged and merged[-1].changed == seg.changed:
            merged[-1] = Segment(merged[-1].text + seg.text, seg.changed)
        else:
            merged.append(seg)
    return tuple(merged)


def side_by_side(a: str, b: str) -> list[DiffRow]:
    la, lb = a.splitlines(), b.splitlines()
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, la, lb, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                rows.append(DiffRow(
                    "equal", Side(i1 + k + 1, (Segment(la[i1 + k]),)),
                    Side(j1 + k + 1, (Segment(lb[j1 + k]),))))
            continue
        # Replaced lines are paired in order; the longer side's extra lines stand alone.
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(paired):
            left, right = word_diff(la[i1 + k], lb[j1 + k])
            rows.append(DiffRow("replace", Side(i1 + k + 1, left), Side(j1 + k + 1, right)))
        for i in range(i1 + paired, i2):
            rows.append(DiffRow("delete", Side(i + 1, (Segment(la[i], True),)), None))
        for j in range(j1 + paired, j2):
            rows.append(DiffRow("insert", None, Side(j + 1, (Segment(lb[j], True),))))
    return rows


def stats(rows: list[DiffRow]) -> DiffStats:
    count = {"equal": 0, "replace": 0, "delete": 0, "insert": 0}
    for row in rows:
        count[row.kind] += 1
    return DiffStats(count["equal"], count["replace"], count["delete"], count["insert"])


@dataclass(frozen=True, slots=True)
class DiffColors:
    """CSS colours; the dialog derives them from the palette."""

    removed_line: str
    added_line: str
    removed_word: str
    added_word: str
    number: str


def _cell(side: Side | None, line_bg: str | None, word_bg: str, number_color: str,
          gutter: int) -> str:
    if side is None:
        return f'<td width="{gutter}"></td><td></td>'
    parts = []
    for seg in side.segments:
        text = html.escape(seg.text)
        if seg.changed:
            parts.append(f'<span style="background-color:{word_bg};">{text}</span>')
        else:
            parts.append(text)
    bg = f' bgcolor="{line_bg}"' if line_bg else ""
    # A fixed width for the widest number: a table cell sized from its content would let
    # the text column squeeze it until "10" wraps onto two lines.
    return (f'<td align="right" width="{gutter}" style="color:{number_color}; '
            f'white-space:nowrap;">{side.number}</td>'
            f'<td{bg} width="50%"><pre style="margin:0; white-space:pre-wrap;">'
            f'{"".join(parts)}</pre></td>')


def gutter_width(rows: list[DiffRow], digit_px: int) -> int:
    """Pixels for the line-number column: the widest number, plus the cell's padding."""
    widest = max((side.number for row in rows for side in (row.left, row.right)
                  if side is not None), default=1)
    return len(str(widest)) * digit_px + 6


def render_html(rows: list[DiffRow], c: DiffColors, digit_px: int = 8) -> str:
    """`digit_px`: the width of a digit in the view's font (sizes the number columns)."""
    gutter = gutter_width(rows, digit_px)
    out = ['<table width="100%" cellspacing="0" cellpadding="2">']
    for row in rows:
        changed = row.kind != "equal"
        out.append("<tr>")
        out.append(_cell(row.left, c.removed_line if changed else None, c.removed_word,
                         c.number, gutter))
        out.append(_cell(row.right, c.added_line if changed else None, c.added_word,
                         c.number, gutter))
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)
