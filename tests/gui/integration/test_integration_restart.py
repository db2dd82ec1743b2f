"""Quitting with answers still streaming asks first, and the next start shows the last
comparison as it was (the run on screen, the branch, the prompt being written)."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from studio.core.catalog import ProviderRegistry
from studio.core.runner import ModelState
from studio.ui.main_window import MainWindow
from tests.gui.integration.integration_support import WindowMaker
from tests.gui.threads.threads_support import follow_up, send, shown_text
from tests.gui.workspace.workspace_support import (
    OFFSCREEN_SIZE_HINTS,
    close_window,
    in_loop,
    target,
    wait_until,
)
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def _quit_question(window: MainWindow) -> QMessageBox:
    shown = [b for b in window.findChildren(QMessageBox, "quitWhileRunning") if b.isVisible()]
    assert len(shown) == 1
    return shown[0]


def _button(box: QMessageBox, text: str) -> None:
    next(b for b in box.buttons() if b.text() == text).click()


def test_quitting_mid_stream_asks_and_the_next_start_shows_the_comparison_again(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("endless", Synthetic([f"w{i} " for i in range(3000)], chunks_per_second=100))
    sim.script("quick", Synthetic(["Quick and done."]))
    window = make_window()
    comparison = in_loop(loop, lambda: window.send("Write forever.", [
        target(registry, "sim-openai", "endless"), target(registry, "sim-gemini", "quick")]))
    wait_until(loop, lambda: len(comparison.panes[0].answer_text()) > 40
               and comparison.panes[1].state is ModelState.DONE, what="some text")

    assert not window.close()
    box = _quit_question(window)
    assert box.text() == "1 answer is still coming in."
    _button(box, "Keep working")  # nothing happens: the answer goes on
    assert window.isVisible() and comparison.running
    assert not window.close()
    _button(_quit_question(window), "Stop them and quit")
    assert not window.isVisible()
    run_id = comparison.run_id
    close_window(loop, window)

    again = make_window()
    shown = again.comparison
    assert shown is not None and shown.run_id == run_id
    stopped, quick = shown.panes
    assert stopped.status_chip.text() == "cancelled"
    assert shown_text(stopped).startswith("w0 w1 w2 ")
    assert quick.view.answer_text() == "Quick and done."
    assert again.prompt_area.prompt() == ""  # sent from code: the editor held nothing


def test_the_next_start_shows_the_branch_and_the_unsent_prompt_of_the_last_close(
        loop: qasync.QEventLoop, qtbot: QtBot, make_window: WindowMaker,
        registry: ProviderRegistry, sim: Simulator) -> None:
    sim.script("thread", Synthetic(["One."]), Synthetic(["Two."]))
    window = make_window()
    send(loop, window, "First.", [target(registry, "sim-openai", "thread")])
    follow_up(loop, window, "Second.")
    comparison = window.comparison
    assert comparison is not None
    first = comparison.chat.branch()[0].key
    window.prompt_area.editor.setFocus()
    qtbot.keyClicks(window.prompt_area.editor, "Third, still being written")
    run_id = comparison.run_id
    head = comparison.chat.head
    close_window(loop, window)

    again = make_window()
    shown = again.comparison
    assert shown is not None and shown.run_id == run_id and shown.chat.head == head
    assert [t.prompt for t in shown.chat.branch()] == ["First.", "Second."]
    assert shown.chat.branch()[0].key == first
    assert again.prompt_area.prompt() == "Third, still being written"
    assert again.prompt_area.unsent_draft()  # still a draft: reopening another run keeps it
    assert len(sim.requests) == 2
