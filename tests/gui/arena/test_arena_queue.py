"""The battle queue in the Arena window, from the keyboard alone: pairs planned over a
collection, answers reused or asked for, votes stored, the leaderboard moving; and a judge
model at the simulator voting on the same blind pairs."""

from __future__ import annotations

import json

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from studio.core.arena import battles
from studio.core.catalog import ProviderRegistry
from studio.store import Store, VoteFilter
from studio.ui.arena.battle_session import BattleSession
from studio.ui.arena.leaderboard_view import Fitted, LeaderboardView
from studio.ui.arena.window import ArenaWindow
from studio.ui.main_window import MainWindow
from studio.ui.preview.scheme import is_registered
from tests.gui.arena.arena_support import MODELS, script_models, send
from tests.gui.workspace.workspace_support import (
    ENGINE_NOISE,
    OFFSCREEN_SIZE_HINTS,
    in_loop,
    wait_until,
)
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, *ENGINE_NOISE)]

PROMPTS = ("Draw a square", "Draw a circle", "Draw a star")
JUDGE = "judge-x"


def key(loop: qasync.QEventLoop, widget: QWidget, k: Qt.Key,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    top = widget.window()
    top.activateWindow()
    wait_until(loop, top.isActiveWindow, timeout=5.0, what="the window to be active")
    target = QWidget.focusWidget(top) if hasattr(QWidget, "focusWidget") else top
    in_loop(loop, lambda: QTest.keyClick(target or top, k, modifier))


def collection(store: Store) -> int:
    games = store.add_collection("Shapes")
    for text in PROMPTS:
        store.add_prompt(games.id, text.split()[-1].title(), text)
    return int(games.id)


def open_arena(loop: qasync.QEventLoop, window: MainWindow, count: int) -> ArenaWindow:
    window.arena.settings.count = count
    key(loop, window, Qt.Key.Key_J,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    arena = window.arena.window
    assert arena is not None and arena.isVisible()
    wait_until(loop, arena.isActiveWindow, timeout=5.0, what="the arena window")
    return arena


def start(loop: qasync.QEventLoop, arena: ArenaWindow) -> None:
    arena.setup.setFocus()
    key(loop, arena.setup, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_until(loop, lambda: arena.session is not None, what="the queue to start")


def shown(loop: qasync.QEventLoop, arena: ArenaWindow, number: int) -> None:
    wait_until(loop, lambda: arena.panel.battle is not None
               and arena.panel.battle.number == number, timeout=30,
               what=f"battle {number}")


def test_a_collection_judged_from_the_keyboard_start_to_finish(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    store = window.store
    assert store is not None
    targets = script_models(sim, registry, 3)
    collection(store)
    # One prompt was answered in the workspace already: those answers are shown again.
    square = next(p for p in store.prompts() if p.body == PROMPTS[0])
    window.load_prompt(square)
    send(loop, window, targets, PROMPTS[0])
    asked_before = len(sim.requests)
    arena = open_arena(loop, window, 4)
    assert arena.windowTitle() == "Arena — Prompt Studio"
    start(loop, arena)
    session = arena.session
    assert session is not None
    boards: list[int] = []
    for number in range(1, 5):
        shown(loop, arena, number)
        assert arena.panel.sides[0].title.text() == "Answer A"  # blind until the vote
        assert arena.panel.progress.text().startswith(f"Battle {number} of 4")
        key(loop, arena, Qt.Key.Key_1 if number % 2 else Qt.Key.Key_2)
        wait_until(loop, lambda n=number: len(session.votes) == n, what="the vote")
        battle = arena.panel.battle
        assert battle is not None
        # Revealed in place once voted.
        assert arena.panel.sides[0].title.text() == f"A: {battle.first.name}"
        wait_until(loop, lambda n=number: arena.leaderboard.fitted is not None
                   and arena.leaderboard.fitted.board.battles == n, timeout=20,
                   what="the leaderboard to take the vote")
        boards.append(arena.leaderboard.fitted.board.battles)  # type: ignore[union-attr]
        key(loop, arena, Qt.Key.Key_N)
    wait_until(loop, lambda: session.done, what="the end of the queue")
    assert boards == [1, 2, 3, 4]
    assert arena.tabs is not None and arena.tabs.currentWidget() is arena.leaderboard
    votes = store.votes(VoteFilter(voter_kind="user"))
    assert len(votes) == 4 and all(v.prompt_id is not None for v in votes)
    # Every planned pair is what was stored, A first.
    planned = [(b.first, b.second) for b in session.queue.planned]
    stored = [(bt.a, bt.b) for v in votes for bt in battles(v)]
    assert stored == planned
    outcomes = [bt.outcome for v in votes for bt in battles(v)]
    assert outcomes == ["a", "b", "a", "b"]
    # The square's answers came from the workspace's run; nothing was asked for it again.
    asked = sim.requests[asked_before:]
    assert all(PROMPTS[0] not in json.dumps(r.json) for r in asked)
    assert session.queue.reused >= 1 and session.queue.asked == len(asked)
    rows = arena.leaderboard.model.rowCount()
    assert rows == len({n for pair in planned for n in pair})
    assert "4 voted" in arena.panel.progress.text() or "4 voted" in arena.setup.message.text()


def test_skip_and_undo_in_the_queue(loop: qasync.QEventLoop, window: MainWindow,
                                    registry: ProviderRegistry, sim: Simulator) -> None:
    store = window.store
    assert store is not None
    window.model_bar.set_targets(script_models(sim, registry, 2))
    collection(store)
    arena = open_arena(loop, window, 2)
    start(loop, arena)
    session = arena.session
    assert session is not None
    shown(loop, arena, 1)
    key(loop, arena, Qt.Key.Key_3)  # a tie
    wait_until(loop, lambda: len(store.votes()) == 1, what="the vote")
    key(loop, arena, Qt.Key.Key_U)  # taken back
    wait_until(loop, lambda: store.votes() == [], what="undo")
    assert arena.panel.sides[0].title.text() == "Answer A"
    key(loop, arena, Qt.Key.Key_S)  # skipped
    shown(loop, arena, 2)
    key(loop, arena, Qt.Key.Key_4)
    wait_until(loop, lambda: len(store.votes()) == 1, what="the second vote")
    assert store.votes()[0].verdict == "both_bad"
    assert session.skipped == {1}
    assert "1 skipped" in arena.panel.progress.text()


def judged_queue(loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
                 sim: Simulator, count: int, verdict: str, *, pages: bool = False
                 ) -> tuple[Store, ArenaWindow, BattleSession]:
    """A queue of `count` battles between two models, with a judge model that always
    answers `verdict`."""
    store = window.store
    assert store is not None
    window.model_bar.set_targets(script_models(sim, registry, 2))
    sim.script(JUDGE, Synthetic([verdict]))
    collection(store)
    arena = open_arena(loop, window, count)
    arena.setup.judge.setEditText(f"sim-openai:{JUDGE}")
    if pages:
        arena.setup.judged.setCurrentIndex(arena.setup.judged.findData("pages"))
    start(loop, arena)
    session = arena.session
    assert session is not None and session.judge is not None
    return store, arena, session


def settled(loop: qasync.QEventLoop, view: LeaderboardView) -> Fitted:
    wait_until(loop, lambda: view.fitted is not None and not view.busy, what="the board")
    assert view.fitted is not None
    return view.fitted


def test_a_judge_model_votes_on_the_same_pairs_apart_from_you(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    store, arena, session = judged_queue(
        loop, window, registry, sim, 3, '{"winner": "A", "reason": "A is the clearer one."}')
    for number in (1, 2, 3):
        shown(loop, arena, number)
        wait_until(loop, lambda n=number: n in session.verdicts, timeout=20,
                   what="the judge's verdict")
        assert not arena.panel.judge_line.isVisible()  # not before your own vote
        key(loop, arena, Qt.Key.Key_1 if number < 3 else Qt.Key.Key_2)
        wait_until(loop, lambda n=number: len(session.votes) == n, what="your vote")
        assert arena.panel.judge_line.text() == "The judge says A is better: A is the clearer one."
        key(loop, arena, Qt.Key.Key_N)
    wait_until(loop, lambda: session.done, what="the end")
    judge = f"sim-openai:{JUDGE}"
    theirs = store.votes(VoteFilter(voter_kind="judge"))
    assert len(theirs) == 3 and {v.voter for v in theirs} == {judge}
    assert all(v.reason == "A is the clearer one." for v in theirs)
    assert len(store.votes(VoteFilter(voter_kind="user"))) == 3
    # The judge saw the same blind pair: the prompt and both answers, labelled A and B.
    request = json.dumps(sim.requests_for(JUDGE)[0].json)
    assert "<answer_a>" in request and "Answer number" in request
    assert not any(model in request for _p, model in MODELS)
    view = arena.leaderboard
    mine = settled(loop, view)
    assert (mine.chosen, mine.board.position_bias.first_wins) == (3, 2)  # A, A, then B
    assert f"The judge {judge} agreed with you on 2 of 3 pairs" in view.agreement.text()
    view.set_voter("judge")
    theirs_board = settled(loop, view)
    assert (theirs_board.chosen, theirs_board.board.position_bias.first_wins) == (3, 3)
    view.set_voter(None)
    assert settled(loop, view).chosen == 6


@pytest.mark.webengine
@pytest.mark.skipif(not is_registered(), reason="a QApplication existed before the scheme")
def test_on_pages_the_judge_gets_both_screenshots(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    store, arena, session = judged_queue(
        loop, window, registry, sim, 1, '{"winner": "B", "reason": "B fills the page."}',
        pages=True)
    shown(loop, arena, 1)
    wait_until(loop, lambda: 1 in session.verdicts, timeout=40, what="the judge")
    outcome = session.verdicts[1]
    assert outcome.verdict is not None and outcome.verdict.pictures == 2
    body = sim.requests_for(JUDGE)[0].json
    parts = body["messages"][-1]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url", "image_url"]
    assert all(p["image_url"]["url"].startswith("data:image/png;base64,iVBOR")
               for p in parts[1:])
    assert "<page_a>" in parts[0]["text"]
    key(loop, arena, Qt.Key.Key_2)
    wait_until(loop, lambda: len(store.votes(VoteFilter(judged="pages"))) == 2,
               what="both votes on the pages")
    assert "saw 2 screenshots" in arena.panel.judge_line.text()
