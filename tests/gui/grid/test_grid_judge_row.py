"""A grid row judged blind after follow-ups, in the real window at the simulator: the vote
is on the answers to the row's own prompt — the attempts the grid compares — whatever
fix-it rounds or workspace attempts came later, and the follow-up round can still be judged
on purpose, as the workspace shows it."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import QUrl

from studio.core.arena import battles
from studio.core.batch import Batch
from studio.core.catalog import ProviderRegistry
from studio.store import ResponseId, RunId, Store, TurnId
from studio.store.battle_file import battle_lines
from studio.ui.arena.vote_bar import VoteBar
from studio.ui.main_window import MainWindow
from studio.ui.workspace.turn_html import turn_link
from tests.gui.grid.grid_support import (
    WindowMaker,
    accept_fix,
    batch_window,
    broken,
    finished_batch,
    open_menu,
    page_answer,
    trigger,
    wait_outcome,
)
from tests.gui.threads.threads_support import settle, shown_text
from tests.gui.workspace.workspace_support import in_loop, live_page_marks, wait_until
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [*live_page_marks(), pytest.mark.timeout(300)]

MODELS = [("sim-openai", "left"), ("sim-anthropic", "right")]


def judge_row(loop: qasync.QEventLoop, window: MainWindow, row: int = 0) -> VoteBar:
    """*Judge this row blind…* from the row's menu; the vote bar once it can take a vote."""
    trigger(loop, open_menu(loop, batch_window(window), row, -1), "Judge this row blind…")
    return ready_bar(loop, window)


def ready_bar(loop: qasync.QEventLoop, window: MainWindow) -> VoteBar:
    bar = window.arena.voting.bar
    wait_until(loop, lambda: bool(bar.choice_buttons) and bar.choice_buttons[0].isEnabled(),
               what="the vote bar")
    return bar


def cell_answers(store: Store, batch: Batch, row: int = 0) -> dict[int, tuple[int, str]]:
    """Each column's answer in the grid: slot → (attempt, text)."""
    batch_row = batch.rows[row]
    assert batch_row.run_id is not None and batch_row.turn_id is not None
    turn = store.run(RunId(batch_row.run_id)).turn(TurnId(batch_row.turn_id))
    by_id = {r.id: r for r in turn.responses}
    found = {}
    for cell in batch.row_cells(row):
        response = by_id[ResponseId(cell.response_id or 0)]
        found[response.slot] = (response.attempt, response.text)
    return found


def one_row_batch(loop: qasync.QEventLoop, make_window: WindowMaker,
                  registry: ProviderRegistry) -> tuple[MainWindow, Batch, list[str]]:
    """A window whose batch (one prompt, both models) is done, and the outcomes of its
    fix-it rounds as they come."""
    window = make_window()
    outcomes: list[str] = []
    window.fix_rows.finished.connect(outcomes.append)
    batch = finished_batch(loop, window, registry, MODELS,
                           [{"title": "Page", "body": "Write a page"}])
    return window, batch, outcomes


def vote_once(loop: qasync.QEventLoop, window: MainWindow, bar: VoteBar, count: int) -> None:
    """A is better; waits until the store holds `count` votes."""
    in_loop(loop, bar.choice_buttons[0].click)
    store = window.store
    assert store is not None
    wait_until(loop, lambda: len(store.votes()) == count, what="the vote")


