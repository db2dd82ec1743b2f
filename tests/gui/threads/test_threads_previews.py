"""A page's picture is kept with its answer, and a reopened answer's page runs again."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import qasync

from studio.core.catalog import ProviderRegistry
from studio.ui.main_window import MainWindow
from tests.gui.threads.threads_support import reopened_store, send
from tests.gui.workspace.workspace_support import (
    in_loop,
    live_page_marks,
    target,
    wait_until,
)
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

if TYPE_CHECKING:
    from studio.ui.preview.view import PreviewView

PAGE = ("Here it is:\n\n```html\n<!doctype html>\n<html><body><h1 id='t'>{title}</h1>"
        "</body></html>\n```\n")

pytestmark = live_page_marks()


def test_a_shown_page_is_saved_as_a_screenshot_and_reopens_in_the_preview(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("shot-page", Synthetic([PAGE.format(title="Pictured")]))
    comparison = send(loop, window, "make a page", [target(registry, "sim-openai",
                                                           "shot-page")])
    run_id = comparison.run_id
    assert run_id is not None
    pane = comparison.panes[0]
    in_loop(loop, pane.preview_button.click)

    def screenshot() -> bytes | None:
        with reopened_store(window) as store:
            response = store.run(run_id).branch()[0].current(0)
            assert response is not None
            return store.screenshot(response.id)

    wait_until(loop, lambda: screenshot() is not None, timeout=30, what="the screenshot")
    png = screenshot()
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")

    in_loop(loop, window.new_comparison)
    reopened = in_loop(loop, lambda: window.reopen_run(run_id))
    assert reopened is not None
    again = reopened.panes[0]
    in_loop(loop, again.preview_button.click)
    preview = cast("PreviewView | None", again.preview)
    assert preview is not None and preview.isVisible()
    document = preview.document()
    assert document is not None and "<h1 id='t'>Pictured</h1>" in document
    with reopened_store(window) as store:
        saved = store.run(run_id).branch()[0].current(0)
        assert saved is not None and saved.html == document
