"""Hostile pages in a batch report, served from loopback and opened in a real browser engine:
started from their cells' details, they run, and they can neither read nor change the
report, nor reach a loopback server (asserted at the server: it receives nothing), nor
navigate the reader away — the same policies as a comparison's pages."""

from __future__ import annotations

from typing import Any

import pytest

from studio.report.batch_export import BatchSource, write_batch_report
from studio.report.export import ReportOptions
from studio.store import Store
from studio.ui.report.imaging import QtImaging
from tests.preview.conftest import LoopbackTrap
from tests.report.conftest import REFUSALS, Browser, ReportServer
from tests.report.test_report_attacks import (
    ATTACKER,
    ESCAPER,
    NAVIGATOR,
    assert_attacker_refused,
)
from tests.support.report_batches import batch_of_pages

pytestmark = pytest.mark.qt_log_ignore(*REFUSALS)

# The report as the reader sees it (the frames' own documents are theirs).
STATE = ("[document.title, document.querySelectorAll('*').length, document.body.innerText, "
         "location.href, document.querySelectorAll('iframe').length]")


def _column_of(browser: Browser, model: str) -> int:
    """The column of `model` (a blind report shuffles them), from the sealed names."""
    browser.js("document.querySelector('button[data-action=reveal]').click()")
    browser.qtbot.waitUntil(lambda: browser.js(
        "document.querySelectorAll('#matrix thead .sealed').length") == 0, timeout=5000)
    names = browser.js("Array.from(document.querySelectorAll('#matrix thead .who'))"
                       ".map(e => e.textContent)")
    return int(names.index(f"lab:{model}")) + 1


def _start(browser: Browser, key: str, frame: str) -> Any:
    """Open the cell's detail, start its page; the report's state just as the page starts
    (measured in the same turn as the click, before any of the page's script runs)."""
    browser.js(f"location.hash = '#{key}'")
    browser.qtbot.waitUntil(lambda: browser.js(
        f"document.querySelector('#{key} .detail-body').hasAttribute('data-unpacked')"),
        timeout=10_000)
    state = browser.js(f"(document.querySelector('#{key} [data-frame={frame}]').click(), "
                       f"{STATE})")
    browser.js(f"document.getElementById({frame!r}).scrollIntoView()")
    return state


def test_hostile_pages_in_a_batch_cannot_touch_the_report_or_reach_loopback(
        qapp: Any, store: Store, report_server: ReportServer, loopback_trap: LoopbackTrap,
        browser: Browser) -> None:
    values = {"trap": loopback_trap.http, "ws": loopback_trap.http.replace("http:", "ws:"),
              "origin": report_server.origin}
    batch_id = batch_of_pages(store, {
        "attacker": ATTACKER.format(**values), "navigator": NAVIGATOR.format(**values),
        "escaper": ESCAPER}, title="Hostile pages")
    write_batch_report(BatchSource.load(store, batch_id), report_server.root / "report.html",
                       QtImaging(), options=ReportOptions(blind=True))
    url = report_server.url("report.html")
    browser.open(url)

    column = _column_of(browser, "attacker")
    before = _start(browser, f"cell-1-{column}", f"page-1-{column}")
    attacker = f"page-1-{column}"
    browser.wait_frame(attacker, "document.body.dataset.result ? 'done' : ''", "done",
                       timeout=30_000)
    assert_attacker_refused(browser, attacker)
    assert browser.js(STATE) == before

    column = _column_of(browser, "escaper")
    before = _start(browser, f"cell-1-{column}", f"page-1-{column}")
    # Its text reached its frame whole: its own handler ran there, and only there.
    browser.wait_frame(f"page-1-{column}", "document.body.dataset.inside || ''", "ran")
    assert browser.js(STATE) == before

    column = _column_of(browser, "navigator")
    before = _start(browser, f"cell-1-{column}", f"page-1-{column}")
    # It tried to leave: it was stopped in its frame (the browser's own error page is all
    # that frame shows now), and the reader is where they were.
    browser.wait_frame(f"page-1-{column}", "location.protocol", "chrome-error:")
    assert browser.js(STATE) == before
    assert browser.page.url().toString() == f"{url}#cell-1-{column}"
    assert loopback_trap.hits == []
    assert report_server.requests == ["/report.html"]
