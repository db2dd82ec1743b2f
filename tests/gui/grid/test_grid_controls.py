"""The batch window's controls in the real window, with requests counted at the simulator:
pause sends nothing new, resume goes on, cancel stops and Resume sends the rest; re-running
the failed cells or one cell keeps the earlier attempts, which can be opened; a provider
told to slow down is shown; the estimate asks first above the amount set."""

from __future__ import annotations

import json

import pytest
import qasync
from PySide6.QtWidgets import QMessageBox

from studio.core.batch import BatchState, CellState
from studio.core.catalog import ProviderRegistry
from studio.core.paths import StudioPaths
from studio.ui.main_window import MainWindow
from tests.gui.grid.grid_support import (
    PRICED_MODEL,
    WindowMaker,
    action_texts,
    add_collection,
    batch_window,
    controller,
    open_menu,
    open_start_dialog,
    page_answer,
    start,
    trigger,
    wait_finished,
)
from tests.gui.workspace.workspace_support import (
    ENGINE_NOISE,
    OFFSCREEN_SIZE_HINTS,
    in_loop,
    target,
    wait_until,
)
from tests.support.scenarios import Status, Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, *ENGINE_NOISE),
              pytest.mark.timeout(180)]


def _prompts(count: int) -> list[dict[str, str]]:
    return [{"title": f"P{i}", "body": f"Prompt number {i}"} for i in range(count)]


def _started(loop: qasync.QEventLoop, window: MainWindow, prompts: int,
             concurrency: int = 4) -> None:
    assert window.store is not None
    collection = add_collection(window.store, "Games", _prompts(prompts))
    dialog = open_start_dialog(loop, window, collection)
    dialog.concurrency.setValue(concurrency)
    start(loop, window, dialog)


