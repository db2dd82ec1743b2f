"""A pane's page in its own preview, and every page side by side in the Previews tab."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import qasync
from PySide6.QtWidgets import QApplication

from studio.core.catalog import ProviderRegistry
from studio.ui.main_window import MainWindow
from studio.ui.workspace.previews_tab import preview_key
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

pytestmark = live_page_marks()

PAGE = ("Here it is:\n\n```html\n<!doctype html>\n<html><body><h1 id='t'>{title}</h1>"
        "</body></html>\n```\n")


def test_pages_open_in_the_pane_and_side_by_side_in_the_previews_tab(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("page-a", Synthetic([PAGE.format(title="Alpha")]))
    sim.script("page-b", Synthetic([PAGE.format(title="Beta")]))
    comparison = in_loop(loop, lambda: window.send("make a page", [
        target(registry, "sim-openai", m) for m in ("page-a", "page-b")]))
    wait_until(loop, lambda: comparison.settled, what="two pages")
    pane_a, _pane_b = window.pane_area.panes()
    assert pane_a.preview is None  # QtWebEngine is only started when asked for

    in_loop(loop, pane_a.preview_button.click)
    preview = cast("PreviewView | None", pane_a.preview)  # created by the click
    assert preview is not None and preview.isVisible()
    document = preview.document()
    assert document is not None and "<h1 id='t'>Alpha</h1>" in document
    assert document == comparison.runs[0].html()
    in_loop(loop, pane_a.preview_button.click)
    assert not preview.isVisible()

    window.actions_.previews.trigger()
    QApplication.processEvents()
    assert window.tabs.currentWidget() is window.previews
    grid = window.previews.grid
    assert grid is not None
    keys = [preview_key(i, f"sim-openai:{m}") for i, m in enumerate(("page-a", "page-b"))]
    assert grid.keys() == keys
    for key, run in zip(keys, comparison.runs, strict=True):
        shown = grid.preview(key)
        assert shown is not None and shown.document() == run.html()
    beta = grid.preview(keys[1])
    assert beta is not None and "Beta" in (beta.document() or "")

    # Back to the answers; a new comparison empties the grid.
    window.actions_.previews.trigger()
    assert window.tabs.currentWidget() is window.pane_area
    window.new_comparison()
    assert grid.keys() == []
