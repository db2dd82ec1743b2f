"""A batch's contact sheet: the thumbnails as the grid they are — a column per model (its
name and totals on top), a row per prompt × variable row (its title, values and prompt on
the left) — with each cell's state, figures and checks under its picture. Only geometry and
texts, painted by the UI layer like any `SheetLayout`.

A picture of 400 cells at a legible size would be tens of megapixels, so the sheet holds at
most MAX_TILES cells: the first rows, and a line saying how many more the reports hold.
"""

from __future__ import annotations

from studio.report.model import BatchCellView, BatchSection, ReportDocument, Sealed
from studio.report.sheet import (
    HEADING_PX,
    LINE_GAP,
    MARGIN,
    SHEET_COLORS,
    SUBTITLE_PX,
    TEXT_PX,
    TITLE_PX,
    SheetLayout,
    TextBox,
    Tile,
)
from studio.report.texts import when

TILE_WIDTH = 240
IMAGE_HEIGHT = 150  # 16:10
GAP = 14
ROW_HEAD_WIDTH = 240
CAPTION_LINES = 2
HEAD_LINES = 3  # under each model's name: cost, median TTFT, failures and checks passed
MAX_TILES = 200


def _figures(cell: BatchCellView) -> tuple[str, str]:
    """The first line under a picture, and its colour."""
    if cell.error is not None:
        return f"failed: {cell.error.kind.replace('_', ' ')}", "danger"
    f = cell.figures
    if f is None:
        return cell.state, "warn"
    cost = "" if isinstance(f.cost, Sealed) else f" · {f.cost}"
    state = "" if cell.state == "done" else f"{cell.state} · "
    return f"{state}{f.ttft} · {f.rate} tok/s{cost}", "warn" if state else "fg"


def _checks(cell: BatchCellView) -> tuple[str, str]:
    if not cell.checks:
        return "", "muted"
    marks = "".join(c.mark for c in cell.checks)
    if not cell.judged:
        return f"{marks}  not run", "muted"
    colour = ("danger" if any(c.passed is False for c in cell.checks)
              else "ok" if cell.judged and cell.passed == cell.judged else "muted")
    return f"{marks}  {cell.passed} of {cell.judged} passed", colour


def _note(cell: BatchCellView) -> str:
    if cell.page is not None:
        return "no screenshot"
    return "no page" if cell.answered else "not answered"


def batch_sheet_layout(doc: ReportDocument, section: BatchSection,
                       theme: str = "light") -> SheetLayout:
    columns = max(1, len(section.models))
    shown = section.rows[: max(1, MAX_TILES // columns)]
    width = 2 * MARGIN + ROW_HEAD_WIDTH + columns * (TILE_WIDTH + GAP)
    inner = width - 2 * MARGIN
    line = TEXT_PX + LINE_GAP
    texts = [TextBox(MARGIN, MARGIN, inner, TITLE_PX + 8, doc.title, TITLE_PX, bold=True)]
    y = MARGIN + TITLE_PX + 12
    texts.append(TextBox(MARGIN, y, inner, SUBTITLE_PX + 6,
                         f"{doc.subtitle} · {when(doc.created_at)} · {doc.generator}",
                         SUBTITLE_PX, color="muted"))
    y += SUBTITLE_PX + 6 + GAP + 4

    def column_x(index: int) -> int:
        return MARGIN + ROW_HEAD_WIDTH + GAP + index * (TILE_WIDTH + GAP)

    for index, (model, total) in enumerate(zip(section.models, section.totals, strict=True)):
        x = column_x(index)
        texts.append(TextBox(x, y, TILE_WIDTH, HEADING_PX + 6, model.label, HEADING_PX,
                             bold=True))
        head = [f"median TTFT {total.ttft}",
                f"{total.failed} failed · {total.pass_percent} passed"]
        if not isinstance(total.cost, Sealed):
            head.insert(0, f"cost {total.cost}")
        for number, text in enumerate(head):
            texts.append(TextBox(x, y + HEADING_PX + 8 + number * line, TILE_WIDTH, line,
                                 text, TEXT_PX, color="muted"))
    y += HEADING_PX + 8 + HEAD_LINES * line + GAP
    tile_height = IMAGE_HEIGHT + 8 + CAPTION_LINES * line + 4
    tiles: list[Tile] = []
    for row in shown:
        texts.append(TextBox(MARGIN, y, ROW_HEAD_WIDTH, HEADING_PX + 6,
                             f"{row.number}. {row.title}", HEADING_PX, bold=True))
        values = ", ".join(f"{k}={v}" for k, v in row.variables.items())
        lines = ([(values, "accent")] if values else []) + [
            (" ".join(row.prompt.split()), "muted")]
        for number, (text, colour) in enumerate(lines):
            texts.append(TextBox(MARGIN, y + HEADING_PX + 8 + number * line, ROW_HEAD_WIDTH,
                                 line, text, TEXT_PX, color=colour))
        for index, cell in enumerate(row.cells):
            x = column_x(index)
            png = None
            if cell.page is not None and cell.page.screenshot is not None:
                png = cell.page.screenshot.data
            tiles.append(Tile(x, y, TILE_WIDTH, tile_height, (x, y, TILE_WIDTH, IMAGE_HEIGHT),
                              png, "" if png else _note(cell), cell.error is not None))
            text_y = y + IMAGE_HEIGHT + 6
            for text, colour in (_figures(cell), _checks(cell)):
                if text:
                    texts.append(TextBox(x + 8, text_y, TILE_WIDTH - 16, line, text, TEXT_PX,
                                         color=colour))
                text_y += line
        y += tile_height + GAP
    if len(shown) < len(section.rows):
        rest = len(section.rows) - len(shown)
        texts.append(TextBox(MARGIN, y, inner, line + 4,
                             f"… and {rest} more row{'s' if rest != 1 else ''}: the HTML and "
                             "Markdown reports hold the whole grid.", TEXT_PX + 1,
                             color="muted"))
        y += line + 4 + GAP
    return SheetLayout(width, y + MARGIN - GAP, SHEET_COLORS.get(theme, SHEET_COLORS["light"]),
                       tuple(texts), tuple(tiles))
