"""The leaderboard as a picture: the table with each model's 95 % interval drawn as a bar on
one axis, the filters above it, position bias and notes under it. Geometry and texts only
(a `SheetLayout`); the UI layer paints it as it paints the contact sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.report.model import BoardRow, LeaderboardSection, RatingAxis, ReportDocument
from studio.report.sheet import SHEET_COLORS, Align, Shape, SheetLayout, TextBox
from studio.report.texts import when

MARGIN = 28
ROW = 34
TITLE_PX, SUBTITLE_PX, TEXT_PX, HEAD_PX, CELL_PX = 30, 15, 14, 13, 15
AXIS_WIDTH = 440
BAR_HEIGHT = 8
DOT = 12
CHAR_PX = 7.4  # a rough width of one character of the 14 px font, for wrapping lines
NAME_CHAR_PX = 9.0  # the same for the bold 15 px model names
NAME_MIN, NAME_MAX = 150, 380


@dataclass(frozen=True, slots=True)
class Columns:
    """Left edges and widths of the table's columns, in pixels."""

    rank: tuple[int, int]
    model: tuple[int, int]
    rating: tuple[int, int]
    ci: tuple[int, int]
    axis: tuple[int, int]
    battles: tuple[int, int]
    record: tuple[int, int]

    @property
    def right(self) -> int:
        return self.record[0] + self.record[1]

    def x(self, percent: float) -> int:
        """A place on the axis, in pixels."""
        left, width = self.axis
        return left + round(width * percent / 100.0)


def columns(section: LeaderboardSection) -> Columns:
    names = [len(r.model) + (2 if r.separated else 0) for g in section.groups for r in g.rows]
    name_width = int(min(NAME_MAX, max(NAME_MIN, max(names, default=0) * NAME_CHAR_PX + 12)))
    spans: list[tuple[int, int]] = []
    x = MARGIN
    for width, gap in ((56, 8), (name_width, 12), (70, 8), (110, 24), (AXIS_WIDTH, 24),
                       (72, 8), (120, 0)):
        spans.append((x, width))
        x += width + gap
    return Columns(*spans)


def _lines(parts: list[str], width: int) -> list[str]:
    """`parts` joined with " · " into lines of about `width` pixels."""
    lines: list[str] = []
    for part in parts:
        if lines and (len(lines[-1]) + 3 + len(part)) * CHAR_PX <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return lines


