"""A batch report opened in a real browser engine: the matrix, its totals and checks as the
reader sees them, a cell's detail unpacked when its picture is clicked, its page run only
on demand (and stopped when the detail closes), the blind reveal, and a 400-cell report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage

from studio.report.batch_export import BatchSource, write_batch_report
from studio.report.containment import normalize_page
from studio.report.export import ReportOptions
from studio.store import Store
from studio.ui.report.imaging import QtImaging, _encode
from tests.report.conftest import REFUSALS, Browser, ReportServer
from tests.support.report_batches import SLOTS, big_batch, rich_batch

pytestmark = pytest.mark.qt_log_ignore(*REFUSALS)

PIXEL = ("Array.from(document.getElementById('c').getContext('2d')"
         ".getImageData(5, 5, 1, 1).data).slice(0, 3).join(',')")
PAINTED = "document.body && document.body.dataset.painted || ''"
REPO = Path(__file__).resolve().parents[2]


def _report(store: Store, server: ReportServer, name: str = "batch.html",
            **options: Any) -> str:
    source = BatchSource.load(store, rich_batch(store).batch_id)
    write_batch_report(source, server.root / name, QtImaging(),
                       options=ReportOptions(**options))
    return server.url(name)


def _cells(browser: Browser, script: str) -> list[Any]:
    """`script` (of `td`) for every cell of the matrix, row by row."""
    return browser.js("Array.from(document.querySelectorAll('#matrix tbody td.cell'))"
                      f".map(td => {script})")


def _open(browser: Browser, key: str) -> None:
    """Click the cell's picture, as a reader does, and wait for its detail to unpack."""
    browser.js(f"document.querySelector('#at-{key} a.thumb').click()")
    browser.qtbot.waitUntil(lambda: browser.js(
        f"document.querySelector('#{key} .detail-body').hasAttribute('data-unpacked')"),
        timeout=10_000)


def _refused(browser: Browser) -> list[str]:
    return [m for m in browser.page.messages if "Content Security Policy" in m]


def test_the_matrix_shows_every_cell_its_checks_and_the_totals(
        qapp: Any, store: Store, report_server: ReportServer, browser: Browser) -> None:
    browser.open(_report(store, report_server))
    assert browser.js("Array.from(document.querySelectorAll('#matrix thead th'))"
                      ".map(e => e.textContent.trim())") == ["Prompt", *SLOTS]
    assert browser.js("Array.from(document.querySelectorAll('#matrix tbody .row-title'))"
                      ".map(e => e.textContent.trim())") == ["1 Shapes", "2 Shapes", "3 Pagoda"]
    assert browser.js("Array.from(document.querySelectorAll('#matrix tbody .row-prompt'))"
                      ".map(e => e.textContent)") == ["Draw a square on a canvas",
                                                      "Draw a circle on a canvas",
                                                      "A voxel pagoda"]
    assert _cells(browser, "td.querySelector('.cell-state').textContent.trim()") == [
        "done ★★★★☆", "done", "done", "done", "failed rate limit (HTTP 429)", "done", "done",
        "stopped", "not run"]
    assert _cells(browser, "Array.from(td.querySelectorAll('.checks .mark'))"
                  ".map(m => m.textContent).join('')") == [
        "✓✓", "✓✓", "✓✗", "✓✓·", "·", "✗✓✓", "", "", ""]
    assert _cells(browser, "Array.from(td.querySelectorAll('.cell-figures dd'))"
                  ".map(d => d.textContent).join(' ')")[:3] == [
        "620 ms 121 $0.0042", "900 ms 110 $0.0038", "1.5 s 40 $0.011"]
    # The reason of each check is on it (the reader points at it).
    titles = browser.js("Array.from(document.querySelectorAll('#at-cell-2-3 .checks li'))"
                        ".map(li => li.title)")
    assert titles == ["icontains 'circle' — failed: 'circle' is not in the answer",
                      "page — passed: the answer has a page",
                      "no-console-errors — passed: the page ran with no console error"]
    # The kept screenshot is the thumbnail, scaled to 240 px; the other pages say they have
    # none, and why.
    thumbs = _cells(browser, "(img => img ? img.naturalWidth + 'x' + img.naturalHeight : "
                    "td.querySelector('.thumb').textContent.trim())(td.querySelector('img'))")
    assert thumbs == ["240x150", "No screenshot", "No page", "No screenshot", "No page",
                      "No screenshot", "No page", "No page", "Not answered"]
    assert browser.js("document.querySelector('#at-cell-1-2 .no-thumb').title") == \
        "No screenshot of this page was kept in the history."
    footer = browser.js("Array.from(document.querySelectorAll('#matrix tfoot td')).map(td => "
                        "Array.from(td.querySelectorAll('div')).map(d => "
                        "d.querySelector('dt').textContent + ': ' + "
                        "d.querySelector('dd').textContent))")
    assert footer == [
        ["cost: $0.0087", "median TTFT: 620 ms", "failures: 0 of 3",
         "checks passed: 100 % (4 of 4)", "mean rating: 4.0"],
        ["cost: $0.0038 (+1 unknown)", "median TTFT: 900 ms", "failures: 1 of 3",
         "checks passed: 100 % (2 of 2)", "mean rating: –"],
        ["cost: $0.011 (+1 unknown)", "median TTFT: 1.4 s", "failures: 0 of 3",
         "checks passed: 60 % (3 of 5)", "mean rating: –"]]
    # No detail is shown, and no page runs, until the reader asks.
    assert browser.js("Array.from(document.querySelectorAll('.cell-detail')).filter(d => "
                      "getComputedStyle(d).display !== 'none').length") == 0
    assert browser.js("document.querySelectorAll('iframe').length") == 0
    assert _refused(browser) == []


