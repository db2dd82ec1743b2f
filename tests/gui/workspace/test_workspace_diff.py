"""The side-by-side diff: line pairing, word-level changes, and the dialog on two panes."""

from __future__ import annotations

import pytest
import qasync
from pytestqt.qtbot import QtBot

from studio.core.catalog import ProviderRegistry
from studio.ui.main_window import MainWindow
from studio.ui.workspace.diff import Segment, side_by_side, stats, word_diff
from studio.ui.workspace.diff_dialog import DiffDialog
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, in_loop, target, wait_until
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

LEFT = "# Plan\nUse a canvas.\nDraw 5 balls.\nKeep score.\nThe end."
RIGHT = "# Plan\nUse a canvas.\nDraw 10 red balls.\nThe end.\nAdd sound."


def test_word_diff_marks_only_the_changed_words() -> None:
    left, right = word_diff("Draw 5 balls.", "Draw 10 red balls.")
    assert left == (Segment("Draw "), Segment("5", True), Segment(" balls."))
    assert right == (Segment("Draw "), Segment("10 red", True), Segment(" balls."))


def test_side_by_side_pairs_changed_lines_and_keeps_line_numbers() -> None:
    rows = side_by_side(LEFT, RIGHT)
    kinds = [r.kind for r in rows]
    assert kinds == ["equal", "equal", "replace", "delete", "equal", "insert"]
    changed = rows[2]
    assert changed.left is not None and changed.right is not None
    assert (changed.left.number, changed.right.number) == (3, 3)
    assert [s.text for s in changed.right.segments if s.changed] == ["10 red"]
    removed, added = rows[3], rows[5]
    assert removed.left is not None and removed.left.text == "Keep score." and not removed.right
    assert added.right is not None and added.right.text == "Add sound." and added.right.number == 5
    s = stats(rows)
    assert (s.equal, s.changed, s.removed, s.added) == (3, 1, 1, 1)


def test_identical_answers_have_no_changes() -> None:
    rows = side_by_side(LEFT, LEFT)
    assert all(r.kind == "equal" for r in rows) and len(rows) == 5


def test_the_diff_dialog_compares_two_panes(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("left", Synthetic([LEFT]))
    sim.script("right", Synthetic([RIGHT[:20], RIGHT[20:]]))
    sim.script("third", Synthetic(["Something else entirely."]))
    comparison = in_loop(loop, lambda: window.send("p", [
        target(registry, "sim-openai", m) for m in ("left", "right", "third")]))
    wait_until(loop, lambda: comparison.settled, what="three answers")
    panes = window.pane_area.panes()
    in_loop(loop, panes[0].diff_button.click)
    dialog = window.open_diff(0)
    assert dialog is not None
    assert dialog.left_combo.currentText() == "left · Sim openai"
    assert dialog.right_combo.currentText() == "right · Sim openai"
    assert [r.kind for r in dialog.rows] == [r.kind for r in side_by_side(LEFT, RIGHT)]
    assert dialog.summary.text() == "1 changed, 1 only left, 1 only right, 3 identical lines"
    shown = dialog.view.document().toPlainText()
    assert "Keep score." in shown and "Add sound." in shown and "10 red" in shown
    assert dialog.view.isReadOnly()

    dialog.right_combo.setCurrentIndex(2)
    assert dialog.summary.text().startswith("1 changed, 4 only left")
    dialog.close()


def _number_cells(dialog: DiffDialog) -> dict[str, int]:
    """Each line number shown in the dialog → how many lines it takes on screen."""
    dialog.view.document().setTextWidth(dialog.view.viewport().width())
    found: dict[str, int] = {}
    block = dialog.view.document().begin()
    while block.isValid():
        text = block.text()
        if text.isdigit():
            layout = block.layout()
            found[text] = layout.lineCount() if layout is not None else 0
        block = block.next()
    return found


def test_line_numbers_stay_on_one_line_however_many_lines_there_are(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, qtbot: QtBot) -> None:
    long_left = "\n".join(f"line {n} of a long page with some words" for n in range(1200))
    long_right = long_left.replace("line 1000 of", "row 1000 of")
    sim.script("left", Synthetic([long_left]))
    sim.script("right", Synthetic([long_right]))
    comparison = in_loop(loop, lambda: window.send("compare", [
        target(registry, "sim-openai", "left"), target(registry, "sim-openai", "right")]))
    wait_until(loop, lambda: comparison.settled, what="both answers")
    dialog = window.open_diff(0)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.resize(700, 500)  # narrow: the text columns press on the numbers
    cells = _number_cells(dialog)
    assert {"9", "10", "100", "1000", "1200"} <= set(cells)
    assert {n: c for n, c in cells.items() if c != 1} == {}
    dialog.close()
