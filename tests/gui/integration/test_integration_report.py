"""Export report… in the app: from the File menu for the comparison on screen (with its
follow-up), from the history's context menu for any run, from the batch window's toolbar for
the batch it shows, and from the Arena's leaderboard with its filters; the dialog says where
it saved."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QMenu

from studio.core.arena import Entry, pair_vote
from studio.core.catalog import ProviderRegistry
from studio.report.export import ReportFormat
from studio.ui.main_window import MainWindow
from studio.ui.report.dialog import ReportDialog
from studio.ui.report.exports import NOTHING_YET
from tests.gui.grid.grid_support import (
    add_collection,
    batch_window,
    open_start_dialog,
    start,
    wait_finished,
)
from tests.gui.integration.integration_support import WindowMaker
from tests.gui.threads.threads_support import follow_up, send
from tests.gui.workspace.workspace_support import (
    ENGINE_NOISE,
    OFFSCREEN_SIZE_HINTS,
    in_loop,
    target,
    wait_until,
)
from tests.support.report_runs import answer_with, canvas_page
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

# Screenshots the history lacks are taken in the preview sandbox: QtWebEngine starts.
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, *ENGINE_NOISE)]


def _comparison(loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
                sim: Simulator) -> int:
    sim.script("painter", Synthetic([answer_with(canvas_page("painter", "#ff0000"))]))
    sim.script("talker", Synthetic(["No page from me."]))
    targets = [target(registry, "sim-openai", "painter"),
               target(registry, "sim-anthropic", "talker")]
    send(loop, window, "Paint a square", targets)
    sim.script("painter", Synthetic([answer_with(canvas_page("painter-2", "#0000ff"))]))
    follow_up(loop, window, "Paint it blue")
    assert window.comparison is not None and window.comparison.run_id is not None
    return int(window.comparison.run_id)


def _export(loop: qasync.QEventLoop, dialog: ReportDialog, path: Path) -> None:
    dialog.path_edit.setText(str(path))
    dialog.export_button.click()
    wait_until(loop, lambda: dialog.saved_result is not None
               or "Not saved" in dialog.status.text(), timeout=90,
               what="the report to be written")
    assert dialog.saved_result is not None, dialog.status.text()


def test_export_report_in_the_file_menu_writes_the_comparison_on_screen(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator, tmp_path: Path) -> None:
    window = make_window()
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu)
    assert window.actions_.export_report in file_menu.actions()
    _comparison(loop, window, registry, sim)
    window.actions_.export_report.trigger()
    (dialog,) = window.reports.dialogs
    assert dialog.isVisible() and not dialog.isModal()
    assert dialog.format() is ReportFormat.HTML
    _export(loop, dialog, tmp_path / "square.html")
    html = (tmp_path / "square.html").read_text()
    # Both prompts, both models, and the painter's two pages running in frames.
    for text in ("Paint a square", "Paint it blue", "sim-openai:painter",
                 "sim-anthropic:talker", 'id="page-1-1"', 'id="page-2-1"'):
        assert text in html
    assert f"Saved to {tmp_path / 'square.html'}" in dialog.status.text()
    assert dialog.open_button.isVisible() and dialog.folder_button.isVisible()
    assert window.statusBar().currentMessage() == f"Report saved to {tmp_path / 'square.html'}"


def test_the_history_context_menu_exports_any_run_in_the_format_chosen(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator, tmp_path: Path) -> None:
    window = make_window()
    run_id = _comparison(loop, window, registry, sim)
    window.new_comparison()
    panel = window.library
    assert panel is not None
    assert panel.select_run(run_id)
    history = panel.history
    assert history.report_action.isEnabled()
    history.report_action.trigger()
    (dialog,) = window.reports.dialogs
    dialog.path_edit.setText(str(tmp_path / "thread.html"))
    dialog.set_format(ReportFormat.ZIP)
    assert dialog.path() == tmp_path / "thread.zip"
    assert not dialog.layout_combo.isEnabled()
    dialog.blind_box.setChecked(True)
    _export(loop, dialog, dialog.path())
    with zipfile.ZipFile(tmp_path / "thread.zip") as archive:
        text = archive.read("thread.md").decode()
    assert "Paint a square" in text and "sim-openai" not in text  # blind: no model names
    # Typing another extension picks that format; the sheet is painted off the GUI thread.
    dialog.path_edit.setText(str(tmp_path / "sheet.png"))
    assert dialog.format() is ReportFormat.SHEET
    assert dialog.theme_combo.isEnabled() and not dialog.layout_combo.isEnabled()
    _export(loop, dialog, dialog.path())
    assert (tmp_path / "sheet.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_without_a_saved_comparison_the_status_bar_says_so(
        loop: qasync.QEventLoop, make_window: WindowMaker) -> None:
    window = make_window()
    window.actions_.export_report.trigger()
    assert window.reports.dialogs == []
    assert window.statusBar().currentMessage() == NOTHING_YET


def test_the_batch_window_exports_the_batch_it_shows(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator, tmp_path: Path) -> None:
    sim.script("painter", Synthetic([answer_with(canvas_page("painter", "#ff0000"))]))
    sim.script("talker", Synthetic(["No page from me."]))
    window = make_window()
    window.model_bar.set_targets([target(registry, "sim-openai", "painter"),
                                  target(registry, "sim-anthropic", "talker")])
    assert window.store is not None
    collection = add_collection(window.store, "Squares", [
        {"title": f"Square {n}", "body": f"Paint square number {n}"} for n in range(2)])
    start(loop, window, open_start_dialog(loop, window, collection))
    batch = wait_finished(loop, window)
    export = batch_window(window).toolbar.export
    assert export.isVisible() and export.isEnabled()
    in_loop(loop, export.trigger)
    (dialog,) = window.reports.dialogs
    assert dialog.isVisible() and dialog.path().name == "squares.html"
    _export(loop, dialog, tmp_path / "batch.html")
    html = (tmp_path / "batch.html").read_text()
    heads = re.findall(r'<th scope="col" class="model-head"><b>([^<]*)</b>', html)
    assert heads == ["sim-openai:painter", "sim-anthropic:talker"]
    # The batch's cells, row by row: every one done, the painter's with its page's picture.
    assert re.findall(r'<td class="cell state-(\w+)"', html) == [
        c.state.value for c in batch.cells] == ["done"] * 4
    assert html.count('alt="Page of sim-openai:painter, row ') == 2
    assert html.count('<span class="no-thumb">No page</span>') == 2
    for n in range(2):
        assert f"Paint square number {n}" in html


def test_the_leaderboard_exports_what_its_filters_choose(
        loop: qasync.QEventLoop, make_window: WindowMaker, tmp_path: Path) -> None:
    window = make_window()
    store = window.store
    assert store is not None
    for n in range(4):  # yours between two models, the judge's between two others
        store.add_vote(pair_vote(Entry(0, "alpha:one"), Entry(1, "beta:two"), "ab"[n % 2]))
        store.add_vote(pair_vote(Entry(0, "gamma:three"), Entry(1, "delta:four"),
                                 "ab"[n % 2], voter_kind="judge", voter="sim:judge"))
    arena = window.arena.open_window()
    assert arena.tabs is not None
    view = arena.leaderboard
    arena.tabs.setCurrentWidget(view)
    wait_until(loop, lambda: not view.busy and view.fitted is not None
               and bool(view.fitted.board.models), what="the leaderboard")
    assert view.export_button.isVisible()
    view.set_voter("judge")
    wait_until(loop, lambda: not view.busy and view.fitted is not None and {
        r.model for r in view.fitted.board.models} == {"gamma:three", "delta:four"},
               what="the judge's leaderboard")
    in_loop(loop, view.export_button.click)
    (dialog,) = window.reports.dialogs
    assert dialog.isVisible()
    _export(loop, dialog, tmp_path / "board.html")
    html = (tmp_path / "board.html").read_text()
    assert set(re.findall(r'<tr data-model="([^"]*)"', html)) == {"gamma:three", "delta:four"}
    assert "alpha:one" not in html and "beta:two" not in html


def test_an_answers_context_menu_exports_its_comparison(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator, tmp_path: Path) -> None:
    from PySide6.QtCore import QPoint

    window = make_window()
    _comparison(loop, window, registry, sim)
    comparison = window.comparison
    assert comparison is not None
    menu = comparison.panes[1].view.context_menu(QPoint(4, 4))
    texts = [a.text() for a in menu.actions()]
    assert "Export report…" in texts and any("Copy" in t for t in texts)  # Qt's own kept
    next(a for a in menu.actions() if a.text() == "Export report…").trigger()
    menu.deleteLater()
    (dialog,) = window.reports.dialogs
    _export(loop, dialog, tmp_path / "from-menu.html")
    html = (tmp_path / "from-menu.html").read_text()
    assert "Paint a square" in html and "Paint it blue" in html