class _Painter:
    def __init__(self, section: LeaderboardSection, cols: Columns) -> None:
        self.section = section
        self.cols = cols
        self.texts: list[TextBox] = []
        self.shapes: list[Shape] = []

    def text(self, span: tuple[int, int], y: int, height: int, text: str, size: int, *,
             bold: bool = False, color: str = "fg", align: Align = "left") -> None:
        self.texts.append(TextBox(span[0], y, span[1], height, text, size, bold, color, align))

    def header(self, y: int, axis: RatingAxis) -> int:
        c = self.cols
        heads: tuple[tuple[tuple[int, int], str, Align], ...] = (
            (c.rank, "Rank", "left"), (c.model, "Model", "left"), (c.rating, "Rating", "right"),
            (c.ci, "95 % CI", "right"), (c.battles, "Battles", "right"),
            (c.record, "W–L–T", "right"))
        for span, label, align in heads:
            self.text(span, y, ROW, label, HEAD_PX, bold=True, color="muted", align=align)
        for tick in axis.ticks:
            self.text((c.x(tick.at) - 40, 80), y, ROW, tick.label, HEAD_PX, color="muted",
                      align="center")
        self.shapes.append(Shape(MARGIN, y + ROW - 1, c.right - MARGIN, 1, "border"))
        return y + ROW

    def row(self, y: int, row: BoardRow, zebra: bool) -> None:
        c, axis = self.cols, self.section.axis
        if zebra:
            self.shapes.append(Shape(MARGIN, y, c.right - MARGIN, ROW, "card"))
        self.text(c.rank, y, ROW, row.rank, CELL_PX)
        self.text(c.model, y, ROW, row.model + (" *" if row.separated else ""), CELL_PX,
                  bold=True)
        self.text(c.rating, y, ROW, f"{row.rating:.0f}", CELL_PX, align="right")
        self.text(c.ci, y, ROW, f"{row.ci_low:.0f}–{row.ci_high:.0f}", CELL_PX,
                  align="right")
        self.text(c.battles, y, ROW, str(row.battles), CELL_PX, align="right")
        self.text(c.record, y, ROW, f"{row.wins}–{row.losses}–{row.ties}", CELL_PX,
                  align="right")
        for tick in axis.ticks:
            self.shapes.append(Shape(c.x(tick.at), y + 6, 1, ROW - 12,
                                     "muted" if tick.value == 1000 else "border"))
        colour = "warn" if row.separated else "accent"
        middle = y + ROW // 2
        left, right = c.x(row.bar.low), c.x(row.bar.high)
        self.shapes.append(Shape(left, middle - BAR_HEIGHT // 2, max(1, right - left),
                                 BAR_HEIGHT, colour, radius=BAR_HEIGHT // 2, opacity=0.55))
        mark = c.x(row.bar.mark)
        self.shapes.append(Shape(mark - DOT // 2, middle - DOT // 2, DOT, DOT, colour,
                                 radius=DOT // 2))


def board_layout(doc: ReportDocument, section: LeaderboardSection,
                 theme: str = "light") -> SheetLayout:
    cols = columns(section)
    width = cols.right + MARGIN
    inner = (MARGIN, width - 2 * MARGIN)
    p = _Painter(section, cols)
    p.text(inner, MARGIN, TITLE_PX + 8, doc.title, TITLE_PX, bold=True)
    y = MARGIN + TITLE_PX + 12
    p.text(inner, y, SUBTITLE_PX + 6, f"{doc.subtitle} · {doc.created_label} "
           f"{when(doc.created_at)} · {doc.generator}", SUBTITLE_PX, color="muted")
    y += SUBTITLE_PX + 10
    shown = [f"{f.label}: {f.value}" for f in section.filters if f.label != "Cast"]
    for line in _lines(shown, inner[1]):
        p.text(inner, y, TEXT_PX + 6, line, TEXT_PX, color="muted")
        y += TEXT_PX + 6
    y = p.header(y + 12, section.axis)
    several = len(section.groups) > 1
    for group in section.groups:
        if several:
            p.shapes.append(Shape(MARGIN, y, cols.right - MARGIN, ROW, "shot_bg"))
            p.text((MARGIN + 8, inner[1] - 16), y, ROW,
                   f"Group {group.number} of {len(section.groups)}: never met the "
                   "other groups", HEAD_PX, bold=True)
            y += ROW
        for index, row in enumerate(group.rows):
            p.row(y, row, zebra=index % 2 == 1)
            y += ROW
    y += 14
    below = []
    if section.position_bias:
        below.append(("Position bias: " + section.position_bias, "fg"))
    for effect in section.style:
        below.append((f"Style control: {effect.name} {effect.points} points per typical "
                      f"difference (95 % CI {effect.interval})", "fg"))
    if any(r.separated for g in section.groups for r in g.rows):
        below.append(("* won or lost every battle against part of its group: its rating "
                      "rests on the prior", "warn"))
    if several:
        below.append(("Ratings compare only inside a group; each group averages 1000.",
                      "muted"))
    for text, colour in below:
        p.text(inner, y, TEXT_PX + 8, text, TEXT_PX, color=colour)
        y += TEXT_PX + 8
    return SheetLayout(width, y + MARGIN, SHEET_COLORS.get(theme, SHEET_COLORS["light"]),
                       tuple(p.texts), (), tuple(p.shapes))
