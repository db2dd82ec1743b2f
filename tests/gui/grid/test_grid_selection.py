"""Selecting a row runs that prompt's pages side by side, live while they stream (and only
that row's); selecting a column shows one model across all prompts."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import Qt

from studio.core.batch import CellState
from studio.core.catalog import ProviderRegistry
from tests.gui.grid.grid_support import (
    WindowMaker,
    add_collection,
    batch_window,
    click_header,
    controller,
    open_start_dialog,
    page,
    page_answer,
    start,
    wait_finished,
)
from tests.gui.integration.integration_support import wait_for_page_text
from tests.gui.workspace.workspace_support import (
    ENGINE_NOISE,
    OFFSCREEN_SIZE_HINTS,
    target,
    wait_until,
)
from tests.support.scenarios import Hold, Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, *ENGINE_NOISE),
              pytest.mark.timeout(180)]


def _slow_page(title: str, hold: Hold) -> Synthetic:
    """A page that stops streaming just after its heading until `hold` is released."""
    text = f"Here it comes.\n\n```html\n{page(title, '#8e24aa')}\n```\n"
    chunks = [text[i:i + 4] for i in range(0, len(text), 4)]
    heading = text.index("</h1>") + len("</h1>")
    return Synthetic(chunks, hold=hold, hold_after=-(-heading // 4))


def test_a_selected_row_runs_its_pages_live_and_a_column_shows_one_model(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    hold = Hold()
    sim.script("slow", _slow_page("Slow page", hold))
    sim.script("quick", page_answer("Quick page"))
    window = make_window()
    window.model_bar.set_targets([target(registry, "sim-openai", "quick"),
                                  target(registry, "sim-anthropic", "slow")])
    assert window.store is not None
    collection = add_collection(window.store, "Pages", [
        {"title": "First", "body": "A page"}, {"title": "Second", "body": "Another page"}])
    start(loop, window, open_start_dialog(loop, window, collection))
    grid = batch_window(window)
    c = controller(window)
    batch = c.batch
    assert batch is not None
    wait_until(loop, lambda: batch.cell(0, 1).state is CellState.STREAMING
               and "<h1>" in batch.cell(0, 1).text, what="the slow page to stream")

    click_header(loop, grid, row=0)
    pages = grid.detail.row_pages
    assert grid.detail.currentWidget() is pages and pages.row == 0
    assert pages.title.text() == "First"
    preview_grid = pages.grid
    assert preview_grid is not None and sorted(preview_grid.keys()) == ["0", "1"]
    live = preview_grid.preview("1")
    assert live is not None
    # The page runs while its answer is still streaming.
    wait_until(loop, lambda: live.document() is not None, what="the live page")
    assert batch.cell(0, 1).state is CellState.STREAMING
    try:
        wait_for_page_text(loop, live, "document.querySelector('h1') ? "
                           "document.querySelector('h1').textContent : ''", "Slow page")
        assert batch.cell(0, 1).state is CellState.STREAMING
        quick = preview_grid.preview("0")
        assert quick is not None
        wait_for_page_text(loop, quick, "document.title", "Quick page")
    finally:
        hold.release()

    batch = wait_finished(loop, window)
    assert live.document() == batch.cell(0, 1).result.html  # type: ignore[union-attr]

    # Another row: its own pages; only one row of previews ever runs.
    click_header(loop, grid, row=1)
    assert pages.row == 1 and pages.title.text() == "Second"
    assert sorted(preview_grid.keys()) == ["0", "1"]
    second = preview_grid.preview("1")
    assert second is not None and second is not live
    assert second.document() == batch.cell(1, 1).result.html  # type: ignore[union-attr]

    # A column: that model across all prompts, with its pictures.
    click_header(loop, grid, col=1)
    sheet = grid.detail.column_model
    assert grid.detail.currentWidget() is grid.detail.sheet and sheet.col == 1
    assert preview_grid.keys() == []  # the row's previews are gone with their renderers
    assert sheet.rowCount() == 2
    texts = [str(sheet.data(sheet.index(r), Qt.ItemDataRole.DisplayRole)) for r in range(2)]
    assert texts[0].startswith("First\ndone\nTTFT ") and texts[1].startswith("Second\ndone\n")
    wait_until(loop, lambda: all(sheet.data(sheet.index(r), Qt.ItemDataRole.DecorationRole)
                                 is not None for r in range(2)), what="the column's pictures")
    picture = sheet.data(sheet.index(0), Qt.ItemDataRole.DecorationRole)
    assert picture.width() == 256  # larger than the grid's thumbnails
    grid.grab()
