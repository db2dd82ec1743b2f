"""Writing a report file: the format follows the file name, the pictures come from the store
or from whoever took the missing screenshots, and image work is asked of an `Imaging`.

The steps are split so the UI can take screenshots in between, without blocking:
`RunSource.load` reads the run and the screenshots the store kept; the caller may take
the `missing()` ones in the preview sandbox; `write_run_report` writes the file. Any
`ReportSource` (a run here, the leaderboard in board_export) works the same way, and a
`ReportRequest` is what the app's export dialog is given: a title, which options apply,
and how to read the source when the user exports.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal, Protocol

from studio.report.batch_sheet import batch_sheet_layout
from studio.report.board_image import board_layout
from studio.report.html_report import render_html
from studio.report.markdown_report import render_markdown
from studio.report.model import (
    BatchSection,
    Layout,
    LeaderboardSection,
    Picture,
    ReportDocument,
    ThemeChoice,
)
from studio.report.run_report import (
    NO_SCREENSHOT,
    PageKey,
    PageRef,
    report_pages,
    run_document,
)
from studio.report.scrub import Scrubber
from studio.report.sheet import SheetLayout, sheet_layout
from studio.store import ResponseId, Run, RunId, Store

# Screenshots in an HTML report: JPEG at this width is sharp enough beside a live page and
# keeps a report of eight long answers within a few megabytes.
HTML_IMAGE_WIDTH = 960
MARKDOWN_IMAGE_WIDTH = 1280
SHEET_IMAGE_WIDTH = 800


class ReportFormat(StrEnum):
    HTML = "html"
    MARKDOWN = "md"
    ZIP = "zip"
    SHEET = "png"


FORMAT_NAMES = {
    ReportFormat.HTML: "HTML report (one file, pages running live)",
    ReportFormat.MARKDOWN: "Markdown, with the screenshots as PNG files next to it",
    ReportFormat.ZIP: "Markdown and its screenshots in one .zip",
    ReportFormat.SHEET: "PNG contact sheet of the pages",
}
_SUFFIXES = {".html": ReportFormat.HTML, ".htm": ReportFormat.HTML,
             ".md": ReportFormat.MARKDOWN, ".markdown": ReportFormat.MARKDOWN,
             ".zip": ReportFormat.ZIP, ".png": ReportFormat.SHEET}


class ReportError(Exception):
    """A report that cannot be written; the message says why, for the user."""


class NothingToReport(ReportError):
    """The source holds nothing a report could show (no votes for a leaderboard, no answer
    in a batch); the message says why."""


def report_format(path: str | os.PathLike[str]) -> ReportFormat:
    suffix = Path(path).suffix.lower()
    try:
        return _SUFFIXES[suffix]
    except KeyError:
        raise ReportError(f"{Path(path).name}: the file name must end in .html, .md, .zip "
                          "or .png (that is how the format is chosen)") from None


def checked_target(path: str | os.PathLike[str]) -> tuple[Path, ReportFormat]:
    """The file to write and its format, or ReportError if either is wrong."""
    target = Path(path)
    fmt = report_format(target)
    if not target.parent.is_dir():
        raise ReportError(f"cannot write {target.name}: {target.parent} is not a folder")
    return target, fmt


class Imaging(Protocol):
    """Image work the report asks of the UI layer (Qt: no image library is needed)."""

    def picture(self, png: bytes, *, max_width: int, encoding: Literal["jpeg", "png"],
                quality: int | None = None) -> Picture | None:
        """The screenshot scaled down to `max_width` and encoded (JPEG at `quality`, 0–100,
        or the imaging's default); None if it is unreadable."""

    def contact_sheet(self, layout: SheetLayout) -> bytes:
        """The sheet painted as a PNG."""


@dataclass(frozen=True, slots=True)
class ReportOptions:
    blind: bool = False
    layout: Layout = "columns"
    theme: ThemeChoice = "auto"


@dataclass(frozen=True, slots=True)
class Shot:
    """A screenshot taken for the report, or why there is none. `stuck`: the page stopped
    responding or crashed; the report then runs it only when the reader asks (a page in an
    endless loop could slow the reader's whole tab)."""

    png: bytes | None
    note: str = ""
    stuck: bool = False


@dataclass(slots=True)
class RunSource:
    """A saved run with its pages and the screenshots the store kept of them."""

    run: Run
    pages: list[PageRef]
    stored: dict[PageKey, bytes] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store, run_id: RunId) -> RunSource:
        run = store.run(run_id)
        pages = report_pages(run)
        return cls(run, pages, stored_screenshots(store, pages))

    def missing(self) -> list[PageRef]:
        return [p for p in self.pages if p.key not in self.stored]

    def write(self, path: str | os.PathLike[str], imaging: Imaging, *,
              options: ReportOptions | None = None, taken: Mapping[PageKey, Shot] | None = None,
              no_screenshot: str = "", scrub: Scrubber | None = None) -> ExportResult:
        return write_run_report(self, path, imaging, options=options, taken=taken,
                                no_screenshot=no_screenshot, scrub=scrub)


