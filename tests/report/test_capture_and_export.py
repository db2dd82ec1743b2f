"""Screenshots taken for a report in the preview sandbox (a hanging page never holds the
export up), pictures scaled and encoded with Qt, and every format written from a run."""

from __future__ import annotations

import struct
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtGui import QImage

from studio.core.redact import register_secret
from studio.report.export import (
    ReportError,
    ReportFormat,
    ReportOptions,
    RunSource,
    Shot,
    report_format,
    run_request,
    write_run_report,
)
from studio.report.run_report import run_document
from studio.report.scrub import Scrubber
from studio.report.sheet import sheet_layout
from studio.store import ResponseData, Store
from studio.ui.report.capture import HUNG, PageShooter, ShotJob
from studio.ui.report.exporter import ReportExporter
from studio.ui.report.imaging import QtImaging
from tests.report.conftest import needs_display
from tests.support.report_runs import HOME, KEY, big_run, canvas_page, rich_run, solid_png

HANGS = "<!doctype html><p>stuck</p><script>while (true) {}</script>"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _take(qtbot: Any, jobs: list[ShotJob], **options: Any) -> dict[Any, Shot]:
    shooter = PageShooter(jobs, **options)
    with qtbot.waitSignal(shooter.finished, timeout=60_000):
        shooter.start()
    results = dict(shooter.results)
    _gone(shooter)
    return results


def _gone(shooter: PageShooter) -> None:
    """Delete the shooter and the previews it closed now: pages must go before the
    profile, which lives as long as the application."""
    shooter.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


@needs_display
def test_screenshots_are_taken_in_the_sandbox_and_a_hanging_page_is_passed_by(
        qtbot: Any) -> None:
    jobs = [ShotJob((1, 0), canvas_page("red", "#ff0000"), "red"),
            ShotJob((2, 0), HANGS, "hangs"),
            ShotJob((3, 0), canvas_page("green", "#00ff00"), "green")]
    started = time.monotonic()
    shots = _take(qtbot, jobs, settle_ms=300, load_timeout_ms=8000, hang_timeout_ms=2000)
    assert time.monotonic() - started < 45
    red, hung, green = shots[(1, 0)], shots[(2, 0)], shots[(3, 0)]
    assert hung == Shot(None, HUNG, stuck=True)
    for shot, colour in ((red, (255, 0, 0)), (green, (0, 255, 0))):
        assert shot.png is not None
        image = QImage.fromData(shot.png)
        assert (image.width(), image.height()) == (1280, 800)
        pixel = image.pixelColor(20, 20)
        assert (pixel.red(), pixel.green(), pixel.blue()) == colour


@needs_display
def test_cancelling_stops_at_once_and_leaves_the_rest_untaken(qtbot: Any) -> None:
    jobs = [ShotJob((n, 0), HANGS, f"hangs {n}") for n in range(3)]
    shooter = PageShooter(jobs, hang_timeout_ms=60_000, load_timeout_ms=60_000)
    shooter.start()
    with qtbot.waitSignal(shooter.finished, timeout=2000):
        shooter.cancel()
    assert shooter.results == {} and not shooter.running
    _gone(shooter)


def test_pictures_are_scaled_and_encoded(qapp: Any) -> None:
    png = solid_png(2000, 1000, (10, 200, 30))
    imaging = QtImaging()
    jpeg = imaging.picture(png, max_width=960, encoding="jpeg")
    assert jpeg is not None and jpeg.mime == "image/jpeg"
    assert (jpeg.width, jpeg.height) == (960, 480)
    assert jpeg.data.startswith(b"\xff\xd8")
    small = imaging.picture(png, max_width=4000, encoding="png")
    assert small is not None and (small.width, small.height) == (2000, 1000)
    assert imaging.picture(b"not an image", max_width=100, encoding="png") is None


@pytest.mark.parametrize(("name", "fmt"), [
    ("r.html", ReportFormat.HTML), ("R.HTM", ReportFormat.HTML),
    ("r.md", ReportFormat.MARKDOWN), ("r.zip", ReportFormat.ZIP), ("r.png", ReportFormat.SHEET)])
def test_the_format_follows_the_file_name(name: str, fmt: ReportFormat) -> None:
    assert report_format(name) is fmt


def test_an_unknown_extension_or_folder_is_refused_and_nothing_written(
        qapp: Any, store: Store, tmp_path: Path) -> None:
    source = RunSource.load(store, rich_run(store).run_id)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ReportError, match=r"must end in \.html, \.md, \.zip or \.png"):
        write_run_report(source, out / "r.pdf", QtImaging())
    with pytest.raises(ReportError, match="is not a folder"):
        write_run_report(source, out / "missing" / "r.html", QtImaging())
    assert list(out.iterdir()) == []


