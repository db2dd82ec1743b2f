"""Follow-ups in the workspace: every model continues its own thread, in its own protocol."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import Qt, QUrl
from pytestqt.qtbot import QtBot

from studio.core.catalog import ProviderRegistry
from studio.core.runner import ModelState
from studio.ui.main_window import MainWindow
from studio.ui.workspace.turn_html import turn_link
from tests.gui.threads.threads_support import (
    follow_up,
    saved_run,
    send,
    sent_system,
    sent_thread,
    shown_text,
)
from tests.gui.workspace.workspace_support import (
    OFFSCREEN_SIZE_HINTS,
    in_loop,
    target,
    wait_until,
)
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

PROTOCOLS = ("openai", "anthropic", "gemini")


def _script_two_answers(sim: Simulator, model: str) -> tuple[str, str]:
    first, second = f"{model} first answer.", f"{model} second answer."
    sim.script(model, Synthetic([first], reasoning_chunks=[f"{model} secret thoughts"]),
               Synthetic([second]))
    return first, second


def test_a_follow_up_to_all_carries_each_models_own_history_in_its_protocol(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    models = {p: f"thread-{p}" for p in PROTOCOLS}
    answers = {p: _script_two_answers(sim, m) for p, m in models.items()}
    targets = [target(registry, f"sim-{p}", m) for p, m in models.items()]
    comparison = send(loop, window, "Make a page with one ball.", targets,
                      system="You write HTML.")
    assert window.prompt_area.follow_button.isEnabled()

    asked = follow_up(loop, window, "Now make it ten balls.")
    assert asked == [0, 1, 2]
    for protocol, model in models.items():
        first, second = answers[protocol]
        requests = sim.requests_for(model)
        assert len(requests) == 2, protocol
        assert requests[1].protocol == protocol
        # Each model gets its own earlier answer, in its provider's message format
        # (Gemini's "model" role comes back as "assistant" here) …
        assert sent_thread(requests[1]) == [
            ("user", "Make a page with one ball."),
            ("assistant", first),
            ("user", "Now make it ten balls."),
        ], protocol
        assert sent_system(requests[1]) == "You write HTML."
        # … never another model's answer, and never its reasoning.
        body = requests[1].body.decode()
        assert "secret thoughts" not in body
        for other in models.values():
            if other != model:
                assert other not in body.replace(model, "")
    # Each pane shows the whole conversation: both prompts, both answers.
    for pane, (protocol, _model) in zip(comparison.panes, models.items(), strict=True):
        first, second = answers[protocol]
        text = shown_text(pane)
        assert text.index("Make a page with one ball.") < text.index(first)
        assert text.index(first) < text.index("Now make it ten balls.") < text.index(second)
        assert pane.view.answer_text() == second
        assert pane.state is ModelState.DONE
        assert pane.metrics.totals.isVisibleTo(pane)
        # Two answers of 12 tokens in and 34 out each (the simulator's usage).
        assert pane.metrics.totals.text().startswith("thread: 2 answers · in 24 · out 68")
        # The reasoning section holds the last answer's (none); the first answer's reasoning
        # is one link away.
        assert pane.reasoning.plain_text() == "" and not pane.reasoning.isVisibleTo(pane)
        first_key = comparison.chat.branch()[0].key
        pane.view.anchorClicked.emit(QUrl(turn_link("reasoning", first_key)))
        assert pane.reasoning.plain_text() == f"{models[protocol]} secret thoughts"
        assert pane.reasoning.expanded
    # The thread is saved as it happened: two turns, each model's answers.
    run = saved_run(window)
    branch = run.branch()
    assert [t.prompt for t in branch] == ["Make a page with one ball.", "Now make it ten balls."]
    for slot, protocol in enumerate(PROTOCOLS):
        assert run.conversation(slot) == [(branch[0].prompt, answers[protocol][0]),
                                          (branch[1].prompt, answers[protocol][1])]
        assert branch[0].current(slot).reasoning == f"{models[protocol]} secret thoughts"


def test_a_follow_up_to_one_pane_only(loop: qasync.QEventLoop, window: MainWindow,
                                      registry: ProviderRegistry, sim: Simulator,
                                      qtbot: QtBot) -> None:
    a_first, a_second = _script_two_answers(sim, "one-a")
    b_first, _ = _script_two_answers(sim, "one-b")
    comparison = send(loop, window, "Draw a hexagon.", [
        target(registry, "sim-openai", "one-a"), target(registry, "sim-anthropic", "one-b")])
    left, right = comparison.panes
    qtbot.mouseClick(right.include_box, Qt.MouseButton.LeftButton)
    assert not right.included and left.included

    assert follow_up(loop, window, "Make it spin.") == [0]
    assert len(sim.requests_for("one-a")) == 2
    assert len(sim.requests_for("one-b")) == 1  # it was not asked
    assert sent_thread(sim.requests_for("one-a")[1]) == [
        ("user", "Draw a hexagon."), ("assistant", a_first), ("user", "Make it spin.")]
    assert left.view.answer_text() == a_second
    # The other pane shows the new prompt as not asked, and keeps its first answer.
    assert right.status_chip.text() == "not asked"
    assert "Not asked this prompt." in shown_text(right)
    assert b_first in shown_text(right)
    assert not right.retry_button.isEnabled()
    run = saved_run(window)
    second = run.branch()[1]
    assert second.current(0) is not None and second.current(0).text == a_second
    assert second.current(1) is None

    # Left out stays left out (the model dropped from the rest of the thread) …
    sim.script("one-a", Synthetic(["Third."]))
    assert follow_up(loop, window, "Add a score.") == [0]
    assert len(sim.requests_for("one-b")) == 1
    # … until it is included again: then it continues from its own last answer.
    sim.script("one-b", Synthetic(["Back again."]))
    in_loop(loop, lambda: right.set_included(True))
    assert follow_up(loop, window, "Both of you, again.") == [0, 1]
    assert sent_thread(sim.requests_for("one-b")[1]) == [
        ("user", "Draw a hexagon."), ("assistant", b_first),
        ("user", "Make it spin.\n\nAdd a score.\n\nBoth of you, again.")]


def test_a_follow_up_waits_for_running_answers_and_needs_a_pane(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("slow-one", Synthetic([f"w{i} " for i in range(200)], chunks_per_second=40))
    comparison = in_loop(loop, lambda: window.send("go", [
        target(registry, "sim-openai", "slow-one")]))
    assert comparison.running
    assert not window.prompt_area.follow_button.isEnabled()
    assert in_loop(loop, lambda: window.follow_up("next")) == []
    assert "Wait for the answers" in window.statusBar().currentMessage()
    in_loop(loop, window.stop_all)
    loop.run_until_complete(comparison.wait())
    comparison.panes[0].set_included(False)
    assert in_loop(loop, lambda: window.follow_up("next")) == []
    assert "Follow-ups" in window.statusBar().currentMessage()
    assert len(comparison.chat.turns) == 1  # nothing was added to the thread


def test_ctrl_shift_enter_sends_a_follow_up_and_clears_the_editor(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, qtbot: QtBot) -> None:
    sim.script("keys", Synthetic(["One."]), Synthetic(["Two."]))
    comparison = send(loop, window, "First.", [target(registry, "sim-openai", "keys")])
    editor = window.prompt_area.editor
    editor.setPlainText("Second.")
    editor.setFocus()
    in_loop(loop, lambda: qtbot.keyClick(
        editor, Qt.Key.Key_Return,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier))
    assert window.comparison is comparison  # a follow-up, not a new comparison
    wait_until(loop, lambda: comparison.settled and len(comparison.chat.turns) == 2,
               what="the follow-up")
    assert comparison.panes[0].view.answer_text() == "Two."
    assert editor.toPlainText() == ""
    assert len(sim.requests_for("keys")) == 2