def test_pause_resume_cancel_and_resume_what_is_left(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("slow", Synthetic(["x"] * 10, chunks_per_second=40))  # 0.25 s a stream
    window = make_window()
    window.model_bar.set_targets([target(registry, "sim-openai", "slow")])
    _started(loop, window, 6, concurrency=2)
    c = controller(window)
    grid = batch_window(window)
    bar = grid.toolbar
    wait_until(loop, lambda: c.runner is not None and c.runner.limiter.open == 2,
               what="two streams open")
    assert bar.pause.isEnabled() and bar.cancel.isEnabled() and not bar.resume.isEnabled()
    in_loop(loop, bar.pause.trigger)
    assert c.batch is not None and c.batch.state is BatchState.PAUSED
    wait_until(loop, lambda: c.runner is not None and c.runner.limiter.open == 0
               and c.progress().done == 2, what="the open streams to finish")
    # Nothing was let through while paused.
    assert len(sim.requests_for("slow")) == 2 and c.runner is not None
    assert c.runner.limiter.waiting == 4
    grid._update_controls()
    assert bar.label.text().startswith("Paused · 2 of 6 finished")
    assert bar.resume.isEnabled() and not bar.pause.isEnabled()

    in_loop(loop, bar.resume.trigger)
    wait_until(loop, lambda: c.progress().done >= 3
               and any(x.state is CellState.STREAMING for x in c.batch.cells),  # type: ignore[union-attr]
               what="the batch to go on")
    in_loop(loop, bar.cancel.trigger)
    batch = wait_finished(loop, window)
    assert batch.state is BatchState.CANCELLED
    left = [x for x in batch.cells if not x.state.finished]
    assert left and all(x.state in (CellState.CANCELLED, CellState.WAITING) for x in left)
    sent = len(sim.requests_for("slow"))
    grid._update_controls()
    assert bar.resume.isEnabled() and not bar.cancel.isEnabled()

    in_loop(loop, bar.resume.trigger)
    batch = wait_finished(loop, window)
    assert batch.state is BatchState.DONE
    assert all(x.state is CellState.DONE for x in batch.cells)
    assert len(sim.requests_for("slow")) == sent + len(left)  # only what was left


def test_rerun_failed_and_one_cell_keep_the_earlier_attempts(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("ok", page_answer("a fine page"))
    sim.script("flaky", Status(401), Synthetic(["Fixed now."]))
    window = make_window()
    window.model_bar.set_targets([target(registry, "sim-openai", "ok"),
                                  target(registry, "sim-anthropic", "flaky")])
    _started(loop, window, 2, concurrency=1)  # one at a time: the first flaky cell fails
    batch = wait_finished(loop, window)
    assert batch.cell(0, 1).state is CellState.FAILED
    assert batch.cell(1, 1).state is CellState.DONE
    grid = batch_window(window)
    assert grid.toolbar.rerun_failed.isEnabled()
    store = window.store
    assert store is not None and batch.id is not None

    in_loop(loop, grid.toolbar.rerun_failed.trigger)
    batch = wait_finished(loop, window)
    cell = batch.cell(0, 1)
    assert cell.state is CellState.DONE and cell.attempt == 1 and cell.text == "Fixed now."
    attempts = store.batch_store().attempts(batch.id, 0, 1)
    assert [(a.attempt, a.state) for a in attempts] == [(0, CellState.FAILED),
                                                        (1, CellState.DONE)]
    assert grid.model.face(0, 1).status == "done"  # type: ignore[union-attr]

    # One cell, from its menu: a new attempt beside the old one.
    menu = open_menu(loop, grid, 1, 0)
    assert "Attempts" in action_texts(menu)
    trigger(loop, menu, "Re-run this cell (a new attempt; earlier ones are kept)")
    batch = wait_finished(loop, window)
    assert batch.cell(1, 0).attempt == 1 and batch.cell(1, 0).state is CellState.DONE
    assert len(store.batch_store().attempts(batch.id, 1, 0)) == 2
    assert len(sim.requests_for("ok")) == 3

    # The earlier attempt of the re-run failed cell opens in the workspace.
    menu = open_menu(loop, grid, 0, 1)
    attempts_menu = next(a.menu() for a in menu.actions() if a.text() == "Attempts")
    assert attempts_menu is not None
    texts = action_texts(attempts_menu)
    assert texts[0].startswith("Attempt 1 · failed") and texts[1].startswith("Attempt 2 · done")
    first = attempts_menu.actions()[0]

    def choose() -> None:
        first.trigger()
        menu.close()

    in_loop(loop, choose)
    comparison = window.comparison
    assert comparison is not None and comparison.run_id == batch.rows[0].run_id
    assert window.pane_area.current_index == 1
    assert comparison.panes[1].state.value == "failed"
    assert comparison.response_id(comparison.answers()[1]) == attempts[0].response_id


def test_judge_fix_and_export_actions_appear_only_when_something_handles_them(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("ok", page_answer("a page"))
    window = make_window()
    # The main window connects the arena, the fix-it loop and reports: undo that here.
    for signal in (window.grid.judgeRowBlind, window.grid.fixRequested,
                   window.grid.exportRequested):
        signal.disconnect()
    assert window.grid.handlers() == (False, False, False)
    window.model_bar.set_targets([target(registry, "sim-openai", "ok")])
    assert window.store is not None
    collection = add_collection(window.store, "Games", [
        {"title": "P", "body": "A page", "checks": [{"kind": "contains", "value": "zebra"}]}])
    start(loop, window, open_start_dialog(loop, window, collection))
    batch = wait_finished(loop, window)
    grid = batch_window(window)
    row_menu = open_menu(loop, grid, 0, -1)
    assert "Judge this row blind…" not in action_texts(row_menu)
    assert "Show the models their pages…" not in action_texts(row_menu)
    row_menu.close()
    assert not grid.toolbar.fix_failed.isVisible()
    assert not grid.toolbar.export.isVisible()

    judged: list[tuple[int, int, list[int]]] = []
    fixes: list[list[tuple[int, int, int]]] = []
    exports: list[int] = []
    window.grid.judgeRowBlind.connect(
        lambda run, turn, answers: judged.append((run, turn, answers)))
    window.grid.fixRequested.connect(fixes.append)
    window.grid.exportRequested.connect(exports.append)
    row_menu = open_menu(loop, grid, 0, -1)
    trigger(loop, row_menu, "Judge this row blind…")
    # The row's cells' answers go with it: those are what the grid compares.
    assert judged == [(batch.rows[0].run_id, batch.rows[0].turn_id,
                       [batch.cell(0, 0).response_id])]
    assert batch.cell(0, 0).response_id is not None
    cell_menu = open_menu(loop, grid, 0, 0)
    trigger(loop, cell_menu, "Show the model its page…")
    expected = [(batch.rows[0].run_id, batch.rows[0].turn_id, 0)]
    assert fixes == [expected]
    grid._update_controls()
    assert grid.toolbar.fix_failed.isVisible() and grid.toolbar.fix_failed.isEnabled()
    in_loop(loop, grid.toolbar.fix_failed.trigger)  # every cell with a failed check
    assert fixes[-1] == expected
    assert grid.toolbar.export.isVisible() and grid.toolbar.export.isEnabled()
    in_loop(loop, grid.toolbar.export.trigger)
    assert exports == [batch.id]


def test_a_slowed_down_provider_is_shown(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("limited", Status(429, retry_after="3"), Synthetic(["ok"]))
    window = make_window()
    window.model_bar.set_targets([target(registry, "sim-openai", "limited")])
    _started(loop, window, 1)
    grid = batch_window(window)
    wait_until(loop, lambda: grid.toolbar.slowed.isVisible(), timeout=15,
               what="the slowed-down provider")
    assert grid.toolbar.slowed.text().startswith(
        "sim-openai: slowed down after 1 rate limit, next stream in ")
    batch = wait_finished(loop, window, timeout=30)
    assert batch.cell(0, 0).state is CellState.DONE


def test_the_estimate_asks_first_above_the_amount_set_and_remembers_it(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator, paths: StudioPaths) -> None:
    sim.script(PRICED_MODEL, Synthetic(["Priced answer."]))
    window = make_window()
    window.model_bar.set_targets([target(registry, "sim-openai", PRICED_MODEL),
                                  target(registry, "sim-gemini", "free-of-price")])
    assert window.store is not None
    collection = add_collection(window.store, "Games", _prompts(3))
    dialog = open_start_dialog(loop, window, collection)
    text = dialog.estimate_label.text()
    # 3 answers × 2,000 tokens × $10 per million output tokens, plus the prompts.
    assert "3 × 2 = 6 cells; 6 requests, estimated cost $0.06 for the models with a price, " \
           "unknown for sim-gemini:free-of-price (no price in the price table)" in text
    dialog.threshold.setValue(0.05)
    in_loop(loop, dialog.start_button.click)
    box = dialog.confirmation
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "estimated at $0.06, above the $0.05 you set" in box.text()
    in_loop(loop, box.button(QMessageBox.StandardButton.Cancel).click)
    assert dialog.isVisible() and controller(window).batch is None
    assert sim.requests == []  # nothing was sent

    dialog.threshold.setValue(1.0)
    in_loop(loop, dialog.start_button.click)
    assert window.grid.dialog is None  # accepted and closed at once
    batch = wait_finished(loop, window)
    assert [c.state for c in batch.cells] == [CellState.DONE] * 6
    settings = json.loads(paths.settings_file.read_text())["batches"]
    assert settings["confirm_above_usd"] == 1.0
    # The next dialog starts from what was chosen.
    again = open_start_dialog(loop, window, collection)
    assert again.threshold.value() == 1.0
    again.reject()
