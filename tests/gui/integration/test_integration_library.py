"""The library in the main window: docked on the left, built after the first paint, fed
by every comparison, driving the workspace (reopen, compare), with undo in the Edit menu and
ratings in the panes."""

from __future__ import annotations

from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog, QMenu, QToolButton
from pytestqt.qtbot import QtBot

from studio.core.catalog import ProviderRegistry
from studio.core.paths import StudioPaths
from studio.core.runner import ModelTarget
from studio.store import PromptId, RunId, Store
from studio.ui.about import AboutDialog
from studio.ui.library import CompareRunsDialog, LibraryPanel, RatingWidget
from studio.ui.main_window import MainWindow
from tests.gui.integration.integration_support import WindowMaker
from tests.gui.threads.threads_support import (
    follow_up,
    reopened_store,
    send,
    settle,
    shown_text,
)
from tests.gui.workspace.workspace_support import (
    OFFSCREEN_SIZE_HINTS,
    close_window,
    in_loop,
    spin,
    target,
    wait_until,
)
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def _two_models(registry: ProviderRegistry, sim: Simulator, tag: str) -> list[ModelTarget]:
    sim.script(f"alpha-{tag}", Synthetic([f"Alpha answers {tag}."]))
    sim.script(f"beta-{tag}", Synthetic([f"Beta answers {tag}."]))
    return [target(registry, "sim-openai", f"alpha-{tag}"),
            target(registry, "sim-anthropic", f"beta-{tag}")]


def _run_id(window: MainWindow) -> int:
    comparison = window.comparison
    assert comparison is not None and comparison.run_id is not None
    return int(comparison.run_id)


def _menu(window: MainWindow, position: int) -> QMenu:
    """The menu bar's menu at `position` (File, Edit, Run, View, Help)."""
    menu = window.menuBar().actions()[position].menu()
    assert isinstance(menu, QMenu)
    return menu


def _panel(window: MainWindow) -> LibraryPanel:
    panel = window.library
    assert panel is not None
    return panel


def test_the_library_is_docked_on_the_left_and_built_after_the_first_paint(
        loop: qasync.QEventLoop, make_window: WindowMaker) -> None:
    window = make_window()
    dock = window.library_dock
    assert isinstance(dock, QDockWidget) and dock.objectName() == "libraryDock"
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    # Not built while the window is being made: start-up does not wait for the history.
    assert not isinstance(dock.widget(), LibraryPanel)
    wait_until(loop, lambda: isinstance(dock.widget(), LibraryPanel),
               what="the library panel after the first paint")
    assert window.actions_.library.isChecked()
    assert window.actions_.library in _menu(window, 3).actions()


def test_a_hidden_library_stays_hidden_and_unbuilt_until_shown_again(
        loop: qasync.QEventLoop, make_window: WindowMaker) -> None:
    first = make_window()
    assert first.library is not None
    first.actions_.library.trigger()  # View ▸ Library: hide it
    assert first.library_dock is not None and first.library_dock.isHidden()
    close_window(loop, first)

    second = make_window()
    dock = second.library_dock
    assert dock is not None and dock.isHidden()  # as the window state saved it
    assert not second.actions_.library.isChecked()
    spin(loop, 0.2)
    assert not isinstance(dock.widget(), LibraryPanel)  # nothing read for a hidden panel
    second.actions_.library.trigger()
    assert not dock.isHidden() and second.actions_.library.isChecked()
    wait_until(loop, lambda: isinstance(dock.widget(), LibraryPanel),
               what="the library panel once shown")