def test_markdown_is_written_with_its_screenshots_beside_it(
        qapp: Any, store: Store, tmp_path: Path) -> None:
    source = RunSource.load(store, rich_run(store).run_id)
    taken = {source.missing()[0].key: Shot(solid_png(1600, 1000, (0, 0, 255)))}
    result = write_run_report(source, tmp_path / "canvas.md", QtImaging(), taken=taken)
    assert [p.relative_to(tmp_path).as_posix() for p in result.files] == [
        "canvas.md", "canvas-screenshots/page-1-1.png", "canvas-screenshots/page-1-3.png"]
    text = (tmp_path / "canvas.md").read_text()
    assert "](canvas-screenshots/page-1-1.png)" in text
    assert _png_size((tmp_path / "canvas-screenshots/page-1-3.png").read_bytes()) == (1280, 800)
    assert (result.screenshots_stored, result.screenshots_taken, result.without_screenshot) == \
        (1, 1, 1)
    assert "3 pages, 1 screenshot from the history, 1 taken now, 1 without a screenshot" in \
        result.summary()


def test_a_zip_holds_the_markdown_and_its_screenshots(qapp: Any, store: Store,
                                                       tmp_path: Path) -> None:
    source = RunSource.load(store, rich_run(store).run_id)
    out = tmp_path / "out"
    out.mkdir()
    result = write_run_report(source, out / "canvas.zip", QtImaging())
    assert result.files == (out / "canvas.zip",)
    with zipfile.ZipFile(out / "canvas.zip") as archive:
        assert archive.namelist() == ["canvas.md", "screenshots/page-1-1.png"]
        assert "](screenshots/page-1-1.png)" in archive.read("canvas.md").decode()
        assert _png_size(archive.read("screenshots/page-1-1.png")) == (320, 200)
    assert [p.name for p in out.iterdir()] == ["canvas.zip"]  # no temporary left


def test_the_contact_sheet_is_a_png_of_the_pages_with_their_captions(
        qapp: Any, store: Store, tmp_path: Path) -> None:
    source = RunSource.load(store, rich_run(store).run_id)
    write_run_report(source, tmp_path / "sheet.png", QtImaging())
    image = QImage(str(tmp_path / "sheet.png"))
    layout = sheet_layout(run_document(source.run))
    assert (image.width(), image.height()) == (layout.width, layout.height)
    # The kept screenshot (solid red, 16:10 like the box) fills the first tile's picture;
    # the second answer failed and has no page: its box is empty.
    for tile, colour in zip(layout.tiles[:2], ((255, 0, 0), (0xEA, 0xEE, 0xF2)), strict=True):
        x, y, width, height = tile.image
        pixel = image.pixelColor(x + width // 2, y + height // 4)
        assert (pixel.red(), pixel.green(), pixel.blue()) == colour


def test_no_key_or_local_path_in_any_format(qapp: Any, store: Store, tmp_path: Path) -> None:
    secret = "zz-registered-key-5e6f7a8b9c"  # no known key shape: only registration finds it
    register_secret(secret)
    rich = rich_run(store)
    run = store.run(rich.run_id)
    store.save_response(run.turns[1].id, 2, ResponseData(
        model="qwen:qwen3-max-preview", text=f"I saw {secret} in {HOME}/.config/keys.txt",
        html=f"<p>{secret} {HOME}/secret</p>"))
    source = RunSource.load(store, rich.run_id)
    scrub = Scrubber(home=HOME, user="ada")
    for name in ("r.html", "r.md", "r.zip"):
        write_run_report(source, tmp_path / name, QtImaging(), scrub=scrub)
    with zipfile.ZipFile(tmp_path / "r.zip") as archive:
        contents = b"".join(archive.read(n) for n in archive.namelist())
    for data in ((tmp_path / "r.html").read_bytes(), (tmp_path / "r.md").read_bytes(), contents):
        for leak in (secret, KEY, HOME, "/home/ada"):
            assert leak.encode() not in data


def test_eight_models_with_long_answers_and_screenshots_make_a_report_of_a_few_megabytes(
        qapp: Any, store: Store, tmp_path: Path) -> None:
    # A noisy picture is the worst case for compression: a page full of detail.
    image = QImage(1280, 800, QImage.Format.Format_RGB32)
    for y in range(800):
        for x in range(0, 1280, 4):
            image.setPixel(x, y, (x * 2654435761 ^ y * 40503) & 0xFFFFFF)
    from studio.ui.preview.export import png_bytes

    run_id = big_run(store, models=8, kilobytes=60, screenshot=png_bytes(image))
    result = write_run_report(RunSource.load(store, run_id), tmp_path / "big.html", QtImaging(),
                              options=ReportOptions())
    assert result.screenshots_stored == 8
    assert result.size < 4 * 1024 * 1024, result.summary()


def test_the_app_writes_the_file_off_the_gui_thread(qtbot: Any, store: Store,
                                                    tmp_path: Path) -> None:
    run_id = big_run(store, models=8, kilobytes=60, screenshot=solid_png(1280, 800, (9, 9, 9)))
    exporter = ReportExporter(run_request(store, run_id, "big"), tmp_path / "big.html",
                              ReportOptions())
    seen: list[bool] = []
    ticker = QTimer()
    ticker.setInterval(5)
    ticker.timeout.connect(lambda: seen.append(exporter.writing))
    ticker.start()
    try:
        with qtbot.waitSignal(exporter.saved, timeout=60_000) as saved:
            exporter.start()
    finally:
        ticker.stop()
    # The event loop kept turning while the writer thread worked.
    assert True in seen
    assert not exporter.cancel()  # done: nothing left to cancel
    result = saved.args[0]
    assert result.path == tmp_path / "big.html" and result.screenshots_stored == 8
    exporter.deleteLater()
