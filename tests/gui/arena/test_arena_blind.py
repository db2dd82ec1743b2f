"""Blind mode in the real window: no name anywhere, a shuffled order kept per prompt, votes
for two and for more answers stored as the battles they imply, the reveal, and undo."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio.core.arena import battles, shuffle_slate
from studio.core.catalog import ProviderRegistry
from studio.store import RunId, VoteFilter
from studio.ui.main_window import MainWindow
from studio.ui.preview.scheme import is_registered
from tests.gui.arena.arena_support import MODELS, leaks, script_models, send
from tests.gui.workspace.workspace_support import (
    ENGINE_NOISE,
    OFFSCREEN_SIZE_HINTS,
    in_loop,
    wait_until,
)
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, *ENGINE_NOISE)]

ALT = Qt.KeyboardModifier.AltModifier


def press(loop: qasync.QEventLoop, window: MainWindow, key: Qt.Key,
          modifier: Qt.KeyboardModifier = ALT) -> None:
    """A key pressed with the prompt editor focused, as a user judging from the keyboard."""
    window.activateWindow()
    wait_until(loop, window.isActiveWindow, timeout=5.0, what="the window to be active")
    window.prompt_area.editor.setFocus()
    in_loop(loop, lambda: QTest.keyClick(window.prompt_area.editor, key, modifier))


def blind(loop: qasync.QEventLoop, window: MainWindow) -> None:
    press(loop, window, Qt.Key.Key_H,
          Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.identity.blind and window.arena.blind_action.isChecked()


def shown_labels(window: MainWindow) -> list[str]:
    return [p.name_label.full_text() for p in window.pane_area.shown_panes()]


def slate_of(window: MainWindow) -> tuple[int, ...]:
    comparison = window.comparison
    assert comparison is not None and comparison.recorder is not None
    turn = comparison.chat.head_turn
    assert turn is not None
    key = f"{comparison.run_id}/{comparison.recorder.turn_ids[turn.key]}"
    return shuffle_slate(range(len(comparison.panes)), seed=window.arena.settings.blind_seed,
                         key=key).order


@pytest.mark.webengine
@pytest.mark.skipif(not is_registered(), reason="a QApplication existed before the scheme")
def test_blind_mode_names_no_model_in_any_widget_text_tooltip_or_title(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    targets = script_models(sim, registry, 3)
    window.model_bar.set_targets(targets)
    assert leaks(window)  # the walk finds the names when they are shown
    blind(loop, window)
    assert leaks(window) == []  # the model bar's chips no longer name them
    send(loop, window, targets)
    library = window.library
    assert library is not None
    library.run_saved(int(window.comparison.run_id or 0))  # the history lists the run
    library.results.set_query("square")  # and the search finds its answers
    library.results.run_now()
    assert library.results.hits
    window.show_previews(True)  # every page side by side, titled
    grid = window.previews.grid
    assert grid is not None
    wait_until(loop, lambda: len(grid.keys()) == 3, what="three previews")
    dialog = window.open_diff(0)  # the diff's pickers
    assert dialog is not None
    window.set_layout_mode(window.pane_area.mode.TABS)  # tab titles and tooltips
    window.comparison.panes[0].copy_answer()  # what the status bar says
    fix_it = window.fix_it.ask(window.comparison, 0)  # "Show the model its page"
    found = leaks(window)
    assert found == [], "\n".join(found)
    assert fix_it.this_model.text() == "To Answer " + "ABC"[slate_of(window).index(0)]
    fix_it.reject()
    # The labels stand in the shuffled order, in the panes and in the previews.
    assert shown_labels(window) == ["Answer A", "Answer B", "Answer C"]
    order = slate_of(window)
    assert window.pane_area.shown_order() == list(order)
    keys = list(grid.keys())
    titles = [grid.preview(k).label() for k in keys]  # type: ignore[union-attr]
    assert titles == ["Answer A", "Answer B", "Answer C"]
    assert [int(k.split(":")[0]) for k in keys] == list(order)
    dialog.close()
    # Blind mode off: the names are back everywhere.
    blind_off = window.arena.blind_action
    blind_off.trigger()
    assert not window.identity.blind
    assert any("vega-7" in text for text in leaks(window, ("vega-7",)))
    assert {p.name_label.full_text() for p in window.comparison.panes} == {
        model for _p, model in MODELS[:3]}


def test_a_vote_on_two_answers_is_one_battle_in_shown_order_then_revealed_and_undone(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    targets = script_models(sim, registry, 2)
    blind(loop, window)
    send(loop, window, targets)
    order = slate_of(window)
    bar = window.arena.voting.bar
    wait_until(loop, lambda: bar.choice_buttons and bar.choice_buttons[0].isEnabled(),
               what="the vote bar")
    assert [b.text() for b in bar.choice_buttons] == [
        "A better (Alt+1)", "B better (Alt+2)", "Tie (Alt+3)", "Both bad (Alt+4)"]
    press(loop, window, Qt.Key.Key_2)  # B better, from the prompt editor
    store = window.store
    assert store is not None
    wait_until(loop, lambda: len(store.votes()) == 1, what="the vote")
    [vote] = store.votes()
    comparison = window.comparison
    assert comparison is not None and vote.run_id == comparison.run_id
    assert vote.verdict == "b" and vote.judged == "answers" and vote.voter_kind == "user"
    names = [str(targets[slot].ref) for slot in order]  # who was shown first (A), second
    assert [(e.position, e.model, e.slot) for e in vote.entries] == [
        (0, names[0], order[0]), (1, names[1], order[1])]
    [battle] = battles(vote)
    assert (battle.a, battle.b, battle.outcome) == (names[0], names[1], "b")
    # Revealed in place: each pane keeps its label and shows its model.
    assert shown_labels(window) == [f"A · {targets[order[0]].ref.model}",
                                    f"B · {targets[order[1]].ref.model}"]
    assert window.identity.revealed and not bar.choice_buttons[0].isEnabled()
    # Undo takes the vote back and hides the names again.
    press(loop, window, Qt.Key.Key_U)
    wait_until(loop, lambda: store.votes() == [], what="the vote to be taken back")
    assert shown_labels(window) == ["Answer A", "Answer B"]
    assert bar.choice_buttons[0].isEnabled()
    # Reopening the run shows the same order (the slate is keyed by run and turn), and a
    # prompt judged before shows its vote, the names revealed.
    press(loop, window, Qt.Key.Key_1)
    wait_until(loop, lambda: len(store.votes()) == 1, what="the vote again")
    run_id = int(comparison.run_id or 0)
    window.new_comparison()
    assert bar.status.text().startswith("Send a prompt")
    window.reopen_run(run_id)
    assert window.pane_area.shown_order() == list(order)
    assert window.identity.revealed and bar.status.text() == "You voted: A is better."
    # Another attempt of one answer is not what was voted on: hidden again, a new ballot.
    reopened = window.comparison
    assert reopened is not None
    in_loop(loop, lambda: reopened.retry(order[0]))
    wait_until(loop, lambda: reopened.settled and not reopened.running, what="the retry")
    assert shown_labels(window) == ["Answer A", "Answer B"]
    wait_until(loop, lambda: bar.choice_buttons[0].isEnabled(), what="a new ballot")


def test_best_of_three_and_a_ranking_of_three_are_stored_as_their_battles(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    targets = script_models(sim, registry, 3)
    blind(loop, window)
    send(loop, window, targets)
    order = slate_of(window)
    names = [str(targets[slot].ref) for slot in order]  # A, B, C
    bar = window.arena.voting.bar
    wait_until(loop, lambda: len(bar.choice_buttons) == 3, what="the vote bar")
    store = window.store
    assert store is not None
    press(loop, window, Qt.Key.Key_2)  # B is the best
    wait_until(loop, lambda: len(store.votes()) == 1, what="the vote")
    [best] = store.votes()
    assert best.verdict == "best"
    assert {(b.a, b.b, b.outcome) for b in battles(best)} == {
        (names[0], names[1], "b"), (names[1], names[2], "a")}
    press(loop, window, Qt.Key.Key_U)
    wait_until(loop, lambda: store.votes() == [], what="undo")
    # A ranking, from the keyboard: Rank, C, A, tie, B  →  C > A = B.
    for key in (Qt.Key.Key_K, Qt.Key.Key_3, Qt.Key.Key_1, Qt.Key.Key_Equal, Qt.Key.Key_2):
        press(loop, window, key)
        QApplication.processEvents()
    wait_until(loop, lambda: len(store.votes()) == 1, what="the ranking")
    [ranking] = store.votes()
    assert ranking.verdict == "ranking"
    assert {e.position: e.place for e in ranking.entries} == {2: 1, 0: 2, 1: 2}
    assert {(b.a, b.b, b.outcome) for b in battles(ranking)} == {
        (names[0], names[1], "tie"), (names[0], names[2], "b"), (names[1], names[2], "b")}
    assert "C > A = B" in bar.status.text()
    assert window.identity.revealed


@pytest.mark.webengine
@pytest.mark.skipif(not is_registered(), reason="a QApplication existed before the scheme")
def test_a_vote_on_the_previews_tab_judges_the_pages(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    targets = script_models(sim, registry, 2)
    blind(loop, window)
    send(loop, window, targets)
    window.show_previews(True)
    bar = window.arena.voting.bar
    wait_until(loop, lambda: bar.status.text() == "Judge the pages:", what="the pages' ballot")
    press(loop, window, Qt.Key.Key_4)  # both bad
    store = window.store
    assert store is not None
    wait_until(loop, lambda: len(store.votes()) == 1, what="the vote")
    [vote] = store.votes(VoteFilter(judged="pages"))
    assert vote.verdict == "both_bad"
    assert all(e.code_chars and e.code_chars > 50 for e in vote.entries)  # the pages' length
    # The answers are a ballot of their own: judging them is another vote.
    window.show_previews(False)
    wait_until(loop, lambda: bar.choice_buttons[0].isEnabled(), what="the answers' ballot")


def test_a_grid_row_opens_blind_for_voting(loop: qasync.QEventLoop, window: MainWindow,
                                           registry: ProviderRegistry, sim: Simulator) -> None:
    targets = script_models(sim, registry, 2)
    send(loop, window, targets)
    comparison = window.comparison
    assert comparison is not None and comparison.recorder is not None
    run_id = RunId(int(comparison.run_id or 0))
    store = window.store
    assert store is not None
    turn_id = store.run(run_id).turns[0].id
    window.new_comparison()
    assert not window.identity.blind
    assert window.arena.judge_run_blind(int(run_id), int(turn_id))
    assert window.identity.blind and window.comparison is not None
    assert window.comparison.run_id == run_id
    assert shown_labels(window) == ["Answer A", "Answer B"]
    bar = window.arena.voting.bar
    wait_until(loop, lambda: bar.choice_buttons and bar.choice_buttons[0].isEnabled(),
               what="the vote bar")
    assert not window.arena.judge_run_blind(999_999, 1)  # a run that is gone