def test_a_cell_opens_its_detail_and_runs_its_page_only_on_demand(
        qapp: Any, store: Store, report_server: ReportServer, browser: Browser) -> None:
    url = _report(store, report_server)
    browser.open(url)
    _open(browser, "cell-1-1")
    assert browser.js("getComputedStyle(document.getElementById('cell-1-1')).position") == \
        "fixed"
    text = browser.js("document.getElementById('cell-1-1').innerText")
    for shown in ("openai:gpt-5 (T 0.2) · row 1: Shapes", "A red square:",
                  "icontains 'square' — passed: found 'square'", "tokens out", "$0.0042",
                  "Reasoning (26 characters)"):
        assert shown in text
    # Its page is there, in a sandboxed frame that has not started.
    assert browser.js("document.getElementById('page-1-1').hasAttribute('srcdoc')") is False
    assert browser.js("document.getElementById('page-1-1').getAttribute('sandbox')") == \
        "allow-scripts"
    browser.js("document.querySelector('#cell-1-1 [data-action=run]').click()")
    browser.wait_frame("page-1-1", PAINTED, "red")
    assert browser.frame_js("page-1-1", PIXEL) == "255,0,0"
    assert browser.frame_js("page-1-1", "location.href + ' ' + self.origin") == \
        "about:srcdoc null"
    browser.frame_js("page-1-1", "document.getElementById('b').click()")
    browser.wait_frame("page-1-1", "document.body.dataset.clicked || ''", "red")
    # Its source, as the model wrote it.
    source = BatchSource.load(store, 1)
    browser.js("document.querySelector('#cell-1-1 [data-action=source]').click()")
    assert browser.js("document.getElementById('page-1-1-source').textContent") == \
        normalize_page(source.pages[0].html)
    # Back to the matrix: the detail closes and its page stops.
    browser.js("document.querySelector('#cell-1-1 a.close').click()")
    browser.qtbot.waitUntil(lambda: browser.js(
        "getComputedStyle(document.getElementById('cell-1-1')).display") == "none",
        timeout=5000)
    assert browser.js("document.getElementById('page-1-1').hasAttribute('srcdoc')") is False
    assert browser.js("document.querySelector('#cell-1-1 [data-action=run]').disabled") is False
    assert browser.frame_js("page-1-1", PAINTED) == ""
    assert browser.page.url().toString() == url + "#at-cell-1-1"
    # Another cell: a failure and its message, then a page of its own.
    _open(browser, "cell-2-2")
    assert "rate limit (HTTP 429): rate limited for key [redacted]; cache at …/x.db" in \
        browser.js("document.getElementById('cell-2-2').innerText")
    _open(browser, "cell-2-3")
    browser.js("document.querySelector('#cell-2-3 [data-action=run]').click()")
    browser.wait_frame("page-2-3", PAINTED, "green")
    assert _refused(browser) == []


