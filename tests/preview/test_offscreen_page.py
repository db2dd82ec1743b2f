"""OffscreenPage: one page run in the real sandbox without being put on the screen, and how
it ended — loaded (its console and picture read), crashed, stuck in a loop, still loading
at the deadline, or no engine to run it — each said once with `done`, then the view
disposed on close."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSize
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from studio.ui.preview.engine_check import engine_status
from studio.ui.preview.offscreen import (
    CRASHED,
    LOADED,
    NOT_RESPONDING,
    TIMED_OUT,
    OffscreenPage,
)
from studio.ui.preview.view import UNAVAILABLE, PreviewView
from tests.preview.conftest import _start_engine_once, needs_display

PAINTED = """<!doctype html><html><head><style>
html, body { margin: 0; height: 100%; overflow: hidden; background: rgb(0, 160, 80); }
</style></head><body><script>
console.error("drawn with a warning of its own");
</script></body></html>"""
LOOPS = "<!doctype html><p>stuck</p><script>while (true) {}</script>"
NEVER = 600_000  # longer than any test runs: that timer must not be what ends it


@pytest.fixture
def pages(qtbot: Any) -> Iterator[list[OffscreenPage]]:
    _start_engine_once(qtbot)
    made: list[OffscreenPage] = []
    yield made
    for page in made:
        page.close()
    # Pages must be gone before the profile, which lives as long as the application.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def _run(qtbot: Any, pages: list[OffscreenPage], html: str, *, timeout: int = 60_000,
         **options: Any) -> tuple[OffscreenPage, str]:
    page = OffscreenPage(html, **options)
    pages.append(page)
    outcomes: list[str] = []
    page.done.connect(outcomes.append)
    with qtbot.waitSignal(page.done, timeout=timeout):
        page.start()
    assert outcomes == [page.outcome]
    return page, outcomes[0]


def _on_screen() -> list[PreviewView]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, PreviewView) and w.isVisible() and w.windowHandle() is not None
            and w.windowHandle().isExposed()]


@needs_display
def test_a_page_that_loads_is_read_and_pictured_at_its_size(
        qtbot: Any, pages: list[OffscreenPage]) -> None:
    page, outcome = _run(qtbot, pages, PAINTED, size=QSize(640, 400), settle_ms=300,
                         load_timeout_ms=NEVER)
    assert outcome == LOADED and page.loaded
    view = page.view
    assert view is not None and view.isVisible()
    assert _on_screen() == []  # shown, so it runs, but never mapped on the screen
    assert [e.message for e in view.console().entries()] == [
        "drawn with a warning of its own"]
    assert view.error_count() == 1
    image = QImage.fromData(page.grab_now())
    assert (image.width(), image.height()) == (640, 400)
    colour = image.pixelColor(320, 200)
    assert (colour.red(), colour.green(), colour.blue()) == (0, 160, 80)


def test_a_crashed_page_is_said_at_once_with_no_picture(
        qtbot: Any, pages: list[OffscreenPage]) -> None:
    page = OffscreenPage("<p>about to go</p>", settle_ms=NEVER, load_timeout_ms=NEVER)
    pages.append(page)
    page.start()
    view = page.view
    assert view is not None
    qtbot.waitUntil(lambda: view.state() == "ready" and view.page() is not None
                    and view.page().renderProcessPid() > 0, timeout=60_000)
    with qtbot.waitSignal(page.done, timeout=30_000) as done:
        os.kill(view.page().renderProcessPid(), signal.SIGKILL)  # its renderer dies
    assert done.args == [CRASHED] and page.outcome == CRASHED
    assert "killed" in view.crash_reason()
    assert page.grab_now() == b""


def test_a_page_stuck_in_a_loop_is_said_at_once(qtbot: Any,
                                                pages: list[OffscreenPage]) -> None:
    page, outcome = _run(qtbot, pages, LOOPS, settle_ms=NEVER, load_timeout_ms=NEVER,
                         hang_timeout_ms=1000)
    assert outcome == NOT_RESPONDING
    assert page.view is not None and page.view.state() == "not-responding"


def test_waiting_out_hangs_a_page_still_stuck_at_the_deadline_is_said_stuck(
        qtbot: Any, pages: list[OffscreenPage]) -> None:
    page = OffscreenPage(LOOPS, settle_ms=100, load_timeout_ms=8000, hang_timeout_ms=1000,
                         wait_out_hangs=True)
    pages.append(page)
    page.start()
    view = page.view
    assert view is not None
    # What had been said when the watchdog found the page stuck: nothing yet.
    said_then: list[str | None] = []
    view.stateChanged.connect(
        lambda state: said_then.append(page.outcome) if state == "not-responding" else None)
    qtbot.waitUntil(lambda: page.outcome is not None, timeout=60_000)
    assert said_then == [None]
    assert page.outcome == NOT_RESPONDING and not page.loaded


def test_a_page_that_never_finishes_loading_ends_at_the_deadline(
        qtbot: Any, pages: list[OffscreenPage]) -> None:
    # The loop holds the parser, so the page never loads; the watchdog is told to wait
    # longer than the test, so the deadline is what ends it.
    page, outcome = _run(qtbot, pages, LOOPS, settle_ms=100, load_timeout_ms=1500,
                         hang_timeout_ms=NEVER)
    assert outcome == TIMED_OUT and not page.loaded
    assert page.view is not None and page.view.state() == "loading"


def test_without_a_working_engine_it_is_said_at_once(
        qtbot: Any, pages: list[OffscreenPage]) -> None:
    status = engine_status()
    status.note_start_failure("code 1002")  # what a renderer that cannot start leaves
    try:
        page = OffscreenPage("<p>cannot run</p>", settle_ms=NEVER, load_timeout_ms=NEVER)
        pages.append(page)
        said: list[str] = []
        page.done.connect(said.append)
        page.start()  # the view says so as it is given the page
        assert said == [UNAVAILABLE]
        assert page.view is not None and "could not start" in page.view.unavailable_message()
        assert page.grab_now() == b""
    finally:
        status.retry()
    assert status.problem() is None


def test_closing_disposes_the_view_and_a_page_closed_early_says_nothing(
        qtbot: Any, pages: list[OffscreenPage]) -> None:
    page = OffscreenPage("<p>never looked at</p>", settle_ms=NEVER, load_timeout_ms=NEVER)
    said: list[str] = []
    page.done.connect(said.append)
    page.start()
    view = page.view
    assert view is not None
    qtbot.waitUntil(lambda: view.state() == "ready", timeout=60_000)
    gone: list[bool] = []
    view.destroyed.connect(lambda: gone.append(True))
    page.close()
    assert page.view is None and view.state() == "empty"  # its page and origin released
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert gone == [True] and said == []
