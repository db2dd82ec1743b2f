# mypy: disable-error-code="no-untyped-call"
"""Search as you type: prompts and answers, highlighted, and what activating a hit does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from studio.store import Store
from studio.ui.library import LibraryPanel
from studio.ui.library.search_results import DEBOUNCE_MS, HTML_ROLE, hit_html
from studio.ui.library.tree_model import ID_ROLE
from tests.gui.library.library_support import OFFSCREEN_SIZE_HINTS, add_run

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

Maker = Callable[[], LibraryPanel]


def fill(store: Store) -> tuple[int, int]:
    games = store.add_collection("Games")
    hexagon = store.add_prompt(games.id, "Spinning hexagon", "balls bouncing in a hexagon",
                               tags=["physics"])
    store.add_prompt(games.id, "Voxel pagoda", "a three.js pagoda")
    run_id, _ = add_run(store, "Landing page", ("openai:gpt-5", "kimi:kimi-k2"),
                        texts=["A hero section with a gradient", "Tailwind marquee of logos"])
    return hexagon.id, run_id


def test_typing_shows_prompt_hits_once_typing_pauses(
        qtbot: QtBot, store: Store, make_panel: Maker) -> None:
    hexagon_id, _ = fill(store)
    panel = make_panel()
    searches: list[tuple[str, int]] = []
    panel.results.searched.connect(lambda q, n: searches.append((q, n)))
    panel.search_box.setFocus()
    qtbot.keyClicks(panel.search_box, "hexa")
    assert panel.stack.currentWidget() is panel.results
    assert panel.results.pending  # debounced: nothing searched while keys arrive
    assert searches == []
    qtbot.waitUntil(lambda: bool(searches), timeout=DEBOUNCE_MS * 20)
    assert searches == [("hexa", 1)]  # one search for the whole burst
    hit = panel.results.hits[0]
    assert (hit.kind, hit.prompt_id, hit.title) == ("prompt", hexagon_id, "Spinning hexagon")
    html = str(panel.results.results.index(0, 0).data(HTML_ROLE))
    assert "<b>Spinning hexagon</b>" in html
    assert ">hexagon</b>" in html  # the match in the snippet is marked
    # The hit is drawn (the delegate paints HTML without complaint).
    panel.results.viewport().grab()

    # Enter selects the prompt in the tree, which comes back in place of the results.
    qtbot.keyClick(panel.search_box, Qt.Key.Key_Return)
    assert panel.stack.currentWidget() is panel.collections
    assert panel.search_box.text() == ""
    assert panel.collections.view.currentIndex().data(ID_ROLE) == hexagon_id


def test_an_answer_hit_opens_its_run(qtbot: QtBot, store: Store, make_panel: Maker) -> None:
    _, run_id = fill(store)
    for n in range(3):  # older runs push the one we look for down the history list
        add_run(store, f"Older {n}")
    panel = make_panel()
    panel.search_box.setText("marquee")
    qtbot.waitUntil(lambda: bool(panel.results.hits), timeout=DEBOUNCE_MS * 20)
    hit = panel.results.hits[0]
    assert (hit.kind, hit.run_id, hit.model) == ("response", run_id, "kimi:kimi-k2")
    assert "Answer from kimi-k2" in str(panel.results.results.index(0, 0).data(HTML_ROLE))
    panel.results.setFocus()
    with qtbot.waitSignal(panel.turnChosen) as opened:  # opened on the answer's branch
        qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    assert opened.args == [run_id, hit.turn_id]
    selected = panel.history.selected_runs()
    assert [s.id for s in selected] == [run_id]


def test_no_match_says_so_and_escape_returns_to_the_tree(
        qtbot: QtBot, store: Store, make_panel: Maker) -> None:
    fill(store)
    panel = make_panel()
    panel.search_box.setFocus()
    qtbot.keyClicks(panel.search_box, "zebra")
    qtbot.waitUntil(lambda: not panel.results.pending, timeout=DEBOUNCE_MS * 20)
    assert panel.results.hits == []
    note = panel.results.results.index(0, 0)
    assert "No prompts, sent prompts or answers match “zebra”" in str(note.data())
    assert not note.flags() & Qt.ItemFlag.ItemIsEnabled
    qtbot.keyClick(panel.search_box, Qt.Key.Key_Escape)
    assert panel.search_box.text() == ""
    assert panel.stack.currentWidget() is panel.collections


def test_down_arrow_moves_into_the_results(qtbot: QtBot, store: Store,
                                            make_panel: Maker) -> None:
    fill(store)
    panel = make_panel()
    panel.search_box.setFocus()
    qtbot.keyClicks(panel.search_box, "pagoda")
    qtbot.keyClick(panel.search_box, Qt.Key.Key_Down)  # searches at once, no waiting
    assert not panel.results.pending
    assert QApplication.focusWidget() is panel.results
    assert [h.title for h in panel.results.hits] == ["Voxel pagoda"]


def test_highlight_colours_come_from_the_palette(qapp: QApplication, store: Store) -> None:
    fill(store)
    hit = store.search("hexagon")[0]
    original = QApplication.palette()
    dark = QPalette(original)
    dark.setColor(QPalette.ColorRole.Base, QColor("#17181a"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e8eaed"))
    dark.setColor(QPalette.ColorRole.Highlight, QColor("#3d6fd0"))
    QApplication.setPalette(dark)
    try:
        dark_html = hit_html(hit)
    finally:
        QApplication.setPalette(original)
    light_html = hit_html(hit)
    assert dark_html != light_html

    def mark_colour(html: str) -> QColor:
        start = html.index("background-color:") + len("background-color:")
        return QColor(html[start:start + 7])

    assert mark_colour(dark_html).lightness() < 110 < mark_colour(light_html).lightness()