def test_after_a_fix_it_round_the_row_is_judged_on_its_own_answers(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("left", broken("leftMissing", "crimson"), page_answer("Fixed left", "navy"))
    sim.script("right", broken("rightMissing", "teal"), page_answer("Fixed right", "olive"))
    window, batch, outcomes = one_row_batch(loop, make_window, registry)
    row = batch.rows[0]
    store = window.store
    assert store is not None and row.run_id is not None and row.turn_id is not None
    originals = cell_answers(store, batch)

    # A fix-it round on the row: each model answers a follow-up, a newer turn of the run.
    trigger(loop, open_menu(loop, batch_window(window), 0, -1), "Show the models their pages…")
    accept_fix(loop, window.fix_rows)
    assert wait_outcome(loop, outcomes, 1) == "Pages shown: sent to 2 models in 1 prompt."
    run = store.run(RunId(row.run_id))
    [follow_up] = run.children(TurnId(row.turn_id))
    assert run.head_turn_id == follow_up.id

    # Judging the row shows the answers to the row's prompt, and only those.
    bar = judge_row(loop, window)
    comparison = window.comparison
    assert comparison is not None and comparison.run_id == row.run_id
    assert comparison.chat.head == row.turn_id
    assert [a.text for a in comparison.answers()] == [originals[0][1], originals[1][1]]
    for pane in comparison.panes:
        assert pane.view.answer_text() == originals[pane.index][1]
        text = shown_text(pane)
        assert "Fixed" not in text and "Write a page" in text
        assert "1 later prompt is not shown · show" in text
    assert [p.name_label.full_text() for p in window.pane_area.shown_panes()] == [
        "Answer A", "Answer B"]
    assert bar.status.text() == "Judge the answers to prompt 1 of 2:"
    assert "prompt 1 of 2" in bar.status.toolTip()
    assert "1 later prompt is not shown" in window.statusBar().currentMessage()

    vote_once(loop, window, bar, 1)
    [vote] = store.votes()
    assert (vote.run_id, vote.turn_id) == (row.run_id, row.turn_id)
    assert {(e.slot, e.attempt, e.answer_chars) for e in vote.entries} == {
        (slot, attempt, len(text)) for slot, (attempt, text) in originals.items()}
    [battle] = battles(vote)
    assert {battle.a, battle.b} == {f"{p}:{m}" for p, m in MODELS}
    assert battle.outcome == "a" and battle.a == vote.shown(0).model
    [line] = battle_lines(store.votes())  # what `votes export` writes
    assert (line["model_a"], line["model_b"], line["winner"]) == (battle.a, battle.b,
                                                                  "model_a")
    assert bar.status.text() == "You voted on prompt 1 of 2: A is better."
    # A way of looking: the history still opens the run on its follow-up.
    assert store.run(RunId(row.run_id)).head_turn_id == follow_up.id

    # The follow-up round, judged on purpose: "show" under the answers, then a vote of its own.
    pane = comparison.panes[0]
    pane.view.anchorClicked.emit(QUrl(turn_link("later", int(row.turn_id))))
    assert comparison.chat.head == follow_up.id
    assert "Fixed left" in comparison.panes[0].view.answer_text()
    assert "Fixed right" in comparison.panes[1].view.answer_text()
    assert "later prompt" not in shown_text(pane)
    bar = ready_bar(loop, window)
    assert bar.status.text() == "Judge the answers to prompt 2 of 2:"
    assert not window.identity.revealed  # other answers: hidden until voted on
    vote_once(loop, window, bar, 2)
    second = store.votes()[-1]
    assert (second.run_id, second.turn_id) == (row.run_id, follow_up.id)
    fixed = {r.slot: r for r in store.run(RunId(row.run_id)).turn(follow_up.id).responses}
    assert {(e.slot, e.answer_chars) for e in second.entries} == {
        (slot, len(r.text)) for slot, r in fixed.items()}

    # Judging the row again finds the row's own vote, not the follow-up's.
    bar = window.arena.voting.bar
    trigger(loop, open_menu(loop, batch_window(window), 0, -1), "Judge this row blind…")
    wait_until(loop, lambda: bar.status.text().startswith("You voted"), what="the stored vote")
    assert bar.status.text() == "You voted on prompt 1 of 2: A is better."
    assert window.comparison is not None and window.comparison.chat.head == row.turn_id


def test_the_row_is_judged_on_the_grids_attempts_after_a_fix_for_one_model(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("left", broken("leftMissing", "crimson"), page_answer("Fixed left", "navy"))
    sim.script("right", broken("rightMissing", "teal"), Synthetic(["Another try, in words."]))
    window, batch, outcomes = one_row_batch(loop, make_window, registry)
    row = batch.rows[0]
    store = window.store
    assert store is not None and row.run_id is not None and row.turn_id is not None
    originals = cell_answers(store, batch)

    # In the workspace, right's answer to the row is regenerated: a newer attempt the grid
    # does not compare.
    assert window.grid.open_cell(0, 1)
    opened = window.comparison
    assert opened is not None
    in_loop(loop, lambda: opened.regenerate([1]))
    settle(loop, opened, "the new attempt")
    turn = store.run(RunId(row.run_id)).turn(TurnId(row.turn_id))
    assert [r.attempt for r in turn.responses if r.slot == 1] == [0, 1]
    # Then left alone is shown its page: the follow-up has one answer.
    trigger(loop, open_menu(loop, batch_window(window), 0, 0), "Show the model its page…")
    accept_fix(loop, window.fix_rows)
    assert wait_outcome(loop, outcomes, 1) == "Pages shown: sent to 1 model in 1 prompt."
    assert len(sim.requests_for("left")) == 2 and len(sim.requests_for("right")) == 2

    bar = judge_row(loop, window)
    comparison = window.comparison
    assert comparison is not None
    assert [(a.attempt, a.text) for a in comparison.answers()] == [originals[0], originals[1]]
    assert "Another try" not in shown_text(comparison.panes[1])
    assert "attempt ◀ 1/2 ▶" in shown_text(comparison.panes[1])  # the other one is there
    assert bar.status.text() == "Judge the answers to prompt 1 of 2:"
    vote_once(loop, window, bar, 1)
    [vote] = store.votes()
    assert (vote.run_id, vote.turn_id) == (row.run_id, row.turn_id)
    assert {(e.slot, e.attempt) for e in vote.entries} == {(0, 0), (1, 0)}

    # The follow-up, shown on purpose, has one answer: nothing to vote on, and it says so.
    comparison.panes[1].view.anchorClicked.emit(QUrl(turn_link("later", int(row.turn_id))))
    wait_until(loop, lambda: not bar.choice_buttons or not bar.choice_buttons[0].isVisible(),
               what="the follow-up's bar")
    assert bar.status.text() == "A vote needs at least two finished answers to prompt 2 of 2."
