"""The batch window wired to the rest of the studio, in the real window at the simulator: a
row judged blind (the vote stored as that run's battle), and the fix-it loop from the grid —
one cell, a row (each model its own page, also a model whose tab is behind), every failed
check row after row (the next row sent only once the one before is answered), and Stop."""

from __future__ import annotations

import base64

import pytest
import qasync
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox, QWidget

from studio.core.arena import battles
from studio.core.batch import Batch
from studio.core.catalog import ProviderRegistry
from studio.store import RunId
from studio.ui.main_window import MainWindow
from studio.ui.workspace.layouts import LayoutMode
from tests.gui.arena.arena_support import MODELS, SECRET_WORDS, widget_texts
from tests.gui.grid.grid_support import (
    PNG_SIGNATURE,
    WindowMaker,
    accept_fix,
    action_texts,
    add_collection,
    batch_window,
    broken,
    finished_batch,
    open_menu,
    open_start_dialog,
    page_answer,
    start,
    trigger,
    wait_finished,
    wait_outcome,
)
from tests.gui.workspace.workspace_support import (
    close_window,
    in_loop,
    live_page_marks,
    target,
    wait_until,
)
from tests.support.scenarios import Hold, Synthetic
from tests.support.simulator import SeenRequest, Simulator

pytestmark = [*live_page_marks(), pytest.mark.timeout(300)]


def left_and_right(loop: qasync.QEventLoop, make_window: WindowMaker,
                   registry: ProviderRegistry, sim: Simulator, colours: tuple[str, str]
                   ) -> tuple[MainWindow, list[str], Batch]:
    """A window whose finished batch has one prompt answered by two models with pages in
    `colours`, each calling a missing function of its own; the fix-it outcomes are
    collected in the list."""
    sim.script("left", broken("leftMissing", colours[0]))
    sim.script("right", broken("rightMissing", colours[1]))
    window = make_window()
    outcomes: list[str] = []
    window.fix_rows.finished.connect(outcomes.append)
    batch = finished_batch(loop, window, registry,
                           [("sim-openai", "left"), ("sim-anthropic", "right")],
                           [{"title": "Page", "body": "Write a page"}])
    return window, outcomes, batch


def row_fixed_in_tabs(loop: qasync.QEventLoop, make_window: WindowMaker,
                      registry: ProviderRegistry, sim: Simulator, colours: tuple[str, str]
                      ) -> tuple[MainWindow, list[str]]:
    """`left_and_right` in the tabs layout (the second model's tab behind), its row sent to
    the fix-it loop: the window and the outcomes list it fills."""
    window, outcomes, _batch = left_and_right(loop, make_window, registry, sim, colours)
    in_loop(loop, lambda: window.set_layout_mode(LayoutMode.TABS))
    trigger(loop, open_menu(loop, batch_window(window), 0, -1), "Show the models their pages…")
    accept_fix(loop, window.fix_rows)
    return window, outcomes


def sent(request: SeenRequest) -> tuple[str, bytes]:
    """The text and the picture of a fix-it follow-up, in either protocol's form."""
    blocks = request.json["messages"][-1]["content"]
    assert isinstance(blocks, list), blocks
    text = next(b["text"] for b in blocks if b["type"] == "text")
    picture = next(b for b in blocks if b["type"] in ("image_url", "image"))
    data = (picture["image_url"]["url"].split(",", 1)[1] if picture["type"] == "image_url"
            else picture["source"]["data"])
    return text, base64.b64decode(data)


def first_prompt(request: SeenRequest) -> str:
    """The first prompt of the thread a request continues (the grid row's prompt)."""
    content = request.json["messages"][0]["content"]
    return content if isinstance(content, str) else content[0]["text"]


