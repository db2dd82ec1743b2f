"""Regenerating an answer, editing an earlier prompt into a branch, models joining a thread,
and context windows checked before anything is sent."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import QUrl

from studio.core.catalog import ModelRef, ProviderRegistry
from studio.core.model_sets import ModelSetEntry
from studio.core.request import GenerationSettings
from studio.core.runner import ModelState
from studio.ui.main_window import MainWindow
from studio.ui.workspace.diff_dialog import DiffDialog
from studio.ui.workspace.turn_html import turn_link
from tests.gui.threads.conftest import TINY_WINDOW_MODEL
from tests.gui.threads.threads_support import (
    follow_up,
    saved_run,
    send,
    sent_thread,
    settle,
    shown_text,
)
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, in_loop, target
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def test_regenerating_one_answer_keeps_the_earlier_attempt(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("regen-a", Synthetic(["First try."]), Synthetic(["Second try."]))
    sim.script("regen-b", Synthetic(["Steady."]))
    comparison = send(loop, window, "Write a haiku.", [
        target(registry, "sim-openai", "regen-a"), target(registry, "sim-gemini", "regen-b")])
    first, other = comparison.panes
    assert first.retry_button.isEnabled()

    in_loop(loop, first.retry_button.click)
    settle(loop, comparison, "the regenerated answer")
    assert first.view.answer_text() == "Second try."
    assert shown_text(first) == "Second try.\nattempt ◀ 2/2 ▶ · compare attempts"
    assert first.state is ModelState.DONE
    assert other.view.answer_text() == "Steady."  # the other pane was left alone
    assert len(sim.requests_for("regen-a")) == 2 and len(sim.requests_for("regen-b")) == 1
    # The same prompt and history as the first attempt.
    assert sent_thread(sim.requests_for("regen-a")[1]) == [("user", "Write a haiku.")]
    turn = saved_run(window).branch()[0]
    assert [(r.attempt, r.text, r.state) for r in turn.attempts(0)] == [
        (0, "First try.", "done"), (1, "Second try.", "done")]
    assert turn.current(1) is not None and turn.current(1).attempt == 0

    # In a conversation the attempt shows under the answer, and a follow-up continues
    # from the current attempt.
    sim.script("regen-a", Synthetic(["Third."]))
    follow_up(loop, window, "Another one.", [0])
    assert sent_thread(sim.requests_for("regen-a")[2]) == [
        ("user", "Write a haiku."), ("assistant", "Second try."), ("user", "Another one.")]
    assert "attempt ◀ 2/2 ▶" in shown_text(first)


def test_earlier_attempts_can_be_shown_and_compared_with_the_latest(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("tries", Synthetic(["A calm haiku.\nAbout the sea."]),
               Synthetic(["A loud haiku.\nAbout the sea."]),
               Synthetic(["A third haiku.\nAbout the sky."]))
    comparison = send(loop, window, "Write a haiku.",
                      [target(registry, "sim-openai", "tries")])
    pane = comparison.panes[0]
    for _ in range(2):
        in_loop(loop, pane.retry_button.click)
        settle(loop, comparison, "another attempt")
    key = comparison.chat.head
    assert key is not None
    assert "attempt ◀ 3/3 ▶" in shown_text(pane)

    pane.view.anchorClicked.emit(QUrl(turn_link("attempt-prev", key)))
    assert pane.view.answer_text() == "A loud haiku.\nAbout the sea."
    assert "attempt ◀ 2/3 ▶ · compare attempts · follow-ups continue from attempt 3" in (
        shown_text(pane))
    answer = pane.answer
    assert answer is not None and answer.attempt == 1
    assert comparison.answers() == [answer]  # previews, badges and ratings follow it
    pane.view.anchorClicked.emit(QUrl(turn_link("attempt-prev", key)))
    assert pane.view.answer_text() == "A calm haiku.\nAbout the sea."
    pane.view.anchorClicked.emit(QUrl(turn_link("attempt-next", key)))

    # "compare attempts": the one shown against the one before, word by word.
    pane.view.anchorClicked.emit(QUrl(turn_link("attempts", key)))
    dialogs = [d for d in window.findChildren(DiffDialog) if d.isVisible()]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert dialog.windowTitle() == "Compare attempts of tries · Sim openai"
    assert (dialog.left_combo.currentText(), dialog.right_combo.currentText()) == (
        "attempt 1", "attempt 2")
    assert dialog.summary.text().startswith("1 changed")
    dialog.close()

    # A follow-up continues from the latest attempt (as the line under the answer says).
    sim.script("tries", Synthetic(["Another."]))
    follow_up(loop, window, "Now one about trees.")
    assert sent_thread(sim.requests_for("tries")[3])[1] == (
        "assistant", "A third haiku.\nAbout the sky.")
    assert len(sim.requests_for("tries")) == 4  # switching and comparing sent nothing


def test_editing_an_earlier_prompt_branches_and_the_old_branch_stays_reachable(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("branchy", Synthetic(["A page."]), Synthetic(["Ten balls."]),
               Synthetic(["Five balls."]))
    comparison = send(loop, window, "Make a page.", [target(registry, "sim-anthropic",
                                                            "branchy")])
    follow_up(loop, window, "Ten balls please.")
    pane = comparison.panes[0]
    second = comparison.chat.head
    assert second is not None

    # "edit" on the second prompt puts it back in the editor …
    pane.view.anchorClicked.emit(QUrl(turn_link("edit", second)))
    assert window.prompt_area.prompt() == "Ten balls please."
    assert window.prompt_area.editing
    assert window.prompt_area.follow_button.text() == "Send as new branch"
    # … and sending the changed prompt starts a sibling branch after the first answer.
    window.prompt_area.set_prompt("Five balls please.")
    in_loop(loop, window.submit_follow_up)
    settle(loop, comparison, "the branch")
    assert not window.prompt_area.editing
    assert window.prompt_area.prompt() == ""
    assert sent_thread(sim.requests_for("branchy")[2]) == [
        ("user", "Make a page."), ("assistant", "A page."), ("user", "Five balls please.")]
    text = shown_text(pane)
    assert "Five balls." in text and "Ten balls." not in text
    assert "branch 2/2" in text
    run = saved_run(window)
    assert len(run.turns) == 3
    assert [t.prompt for t in run.branch()] == ["Make a page.", "Five balls please."]
    assert [t.prompt for t in run.children(run.branch()[0].id)] == [
        "Ten balls please.", "Five balls please."]

    # The branch switcher goes back to the first branch; the store remembers it.
    new_head = comparison.chat.head
    assert new_head is not None
    pane.view.anchorClicked.emit(QUrl(turn_link("prev", new_head)))
    text = shown_text(pane)
    assert "Ten balls." in text and "Five balls." not in text
    assert "branch 1/2" in text
    assert pane.view.answer_text() == "Ten balls."
    assert [t.prompt for t in saved_run(window).branch()] == ["Make a page.",
                                                              "Ten balls please."]
    pane.view.anchorClicked.emit(QUrl(turn_link("next", second)))
    assert pane.view.answer_text() == "Five balls."
    assert len(sim.requests_for("branchy")) == 3  # switching sends nothing


def test_a_model_added_later_starts_from_the_shared_prompts(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("early", Synthetic(["Early one."]), Synthetic(["Early two."]))
    sim.script("late", Synthetic(["Late arrival."]))
    comparison = send(loop, window, "First prompt.", [target(registry, "sim-openai", "early")],
                      system="Be brief.")
    follow_up(loop, window, "Second prompt.")

    pane = in_loop(loop, lambda: window.add_model_to_thread(
        target(registry, "sim-gemini", "late", temperature=0.5)))
    assert pane is not None
    settle(loop, comparison, "the new model")
    assert window.pane_area.panes() == comparison.panes and len(comparison.panes) == 2
    [request] = sim.requests_for("late")
    # Only the shared prompts (merged into one user turn), none of the other's answers.
    assert sent_thread(request) == [("user", "First prompt.\n\nSecond prompt.")]
    assert request.json["generationConfig"]["temperature"] == 0.5
    assert request.json["systemInstruction"]["parts"][0]["text"] == "Be brief."
    assert pane.view.answer_text() == "Late arrival."
    assert "Not asked this prompt." in shown_text(pane)  # the first prompt
    assert pane.settings_label.full_text() == "T 0.5"
    run = saved_run(window)
    assert [str(m.ref) for m in run.models] == ["sim-openai:early", "sim-gemini:late"]
    assert run.branch()[1].current(1) is not None
    assert run.branch()[1].current(1).text == "Late arrival."
    assert run.branch()[0].current(1) is None

    # It takes part in the next follow-up with its own history.
    sim.script("late", Synthetic(["Late two."]))
    follow_up(loop, window, "Third prompt.")
    assert sent_thread(sim.requests_for("late")[1]) == [
        ("user", "First prompt.\n\nSecond prompt."), ("assistant", "Late arrival."),
        ("user", "Third prompt.")]


def test_a_thread_too_long_for_one_model_is_not_sent_to_it_and_says_so_on_its_pane(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    for model in (TINY_WINDOW_MODEL, "roomy-a", "roomy-b"):
        sim.script(model, Synthetic(["ok"]))
    targets = [target(registry, "sim-openai", "roomy-a"),
               target(registry, "sim-openai", TINY_WINDOW_MODEL),
               target(registry, "sim-anthropic", "roomy-b")]
    comparison = send(loop, window, "Short first prompt.", targets)
    assert all(p.state is ModelState.DONE for p in comparison.panes)

    follow_up(loop, window, "A long follow-up. " * 40)  # ~180 tokens: over a 60-token window
    roomy_a, tiny, roomy_b = comparison.panes
    assert len(sim.requests_for(TINY_WINDOW_MODEL)) == 1  # never sent the second time
    assert len(sim.requests_for("roomy-a")) == 2 and len(sim.requests_for("roomy-b")) == 2
    assert tiny.state is ModelState.FAILED
    assert tiny.error_label.isVisibleTo(tiny)
    assert "context window of 60 tokens" in tiny.error_label.text()
    assert tiny.error_label.text().startswith("Not sent: ")
    for pane in (roomy_a, roomy_b):
        assert pane.state is ModelState.DONE
        assert not pane.error_label.isVisibleTo(pane)
    saved = saved_run(window).branch()[1].current(1)
    assert saved is not None and saved.state == "failed" and saved.error is not None
    assert "context window" in saved.error.message


def test_models_chosen_in_the_picker_join_the_thread_without_changing_the_model_bar(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("host", Synthetic(["Host answer."]))
    sim.script("guest", Synthetic(["Guest answer."]))
    host = target(registry, "sim-openai", "host")
    window.model_bar.set_targets([host])
    comparison = send(loop, window, "Hello.", [host])
    last_before = window.model_sets.last()

    picker = in_loop(loop, window.open_add_models)
    assert picker is not None
    entry = ModelSetEntry(ModelRef("sim-anthropic", "guest"), GenerationSettings(max_tokens=99))
    picker.set_selection([entry])  # type: ignore[attr-defined]
    in_loop(loop, picker.accept)
    settle(loop, comparison, "the guest")
    assert [str(t.ref) for t in comparison.targets] == ["sim-openai:host",
                                                         "sim-anthropic:guest"]
    assert comparison.panes[1].view.answer_text() == "Guest answer."
    assert sim.requests_for("guest")[0].json["max_tokens"] == 99
    assert window.model_bar.targets() == [host]
    assert window.model_sets.last() == last_before