def stored_screenshots(store: Store, pages: Sequence[PageRef]) -> dict[PageKey, bytes]:
    """The screenshots the store kept of `pages`."""
    stored = {}
    for page in pages:
        if page.stored:
            png = store.screenshot(ResponseId(page.key[0]), page.key[1])
            if png:
                stored[page.key] = png
    return stored


class ReportSource(Protocol):
    """What a report is made of, read from the store: a saved comparison (`RunSource`), the
    leaderboard (board_export.BoardSource) … The caller may take the screenshots of the
    `missing()` pages, then `write` writes the file in the format its name says."""

    def missing(self) -> list[PageRef]: ...

    def write(self, path: str | os.PathLike[str], imaging: Imaging, *,
              options: ReportOptions | None = None, taken: Mapping[PageKey, Shot] | None = None,
              no_screenshot: str = "", scrub: Scrubber | None = None) -> ExportResult: ...


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """A report the app offers to export: what the dialog shows before anything is read,
    and `load`, which reads the source when the user exports (so the file shows the latest
    state) and raises StoreError or ReportError with the reason it cannot."""

    title: str
    load: Callable[[], ReportSource]
    subject: str = "The run"  # what could not be read, when `load` fails on the store
    blind: bool = True  # a blind report of it makes sense
    layouts: bool = True  # the columns / stacked choice applies
    format_names: Mapping[ReportFormat, str] = field(default_factory=lambda: FORMAT_NAMES)


def run_request(store: Store, run_id: int, title: str) -> ReportRequest:
    """Exporting a saved comparison."""
    return ReportRequest(title, lambda: RunSource.load(store, RunId(run_id)))


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    format: ReportFormat
    files: tuple[Path, ...]  # everything written (the report first)
    size: int  # bytes written
    pages: int
    screenshots_stored: int
    screenshots_taken: int
    without_screenshot: int
    detail: str = ""  # what a report without pages holds ("5 models, 300 battles")

    def summary(self) -> str:
        if self.detail:
            return f"{_size(self.size)}; {self.detail}"
        parts = [f"{self.pages} page{'s' if self.pages != 1 else ''}"]
        if self.screenshots_stored:
            parts.append(f"{self.screenshots_stored} screenshot"
                         f"{'s' if self.screenshots_stored != 1 else ''} from the history")
        if self.screenshots_taken:
            parts.append(f"{self.screenshots_taken} taken now")
        if self.without_screenshot:
            parts.append(f"{self.without_screenshot} without a screenshot")
        return f"{_size(self.size)}; " + ", ".join(parts)


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count / (1024 * 1024):.1f} MB"


def _temporary(path: Path) -> Path:
    """A new file beside `path`, created with the usual permissions (mkstemp's are 0600)."""
    while True:
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            temp.open("xb").close()
        except FileExistsError:
            continue
        return temp


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """Yields a temporary file that replaces `path` once written: the file appears whole or
    not at all (an earlier report stays until the new one is complete)."""
    temp = _temporary(path)
    try:
        yield temp
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _atomic_write(path: Path, data: bytes) -> None:
    with _replacing(path) as temp:
        temp.write_bytes(data)


@dataclass(frozen=True, slots=True)
class PagePictures:
    """The screenshots a report shows (scaled and encoded), why the other pages have none,
    and the pages that hung or crashed when their screenshot was taken."""

    shown: dict[PageKey, Picture]
    missing: dict[PageKey, str]
    held: set[PageKey]

    @classmethod
    def of(cls, pages: Sequence[PageRef], stored: Mapping[PageKey, bytes],
           taken: Mapping[PageKey, Shot], imaging: Imaging, *, width: int,
           encoding: Literal["jpeg", "png"], quality: int | None = None,
           no_screenshot: str = "",
           not_taken: Callable[[PageRef], str] | None = None) -> PagePictures:
        """`no_screenshot`: why none could be taken now; `not_taken(page)`: why a page the
        store lacks was not among those to take ("" when it was)."""
        shown: dict[PageKey, Picture] = {}
        for page in pages:
            shot = taken.get(page.key)
            png = stored.get(page.key) or (shot.png if shot is not None else None)
            picture = (imaging.picture(png, max_width=width, encoding=encoding,
                                       quality=quality) if png else None)
            if picture is not None:
                shown[page.key] = picture
        missing = {}
        for page in pages:
            if page.key in shown:
                continue
            shot = taken.get(page.key)
            skipped = not_taken(page) if not_taken is not None else ""
            missing[page.key] = (shot.note if shot is not None and shot.note
                                 else no_screenshot or skipped or NO_SCREENSHOT)
        return cls(shown, missing, {key for key, shot in taken.items() if shot.stuck})

    def result(self, target: Path, fmt: ReportFormat, files: tuple[Path, ...],
               pages: Sequence[PageRef], stored: Mapping[PageKey, bytes]) -> ExportResult:
        return ExportResult(
            path=target, format=fmt, files=files, size=sum(f.stat().st_size for f in files),
            pages=len(pages),
            screenshots_stored=sum(1 for p in pages if p.key in stored and p.key in self.shown),
            screenshots_taken=sum(1 for p in pages if p.key not in stored
                                  and p.key in self.shown),
            without_screenshot=sum(1 for p in pages if p.key not in self.shown))


