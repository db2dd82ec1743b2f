"""A batch as a report file, from the command line or the app.

    source = BatchSource.load(store, batch_id)   # NotFoundError; NothingToReport
    source.missing()                             # the pages to take screenshots of now
    source.write("batch.html", imaging, taken=…) # .html, .md, .zip, .png

Screenshots the history lacks are taken as for a comparison, but a batch can have hundreds
of pages and each takes a second or more (up to a deadline): `missing()` offers at most
MAX_TAKEN, the first rows' first, and the report says of the others why they have none.
`batch_request` is what the app's "Export report…" dialog takes
(studio.ui.report.ReportExports.export_batch).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from studio.core.batch import Batch
from studio.report.batch_sheet import TILE_WIDTH
from studio.report.batch_view import batch_document, batch_pages
from studio.report.export import (
    ExportResult,
    Imaging,
    NothingToReport,
    PagePictures,
    ReportFormat,
    ReportOptions,
    ReportRequest,
    Shot,
    checked_target,
    image_encoding,
    stored_screenshots,
    write_document,
)
from studio.report.run_report import PageKey, PageRef
from studio.report.scrub import Scrubber
from studio.store import Store

MAX_TAKEN = 24  # screenshots taken for one report: about half a minute, a few minutes at most
# Thumbnails: 240 px wide in the HTML matrix, as JPEG of a lower quality than a comparison's
# screenshots (at that size it hardly shows; 400 busy pages take 2.5 MB rather than 3.4), a
# little larger as the Markdown's PNG files, tile-sized on the contact sheet.
HTML_THUMB_WIDTH = 240
HTML_THUMB_QUALITY = 60
MARKDOWN_THUMB_WIDTH = 320
FORMAT_NAMES = {
    ReportFormat.HTML: "HTML report (one file: the matrix, each answer and page on demand)",
    ReportFormat.MARKDOWN: "Markdown matrix, with the thumbnails as PNG files next to it",
    ReportFormat.ZIP: "Markdown matrix and its thumbnails in one .zip",
    ReportFormat.SHEET: "PNG contact sheet of the grid",
}
NOT_TAKEN = (f"No screenshot: it was not in the history, and at most {MAX_TAKEN} missing "
             "ones are taken for a report (the first rows' first). Open the row in the "
             "studio to see its page.")


@dataclass(slots=True)
class BatchSource:
    """A saved batch with its pages and the screenshots the store kept of them (a
    `ReportSource`)."""

    batch: Batch
    pages: list[PageRef]
    stored: dict[PageKey, bytes] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store, batch_id: int) -> BatchSource:
        batch = store.batch_store().load(batch_id)
        if not any(cell.result is not None for cell in batch.cells):
            raise NothingToReport(f"nothing to report: batch {batch_id} has no answer yet "
                                  f"(it is {batch.state.value})")
        pages = batch_pages(batch)
        return cls(batch, pages, stored_screenshots(store, pages))

    def missing(self) -> list[PageRef]:
        """The pages to take screenshots of now: those the store lacks, at most MAX_TAKEN."""
        return [p for p in self.pages if p.key not in self.stored][:MAX_TAKEN]

    def write(self, path: str | os.PathLike[str], imaging: Imaging, *,
              options: ReportOptions | None = None, taken: Mapping[PageKey, Shot] | None = None,
              no_screenshot: str = "", scrub: Scrubber | None = None) -> ExportResult:
        return write_batch_report(self, path, imaging, options=options, taken=taken,
                                  no_screenshot=no_screenshot, scrub=scrub)


def write_batch_report(source: BatchSource, path: str | os.PathLike[str], imaging: Imaging, *,
                       options: ReportOptions | None = None,
                       taken: Mapping[PageKey, Shot] | None = None, no_screenshot: str = "",
                       scrub: Scrubber | None = None, now: float | None = None
                       ) -> ExportResult:
    """Write the report of the batch to `path` in the format its name says. `taken`: the
    screenshots taken for this export; `no_screenshot`: why the missing ones could not be
    taken. The layout option does not apply (a batch is a matrix)."""
    target, fmt = checked_target(path)
    options = options or ReportOptions()
    width = {ReportFormat.HTML: HTML_THUMB_WIDTH,
             ReportFormat.SHEET: TILE_WIDTH}.get(fmt, MARKDOWN_THUMB_WIDTH)
    offered = {p.key for p in source.missing()}
    pictures = PagePictures.of(
        source.pages, source.stored, taken or {}, imaging, width=width,
        encoding=image_encoding(fmt), quality=HTML_THUMB_QUALITY, no_screenshot=no_screenshot,
        not_taken=lambda page: NOT_TAKEN if page.key not in source.stored
        and page.key not in offered else "")
    doc = batch_document(source.batch, pictures=pictures.shown, missing=pictures.missing,
                         held=pictures.held, blind=options.blind, scrub=scrub, now=now)
    files = write_document(doc, target, fmt, options, imaging)
    return pictures.result(target, fmt, files, source.pages, source.stored)


def batch_request(store: Store, batch_id: int, title: str) -> ReportRequest:
    """Exporting a batch: blind reports make sense (labels with a reveal button), the
    columns / stacked choice does not."""
    return ReportRequest(title, lambda: BatchSource.load(store, batch_id), subject="The batch",
                         blind=True, layouts=False, format_names=FORMAT_NAMES)

