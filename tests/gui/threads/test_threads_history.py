"""Every comparison is saved as it happens, reopens exactly as it was, and can be re-run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.core.catalog import ProviderRegistry
from studio.core.model_sets import JsonModelSetStore, model_sets_file
from studio.core.paths import StudioPaths
from studio.core.runner import Engine, ModelState
from studio.store import Store
from studio.ui.main_window import MainWindow
from tests.gui.threads.threads_support import (
    follow_up,
    pane_snapshot,
    reopened_store,
    saved_run,
    send,
    settle,
)
from tests.gui.workspace.workspace_support import (
    OFFSCREEN_SIZE_HINTS,
    in_loop,
    spin,
    target,
    wait_until,
)
from tests.support.scenarios import Status, Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def _conversation_with_an_error(loop: qasync.QEventLoop, window: MainWindow,
                                registry: ProviderRegistry, sim: Simulator) -> None:
    sim.script("keeper", Synthetic(["Here is the page.\n\n```html\n<h1>One</h1>\n```\n"],
                                   reasoning_chunks=["Plan the page."]),
               Synthetic(["Now with **two** headings."], reasoning_chunks=["Add one."]))
    sim.script("broken", Status(400, message="The model `broken` does not exist"))
    sim.script("quiet", Synthetic(["Quiet answer."], usage=None))
    send(loop, window, "Make a page.", [
        target(registry, "sim-anthropic", "keeper", temperature=0.3),
        target(registry, "sim-openai", "broken"),
        target(registry, "sim-gemini", "quiet", max_tokens=500)], system="Be exact.")
    window.comparison.panes[2].set_included(False)  # type: ignore[union-attr]
    follow_up(loop, window, "Add a second heading.")


def test_reopening_a_run_restores_every_pane_exactly_without_any_request(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    _conversation_with_an_error(loop, window, registry, sim)
    comparison = window.comparison
    assert comparison is not None and comparison.run_id is not None
    run_id = comparison.run_id
    live = [pane_snapshot(p) for p in comparison.panes]
    assert live[1]["status"] == "failed" and "does not exist" in str(live[1]["error"])
    assert live[0]["reasoning"] == "Add one."
    assert live[2]["status"] == "not asked" and not live[2]["included"]
    assert "~" in str(live[2]["metrics"][2]) or "–" in str(live[2]["metrics"][2])

    in_loop(loop, window.new_comparison)
    assert window.pane_area.panes() == []
    seen = len(sim.requests)

    reopened = in_loop(loop, lambda: window.reopen_run(run_id))
    assert reopened is not None and reopened is window.comparison
    spin(loop, 0.1)
    assert len(sim.requests) == seen  # nothing was sent
    assert not reopened.running and reopened.settled
    assert [pane_snapshot(p) for p in reopened.panes] == live
    assert window.prompt_area.prompt() == ""  # as after a follow-up
    assert window.prompt_area.system_prompt() == "Be exact."
    assert [str(t.ref) for t in window.model_bar.targets()] == [
        "sim-anthropic:keeper", "sim-openai:broken", "sim-gemini:quiet"]
    assert window.prompt_area.follow_button.isEnabled()

    # The reopened thread goes on where it was: a follow-up to the first model.
    sim.script("keeper", Synthetic(["Three headings now."]))
    follow_up(loop, window, "A third one.", [0])
    run = saved_run(window)
    assert run.id == run_id
    assert [t.prompt for t in run.branch()] == ["Make a page.", "Add a second heading.",
                                                "A third one."]
    assert run.conversation(0)[1][1] == "Now with **two** headings."


def test_a_single_prompt_run_reopens_with_its_prompt_in_the_editor(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("solo", Synthetic(["Solo answer."], reasoning_chunks=["hmm"]))
    comparison = send(loop, window, "A single prompt.", [target(registry, "sim-openai", "solo")])
    live = [pane_snapshot(p) for p in comparison.panes]
    run_id = comparison.run_id
    assert run_id is not None
    in_loop(loop, window.new_comparison)
    reopened = in_loop(loop, lambda: window.reopen_run(run_id))
    assert reopened is not None
    assert [pane_snapshot(p) for p in reopened.panes] == live
    assert window.prompt_area.prompt() == "A single prompt."
    assert reopened.panes[0].view.answer_text() == "Solo answer."


def test_rerunning_a_run_sends_its_prompt_again_as_a_new_run(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("again", Synthetic(["Take one."]), Synthetic(["Take two."]))
    sim.script("other", Synthetic(["Other model."]))
    first = send(loop, window, "Same prompt.", [target(registry, "sim-openai", "again",
                                                        temperature=0.7)], system="Sys.")
    old_id = first.run_id
    assert old_id is not None

    again = in_loop(loop, lambda: window.rerun(old_id))
    assert again is not None
    settle(loop, again)
    assert again.run_id not in (None, old_id)
    assert again.panes[0].view.answer_text() == "Take two."
    assert again.targets[0].settings.temperature == 0.7
    assert len(sim.requests_for("again")) == 2

    other = in_loop(loop, lambda: window.rerun(old_id, [target(registry, "sim-gemini", "other")]))
    assert other is not None
    settle(loop, other)
    assert other.panes[0].view.answer_text() == "Other model."
    with reopened_store(window) as store:
        runs = store.history()
        assert len(runs) == 3
        newest = store.run(runs[0].id)
        assert newest.models[0].ref.model == "other"
        assert newest.system == "Sys." and newest.body == "Same prompt."
        assert newest.branch()[0].current(0).text == "Other model."


def test_the_run_is_saved_when_the_window_closes_mid_stream(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, paths: StudioPaths) -> None:
    sim.script("endless", Synthetic([f"word{i} " for i in range(2000)], chunks_per_second=100))
    sim.script("brief", Synthetic(["Brief and done."]))
    comparison = in_loop(loop, lambda: window.send("Write forever.", [
        target(registry, "sim-openai", "endless"), target(registry, "sim-openai", "brief")]))
    run_id = comparison.run_id
    assert run_id is not None
    wait_until(loop, lambda: comparison.panes[1].state is ModelState.DONE
               and len(comparison.answers()[0].text) > 40, what="some streamed text")
    # Saved the moment it finished, while the other still streams.
    with reopened_store(window) as store:
        assert store.run(run_id).branch()[0].current(1).text == "Brief and done."

    # Closing asks first while an answer is still coming in; the user stops it and quits.
    assert not window.close()
    box = window.findChild(QMessageBox, "quitWhileRunning")
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.text() == "1 answer is still coming in."
    stop = next(b for b in box.buttons() if b.text() == "Stop them and quit")
    stop.click()
    assert not window.isVisible()
    loop.run_until_complete(window.shutdown())
    assert window.store is None  # closed with the window
    with Store.open(paths) as store:
        turn = store.run(run_id).branch()[0]
        partial, brief = turn.current(0), turn.current(1)
        assert partial is not None and brief is not None
        assert partial.state == "cancelled"
        assert partial.text.startswith("word0 word1 ")
        assert len(partial.text) > 40
        assert brief.state == "done"


def test_partial_text_is_saved_every_few_seconds_while_streaming(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    sim.script("drip", Synthetic([f"d{i} " for i in range(400)], chunks_per_second=100))
    comparison = in_loop(loop, lambda: window.send("Drip.", [
        target(registry, "sim-openai", "drip")]))
    comparison.history._progress_timer.setInterval(100)  # the same save, sooner
    run_id = comparison.run_id
    assert run_id is not None

    def saved() -> str:
        with reopened_store(window) as store:
            response = store.run(run_id).branch()[0].current(0)
            return response.text if response is not None else ""

    wait_until(loop, lambda: len(saved()) > 20, what="a progress save")
    with reopened_store(window) as store:
        response = store.run(run_id).branch()[0].current(0)
        assert response is not None and response.state == "streaming"
    # Reopened after a crash, such an answer shows as cancelled with its text.
    in_loop(loop, window.stop_all)
    loop.run_until_complete(comparison.wait())


def test_without_a_usable_database_the_window_says_why_and_still_compares(
        loop: qasync.QEventLoop, engine: Engine, paths: StudioPaths,
        registry: ProviderRegistry, sim: Simulator) -> None:
    paths.database.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(paths.database) as conn:
        conn.execute("PRAGMA user_version = 999")
    window = MainWindow(engine, paths=paths, registry=registry,
                        model_sets=JsonModelSetStore(model_sets_file(paths.config)),
                        show_welcome=False)
    window.show()
    try:
        assert window.store is None
        wait_until(loop, lambda: window.findChild(QMessageBox, "historyUnavailable")
                   is not None, what="the message box")
        box = window.findChild(QMessageBox, "historyUnavailable")
        assert isinstance(box, QMessageBox) and box.isVisible()
        assert "newer version of Prompt Studio" in box.informativeText()
        box.accept()
        sim.script("no-history", Synthetic(["Still works."]), Synthetic(["And again."]))
        comparison = send(loop, window, "Hello?", [target(registry, "sim-openai",
                                                           "no-history")])
        assert comparison.run_id is None
        assert comparison.panes[0].view.answer_text() == "Still works."
        follow_up(loop, window, "Once more.")
        assert comparison.panes[0].view.answer_text() == "And again."
        assert window.reopen_run(1) is None
        assert "not available" in window.statusBar().currentMessage()
    finally:
        window.close()
        loop.run_until_complete(window.shutdown())
        window.deleteLater()
        QApplication.processEvents()
    # The newer file was left untouched.
    with sqlite3.connect(paths.database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 999
    assert Path(paths.database).exists()


def test_the_window_saves_finished_answers_off_its_own_thread(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    # Saving a long answer indexes its whole text for search: the window's own connection
    # must never run that save, and what it reads afterwards is the final answer.
    assert window.store is not None
    upserts: list[str] = []

    def trace(statement: str) -> None:
        if "ON CONFLICT (turn_id, slot, attempt) DO UPDATE" in statement:
            upserts.append(statement)

    window.store.connection.set_trace_callback(trace)
    long_text = "A paragraph of the long answer.\n\n" * 2_000
    sim.script("long", Synthetic([long_text[i:i + 4_000]
                                  for i in range(0, len(long_text), 4_000)]))
    sim.script("short", Synthetic(["Short."]))
    comparison = send(loop, window, "Write a lot.", [
        target(registry, "sim-openai", "long"), target(registry, "sim-anthropic", "short")])
    run = saved_run(window)
    window.store.connection.set_trace_callback(None)
    assert upserts == []
    texts = {r.slot: (r.state, r.text) for r in run.turns[0].responses}
    assert texts == {0: ("done", long_text), 1: ("done", "Short.")}
    assert comparison.recorder is not None and not comparison.recorder.pending
    assert comparison.response_id(comparison.panes[0].answer) == (  # type: ignore[arg-type]
        run.turns[0].responses[0].id)