def write_run_report(source: RunSource, path: str | os.PathLike[str], imaging: Imaging, *,
                     options: ReportOptions | None = None,
                     taken: Mapping[PageKey, Shot] | None = None,
                     no_screenshot: str = "", scrub: Scrubber | None = None) -> ExportResult:
    """Write the report of `source` to `path` in the format its name says. `taken`: the
    screenshots taken for this export; `no_screenshot`: why the others are missing."""
    target, fmt = checked_target(path)
    options = options or ReportOptions()
    width = {ReportFormat.HTML: HTML_IMAGE_WIDTH,
             ReportFormat.SHEET: SHEET_IMAGE_WIDTH}.get(fmt, MARKDOWN_IMAGE_WIDTH)
    pictures = PagePictures.of(source.pages, source.stored, taken or {}, imaging, width=width,
                               encoding=image_encoding(fmt), no_screenshot=no_screenshot)
    doc = run_document(source.run, pictures=pictures.shown, missing=pictures.missing,
                       held=pictures.held, blind=options.blind, scrub=scrub)
    files = write_document(doc, target, fmt, options, imaging)
    return pictures.result(target, fmt, files, source.pages, source.stored)


def image_encoding(fmt: ReportFormat) -> Literal["jpeg", "png"]:
    """Screenshots are JPEG inside an HTML report (small), PNG files elsewhere."""
    return "jpeg" if fmt is ReportFormat.HTML else "png"


def sheet_of(doc: ReportDocument, theme: ThemeChoice) -> SheetLayout:
    """The document's picture: the leaderboard's table and bars, a batch's grid of
    thumbnails, or the contact sheet of the pages."""
    shade = "dark" if theme == "dark" else "light"
    for section in doc.sections:
        if isinstance(section, LeaderboardSection):
            return board_layout(doc, section, shade)
        if isinstance(section, BatchSection):
            return batch_sheet_layout(doc, section, shade)
    return sheet_layout(doc, shade)


def write_document(doc: ReportDocument, target: Path, fmt: ReportFormat,
                   options: ReportOptions, imaging: Imaging | None, *,
                   images: str = "screenshots") -> tuple[Path, ...]:
    """Write `doc` in `fmt`; the Markdown's pictures go to a folder `NAME-{images}` beside
    it (or `{images}/` in a zip). Returns the files written, the report first."""
    try:
        return _write(doc, target, fmt, options, imaging, images)
    except OSError as exc:
        raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from exc


def _write(doc: ReportDocument, target: Path, fmt: ReportFormat, options: ReportOptions,
           imaging: Imaging | None, images: str) -> tuple[Path, ...]:
    if fmt is ReportFormat.HTML:
        html = render_html(doc, layout=options.layout, theme=options.theme)
        _atomic_write(target, html.encode("utf-8"))
        return (target,)
    if fmt is ReportFormat.SHEET:
        if imaging is None:
            raise ValueError("painting the report's picture needs an Imaging")
        _atomic_write(target, imaging.contact_sheet(sheet_of(doc, options.theme)))
        return (target,)
    if fmt is ReportFormat.ZIP:
        markdown = render_markdown(doc, image_dir=images)
        with _replacing(target) as temp, \
                zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{target.stem}.md", markdown.text)
            for name, data in markdown.files.items():
                # PNGs are compressed already.
                archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
        return (target,)
    folder = f"{target.stem}-{images}"
    markdown = render_markdown(doc, image_dir=folder)
    written = [target]
    if markdown.files:
        (target.parent / folder).mkdir(exist_ok=True)
        for name, data in markdown.files.items():
            _atomic_write(target.parent / name, data)
            written.append(target.parent / name)
    _atomic_write(target, markdown.text.encode("utf-8"))
    return tuple(written)


def load_run(store: Store, run_ref: str | int) -> RunSource:
    """The run `run_ref` names (its number or uuid), ready to report."""
    return RunSource.load(store, store.resolve_run(run_ref))
