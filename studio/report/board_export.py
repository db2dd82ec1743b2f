"""The leaderboard as a report file, from the command line or the app.

    source = BoardSource.load(store, BoardQuery(filters, options))  # NothingToReport if empty
    source.write("board.html", imaging)                            # .html, .md, .zip, .png

`leaderboard_request` is what the app's "Export report…" dialog takes (see
studio.ui.report.ReportExports.export_leaderboard). The HTML needs no imaging at all; the
picture of the table (the .png, and the one the Markdown links to) is painted by `Imaging`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from studio.report.board_data import BoardData, BoardQuery, empty_reason, fit_board
from studio.report.board_view import leaderboard_document
from studio.report.export import (
    ExportResult,
    Imaging,
    NothingToReport,
    ReportFormat,
    ReportOptions,
    ReportRequest,
    Shot,
    checked_target,
    sheet_of,
    write_document,
)
from studio.report.model import LeaderboardSection, Picture, ReportDocument
from studio.report.run_report import PageKey, PageRef
from studio.report.scrub import Scrubber
from studio.store import Store

IMAGES = "images"  # the Markdown's picture goes to NAME-images/ (images/ in a zip)
FORMAT_NAMES = {
    ReportFormat.HTML: "HTML report (one file: the table, its intervals, the win rates)",
    ReportFormat.MARKDOWN: "Markdown tables, with a picture of the table next to it",
    ReportFormat.ZIP: "Markdown and its picture in one .zip",
    ReportFormat.SHEET: "PNG picture of the table and its intervals",
}


@dataclass(frozen=True, slots=True)
class BoardSource:
    """The fitted leaderboard of the chosen votes, ready to write (a `ReportSource`)."""

    data: BoardData

    @classmethod
    def load(cls, store: Store, query: BoardQuery | None = None) -> BoardSource:
        data = fit_board(store, query or BoardQuery())
        if not data.board.models:
            raise NothingToReport(f"nothing to report: {empty_reason(data)}")
        return cls(data)

    def missing(self) -> list[PageRef]:
        return []  # a leaderboard shows no pages

    def write(self, path: str | os.PathLike[str], imaging: Imaging, *,
              options: ReportOptions | None = None, taken: Mapping[PageKey, Shot] | None = None,
              no_screenshot: str = "", scrub: Scrubber | None = None) -> ExportResult:
        return write_leaderboard_report(self, path, imaging, options=options, scrub=scrub)


def _with_chart(doc: ReportDocument, options: ReportOptions, imaging: Imaging
                ) -> ReportDocument:
    """The document with the picture of its table in the leaderboard section."""
    sheet = sheet_of(doc, options.theme)
    picture = Picture("image/png", imaging.contact_sheet(sheet), sheet.width, sheet.height)
    return replace(doc, sections=tuple(
        replace(s, chart=picture) if isinstance(s, LeaderboardSection) else s
        for s in doc.sections))


def write_leaderboard_report(source: BoardSource, path: str | os.PathLike[str],
                             imaging: Imaging | None, *, options: ReportOptions | None = None,
                             scrub: Scrubber | None = None,
                             now: float | None = None) -> ExportResult:
    """Write the leaderboard to `path` in the format its name says. `imaging` may be None
    for HTML, which draws its bars itself; the blind and layout options do not apply."""
    target, fmt = checked_target(path)
    options = options or ReportOptions()
    doc = leaderboard_document(source.data, scrub=scrub, now=now)
    if fmt in (ReportFormat.MARKDOWN, ReportFormat.ZIP):
        if imaging is None:
            raise ValueError("the Markdown's picture of the table needs an Imaging")
        doc = _with_chart(doc, options, imaging)
    files = write_document(doc, target, fmt, ReportOptions(theme=options.theme), imaging,
                           images=IMAGES)
    board = source.data.board
    models = len(board.models)
    detail = (f"{models} model{'s' if models != 1 else ''}, {board.battles} battle"
              f"{'s' if board.battles != 1 else ''}")
    return ExportResult(path=target, format=fmt, files=files,
                        size=sum(f.stat().st_size for f in files), pages=0,
                        screenshots_stored=0, screenshots_taken=0, without_screenshot=0,
                        detail=detail)


def leaderboard_request(store: Store, query: BoardQuery | None = None, *,
                        title: str = "Leaderboard") -> ReportRequest:
    """The leaderboard of `query`'s votes as the export dialog takes it: no blind report
    (the board names the models) and no layouts (there are no answers to lay out)."""
    return ReportRequest(title, lambda: BoardSource.load(store, query), subject="The votes",
                         blind=False, layouts=False, format_names=FORMAT_NAMES)
