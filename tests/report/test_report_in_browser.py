"""A report of a comparison with pages, a failure, reasoning and a follow-up, opened in a
real browser engine: every page runs in its frame, the report's own controls work, and
nothing the report does is refused by its own policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from studio.report.containment import normalize_page
from studio.report.export import ReportOptions, RunSource, Shot, write_run_report
from studio.store import Store
from studio.ui.report.imaging import QtImaging
from tests.report.conftest import REFUSALS, Browser, ReportServer
from tests.support.report_runs import rich_run

pytestmark = pytest.mark.qt_log_ignore(*REFUSALS)

# Each page of the rich comparison: its frame, what it marks its body with, and its colour.
PAGES = [("page-1-1", "gpt", (255, 0, 0)), ("page-1-3", "qwen-edit", (0, 0, 255)),
         ("page-2-1", "gpt-circle", (255, 255, 0))]
PIXEL = ("Array.from(document.getElementById('c').getContext('2d')"
         ".getImageData(5, 5, 1, 1).data).slice(0, 3).join(',')")


def _report(store: Store, server: ReportServer, name: str = "report.html",
            **options: Any) -> str:
    rich = rich_run(store)
    source = RunSource.load(store, rich.run_id)
    write_run_report(source, server.root / name, QtImaging(), options=ReportOptions(**options))
    return server.url(name)


def test_every_page_runs_in_its_frame(qapp: Any, store: Store, report_server: ReportServer,
                                      browser: Browser) -> None:
    browser.open(_report(store, report_server))
    for name, mark, colour in PAGES:
        browser.wait_frame(name, "document.body && document.body.dataset.painted || ''", mark)
        assert browser.frame_js(name, PIXEL) == ",".join(map(str, colour))
        # Inline event handlers run too (allowed by their hashes).
        browser.frame_js(name, "document.getElementById('b').click()")
        browser.wait_frame(name, "document.body.dataset.clicked || ''", mark)
        # Each in an opaque origin of its own.
        assert browser.frame_js(name, "location.href + ' ' + self.origin") == \
            "about:srcdoc null"
    refused = [m for m in browser.page.messages if "Content Security Policy" in m]
    assert refused == []


def test_the_report_shows_the_thread_failures_reasoning_and_ratings(
        qapp: Any, store: Store, report_server: ReportServer, browser: Browser) -> None:
    browser.open(_report(store, report_server))
    turns = browser.js("Array.from(document.querySelectorAll('.turn .prompt-box')).map("
                       "e => e.textContent.trim())")
    assert turns == ["Draw a square on a canvas", "Now make it a circle"]
    cards = browser.js("Array.from(document.querySelectorAll('.turn')).map(t => Array.from("
                       "t.querySelectorAll('article')).map(a => a.querySelector('h3').textContent"
                       " + ' ' + (a.querySelector('.state') || {textContent: '-'}).textContent))")
    assert cards == [["openai:gpt-5 done", "anthropic:claude-opus-4-1 failed",
                      "qwen:qwen3-max-preview done"],
                     ["openai:gpt-5 done", "anthropic:claude-opus-4-1 -",
                      "qwen:qwen3-max-preview done"]]
    error = browser.js("document.querySelector('.error').textContent")
    assert error == "rate limit (HTTP 429): rate limited for key [redacted]; cache at …/x.db"
    assert browser.js("document.querySelector('details .reasoning').closest('details').open")\
        is False
    assert browser.js("document.querySelector('.stars').textContent") == "★★★★☆"
    assert "Not asked this prompt." in browser.js("document.body.innerText")
    # The kept screenshot is shown; the others say why there is none.
    shots = browser.js("Array.from(document.querySelectorAll('.shot')).map(s => "
                       "s.querySelector('img') ? 'img ' + s.querySelector('img').naturalWidth"
                       " : s.textContent.trim())")
    assert shots == ["img 320", "No screenshot of this page was kept in the history."
                     "Screenshot", "No screenshot of this page was kept in the history."
                     "Screenshot"]


def test_show_source_gives_back_the_page_as_written(
        qapp: Any, store: Store, report_server: ReportServer, browser: Browser) -> None:
    browser.open(_report(store, report_server))
    page = normalize_page(store.run(1).turns[0].responses[0].pages[0].html)  # type: ignore[arg-type]
    browser.js("document.querySelector('[data-source=\"page-1-1\"]').click()")
    browser.qtbot.waitUntil(lambda: browser.js(
        "!document.getElementById('page-1-1-source').hidden"), timeout=5000)
    assert browser.js("document.getElementById('page-1-1-source').textContent") == page
    assert browser.js("document.querySelector('[data-source=\"page-1-1\"]').textContent") == \
        "Hide source"
    browser.js("document.querySelector('[data-source=\"page-1-1\"]').click()")
    assert browser.js("document.getElementById('page-1-1-source').hidden") is True


def test_layout_and_theme_switch_without_script(
        qapp: Any, store: Store, report_server: ReportServer, browser: Browser) -> None:
    browser.open(_report(store, report_server, theme="light"))
    columns = "getComputedStyle(document.querySelector('.answers')).gridTemplateColumns"
    background = "getComputedStyle(document.body).backgroundColor"
    assert len(browser.js(columns).split()) == 3
    assert browser.js(background) == "rgb(255, 255, 255)"
    browser.js("document.querySelector('label[for=layout-stacked]').click()")
    browser.qtbot.waitUntil(lambda: len(browser.js(columns).split()) == 1, timeout=5000)
    browser.js("document.querySelector('label[for=theme-dark]').click()")
    browser.qtbot.waitUntil(lambda: browser.js(background) == "rgb(13, 17, 23)", timeout=5000)


def test_a_blind_report_reveals_the_models_on_request(
        qapp: Any, store: Store, report_server: ReportServer, browser: Browser) -> None:
    browser.open(_report(store, report_server, blind=True))
    text = browser.js("document.body.innerText")
    assert "gpt-5" not in text and "claude" not in text and "qwen3" not in text
    labels = browser.js("Array.from(document.querySelectorAll('#models td b'))"
                        ".map(b => b.textContent)")
    assert labels == ["A", "B", "C"]
    browser.js("document.querySelector('button[data-action=reveal]').click()")
    browser.qtbot.waitUntil(lambda: browser.js(
        "document.querySelectorAll('.sealed').length") == 0, timeout=5000)
    revealed = browser.js("Array.from(document.querySelectorAll('#models tr')).slice(1)"
                          ".map(r => r.cells[1].textContent)")
    assert sorted(revealed) == ["anthropic:claude-opus-4-1", "openai:gpt-5",
                                "qwen:qwen3-max-preview"]
    assert browser.js("document.querySelector('button[data-action=reveal]').disabled") is True
    assert "rate limited for key [redacted]" in browser.js("document.body.innerText")


def test_the_file_opens_from_disk_too(qapp: Any, store: Store, tmp_path: Path,
                                      browser: Browser, report_server: ReportServer) -> None:
    _report(store, report_server)
    url = (report_server.root / "report.html").as_uri()
    browser.open(url)
    browser.wait_frame("page-1-1", "document.body && document.body.dataset.painted || ''", "gpt")


def test_a_page_that_hung_in_the_studio_runs_only_when_asked(
        qapp: Any, store: Store, report_server: ReportServer, browser: Browser) -> None:
    rich = rich_run(store)
    source = RunSource.load(store, rich.run_id)
    qwen = source.missing()[0]
    write_run_report(source, report_server.root / "held.html", QtImaging(),
                     taken={qwen.key: Shot(None, "It stopped responding.", stuck=True)})
    browser.open(report_server.url("held.html"))
    browser.js("document.getElementById('page-1-3').scrollIntoView()")
    assert browser.js("document.getElementById('page-1-3').hasAttribute('srcdoc')") is False
    assert "It stopped responding." in browser.js("document.body.innerText")
    browser.js("document.querySelector('button[data-action=run]').click()")
    browser.wait_frame("page-1-3", "document.body && document.body.dataset.painted || ''",
                       "qwen-edit")
    # Its source is there before and after it runs.
    browser.js("document.querySelector('[data-source=\"page-1-3\"]').click()")
    assert "'qwen-edit'" in browser.js("document.getElementById('page-1-3-source').textContent")
