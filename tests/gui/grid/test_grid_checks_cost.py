"""In the real batch window at the simulator: a runaway regular expression leaves the window
responsive and fails its check with the reason; a judge's cost is shown apart from the
answer's — in the cell's tooltip, the column footer and the progress line."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import Qt, QTimer

from studio.core import regex_search
from studio.core.batch import CellState
from studio.core.catalog import ProviderRegistry
from studio.core.checks import Check
from studio.core.metrics_text import fmt_cost
from tests.gui.grid.grid_support import (
    PRICED_MODEL,
    WindowMaker,
    add_collection,
    batch_window,
    open_start_dialog,
    start,
    wait_finished,
)
from tests.gui.workspace.workspace_support import (
    ENGINE_NOISE,
    OFFSCREEN_SIZE_HINTS,
    target,
    wait_until,
)
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, *ENGINE_NOISE),
              pytest.mark.timeout(180)]

RUNAWAY = r"(a+)+$"  # catastrophic backtracking on a long run of a's ending in b
VERDICT = '{"pass": true, "score": 0.9, "reason": "Long enough."}'


def test_a_runaway_pattern_leaves_the_window_responsive_and_judging_is_costed_apart(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    # Long enough that the window is surely seen handling events mid-search on a busy machine.
    monkeypatch.setattr(regex_search, "REGEX_TIME_LIMIT_S", 5.0)
    # The priced model answers, then judges its own answer: the two costs stay apart.
    sim.script(PRICED_MODEL, Synthetic(["a" * 5_000, "b"], usage=(1_000, 2_000)),
               Synthetic([VERDICT], usage=(500, 40)))
    window = make_window()
    window.model_bar.set_targets([target(registry, "sim-openai", PRICED_MODEL)])
    assert window.store is not None
    judge = f"sim-openai:{PRICED_MODEL}"
    long = add_collection(window.store, "Long", [{"title": "Long", "body": "Say a lot",
                                                  "checks": [
        Check("regex", RUNAWAY),
        Check("judge", "Is it long?", model=judge, images=False)]}])
    dialog = open_start_dialog(loop, window, long)
    assert "(1 to judges)" in dialog.estimate_label.text()
    assert "judging $" in dialog.estimate_label.text()
    batch = start(loop, window, dialog)
    cell = batch.cell(0, 0)
    grid = batch_window(window)

    wait_until(loop, lambda: cell.state is CellState.CHECKING, timeout=60,
               what="the answer to be checked")
    ticks = [0]
    timer = QTimer(grid)
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    timer.start()
    try:
        # The event loop goes on while the pattern runs: timers fire, the grid repaints.
        wait_until(loop, lambda: ticks[0] >= 20 or cell.state is not CellState.CHECKING,
                   timeout=60, what="the window's timer")
        assert cell.state is CellState.CHECKING, "the window stood still during the search"
        grid.grab()
    finally:
        timer.stop()

    batch = wait_finished(loop, window)
    runaway, judged = cell.checks
    assert (runaway.passed, runaway.reason) == (
        False, "the pattern took longer than 5 s on this answer: simplify it")
    assert judged.passed is True and judged.spend is not None
    answer_cost = (1_000 * 1.0 + 2_000 * 10.0) / 1e6  # the price table's rates, by hand
    judge_cost = (500 * 1.0 + 40 * 10.0) / 1e6
    assert cell.result is not None and cell.result.cost_usd == pytest.approx(answer_cost)
    assert judged.spend.cost_usd == pytest.approx(judge_cost)

    tip = grid.model.data(grid.model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert "judging $0.0009 (1 judge request, 500 tokens in, 40 out)" in tip.splitlines()
    assert "the pattern took longer than 5 s" in tip
    footer = grid.grid.footer_model.text(0)
    assert footer[0].startswith(f"{fmt_cost(answer_cost)} + judging $0.0009 · TTFT ")
    assert grid.toolbar.label.text().endswith("cost $0.0210 + judging $0.0009")