def test_a_comparison_appears_in_the_history_and_a_row_reopens_its_run(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    history = _panel(window).history
    send(loop, window, "First prompt", _two_models(registry, sim, "one"))
    first = _run_id(window)
    assert history.model.row_of(first) == 0  # at the top as soon as it was saved
    send(loop, window, "Second prompt", _two_models(registry, sim, "two"))
    second = _run_id(window)
    assert [history.model.summary(r).id for r in range(2)] == [second, first]
    assert history.model.summary(0).models == ("sim-openai:alpha-two",
                                               "sim-anthropic:beta-two")

    # Enter on the older run's row puts that run back on screen, exactly as it was.
    history.view.selectRow(1)
    history.view.setFocus()
    QTest.keyClick(history.view, Qt.Key.Key_Return)
    assert _run_id(window) == first
    panes = window.pane_area.panes()
    assert [shown_text(p) for p in panes] == ["Alpha answers one.", "Beta answers one."]
    assert window.prompt_area.prompt() == "First prompt"
    assert len(sim.requests) == 4  # reopening sent nothing


def test_a_rating_made_in_a_pane_is_kept_and_shown_in_the_history(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    send(loop, window, "Rate these", _two_models(registry, sim, "rate"))
    run_id = _run_id(window)
    pane = window.pane_area.panes()[1]
    rating = pane.rating_widget
    assert isinstance(rating, RatingWidget) and rating.isVisible()
    assert rating.rating() is None
    rating.stars[3].click()
    rating.note_edit.setText("tidy, but slow")
    rating.note_edit.editingFinished.emit()

    with reopened_store(window) as other:
        saved = other.run(RunId(run_id)).turns[0].current(1)
        assert saved is not None and (saved.rating, saved.rating_note) == (4, "tidy, but slow")
    history = _panel(window).history
    row = history.model.row_of(run_id)
    assert row is not None and history.model.summary(row).best_rating == 4

    # Reopened later, the pane shows the stars it was given.
    window.new_comparison()
    assert window.reopen_run(run_id) is not None
    again = window.pane_area.panes()[1].rating_widget
    assert isinstance(again, RatingWidget)
    assert (again.rating(), again.note_edit.text()) == (4, "tidy, but slow")
    # A pane whose answer is being regenerated has nothing to rate until it is saved.
    comparison = window.comparison
    assert comparison is not None
    sim.script("beta-rate", Synthetic(["Beta again."]))
    in_loop(loop, lambda: comparison.retry(1))
    assert window.pane_area.panes()[1].rating_widget is None
    wait_until(loop, lambda: comparison.settled, what="the new attempt")
    fresh = window.pane_area.panes()[1].rating_widget
    assert isinstance(fresh, RatingWidget) and fresh.response_id != again.response_id
    assert fresh.rating() is None


def test_comparing_two_runs_from_the_history_opens_them_side_by_side(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    send(loop, window, "Same prompt", _two_models(registry, sim, "old"))
    old = _run_id(window)
    targets = _two_models(registry, sim, "old")
    sim.script("alpha-old", Synthetic(["Alpha, better now."]))
    send(loop, window, "Same prompt", targets)
    new = _run_id(window)
    history = _panel(window).history
    history.view.selectRow(0)
    history.view.selectionModel().select(
        history.model.index(1, 0), history.view.selectionModel().SelectionFlag.Select
        | history.view.selectionModel().SelectionFlag.Rows)
    history.compare_action.trigger()
    dialogs = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, CompareRunsDialog) and w.isVisible()]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert (int(dialog.old_run.id), int(dialog.new_run.id)) == (old, new)
    assert dialog.answer_texts()["sim-openai:alpha-old"] == ("Alpha answers old.",
                                                             "Alpha, better now.")
    dialog.close()


def test_undo_in_the_edit_menu_and_ctrl_z_in_the_library_bring_a_prompt_back(
        loop: qasync.QEventLoop, qtbot: QtBot, make_window: WindowMaker,
        store_with_prompt: tuple[int, int]) -> None:
    window = make_window()
    panel = _panel(window)
    undo, redo = window.actions_.undo, window.actions_.redo
    assert undo in _menu(window, 1).actions()  # the Edit menu
    assert not undo.isEnabled() and not redo.isEnabled()
    prompt_id = store_with_prompt[1]
    tree = panel.collections
    assert panel.select_prompt(prompt_id)
    assert tree.delete_selected() == 1
    assert undo.isEnabled() and "Delete" in undo.text()
    undo.trigger()
    assert window.store is not None and window.store.prompt(PromptId(prompt_id)).title == "Hexagon"
    assert redo.isEnabled()

    # Ctrl+Z where the library has the focus: one owner of the key, no ambiguity warning.
    with qtbot.waitActive(window):
        window.activateWindow()
    assert panel.select_prompt(prompt_id)
    assert tree.delete_selected() == 1
    tree.view.setFocus()
    QTest.keyClick(tree.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.store.prompt(PromptId(prompt_id)).title == "Hexagon"
    assert not tree.undo_stack.canUndo()


def test_about_opens_from_the_help_menu(window: MainWindow) -> None:
    help_menu = _menu(window, -1)
    about = next(a for a in help_menu.actions() if a.text().startswith("&About"))
    about.trigger()
    dialogs = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, AboutDialog) and w.isVisible()]
    assert len(dialogs) == 1
    assert dialogs[0].paths == window.paths  # it says where this window keeps its data
    dialogs[0].close()


