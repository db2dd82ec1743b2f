"""A batch started from the library in the real window, against the loopback simulator:
variable rows and checks, the estimate, cells filling in with their states, thumbnails
from the sandbox, a failing model, the footers, and a cell opening in the workspace."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import Qt

from studio.core.batch import BatchState, CellState
from studio.core.catalog import ProviderRegistry
from studio.store import RunId
from studio.ui.main_window import MainWindow
from tests.gui.grid.grid_support import (
    WindowMaker,
    add_collection,
    batch_window,
    click_cell,
    controller,
    open_start_dialog,
    page_answer,
    sent_prompt,
    start,
    states,
    wait_finished,
)
from tests.gui.workspace.workspace_support import (
    ENGINE_NOISE,
    OFFSCREEN_SIZE_HINTS,
    target,
    wait_until,
)
from tests.support.scenarios import Status
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, *ENGINE_NOISE),
              pytest.mark.timeout(180)]

GAMES = [
    {"title": "Game", "body": "Write {{game}} as one HTML page.",
     "variables": {"game": "snake"}, "rows": [{"game": "snake"}, {"game": "pong"}],
     "checks": [{"kind": "icontains", "value": "{{game}}"}, {"kind": "has-page"}]},
    {"title": "Landing", "body": "A landing page for a bakery.",
     "checks": [{"kind": "contains", "value": "croissant"}]},
]


def _window(make_window: WindowMaker, registry: ProviderRegistry, sim: Simulator,
            ) -> MainWindow:
    sim.script("good", page_answer("the snake game", "#43a047"))
    sim.script("broken", Status(401))
    window = make_window()
    window.model_bar.set_targets([target(registry, "sim-openai", "good"),
                                  target(registry, "sim-anthropic", "broken")])
    return window


def test_a_collection_runs_as_a_grid_with_rows_checks_thumbnails_and_a_failing_model(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    window = _window(make_window, registry, sim)
    assert window.store is not None
    games = add_collection(window.store, "Games", GAMES)
    dialog = open_start_dialog(loop, window, games)
    assert "“Games”: 2 prompts, 3 rows" in dialog.what.text()
    estimate = dialog.estimate_label.text()
    assert "3 × 2 = 6 cells" in estimate and "6 requests" in estimate
    assert "cost unknown" in estimate and "no price" in estimate  # never said to be free
    batch = start(loop, window, dialog)
    grid = batch_window(window)
    assert grid.isVisible() and grid.model.rowCount() == 3 and grid.model.columnCount() == 2
    assert [batch.rows[r].label for r in range(3)] == ["Game · game=snake", "Game · game=pong",
                                                       "Landing"]
    header = grid.model.headerData(0, Qt.Orientation.Horizontal)
    assert header.splitlines() == ["good", "Sim openai"]

    batch = wait_finished(loop, window)
    assert batch.state is BatchState.DONE
    assert states(batch) == [[CellState.DONE, CellState.FAILED]] * 3
    assert {batch.cell(r, 1).error_kind for r in range(3)} == {"auth"}
    prompts = sorted(sent_prompt(q) for q in sim.requests_for("good"))
    assert prompts == ["A landing page for a bakery.", "Write pong as one HTML page.",
                       "Write snake as one HTML page."]

    # Checks: the answer names snake, not pong, and no croissant.
    marks = [grid.model.face(r, 0).marks for r in range(3)]  # type: ignore[union-attr]
    assert marks == ["✓✓", "✗✓", "✗"]
    tip = grid.model.data(grid.model.index(1, 0), Qt.ItemDataRole.ToolTipRole)
    assert "Checks: 1 of 2 passed" in tip and "✗ icontains 'pong'" in tip
    failed_tip = grid.model.data(grid.model.index(0, 1), Qt.ItemDataRole.ToolTipRole)
    assert "auth (HTTP 401)" in failed_tip
    assert "not run: the answer failed" in failed_tip

    # Thumbnails: a screenshot of each page, taken in the sandbox and decoded for the grid.
    c = controller(window)
    done = [batch.cell(r, 0) for r in range(3)]
    assert all(cell.has_screenshot for cell in done)
    wait_until(loop, lambda: all(c.thumbnails.image(cell.response_id) is not None
                                 for cell in done), what="the thumbnails")
    picture = c.thumbnails.image(done[0].response_id)
    assert picture is not None and picture.width() <= 112 and picture.height() <= 70
    # The page was green: the thumbnail is mostly green.
    colour = picture.pixelColor(picture.width() // 2, picture.height() - 3)
    assert colour.green() > 120 and colour.red() < 120, colour.name()
    assert batch.cell(0, 1).has_screenshot is False
    grid.grab()  # every cell painted (thumbnails, marks, failures) without an error

    # Footers: failures, pass rate and costs per column.
    footer = grid.grid.footer_model
    assert footer.text(0) == ("cost unknown · TTFT " + footer.text(0)[0].split("TTFT ")[1],
                              "0 failed · checks 60 % (3/5) · ★ –")
    assert footer.text(1)[1] == "3 failed · checks – · ★ –"

    # A cell opens its comparison in the workspace: the row's run, the model's pane.
    click_cell(loop, grid, 2, 0)
    comparison = window.comparison
    assert comparison is not None and comparison.run_id == RunId(batch.rows[2].run_id or 0)
    assert window.pane_area.current_index == 0
    assert comparison.panes[0].answer_text().startswith("Here is the snake game.")
    assert comparison.panes[1].state.value == "failed"
    click_cell(loop, grid, 0, 1)
    assert window.comparison is not None
    assert window.comparison.run_id == RunId(batch.rows[0].run_id or 0)
    assert window.pane_area.current_index == 1
