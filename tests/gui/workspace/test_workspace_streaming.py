"""Answers stream from the loopback simulator into the panes of the real main window."""

from __future__ import annotations

import json

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from studio.core.catalog import ModelRef, ProviderConfig, ProviderRegistry
from studio.core.markdown_render import render_full
from studio.core.retry import RetryPolicy
from studio.core.runner import ModelState, ModelTarget
from studio.ui.main_window import MainWindow
from studio.ui.settings.providers_dialog import ProvidersDialog
from tests.gui.workspace.workspace_support import (
    OFFSCREEN_SIZE_HINTS,
    assert_prompt,
    in_loop,
    spin,
    target,
    wait_promptly,
    wait_until,
)
from tests.support.recordings import load_recording
from tests.support.scenarios import HtmlPage, Status, Synthetic, TinyChunks
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def recorded_answer(name: str) -> tuple[str, str]:
    """(text, reasoning) of a recorded stream, read straight from its SSE body."""
    body = load_recording(name).interactions[0].body.decode("utf-8")
    text: list[str] = []
    reasoning: list[str] = []
    for line in body.splitlines():
        if not line.startswith("data:") or line.strip() == "data: [DONE]":
            continue
        data = json.loads(line[5:])
        for choice in data.get("choices") or []:
            delta = choice.get("delta") or {}
            text.append(delta.get("content") or "")
            reasoning.append(delta.get("reasoning_content") or delta.get("reasoning") or "")
        if data.get("type") == "content_block_delta":
            delta = data["delta"]
            text.append(delta.get("text", ""))
            reasoning.append(delta.get("thinking", ""))
        for candidate in data.get("candidates") or []:
            for part in (candidate.get("content") or {}).get("parts") or []:
                (reasoning if part.get("thought") else text).append(part.get("text", ""))
    return "".join(text), "".join(reasoning)


def plain(html: str) -> str:
    doc = QTextDocument()
    doc.setHtml(html)
    return normalized(doc.toPlainText())


def normalized(text: str) -> str:
    """Text as a reader sees it: blank lines and trailing blanks do not count (a code
    block is a table in a one-shot render and a run of lines while streaming)."""
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def test_four_models_stream_the_recorded_texts_into_four_panes(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry) -> None:
    models = [("sim-openai", "deepseek_reasoner_stream"),
              ("sim-anthropic", "anthropic_thinking_stream"),
              ("sim-gemini", "gemini_stream_usage"),
              ("sim-openai", "openrouter_stream_reasoning")]
    targets = [target(registry, p, m) for p, m in models]
    comparison = in_loop(loop, lambda: window.send("Say hello", targets))
    panes = window.pane_area.panes()
    assert len(panes) == 4
    wait_until(loop, lambda: comparison.settled, what="all four answers")
    loop.run_until_complete(comparison.wait())

    for pane, (_provider, model) in zip(panes, models, strict=True):
        expected_text, expected_reasoning = recorded_answer(model)
        assert expected_text, model
        assert pane.state is ModelState.DONE, (model, pane.error_label.text())
        assert pane.status_chip.text() == "done"
        # What the pane received through the per-frame batches, byte for byte …
        assert pane.view.answer_text() == expected_text, model
        # … and what it shows equals a one-shot render of the whole answer.
        shown = normalized(pane.view.document().toPlainText())
        assert shown == plain(render_full(expected_text)), model
        assert pane.reasoning.plain_text() == expected_reasoning, model
        assert pane.reasoning.isVisibleTo(pane) == bool(expected_reasoning)
        assert pane.metrics.total.text().startswith("total ")
        assert pane.metrics.ttft.text() != "TTFT –"
        assert pane.name_label.full_text() == model
    assert panes[1].reasoning.plain_text().startswith("This is a straightforward question")
    badges = [p.metrics.badge_set() for p in panes]
    assert sum(1 for b in badges if "fastest" in b) == 1
    assert sum(1 for b in badges if "longest" in b) == 1
    # The anthropic answer is by far the longest one.
    assert "longest" in badges[1]


