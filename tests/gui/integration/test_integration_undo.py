"""Reopening a run keeps a prompt being written, and Undo brings back what a reopened run,
a loaded prompt or a new comparison replaced (the prompt, the system prompt, the files, the
models and the run on screen)."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from studio.core.catalog import ProviderRegistry
from studio.core.runner import ModelTarget
from studio.store import Store
from studio.ui.library import LibraryPanel
from studio.ui.main_window import MainWindow
from tests.gui.threads.threads_support import send
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, target
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def _panel(window: MainWindow) -> LibraryPanel:
    panel = window.library
    assert panel is not None
    return panel


def _run_on_screen(window: MainWindow) -> int | None:
    comparison = window.comparison
    return int(comparison.run_id) if comparison and comparison.run_id is not None else None


def _two_runs(loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
              sim: Simulator) -> tuple[int, int, list[ModelTarget]]:
    sim.script("old-model", Synthetic(["An old answer."]))
    sim.script("new-model", Synthetic(["A new answer."]))
    send(loop, window, "The old prompt", [target(registry, "sim-openai", "old-model")])
    old = _run_on_screen(window)
    mine = [target(registry, "sim-anthropic", "new-model", temperature=0.3),
            target(registry, "sim-gemini", "new-model")]
    window.model_bar.set_targets(mine)  # as after sending from the model bar
    send(loop, window, "The new prompt", mine)
    new = _run_on_screen(window)
    assert old is not None and new is not None
    return old, new, mine


def _reopen_from_history(window: MainWindow, run_id: int) -> None:
    history = _panel(window).history
    row = history.model.row_of(run_id)
    assert row is not None
    history.view.setFocus()
    history.view.selectRow(row)
    QTest.keyClick(history.view, Qt.Key.Key_Return)
    assert _run_on_screen(window) == run_id


def test_reopening_keeps_an_unsent_prompt_and_its_models_and_undo_goes_back(
        loop: qasync.QEventLoop, qtbot: QtBot, window: MainWindow,
        registry: ProviderRegistry, sim: Simulator) -> None:
    old, new, _ = _two_runs(loop, window, registry, sim)
    chosen = [target(registry, "sim-openai", "new-model", temperature=1.1)]
    window.model_bar.set_targets(chosen)
    window.prompt_area.editor.setFocus()
    qtbot.keyClicks(window.prompt_area.editor, "A prompt I am still writing")
    with qtbot.waitActive(window):
        window.activateWindow()

    _reopen_from_history(window, old)
    assert window.prompt_area.prompt() == "A prompt I am still writing"
    assert window.model_bar.targets() == chosen
    assert "Your unsent prompt and its models stay in place" in (
        window.statusBar().currentMessage())
    assert window.actions_.undo.text() == f"&Undo Reopen run {old}"

    QTest.keyClick(window.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _run_on_screen(window) == new  # the run that was on screen is back
    assert window.prompt_area.prompt() == "A prompt I am still writing"
    assert window.model_bar.targets() == chosen
    assert len(sim.requests) == 3  # nothing was sent again


def test_undo_brings_back_the_prompt_and_models_a_reopened_run_replaced(
        loop: qasync.QEventLoop, qtbot: QtBot, window: MainWindow,
        registry: ProviderRegistry, sim: Simulator) -> None:
    old, new, mine = _two_runs(loop, window, registry, sim)
    window.prompt_area.set_system_prompt("Be brief.")
    assert window.prompt_area.prompt() == ""  # sent from code: the editor was never used
    with qtbot.waitActive(window):
        window.activateWindow()

    _reopen_from_history(window, old)
    assert window.prompt_area.prompt() == "The old prompt"
    assert [str(t.ref) for t in window.model_bar.targets()] == ["sim-openai:old-model"]

    # Ctrl+Z in the prompt editor: it has nothing of its own to undo, so the window undoes.
    window.prompt_area.editor.setFocus()
    QTest.keyClick(window.prompt_area.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _run_on_screen(window) == new
    assert window.prompt_area.prompt() == ""
    assert window.prompt_area.system_prompt() == "Be brief."
    assert window.model_bar.targets() == mine

    # Redo (Edit menu) reopens it again; typing then undoes as text first.
    window.actions_.redo.trigger()
    assert _run_on_screen(window) == old
    assert window.prompt_area.prompt() == "The old prompt"
    qtbot.keyClicks(window.prompt_area.editor, "!")
    QTest.keyClick(window.prompt_area.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.prompt_area.prompt() == "The old prompt"
    assert _run_on_screen(window) == old


def test_a_loaded_prompt_and_a_new_comparison_can_be_undone_too(
        loop: qasync.QEventLoop, qtbot: QtBot, window: MainWindow,
        registry: ProviderRegistry, sim: Simulator) -> None:
    _old, new, mine = _two_runs(loop, window, registry, sim)
    store = window.store
    assert isinstance(store, Store)
    collection = store.add_collection("Saved")
    saved = store.add_prompt(collection.id, "Hexagon", "Balls in a hexagon.")
    window.prompt_area.editor.setFocus()
    qtbot.keyClicks(window.prompt_area.editor, "My draft")

    window.load_prompt(saved)
    assert window.prompt_area.prompt() == "Balls in a hexagon."
    window.actions_.undo.trigger()
    assert window.prompt_area.prompt() == "My draft"

    window.new_comparison()
    assert window.comparison is None and window.prompt_area.prompt() == ""
    window.actions_.undo.trigger()
    assert _run_on_screen(window) == new
    assert window.prompt_area.prompt() == "My draft"
    assert window.model_bar.targets() == mine


def test_undo_brings_back_the_files_a_loaded_prompt_or_a_new_comparison_replaced(
        window: MainWindow) -> None:
    from studio.core.attachments import attachment_from_bytes
    from tests.support import images

    store = window.store
    assert isinstance(store, Store)
    mine = attachment_from_bytes("notes.md", b"# My notes\n")
    mockup = attachment_from_bytes("mockup.png", images.png(40, 30))
    saved = store.add_prompt(store.add_collection("Pages").id, "From mockup", "Build this",
                             attachments=(mockup,))
    tray = window.prompt_area.attachments
    tray.add([mine])

    window.load_prompt(saved)
    assert tray.attachments() == (mockup,)
    window.actions_.undo.trigger()
    assert tray.attachments() == (mine,) and window.prompt_area.prompt() == ""
    window.actions_.redo.trigger()
    assert tray.attachments() == (mockup,)
    assert window.prompt_area.prompt() == "Build this"

    window.new_comparison()  # an empty prompt, and no files
    assert tray.attachments() == () and tray.chips() == []
    window.actions_.undo.trigger()
    assert tray.attachments() == (mockup,) and len(tray.chips()) == 1
