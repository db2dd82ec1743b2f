"""The contact sheet's layout: the page screenshots in a grid, the model and its figures
under each, a heading per prompt. Only geometry and texts here; the UI layer paints it
(studio.ui.report.imaging), so font rendering and image scaling stay Qt's business. The
same `SheetLayout` of texts, tiles and shapes draws the leaderboard's picture (board_image).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from studio.report.model import AnswerView, ReportDocument, RunSection, Sealed
from studio.report.texts import stars, when

MARGIN = 28
GAP = 18
TILE_WIDTH = 400
IMAGE_HEIGHT = 250  # 16:10, the shape of a desktop page
TITLE_PX, SUBTITLE_PX, HEADING_PX, NAME_PX, TEXT_PX = 30, 15, 17, 17, 14
CAPTION_LINES = 3
LINE_GAP = 6
MAX_COLUMNS = 4
Align = Literal["left", "right", "center"]

SHEET_COLORS = {
    "light": {"bg": "#ffffff", "fg": "#1f2328", "muted": "#59636e", "card": "#f6f8fa",
              "border": "#d0d7de", "shot_bg": "#eaeef2", "danger": "#cf222e",
              "accent": "#0969da", "warn": "#9a6700", "ok": "#1a7f37"},
    "dark": {"bg": "#0d1117", "fg": "#e6edf3", "muted": "#9198a1", "card": "#161b22",
             "border": "#3d444d", "shot_bg": "#262c36", "danger": "#f85149",
             "accent": "#4493f8", "warn": "#d29922", "ok": "#3fb950"},
}


@dataclass(frozen=True, slots=True)
class TextBox:
    x: int
    y: int
    width: int
    height: int
    text: str
    size: int  # pixels
    bold: bool = False
    color: str = "fg"  # a key of the sheet's colours
    align: Align = "left"


@dataclass(frozen=True, slots=True)
class Shape:
    """A filled (rounded) rectangle; a line is a thin one, a dot a round one."""

    x: int
    y: int
    width: int
    height: int
    fill: str  # a key of the sheet's colours
    radius: int = 0
    opacity: float = 1.0


@dataclass(frozen=True, slots=True)
class Tile:
    x: int
    y: int
    width: int
    height: int
    image: tuple[int, int, int, int]  # the screenshot's box: x, y, width, height
    png: bytes | None  # the screenshot, or None (then `note` is shown in the box)
    note: str
    failed: bool


@dataclass(frozen=True, slots=True)
class SheetLayout:
    width: int
    height: int
    colors: dict[str, str]
    texts: tuple[TextBox, ...]
    tiles: tuple[Tile, ...]
    shapes: tuple[Shape, ...] = ()  # painted over the tiles, under the texts


def _caption(a: AnswerView, blind: bool) -> list[tuple[str, str]]:
    """The lines under a tile: (text, colour key)."""
    lines: list[tuple[str, str]] = []
    f = a.figures
    if f is not None:
        lines.append((f"TTFT {f.ttft} · {f.rate} tok/s · total {f.total}", "fg"))
        money = "" if isinstance(f.cost, Sealed) else f" · {f.cost}"
        lines.append((f"in {f.tokens_in} · out {f.tokens_out}{money}", "muted"))
    extra = []
    if a.error is not None:
        extra.append(f"failed: {a.error.kind.replace('_', ' ')}")
    elif a.state != "done":
        extra.append(a.state)
    if a.rating is not None:
        extra.append(stars(a.rating))
    extra.extend(a.badges)
    if extra:
        lines.append((" · ".join(extra), "danger" if a.error is not None else "accent"))
    if not blind and a.page is not None and a.page.revision:
        lines.append((f"page edited (revision {a.page.revision})", "muted"))
    return lines[:CAPTION_LINES]


def _note(a: AnswerView) -> str:
    if a.page is None:
        return "no page in this answer" if a.state == "done" else f"no page ({a.state})"
    return "no screenshot" if a.page.screenshot is None else ""


def sheet_layout(doc: ReportDocument, theme: str = "light",
                 pngs: dict[str, bytes] | None = None) -> SheetLayout:
    """The sheet of every prompt of the document's comparisons. `pngs`: screenshots by
    page key (default: the pictures in the document)."""
    runs = [s for s in doc.sections if isinstance(s, RunSection)]
    turns = [t for s in runs for t in s.turns]
    columns = max(1, min(MAX_COLUMNS, max((sum(a.asked for a in t.answers) for t in turns),
                                          default=1)))
    width = 2 * MARGIN + columns * TILE_WIDTH + (columns - 1) * GAP
    inner = width - 2 * MARGIN
    line = TEXT_PX + LINE_GAP
    tile_height = IMAGE_HEIGHT + 12 + NAME_PX + LINE_GAP + CAPTION_LINES * line + 8
    texts = [TextBox(MARGIN, MARGIN, inner, TITLE_PX + 8, doc.title, TITLE_PX, bold=True)]
    y = MARGIN + TITLE_PX + 12
    texts.append(TextBox(MARGIN, y, inner, SUBTITLE_PX + 6,
                         f"{doc.subtitle} · {when(doc.created_at)} · {doc.generator}",
                         SUBTITLE_PX, color="muted"))
    y += SUBTITLE_PX + 6 + GAP
    tiles: list[Tile] = []
    for turn in turns:
        heading = f"Prompt {turn.number}: " if len(turns) > 1 else "Prompt: "
        texts.append(TextBox(MARGIN, y, inner, HEADING_PX + 8,
                             heading + " ".join(turn.prompt.split()), HEADING_PX, bold=True))
        y += HEADING_PX + 8 + 10
        asked = [a for a in turn.answers if a.asked]
        for index, answer in enumerate(asked):
            row, column = divmod(index, columns)
            x = MARGIN + column * (TILE_WIDTH + GAP)
            top = y + row * (tile_height + GAP)
            png = None
            if answer.page is not None:
                png = (pngs or {}).get(answer.page.key)
                if png is None and answer.page.screenshot is not None:
                    png = answer.page.screenshot.data
            tiles.append(Tile(x, top, TILE_WIDTH, tile_height, (x, top, TILE_WIDTH, IMAGE_HEIGHT),
                              png, _note(answer) if png is None else "", answer.error is not None))
            text_y = top + IMAGE_HEIGHT + 10
            texts.append(TextBox(x + 10, text_y, TILE_WIDTH - 20, NAME_PX + 4, answer.label,
                                 NAME_PX, bold=True))
            text_y += NAME_PX + LINE_GAP
            for text, color in _caption(answer, doc.blind):
                texts.append(TextBox(x + 10, text_y, TILE_WIDTH - 20, line, text, TEXT_PX,
                                     color=color))
                text_y += line
        rows = (len(asked) + columns - 1) // columns
        y += rows * (tile_height + GAP) + (GAP if rows else 0)
    return SheetLayout(width, y + MARGIN - GAP, SHEET_COLORS.get(theme, SHEET_COLORS["light"]),
                       tuple(texts), tuple(tiles))
