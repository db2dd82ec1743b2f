"""Export report… in the app: from the File menu for the comparison on screen (with its
follow-up), from the history's context menu for any run; the dialog says where it saved."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QMenu

from studio.core.catalog import ProviderRegistry
from studio.report.export import ReportFormat
from studio.ui.main_window import MainWindow
from studio.ui.report.dialog import ReportDialog
from studio.ui.report.exports import NOTHING_YET
from tests.gui.integration.integration_support import WindowMaker
from tests.gui.threads.threads_support import follow_up, send
from tests.gui.workspace.workspace_support import (
    ENGINE_NOISE,
    OFFSCREEN_SIZE_HINTS,
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