@pytest.fixture
def store_with_prompt(paths: StudioPaths) -> tuple[int, int]:
    """A collection with one prompt, in the database the window will open."""
    with Store.open(paths) as store:
        collection = store.add_collection("Tests")
        prompt = store.add_prompt(collection.id, "Hexagon", "A ball in a spinning hexagon.")
        return int(collection.id), int(prompt.id)


def test_words_of_a_sent_follow_up_find_its_run_which_reopens_on_that_branch(
        loop: qasync.QEventLoop, qtbot: QtBot, window: MainWindow,
        registry: ProviderRegistry, sim: Simulator) -> None:
    sim.script("search-me", Synthetic(["A page."]), Synthetic(["It flies."]),
               Synthetic(["It lands."]))
    comparison = send(loop, window, "Make a page.",
                      [target(registry, "sim-openai", "search-me")])
    follow_up(loop, window, "Make the zeppelin fly over the hexagon.")
    flown = comparison.chat.head
    assert flown is not None
    window.edit_turn(flown)
    window.prompt_area.set_prompt("Make the airship land instead.")
    in_loop(loop, window.submit_follow_up)
    settle(loop, comparison, "the other branch")
    run_id = _run_id(window)
    window.new_comparison()

    panel = _panel(window)
    panel.search_box.setFocus()
    qtbot.keyClicks(panel.search_box, "zeppel")  # as you type: a prefix finds it
    results = panel.results
    wait_until(loop, lambda: bool(results.hits), what="the search results")
    assert [(h.kind, h.run_id, h.turn_id) for h in results.hits] == [
        ("turn", run_id, flown)]
    label = results.model().index(0, 0).data()
    assert "Sent prompt" in label and "zeppelin fly over the hexagon" in label

    QTest.keyClick(panel.search_box, Qt.Key.Key_Return)
    reopened = window.comparison
    assert reopened is not None and reopened.run_id == run_id
    # The branch with the words found is on screen, not the one shown last.
    assert [t.prompt for t in reopened.chat.branch()] == [
        "Make a page.", "Make the zeppelin fly over the hexagon."]
    assert "It flies." in shown_text(window.pane_area.panes()[0])
    assert len(sim.requests_for("search-me")) == 3  # reopening sent nothing


def test_notes_and_the_undo_bar_never_move_the_history_toolbar(
        loop: qasync.QEventLoop, make_window: WindowMaker,
        store_with_prompt: tuple[int, int]) -> None:
    window = make_window()
    panel = _panel(window)
    QApplication.processEvents()
    history = panel.history
    delete = next(b for b in history.findChildren(QToolButton)
                  if b.defaultAction() is history.delete_action)

    def where() -> tuple[int, int, int]:
        QApplication.processEvents()
        top = delete.mapTo(window, delete.rect().topLeft())
        return top.x(), top.y(), panel.splitter.height()

    before = where()
    assert panel.select_prompt(store_with_prompt[1])
    assert panel.collections.delete_selected() == 1
    assert panel.collections.undo_bar.isVisible()
    assert where() == before
    panel.notes.note("Imported: 3 collections, 12 prompts, 2 model sets.")
    assert where() == before
    panel.notes.error("Import failed. " + "The file names an entry that is wrong. " * 8)
    assert where() == before
    assert "wrong" in panel.notes.toolTip()  # the whole message, when it is cut
    panel.notes.hide()
    panel.collections.undo_bar.hide()
    assert where() == before


def test_import_and_export_are_in_the_file_menu(
        loop: qasync.QEventLoop, make_window: WindowMaker, tmp_path: Path,
        store_with_prompt: tuple[int, int]) -> None:
    window = make_window()
    file_menu = _menu(window, 0)
    texts = [a.text() for a in file_menu.actions()]
    assert {"&Import collections…", "&Export collection…",
            "Export collection with &runs…"} <= set(texts)
    panel = _panel(window)
    assert panel.select_prompt(store_with_prompt[1])

    window.actions_.export.trigger()
    dialog = _file_dialog(window)
    target_file = tmp_path / "tests.json"
    dialog.selectFile(str(target_file))
    dialog.accept()
    assert target_file.exists()
    assert panel.notes.text() == f"Exported to {target_file}."

    window.actions_.library.trigger()  # hidden: File ▸ Import shows the library again
    window.actions_.import_.trigger()
    assert window.library_dock is not None and not window.library_dock.isHidden()
    dialog = _file_dialog(window)
    dialog.selectFile(str(target_file))
    dialog.accept()
    assert panel.notes.text().startswith("Imported: ")


def _file_dialog(window: MainWindow) -> QFileDialog:
    shown = [d for d in window.findChildren(QFileDialog) if d.isVisible()]
    assert len(shown) == 1
    return shown[0]