def test_a_blind_report_names_the_columns_and_reveals_them_on_request(
        qapp: Any, store: Store, report_server: ReportServer, browser: Browser) -> None:
    browser.open(_report(store, report_server, blind=True))
    text = browser.js("document.body.innerText")
    for name in ("gpt-5", "claude", "T 0.2", "$0.0042", "rate limited"):
        assert name not in text
    assert browser.js("Array.from(document.querySelectorAll('#matrix thead th b'))"
                      ".map(b => b.textContent)") == ["A", "B", "C"]
    browser.js("document.querySelector('button[data-action=reveal]').click()")
    browser.qtbot.waitUntil(lambda: browser.js(
        "document.querySelectorAll('.sealed').length") == 0, timeout=5000)
    models = browser.js("Array.from(document.querySelectorAll('#matrix thead .who'))"
                        ".map(e => e.textContent)")
    assert sorted(models) == ["anthropic:claude-opus-4-1", "openai:gpt-5", "openai:gpt-5"]
    costs = browser.js("Array.from(document.querySelectorAll('#matrix tfoot td')).map(td => "
                       "td.querySelector('dd').textContent)")
    assert sorted(costs) == ["$0.0038 (+1 unknown)", "$0.0087", "$0.011 (+1 unknown)"]
    # A detail opened after the reveal shows the names too.
    column = models.index("anthropic:claude-opus-4-1") + 1
    _open(browser, f"cell-1-{column}")
    assert browser.js(f"document.querySelector('#cell-1-{column} .who').textContent") == \
        "model: anthropic:claude-opus-4-1"
    assert browser.js(f"document.querySelectorAll('#cell-1-{column} .sealed').length") == 0


def _busy_screenshot() -> bytes:
    """A screenshot as busy as a real page's: four live previews of the app's own README
    picture, at the size the studio takes them."""
    image = QImage(str(REPO / "packaging" / "screenshots" / "previews.png"))
    assert not image.isNull()
    page = image.copy(QRect(0, 80, 880, 550)).scaled(
        1280, 800, Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation)
    return _encode(page, "PNG")


@pytest.mark.timeout(300)
def test_400_cells_with_every_answer_and_page_stay_within_a_few_megabytes(
        qapp: Any, store: Store, report_server: ReportServer, browser: Browser) -> None:
    batch_id = big_batch(store, prompts=50, models=8, screenshot=_busy_screenshot())
    source = BatchSource.load(store, batch_id)
    result = write_batch_report(source, report_server.root / "big.html", QtImaging())
    assert (result.pages, result.screenshots_stored) == (400, 400)
    # Measured: 4.4 MB (thumbnails 2.5 MB, the packed details 1.6 MB).
    assert result.size < 5 * 1024 * 1024, result.size
    browser.open(report_server.url("big.html"), timeout=60_000)
    assert browser.js("document.querySelectorAll('#matrix tbody td.cell img').length") == 400
    assert browser.js("document.querySelectorAll('#matrix tfoot td.totals').length") == 8
    assert browser.js("document.querySelector('.note') === null")  # nothing left out
    _open(browser, "cell-50-8")
    browser.js("document.querySelector('#cell-50-8 [data-action=run]').click()")
    browser.wait_frame("page-50-8", "document.getElementById('c') ? 'drawn' : ''", "drawn")
    assert _refused(browser) == []