def test_the_coalescer_paints_once_per_frame_not_once_per_delta(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    scenario = TinyChunks(3000)
    for i in range(3):
        sim.script(f"tiny-{i}", scenario)
    targets = [target(registry, "sim-openai", f"tiny-{i}") for i in range(3)]
    comparison = in_loop(loop, lambda: window.send("letters", targets))
    wait_until(loop, lambda: comparison.settled, what="tiny chunks")
    loop.run_until_complete(comparison.wait())
    coalescer = comparison.coalescer
    assert coalescer.delta_count == 3 * 3000
    assert 0 < coalescer.flush_count < coalescer.delta_count / 10
    for pane in window.pane_area.panes():
        assert pane.view.answer_text() == scenario.text
        assert pane.state is ModelState.DONE
    # Once everything is delivered the frame timer sleeps.
    wait_until(loop, lambda: not coalescer.active, what="the frame timer to stop")


def test_a_failing_model_shows_the_providers_message_and_retry_works(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    good = Synthetic(["Fine", " answer."])
    sim.script("flaky", Status(400, message="The model `flaky` does not exist"), good)
    sim.script("steady", good)
    targets = [target(registry, "sim-openai", "flaky"), target(registry, "sim-openai", "steady")]
    comparison = in_loop(loop, lambda: window.send("hi", targets))
    wait_until(loop, lambda: comparison.settled, what="first attempt")
    loop.run_until_complete(comparison.wait())
    failed, ok = window.pane_area.panes()
    assert failed.state is ModelState.FAILED
    assert failed.status_chip.text() == "failed"
    assert failed.error_label.isVisibleTo(failed)
    assert "The model `flaky` does not exist" in failed.error_label.text()
    assert "HTTP 400" in failed.error_label.text()
    assert failed.retry_button.isEnabled() and not failed.stop_button.isEnabled()
    assert ok.view.answer_text() == "Fine answer."

    in_loop(loop, failed.retry_button.click)
    wait_until(loop, lambda: failed.state is ModelState.DONE, what="the retry")
    assert failed.view.answer_text() == "Fine answer."
    # The answer alone, and the switcher of its two attempts (the failure was the first).
    assert normalized(failed.view.document().toPlainText()) == (
        "Fine answer.\nattempt ◀ 2/2 ▶ · compare attempts")
    assert not failed.error_label.isVisibleTo(failed)
    assert ok.view.answer_text() == "Fine answer."  # the other pane was left alone
    assert len(sim.requests_for("flaky")) == 2 and len(sim.requests_for("steady")) == 1


def _slow(sim: Simulator, name: str) -> None:
    sim.script(name, Synthetic([f"w{i} " for i in range(400)], chunks_per_second=20))


def test_stop_one_model_takes_effect_within_100_ms(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    for name in ("slow-a", "slow-b"):
        _slow(sim, name)
    targets = [target(registry, "sim-openai", n) for n in ("slow-a", "slow-b")]
    comparison = in_loop(loop, lambda: window.send("go slowly", targets))
    a, b = window.pane_area.panes()
    wait_until(loop, lambda: a.state is ModelState.STREAMING and b.view.answer_text() != "",
               what="both streaming")
    in_loop(loop, a.stop_button.click)
    took, frames = wait_promptly(loop, lambda: a.state is ModelState.CANCELLED,
                                 what="the stop")
    assert_prompt(took, frames, "the stop")
    assert a.status_chip.text() == "cancelled"
    stopped_text = a.view.answer_text()
    spin(loop, 0.2)
    assert a.view.answer_text() == stopped_text  # nothing arrives after the stop
    assert b.state is ModelState.STREAMING  # the other model keeps going
    assert window.prompt_area.stop_button.isEnabled()
    in_loop(loop, window.actions_.stop_all.trigger)
    took, frames = wait_promptly(loop, lambda: b.state is ModelState.CANCELLED,
                                 what="stop all")
    assert_prompt(took, frames, "stop all")
    loop.run_until_complete(comparison.wait())
    assert not window.prompt_area.stop_button.isEnabled()
    assert a.retry_button.isEnabled() and b.retry_button.isEnabled()


def test_stop_all_with_the_escape_shortcut_stops_every_model_within_100_ms(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, qtbot: object) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    names = [f"esc-{i}" for i in range(4)]
    for name in names:
        _slow(sim, name)
    comparison = in_loop(loop, lambda: window.send(
        "go", [target(registry, "sim-openai", n) for n in names]))
    panes = window.pane_area.panes()
    wait_until(loop, lambda: all(p.state is ModelState.STREAMING for p in panes),
               what="all streaming")
    # A window shortcut needs the active window (under a real X server it takes a moment).
    window.activateWindow()
    wait_until(loop, window.isActiveWindow, timeout=5.0, what="the window to be active")
    window.prompt_area.editor.setFocus()
    in_loop(loop, lambda: QTest.keyClick(window.prompt_area.editor, Qt.Key.Key_Escape))
    took, frames = wait_promptly(
        loop, lambda: all(p.state is ModelState.CANCELLED for p in panes),
        what="escape to stop all")
    assert_prompt(took, frames, "escape to stop all")
    loop.run_until_complete(comparison.wait())


def test_a_new_prompt_replaces_running_panes_without_leaking_tasks(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    _slow(sim, "first")
    sim.script("second", Synthetic(["Second", " answer"]))
    first = in_loop(loop, lambda: window.send("one", [target(registry, "sim-openai", "first")]))
    wait_until(loop, lambda: first.panes[0].state is ModelState.STREAMING, what="streaming")
    second = in_loop(loop, lambda: window.send("two",
                                               [target(registry, "sim-openai", "second")]))
    wait_until(loop, lambda: second.settled, what="second answer")
    loop.run_until_complete(first.wait())
    assert first.runs[0].state is ModelState.CANCELLED
    assert [p.target.ref.model for p in window.pane_area.panes()] == ["second"]
    assert window.pane_area.panes()[0].view.answer_text() == "Second answer"


def test_errors_say_what_happened_once_and_offer_the_next_step(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, qtbot: QtBot) -> None:
    sim.script("locked", Status(401, message="Incorrect API key provided"))
    sim.script("portal", HtmlPage(200))
    comparison = in_loop(loop, lambda: window.send("hi", [
        target(registry, "sim-openai", "locked"), target(registry, "sim-openai", "portal")]))
    wait_until(loop, lambda: comparison.settled, what="both failures")
    locked, portal = window.pane_area.panes()
    assert locked.error_label.text() == (
        "Sim openai did not accept the API key: Incorrect API key provided (HTTP 401). "
        "Check the key in Providers and keys.")
    assert portal.error_label.text().count("HTTP 200") == 1
    assert "Check its base URL in Providers and keys" in portal.error_label.text()
    assert comparison.answers()[0].error is not None
    assert comparison.answers()[0].error.message == "HTTP 401: Incorrect API key provided"

    button = locked.error_button
    assert button.isVisibleTo(locked) and button.text() == "Open Providers and keys"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialogs = [d for d in window.findChildren(ProvidersDialog) if d.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].close()


def test_a_server_error_offers_a_retry_that_works(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, qtbot: QtBot) -> None:
    window.engine.policy = RetryPolicy(max_attempts=1)  # fail at once: no backoff to wait
    sim.script("shaky", Status(500), Synthetic(["Back again."]))
    comparison = in_loop(loop, lambda: window.send("hi", [
        target(registry, "sim-openai", "shaky")]))
    wait_until(loop, lambda: comparison.settled, what="the failure")
    pane = window.pane_area.panes()[0]
    text = pane.error_label.text()
    assert text.count("HTTP 500") == 1 and text.endswith(
        "Retry; if it keeps failing, the provider has a problem.")
    assert pane.error_button.text() == "Retry"
    in_loop(loop, lambda: qtbot.mouseClick(pane.error_button, Qt.MouseButton.LeftButton))
    wait_until(loop, lambda: pane.state is ModelState.DONE, what="the retry")
    assert pane.view.answer_text() == "Back again."
    assert not pane.error_button.isVisibleTo(pane)


def test_every_answer_that_ties_for_cheapest_is_marked(
        loop: qasync.QEventLoop, window: MainWindow, sim: Simulator) -> None:
    # A server on this machine costs nothing: two such answers are both the cheapest.
    here = ProviderConfig("sim-here", "openai", sim.url("openai"), needs_key=False,
                          local=True)
    sim.script("free-a", Synthetic(["One short answer."]))
    sim.script("free-b", Synthetic(["Another, somewhat longer answer here."]))
    comparison = in_loop(loop, lambda: window.send("hi", [
        ModelTarget(ModelRef("sim-here", m), here) for m in ("free-a", "free-b")]))
    wait_until(loop, lambda: comparison.settled, what="two free answers")
    panes = window.pane_area.panes()
    assert [p.metrics.cost.text() for p in panes] == ["$0", "$0"]
    assert all("cheapest" in p.metrics.badge_set() for p in panes)


def test_an_answer_that_ended_without_a_page_does_not_promise_one(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("plain", Synthetic(["Just words, no page."]))
    sim.script("broken", Status(400, message="no such model"))
    comparison = in_loop(loop, lambda: window.send("hi", [
        target(registry, "sim-openai", "plain"), target(registry, "sim-openai", "broken")]))
    wait_until(loop, lambda: comparison.settled, what="both answers")
    for pane in window.pane_area.panes():
        in_loop(loop, lambda p=pane: p.set_preview_visible(True))
        preview = pane.preview
        assert preview is not None
        shown = [w.text() for w in preview.findChildren(QLabel) if w.isVisible()]
        assert "This answer has no HTML page." in shown, shown
        assert not any("yet" in text for text in shown), shown