def test_the_wiring_offers_every_grid_action(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("ok", page_answer("a page"))
    window = make_window()
    assert window.grid.handlers() == (True, True, True)
    batch = finished_batch(loop, window, registry, [("sim-openai", "ok")], [
        {"title": "P", "body": "A page", "checks": [{"kind": "contains", "value": "zebra"}]}])
    grid = batch_window(window)
    row_menu = open_menu(loop, grid, 0, -1)
    assert {"Judge this row blind…", "Show the models their pages…"} <= set(
        action_texts(row_menu))
    row_menu.close()
    cell_menu = open_menu(loop, grid, 0, 0)
    assert "Show the model its page…" in action_texts(cell_menu)
    cell_menu.close()
    toolbar = grid.toolbar
    assert toolbar.fix_failed.isVisible() and toolbar.fix_failed.isEnabled()
    assert toolbar.export.isVisible() and toolbar.export.isEnabled()
    assert batch.id is not None


def test_a_row_judged_blind_is_voted_on_as_that_runs_battle(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    models = list(MODELS[:2])
    for n, (_provider, model) in enumerate(models):
        sim.script(model, page_answer(f"Square {n}", ("crimson", "teal")[n]))
    window = make_window()
    batch = finished_batch(loop, window, registry, models,
                           [{"title": "Square", "body": "Draw a square"}])
    assert not window.identity.blind
    row = batch.rows[0]
    trigger(loop, open_menu(loop, batch_window(window), 0, -1), "Judge this row blind…")
    comparison = window.comparison
    assert window.identity.blind and comparison is not None
    assert comparison.run_id == row.run_id
    panes = window.pane_area.shown_panes()
    assert [p.name_label.full_text() for p in panes] == ["Answer A", "Answer B"]
    named = [f"{where}: {text!r}" for pane in panes
             for widget in (pane, *pane.findChildren(QWidget))
             for where, text in widget_texts(widget)
             if any(word.casefold() in text.casefold() for word in SECRET_WORDS)]
    assert named == []
    bar = window.arena.voting.bar
    wait_until(loop, lambda: bool(bar.choice_buttons) and bar.choice_buttons[0].isEnabled(),
               what="the vote bar")
    in_loop(loop, bar.choice_buttons[0].click)  # A is better
    store = window.store
    assert store is not None
    wait_until(loop, lambda: len(store.votes()) == 1, what="the vote")
    [vote] = store.votes()
    assert (vote.run_id, vote.turn_id) == (row.run_id, row.turn_id)
    [battle] = battles(vote)
    names = {f"{p}:{m}" for p, m in models}
    assert {battle.a, battle.b} == names
    assert battle.outcome == "a" and battle.a == vote.shown(0).model


def test_a_cell_shows_its_model_its_page_and_no_other(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    window, outcomes, batch = left_and_right(loop, make_window, registry, sim,
                                             ("crimson", "teal"))
    trigger(loop, open_menu(loop, batch_window(window), 0, 0), "Show the model its page…")
    dialog = window.fix_rows.dialog
    assert dialog is not None
    assert dialog.recipients.text() == "To sim-openai:left, with its page."
    assert not dialog.every_model.isVisibleTo(dialog)
    accept_fix(loop, window.fix_rows, "Here is your page. Fix the error.")
    outcome = wait_outcome(loop, outcomes, 1)
    assert outcome == "Pages shown: sent to 1 model in 1 prompt."
    assert window.statusBar().currentMessage() == outcome
    assert window.fix_rows.notice is None  # the progress line and its Stop are gone
    assert len(sim.requests_for("right")) == 1  # only the batch's request
    follow_up = sim.requests_for("left")[1]
    text, png = sent(follow_up)
    assert text.startswith("Here is your page. Fix the error.\n\nconsole.txt\n```\n")
    assert "error at line 4: Uncaught ReferenceError: leftMissing is not defined" in text
    assert png.startswith(PNG_SIGNATURE)
    # The follow-up continues the grid row's run, in the workspace, and is kept there.
    row = batch.rows[0]
    assert first_prompt(follow_up) == "Write a page"
    assert window.comparison is not None and window.comparison.run_id == row.run_id
    assert window.store is not None
    saved = window.store.run(RunId(int(row.run_id or 0))).turns[-1]
    assert [a.name for a in saved.files_for(0)] == ["page.png", "console.txt"]


def test_a_row_then_every_failed_check_row_after_row_then_stop(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    stopping = Hold()
    # Left's answers fail the check (no zebra); right's pass it.
    left = broken("leftMissing", "crimson")
    sim.script("left", left, left, left, left, left, broken("leftMissing", "crimson",
                                                           hold=stopping))
    sim.script("right", broken("rightMissing", "teal", extra="A zebra."))
    window = make_window()
    outcomes: list[str] = []
    window.fix_rows.finished.connect(outcomes.append)
    zebra = [{"kind": "contains", "value": "zebra"}]
    batch = finished_batch(loop, window, registry,
                           [("sim-openai", "left"), ("sim-anthropic", "right")],
                           [{"title": f"P{n}", "body": f"Prompt number {n}", "checks": zebra}
                            for n in range(2)])
    grid = batch_window(window)
    runs = [int(r.run_id or 0) for r in batch.rows]

    # A row: each model is shown its own page, in one follow-up.
    trigger(loop, open_menu(loop, grid, 1, -1), "Show the models their pages…")
    dialog = window.fix_rows.dialog
    assert dialog is not None
    assert dialog.recipients.text() == "To 2 models, each model shown its own page."
    accept_fix(loop, window.fix_rows)
    assert wait_outcome(loop, outcomes, 1) == "Pages shown: sent to 2 models in 1 prompt."
    left_text, left_png = sent(sim.requests_for("left")[2])
    right_text, right_png = sent(sim.requests_for("right")[2])
    assert "leftMissing is not defined" in left_text and "rightMissing" not in left_text
    assert "rightMissing is not defined" in right_text and "leftMissing" not in right_text
    assert left_png.startswith(PNG_SIGNATURE) and right_png.startswith(PNG_SIGNATURE)
    assert left_png != right_png
    assert first_prompt(sim.requests_for("left")[2]) == "Prompt number 1"
    assert first_prompt(sim.requests_for("right")[2]) == "Prompt number 1"

    # Every failed check: left's cells of both rows, one follow-up per run, in turn.
    grid._update_controls()
    assert grid.toolbar.fix_failed.isEnabled()
    in_loop(loop, grid.toolbar.fix_failed.trigger)
    dialog = window.fix_rows.dialog
    assert dialog is not None and dialog.recipients.text().startswith(
        "To 2 models over 2 prompts, each model shown its own page.")
    accept_fix(loop, window.fix_rows)
    assert wait_outcome(loop, outcomes, 2) == "Pages shown: sent to 2 models in 2 prompts."
    assert len(sim.requests_for("right")) == 3  # right passed its checks
    first, second = sim.requests_for("left")[3:5]
    assert [first_prompt(first), first_prompt(second)] == ["Prompt number 0", "Prompt number 1"]
    assert first.ended is not None and second.started > first.ended  # one row after the other
    for request in (first, second):
        text, png = sent(request)
        assert "error at line 4: Uncaught ReferenceError: leftMissing" in text
        assert png.startswith(PNG_SIGNATURE)
    assert window.store is not None
    turns = [len(window.store.run(RunId(run)).turns) for run in runs]
    assert turns == [2, 3]  # row 1's run also kept the row's follow-up

    # Stop while the first row's answer streams: it is stopped and no other row opens.
    in_loop(loop, grid.toolbar.fix_failed.trigger)
    accept_fix(loop, window.fix_rows)
    try:
        wait_until(loop, stopping.reached.is_set, timeout=60, what="the held answer")
        notice = window.fix_rows.notice
        assert notice is not None and notice.isVisible()
        assert notice.label.text() == "Showing the models their pages: prompt 1 of 2…"
        in_loop(loop, notice.stop_button.click)
        outcome = wait_outcome(loop, outcomes, 3)
    finally:
        stopping.release()
    assert outcome == "Stopped: you stopped it."
    comparison = window.comparison
    assert comparison is not None and comparison.run_id == runs[0]
    wait_until(loop, lambda: not comparison.running, what="the stopped answer")
    assert len(sim.requests_for("left")) == 6 and len(sim.requests_for("right")) == 3
    assert comparison.answers()[0].state.value == "cancelled"


def test_a_row_in_the_tabs_layout_shows_the_hidden_tabs_model_its_own_page(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    window, outcomes = row_fixed_in_tabs(loop, make_window, registry, sim,
                                         ("rgb(220,20,60)", "rgb(0,128,128)"))
    # Nobody is left out: the tab behind ran its page off screen.
    assert wait_outcome(loop, outcomes, 1) == "Pages shown: sent to 2 models in 1 prompt."
    comparison = window.comparison
    assert comparison is not None and window.pane_area.mode is LayoutMode.TABS
    shown = comparison.panes[0].preview
    hidden = comparison.panes[1].preview
    assert shown is not None and shown.runs_on_screen()
    assert hidden is not None and not hidden.runs_on_screen() and hidden.state() == "empty"
    sizes = set()
    for model, call, colour in (("left", "leftMissing", (220, 20, 60)),
                                ("right", "rightMissing", (0, 128, 128))):
        text, png = sent(sim.requests_for(model)[1])
        assert f"error at line 4: Uncaught ReferenceError: {call} is not defined" in text
        image = QImage.fromData(png)
        sizes.add((image.width(), image.height()))
        pixel = image.pixelColor(image.width() - 5, image.height() - 5)
        assert (pixel.red(), pixel.green(), pixel.blue()) == colour
    assert len(sizes) == 1  # the page off screen was given the size of the one on screen


def test_stop_while_the_pages_are_pictured_sends_no_follow_up(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    window, outcomes = row_fixed_in_tabs(loop, make_window, registry, sim, ("crimson", "teal"))
    # The tab behind has its page run off screen, pictured a second after it loads at the
    # earliest: Stop lands while it is under way.
    wait_until(loop, lambda: window.comparison is not None
               and window.fix_it.capturing(window.comparison), what="the capture")
    comparison = window.comparison
    assert comparison is not None
    in_loop(loop, window.fix_rows.cancel)
    assert not window.fix_it.capturing(comparison)
    assert wait_outcome(loop, outcomes, 1) == "Stopped: you stopped it."
    assert [len(sim.requests_for(m)) for m in ("left", "right")] == [1, 1]
    assert len(comparison.chat.turns) == 1  # no follow-up turn either


def test_only_answers_with_a_page_are_offered_and_not_while_the_workspace_streams(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("left", broken("leftMissing", "crimson"))
    sim.script("talker", Synthetic(["Just words, no page."]))
    window = make_window()
    outcomes: list[str] = []
    window.fix_rows.finished.connect(outcomes.append)
    finished_batch(loop, window, registry, [("sim-openai", "left"), ("sim-anthropic", "talker")],
                   [{"title": "Page", "body": "Write a page"}])
    grid = batch_window(window)
    cell_menu = open_menu(loop, grid, 0, 1)
    [offer] = [a for a in cell_menu.actions() if a.text() == "Show the model its page…"]
    assert not offer.isEnabled()  # the talker wrote no page
    cell_menu.close()

    # While answers stream in the workspace, nothing is asked (opening a run would stop them).
    hold = Hold()
    sim.script("busy", Synthetic(["Still ", "writing."], hold=hold, hold_after=1))
    window.model_bar.set_targets([target(registry, "sim-openai", "busy")])
    window.prompt_area.set_prompt("Take your time")
    in_loop(loop, window.submit)
    streaming = window.comparison
    assert streaming is not None
    try:
        wait_until(loop, hold.reached.is_set, what="the answer streaming")
        trigger(loop, open_menu(loop, grid, 0, -1), "Show the models their pages…")
        assert window.fix_rows.dialog is None and not window.fix_rows.running
        assert window.statusBar().currentMessage().startswith(
            "Wait for the answers in the workspace (or stop them)")
        assert streaming.running and window.comparison is streaming
    finally:
        hold.release()
    wait_until(loop, lambda: not streaming.running, what="the answer")

    # The row's cells with a page: only left is shown its page.
    trigger(loop, open_menu(loop, grid, 0, -1), "Show the models their pages…")
    dialog = window.fix_rows.dialog
    assert dialog is not None
    assert dialog.recipients.text() == "To sim-openai:left, with its page."
    accept_fix(loop, window.fix_rows)
    assert wait_outcome(loop, outcomes, 1) == "Pages shown: sent to 1 model in 1 prompt."
    assert len(sim.requests_for("left")) == 2 and len(sim.requests_for("talker")) == 1


def test_closing_the_window_stops_the_rows(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    held = Hold()
    page = broken("leftMissing", "crimson")
    sim.script("left", page, page, broken("leftMissing", "crimson", hold=held))
    window = make_window()
    outcomes: list[str] = []
    window.fix_rows.finished.connect(outcomes.append)
    finished_batch(loop, window, registry, [("sim-openai", "left")],
                   [{"title": f"P{n}", "body": f"Prompt number {n}",
                     "checks": [{"kind": "contains", "value": "zebra"}]} for n in range(2)])
    in_loop(loop, batch_window(window).toolbar.fix_failed.trigger)
    accept_fix(loop, window.fix_rows)
    try:
        wait_until(loop, held.reached.is_set, timeout=60, what="the first row's answer")
        assert not window.close()  # an answer is streaming: it asks first
        [box] = [b for b in window.findChildren(QMessageBox, "quitWhileRunning")
                 if b.isVisible()]
        in_loop(loop, next(b for b in box.buttons() if b.text() == "Stop them and quit").click)
        assert not window.isVisible()
        assert wait_outcome(loop, outcomes, 1) == "Stopped: the window closed."
        assert not window.fix_rows.running
        close_window(loop, window)  # waits for every task the window started
    finally:
        held.release()
    assert len(sim.requests_for("left")) == 3  # the second row was never sent


def test_a_row_the_batch_is_still_answering_is_not_fixed(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    hold = Hold()
    sim.script("left", broken("leftMissing", "crimson"))
    sim.script("slow", broken("slowMissing", "navy", hold=hold))
    window = make_window()
    window.model_bar.set_targets([target(registry, "sim-openai", "left"),
                                  target(registry, "sim-anthropic", "slow")])
    assert window.store is not None
    collection = add_collection(window.store, "Pages", [{"title": "Page", "body": "A page"}])
    start(loop, window, open_start_dialog(loop, window, collection))
    grid = batch_window(window)
    controller = window.grid.controller
    assert controller is not None
    try:
        wait_until(loop, lambda: hold.reached.is_set() and controller.batch is not None
                   and controller.batch.cell(0, 0).state.finished, what="left done, slow held")
        # The row's finished page is offered, but the batch still writes into its run.
        trigger(loop, open_menu(loop, grid, 0, -1), "Show the models their pages…")
        assert window.fix_rows.dialog is None and not window.fix_rows.running
        assert window.statusBar().currentMessage().startswith(
            "The batch is still answering that prompt")
    finally:
        hold.release()
    wait_finished(loop, window)
    trigger(loop, open_menu(loop, grid, 0, -1), "Show the models their pages…")
    assert window.fix_rows.dialog is not None
    window.fix_rows.dialog.reject()
