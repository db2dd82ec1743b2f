"""Columns, grid, tabs, focus and synchronized scrolling keep the same panes and text."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea, QSplitter, QTabWidget

from studio.core.catalog import ProviderRegistry
from studio.ui.library import RatingWidget
from studio.ui.main_window import MainWindow
from studio.ui.workspace.comparison import Comparison
from studio.ui.workspace.layouts import LayoutMode, PaneArea, grid_shape
from studio.ui.workspace.pane import MIN_PANE_WIDTH, PREVIEW_MIN_HEIGHT
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, in_loop, target, wait_until
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

LONG = "\n\n".join(f"Paragraph {i}: " + "words " * 40 for i in range(60))


def _four_answers(loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
                  sim: Simulator) -> Comparison:
    names = [f"layout-{i}" for i in range(4)]
    for i, name in enumerate(names):
        sim.script(name, Synthetic([f"Answer {i}. ", LONG]))
    comparison = in_loop(loop, lambda: window.send(
        "p", [target(registry, "sim-openai", n) for n in names]))
    wait_until(loop, lambda: comparison.settled, what="four answers")
    return comparison


def focused(area: PaneArea) -> int | None:
    return area.focused  # read through a call: each check sees the current value


def test_grid_shape_is_as_square_as_possible() -> None:
    assert [grid_shape(n) for n in (0, 1, 2, 3, 4, 5, 6, 9, 10)] == [
        (0, 0), (1, 1), (1, 2), (2, 2), (2, 2), (2, 3), (2, 3), (3, 3), (3, 4)]


def test_switching_layouts_keeps_the_panes_and_their_text(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    _four_answers(loop, window, registry, sim)
    area = window.pane_area
    panes = area.panes()
    texts = [p.view.document().toPlainText() for p in panes]
    assert all(t.startswith(f"Answer {i}.") for i, t in enumerate(texts)), texts

    # Columns: one splitter, inside a horizontally scrolling area once the window is narrow.
    window.resize(800, 700)
    QApplication.processEvents()
    assert area.mode is LayoutMode.COLUMNS
    scroll = area.findChild(QScrollArea)
    assert scroll is not None and isinstance(scroll.widget(), QSplitter)
    assert all(p.width() >= MIN_PANE_WIDTH for p in panes)
    assert scroll.horizontalScrollBar().maximum() > 0

    window.actions_.layouts[LayoutMode.GRID].trigger()
    QApplication.processEvents()
    assert area.mode.value == "grid"
    rows = {p.parentWidget() for p in panes}
    assert len(rows) == 2 and all(isinstance(r, QSplitter) for r in rows)

    window.actions_.layouts[LayoutMode.TABS].trigger()
    QApplication.processEvents()
    tabs = area.findChild(QTabWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
    assert tabs is not None and tabs.count() == 4
    assert [tabs.tabText(i) for i in range(4)] == [f"layout-{i}" for i in range(4)]

    window.actions_.layouts[LayoutMode.COLUMNS].trigger()
    QApplication.processEvents()
    assert area.panes() == panes  # the very same widgets …
    assert [p.view.document().toPlainText() for p in panes] == texts  # … with their text


def test_focus_one_pane_and_back_with_a_double_click_or_the_shortcut(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    _four_answers(loop, window, registry, sim)
    area = window.pane_area
    panes = area.panes()
    header = panes[2].name_label.parentWidget()
    assert header is not None
    QTest.mouseDClick(header, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    QApplication.processEvents()
    assert focused(area) == 2
    assert panes[2].isVisible() and not any(p.isVisible() for i, p in enumerate(panes)
                                            if i != 2)
    assert panes[2].width() > area.width() - 20  # full size
    assert window.actions_.focus.isChecked() is True
    QTest.mouseDClick(header, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    QApplication.processEvents()
    assert focused(area) is None and all(p.isVisible() for p in panes)

    area.set_current(1)
    window.actions_.focus.trigger()
    assert focused(area) == 1
    window.actions_.next_pane.trigger()  # moving on while focused shows the next one alone
    assert focused(area) == 2 and area.current_index == 2
    window.actions_.focus.trigger()
    assert focused(area) is None
    window.actions_.previous_pane.trigger()
    assert area.current_index == 1


def test_synchronized_scrolling_moves_every_pane_proportionally(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    _four_answers(loop, window, registry, sim)
    window.resize(1800, 600)
    QApplication.processEvents()
    panes = window.pane_area.panes()
    bars = [p.view.verticalScrollBar() for p in panes]
    assert all(b.maximum() > 0 for b in bars)
    for bar in bars:
        bar.setValue(0)
    bars[0].setValue(bars[0].maximum() // 3)
    assert bars[1].value() == 0  # off by default

    window.actions_.sync_scroll.trigger()
    assert window.pane_area.sync_scroll
    bars[0].setValue(bars[0].maximum() // 2)
    for bar in bars[1:]:
        assert abs(bar.value() - bar.maximum() // 2) <= 2
    bars[3].setValue(0)
    assert all(b.value() == 0 for b in bars)


def _ratings_shown(window: MainWindow) -> bool:
    return all(isinstance(p.rating_widget, RatingWidget) for p in window.pane_area.panes())


def test_the_rating_note_keeps_a_usable_width_in_columns_grid_and_alone(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    _four_answers(loop, window, registry, sim)
    wait_until(loop, lambda: _ratings_shown(window), what="the ratings")
    window.resize(1200, 800)
    usable = None
    for mode in (LayoutMode.COLUMNS, LayoutMode.GRID):
        window.actions_.layouts[mode].trigger()
        QApplication.processEvents()
        for pane in window.pane_area.panes():
            rating = pane.rating_widget
            assert isinstance(rating, RatingWidget)
            note = rating.note_edit
            usable = note.fontMetrics().horizontalAdvance("M") * 12
            assert note.isVisible() and note.width() >= usable, (mode, note.width())
    # Alone in the window the pane has room: the rating sits in its action row.
    pane = window.pane_area.panes()[1]
    window.pane_area.focus_pane(1)
    QApplication.processEvents()
    rating = pane.rating_widget
    assert isinstance(rating, RatingWidget) and usable is not None
    assert rating.parentWidget() is pane.copy_button.parentWidget()
    assert rating.note_edit.width() > usable


def test_an_inline_preview_in_the_grid_keeps_a_usable_size(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    _four_answers(loop, window, registry, sim)
    window.resize(1200, 700)
    window.actions_.layouts[LayoutMode.GRID].trigger()
    pane = window.pane_area.panes()[3]
    in_loop(loop, lambda: pane.set_preview_visible(True))
    QApplication.processEvents()
    preview = pane.preview
    assert preview is not None and preview.isVisible()
    assert preview.height() >= PREVIEW_MIN_HEIGHT
    assert pane.view.height() >= 40  # the answer above it keeps some room too


def test_tabs_tell_two_slots_of_one_model_apart(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("twin", Synthetic(["Same model."]))
    comparison = in_loop(loop, lambda: window.send("p", [
        target(registry, "sim-openai", "twin", temperature=0.2),
        target(registry, "sim-openai", "twin", temperature=0.9)]))
    wait_until(loop, lambda: comparison.settled, what="two answers")
    window.actions_.layouts[LayoutMode.TABS].trigger()
    tabs = window.pane_area.findChild(QTabWidget,
                                      options=Qt.FindChildOption.FindDirectChildrenOnly)
    assert tabs is not None
    assert [tabs.tabText(i) for i in range(2)] == ["twin · T 0.2", "twin · T 0.9"]


def test_replacing_the_panes_does_not_re_lay_out_the_old_answers(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    # Taking the old panes out one by one used to widen the ones still shown, and each
    # re-laid out its whole document just before going (200 ms for a 1 MB answer).
    window.resize(1600, 900)
    old = _four_answers(loop, window, registry, sim).panes
    QApplication.processEvents()
    relaid: list[int] = []
    for pane in old:
        pane.view.document().documentLayout().documentSizeChanged.connect(
            lambda _size, i=pane.index: relaid.append(i))
    sim.script("next", Synthetic(["Short."]))
    comparison = in_loop(loop, lambda: window.send(
        "p", [target(registry, "sim-openai", "next")]))
    wait_until(loop, lambda: comparison.settled, what="the new answer")
    assert window.pane_area.panes() == comparison.panes
    assert comparison.panes[0].view.answer_text() == "Short."
    assert relaid == []
