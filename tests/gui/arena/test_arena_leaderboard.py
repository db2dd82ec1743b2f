"""The leaderboard view over stored votes with a known answer: the table against the fit,
the bars on one axis, the heat map, position bias, style control, the filters, and the
export request (offered only when something takes it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from studio.core.arena import Entry, pair_vote
from studio.core.arena_board import BoardOptions, leaderboard
from studio.core.paths import StudioPaths
from studio.store import Store, VoteFilter
from studio.ui.arena.board_widgets import INTERVAL_COLUMN, axis_of
from studio.ui.arena.leaderboard_view import BoardChoice, LeaderboardView
from tests.gui.workspace.workspace_support import wait_until

pytestmark = [pytest.mark.gui]

# Strong beats mid 7 times in 10, mid beats weak 7 in 10, strong beats weak 8 in 10; the
# longer answer (strong's) is shown first half the time.
PLAN = (("strong", "mid", 7, 3), ("mid", "weak", 7, 3), ("strong", "weak", 8, 2))


@pytest.fixture
def store(paths: StudioPaths) -> Iterator[Store]:
    opened = Store.open(paths.database)
    yield opened
    opened.close()


def fill(store: Store) -> tuple[int, list]:  # type: ignore[type-arg]
    shapes = store.add_collection("Shapes")
    mine = []
    for a, b, wins, losses in PLAN:
        for n in range(wins + losses):
            first, second = (a, b) if n % 2 else (b, a)
            a_won = n < wins
            winner = "a" if (first == a) == a_won else "b"
            vote = pair_vote(Entry(0, first, answer_chars=900 if first == "strong" else 300),
                             Entry(1, second, answer_chars=900 if second == "strong" else 300),
                             winner, collection_id=int(shapes.id), judged="answers")
            store.add_vote(vote)
            mine.append(vote)
    # Votes elsewhere: on pages, by a judge, in no collection.
    store.add_vote(pair_vote(Entry(0, "weak"), Entry(1, "strong"), "a", judged="pages"))
    store.add_vote(pair_vote(Entry(0, "weak"), Entry(1, "mid"), "a", voter_kind="judge",
                             voter="sim:judge"))
    return int(shapes.id), mine


def view_of(qtbot: QtBot, loop: qasync.QEventLoop, store: Store) -> LeaderboardView:
    view = LeaderboardView(store)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    settle(loop, view)
    return view


def settle(loop: qasync.QEventLoop, view: LeaderboardView) -> None:
    wait_until(loop, lambda: view.fitted is not None and not view.busy, timeout=20,
               what="the board")


def test_the_table_and_heat_map_show_the_fit(qtbot: QtBot, loop: qasync.QEventLoop,
                                              store: Store) -> None:
    collection, mine = fill(store)
    view = view_of(qtbot, loop, store)
    view.collection.setCurrentIndex(view.collection.findData(collection))
    settle(loop, view)
    expected = leaderboard(mine)
    model = view.model
    assert model.rowCount() == 3
    for row, r in enumerate(expected.models):
        texts = [str(model.index(row, c).data()) for c in range(model.columnCount())]
        assert texts[1] == r.model and texts[2] == f"{r.rating:.0f}"
        assert texts[4] == str(r.battles) and texts[5] == f"{r.wins}-{r.losses}-{r.ties}"
        assert texts[0] == (str(r.rank_range[0]) if r.rank_range[0] == r.rank_range[1]
                            else f"{r.rank_range[0]}–{r.rank_range[1]}")
        # The bar's cell gives screen readers the interval as numbers.
        accessible = model.index(row, INTERVAL_COLUMN).data(
            Qt.ItemDataRole.AccessibleTextRole)
        assert accessible == f"{r.ci_low:.0f} to {r.ci_high:.0f}"
    assert [r.model for r in expected.models] == ["strong", "mid", "weak"]
    # Every bar on one axis: the axis holds each interval, and the bars stand in order.
    low, high = axis_of(expected)
    assert low <= min(r.ci_low for r in expected.models) and high >= max(
        r.ci_high for r in expected.models)
    delegate = view.table.itemDelegateForColumn(INTERVAL_COLUMN)
    rect = view.table.visualRect(model.index(0, INTERVAL_COLUMN))
    xs = [delegate.x_of(r.rating, rect) for r in expected.models]  # type: ignore[attr-defined]
    assert xs == sorted(xs, reverse=True) and rect.left() < xs[-1] < xs[0] < rect.right()
    # The heat map: strong beat mid in 70 % of their decisive battles.
    heat = view.heat_map
    assert heat.names == ["strong", "mid", "weak"]
    assert heat.cell_text(0, 1) == "70 %" and heat.cell_text(1, 0) == "30 %"
    assert heat.cell_text(0, 2) == "80 %" and heat.cell_text(0, 0) == ""
    assert heat.tip(0, 1) == "strong beat mid in 70 % of 10 decisive battles (10 battles, 0 ties)"
    assert "Position bias: the answer shown first (A) won" in view.details.text()
    assert "30 battles from 30 votes" in view.summary.text()


def test_filters_style_control_and_the_voter(qtbot: QtBot, loop: qasync.QEventLoop,
                                             store: Store) -> None:
    fill(store)
    view = view_of(qtbot, loop, store)
    assert view.fitted is not None and view.fitted.board.battles == 31  # all of yours
    view.judged.setCurrentIndex(view.judged.findData("pages"))
    settle(loop, view)
    assert view.fitted.board.battles == 1
    assert [r.model for r in view.fitted.board.models] == ["weak", "strong"]
    view.judged.setCurrentIndex(0)
    view.set_voter("judge")
    settle(loop, view)
    assert view.fitted.chosen == 1 and view.fitted.seen == 32
    view.set_voter("user")
    view.style_control.setChecked(True)
    settle(loop, view)
    [style] = view.fitted.board.style
    assert style.feature == "answer_length"
    assert "Style control: answer length" in view.details.text()
    fitted = leaderboard(store.votes(VoteFilter(voter_kind="user")),
                         BoardOptions(style_control=True))
    assert [round(r.rating) for r in view.fitted.board.models] == [
        round(r.rating) for r in fitted.models]
    # A date range with no votes in it.
    view.until_box.setChecked(True)
    view.until.setDate(view.until.date().addYears(-5))
    settle(loop, view)
    assert view.fitted.board.battles == 0 and "No votes here yet" in view.summary.text()


def test_export_is_offered_only_when_something_takes_it(
        qtbot: QtBot, loop: qasync.QEventLoop, store: Store) -> None:
    fill(store)
    view = view_of(qtbot, loop, store)
    assert not view.export_button.isVisible()
    asked: list[BoardChoice] = []
    view.exportRequested.connect(asked.append)
    assert view.export_button.isVisible()  # offered as soon as something takes it
    view.style_control.setChecked(True)
    view.export_button.click()
    [choice] = asked
    assert choice.filters.voter_kind == "user" and choice.options.style_control
