"""The prompt area: Ctrl+Enter, history, {{variables}}, system prompt, per-model settings."""

from __future__ import annotations

from typing import Any, cast

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio.core.catalog import ProviderRegistry
from studio.core.paths import StudioPaths
from studio.core.request import GenerationSettings
from studio.core.variables import fill_variables, find_variables
from studio.ui.main_window import MainWindow
from studio.ui.workspace.comparison import Comparison
from studio.ui.workspace.history import HISTORY_FILE, PromptHistory
from studio.ui.workspace.variables import VariablesDialog
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, in_loop, target, wait_until
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def test_variables_are_found_once_each_in_order_and_filled() -> None:
    text = "Write a {{ kind }} about {{topic}} for {{kind}} fans. {{ not a var }} {{x.y-z}}"
    assert find_variables(text) == ["kind", "topic", "x.y-z"]
    filled = fill_variables(text, {"kind": "poem", "topic": "rain"})
    assert filled == "Write a poem about rain for poem fans. {{ not a var }} {{x.y-z}}"


def test_history_walks_back_and_forth_keeping_the_draft(paths: StudioPaths) -> None:
    history = PromptHistory(paths.config / HISTORY_FILE)
    for prompt in ("first", "second", "third", "second"):
        history.add(prompt)
    assert history.entries == ["first", "third", "second"]  # re-use moves to the end
    assert history.older("my draft") == "second"
    assert history.older("ignored") == "third"
    assert history.older("ignored") == "first"
    assert history.older("ignored") is None  # the oldest stays
    assert history.newer() == "third"
    assert history.newer() == "second"
    assert history.newer() == "my draft"
    assert not history.navigating
    # Persisted in the config dir and read back by the next session.
    assert PromptHistory(paths.config / HISTORY_FILE).entries == ["first", "third", "second"]


def _sent_prompts(sim: Simulator, model: str) -> list[Any]:
    return [r.json["messages"] for r in sim.requests_for(model)]


def test_ctrl_enter_sends_and_up_down_walk_the_history(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("echo", Synthetic(["ok"]))
    window.model_bar.set_targets([target(registry, "sim-openai", "echo")])
    editor = window.prompt_area.editor
    for prompt in ("first prompt", "second prompt"):
        editor.setPlainText(prompt)
        in_loop(loop, lambda: QTest.keyClick(editor, Qt.Key.Key_Return,
                                             Qt.KeyboardModifier.ControlModifier))
        sent = window.comparison
        assert sent is not None and sent.prompt == prompt
        wait_until(loop, lambda: sent.settled, what="the answer")  # noqa: B023
    assert [m[-1]["content"] for m in _sent_prompts(sim, "echo")] == [
        "first prompt", "second prompt"]

    editor.setPlainText("draft")
    QTest.keyClick(editor, Qt.Key.Key_Up)
    assert editor.toPlainText() == "second prompt"
    QTest.keyClick(editor, Qt.Key.Key_Up)
    assert editor.toPlainText() == "first prompt"
    QTest.keyClick(editor, Qt.Key.Key_Down)
    QTest.keyClick(editor, Qt.Key.Key_Down)
    assert editor.toPlainText() == "draft"
    # Inside a multi-line prompt, Up moves the cursor instead of recalling history.
    editor.setPlainText("line one\nline two")
    editor.moveCursor(QTextCursor.MoveOperation.End)
    QTest.keyClick(editor, Qt.Key.Key_Up)
    assert editor.toPlainText() == "line one\nline two"


def test_variables_are_asked_for_in_a_form_before_sending(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("vars", Synthetic(["done"]))
    window.model_bar.set_targets([target(registry, "sim-openai", "vars")])
    window.prompt_area.set_prompt("Draw {{thing}} in {{colour}}.")
    window.submit()
    dialogs = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, VariablesDialog) and w.isVisible()]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert window.comparison is None  # nothing is sent before the form is filled
    dialog.field("thing").setPlainText("a cat")
    dialog.field("colour").setPlainText("blue")
    in_loop(loop, dialog.accept)
    comparison = cast("Comparison | None", getattr(window, "comparison"))  # noqa: B009
    assert comparison is not None
    wait_until(loop, lambda: comparison.settled, what="the answer")
    assert _sent_prompts(sim, "vars")[-1][-1]["content"] == "Draw a cat in blue."
    # The template, not the filled text, goes into the history; values are remembered.
    assert window.prompt_area.editor.history.entries[-1] == "Draw {{thing}} in {{colour}}."
    window.submit()
    again = next(w for w in QApplication.topLevelWidgets()
             if isinstance(w, VariablesDialog) and w.isVisible())
    assert again.values() == {"thing": "a cat", "colour": "blue"}
    again.reject()


def test_system_prompt_and_per_model_settings_reach_the_request(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("tuned", Synthetic(["a"]))
    sim.script("plain", Synthetic(["b"]))
    window.model_bar.set_targets([target(registry, "sim-openai", "tuned"),
                                  target(registry, "sim-openai", "plain")])
    popover = window.model_bar.open_settings(0)
    popover.temperature.setValue(0.3)
    popover.max_tokens.setValue(512)
    popover.system.setPlainText("Answer in French.")
    popover.hide()
    tuned = window.model_bar.targets()[0]
    assert tuned.settings == GenerationSettings(temperature=0.3, max_tokens=512,
                                                system_override="Answer in French.")
    assert "T 0.3" in window.model_bar.chips()[0].button.text()

    window.prompt_area.set_system_visible(True)
    window.prompt_area.set_system_prompt("Be brief.")
    window.prompt_area.set_prompt("Hello")
    in_loop(loop, window.actions_.send.trigger)
    comparison = window.comparison
    assert comparison is not None
    wait_until(loop, lambda: comparison.settled, what="the answers")
    tuned_body = sim.requests_for("tuned")[-1].json
    plain_body = sim.requests_for("plain")[-1].json
    assert tuned_body["temperature"] == 0.3 and tuned_body["max_tokens"] == 512
    assert tuned_body["messages"][0] == {"role": "system", "content": "Answer in French."}
    assert plain_body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert "temperature" not in plain_body
    panes = window.pane_area.panes()
    assert panes[0].settings_label.full_text() == "T 0.3 · max 512 · own system prompt"
    assert panes[1].settings_label.full_text() == "defaults"


def test_reasoning_effort_is_offered_only_where_the_protocol_has_one(
        window: MainWindow, registry: ProviderRegistry) -> None:
    local = target(registry, "local", "smollm2-135m")
    window.model_bar.set_targets([target(registry, "sim-anthropic", "claude"), local])
    popover = window.model_bar.open_settings(0)
    assert popover.reasoning.isEnabled()
    popover.reasoning.setCurrentIndex(popover.reasoning.findData("high"))
    popover.hide()
    assert window.model_bar.targets()[0].settings.reasoning == "high"
    assert not window.model_bar.open_settings(1).reasoning.isEnabled()
