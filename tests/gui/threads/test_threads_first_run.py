"""The offline first start: with no key, local models are offered ready to run, and the
bundled model really runs into a pane and into the history."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from studio.core.catalog import ModelRef, ProviderRegistry
from studio.core.local_models import BUNDLED_MODEL, local_extra_available
from studio.core.local_servers import probes_at
from studio.core.local_start import FIRST_RUN_PROMPT, local_extra_installed
from studio.core.model_sets import JsonModelSetStore, model_sets_file
from studio.core.paths import StudioPaths, studio_paths
from studio.core.request import GenerationSettings
from studio.core.runner import Engine, ModelState, ModelTarget
from studio.ui.main_window import MainWindow
from studio.ui.workspace.local_offer import LocalOffer
from tests.gui.threads.threads_support import saved_run, send, settle
from tests.gui.workspace.workspace_support import (
    OFFSCREEN_SIZE_HINTS,
    close_window,
    closed_port,
    in_loop,
    wait_until,
)
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

REPO = Path(__file__).resolve().parents[3]

EXTRA_OK, EXTRA_DETAIL = local_extra_available()
needs_extra = pytest.mark.skipif(not EXTRA_OK,
                                 reason=f"needs the [local] extra here: {EXTRA_DETAIL}")


@pytest.fixture
def fresh_window(loop: qasync.QEventLoop, engine: Engine, paths: StudioPaths,
                 sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    """A first start: built-in providers only, no key anywhere, the simulator posing as
    an Ollama on this machine (and nothing behind the LM Studio and llama.cpp ports)."""
    sim.reset()
    closed = closed_port()
    monkeypatch.setattr(LocalOffer, "probes", probes_at(
        "127.0.0.1", {"ollama": sim.port, "lmstudio": closed, "llamacpp": closed}))
    win = MainWindow(engine, paths=paths, registry=ProviderRegistry(paths.providers_file),
                     model_sets=JsonModelSetStore(model_sets_file(paths.config)))
    win.resize(1200, 800)
    win.show()
    yield win
    close_window(loop, win)


def test_the_first_start_without_keys_offers_a_ready_local_comparison(
        loop: qasync.QEventLoop, fresh_window: MainWindow, qtbot: QtBot) -> None:
    window = fresh_window
    welcome = window._welcome
    assert welcome is not None and window.stack.currentWidget() is welcome
    local_button = welcome.local_button  # type: ignore[attr-defined]
    assert local_button.isEnabled() is local_extra_installed()
    if not local_button.isEnabled():
        hint = welcome.local_card.hint_label.text()  # type: ignore[attr-defined]
        assert "pip install" in hint
        in_loop(loop, window.offer_local_comparison)  # what the button would do
    else:
        in_loop(loop, lambda: qtbot.mouseClick(local_button, Qt.MouseButton.LeftButton))
    assert window.stack.currentWidget() is window.splitter
    assert window.prompt_area.prompt() == FIRST_RUN_PROMPT
    # focusWidget(), not hasFocus(): without a window manager (Xvfb) no window is active.
    assert window.focusWidget() is window.prompt_area.send_button
    offered = window.model_bar.targets()
    assert [(str(t.ref), t.settings.temperature) for t in offered[:2]] == [
        (f"local:{BUNDLED_MODEL}", 0.2), (f"local:{BUNDLED_MODEL}", 0.9)]
    # The simulated Ollama found on "this machine" joins with its first model.
    wait_until(loop, lambda: len(window.model_bar.targets()) == 3, what="the local server")
    ollama = window.model_bar.targets()[2]
    assert str(ollama.ref) == "ollama:llama3.2:latest"
    assert ollama.config.base_url == f"http://127.0.0.1:{window_sim_port(window)}/v1"
    assert not ollama.config.needs_key
    assert "Ollama" in window.statusBar().currentMessage()


def window_sim_port(window: MainWindow) -> int:
    probes = LocalOffer.probes
    assert probes is not None
    return next(p.port for p in probes if p.provider == "ollama")


def test_choosing_other_models_before_the_servers_answer_keeps_the_choice(
        loop: qasync.QEventLoop, fresh_window: MainWindow) -> None:
    window = fresh_window
    offer = in_loop(loop, window.offer_local_comparison)
    assert offer is not None
    mine = window.model_bar.targets()[:1]
    window.model_bar.set_targets(mine)
    loop.run_until_complete(offer.wait())
    assert window.model_bar.targets() == mine


@pytest.mark.local_model
@needs_extra
def test_the_bundled_model_answers_into_a_pane_and_the_history(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry) -> None:
    local = ModelTarget(ModelRef("local", BUNDLED_MODEL), registry.get("local"),
                        GenerationSettings(temperature=0.0, seed=7, max_tokens=80))
    comparison = send(loop, window, "Write a tiny HTML page with a red heading.", [local])
    pane = comparison.panes[0]
    assert pane.state is ModelState.DONE, pane.error_label.text()
    text = pane.view.answer_text()
    assert text.strip()
    m = comparison.answers()[0].metrics
    assert m.input_tokens is not None and m.input_tokens > 5
    assert m.output_tokens is not None and 0 < m.output_tokens <= 80
    assert m.tokens_per_s is not None and m.tokens_per_s > 0
    assert m.ttft_s is not None and m.total_s is not None and 0 < m.ttft_s <= m.total_s
    assert pane.metrics.tokens.text() == f"in {m.input_tokens} · out {m.output_tokens}"
    assert pane.metrics.rate.text() != "– tok/s"
    run = saved_run(window)
    saved = run.branch()[0].current(0)
    assert saved is not None and saved.state == "done"
    assert saved.text == text
    assert (saved.input_tokens, saved.output_tokens) == (m.input_tokens, m.output_tokens)
    assert run.models[0].settings.seed == 7

    # Temperature 0 and a seed: regenerating gives the same answer, as a second attempt.
    in_loop(loop, pane.retry_button.click)
    settle(loop, comparison, "the second attempt")
    assert pane.view.answer_text() == text
    attempts = saved_run(window).branch()[0].attempts(0)
    assert [a.text for a in attempts] == [text, text]


@pytest.mark.local_model
@pytest.mark.slow
@needs_extra
def test_one_click_runs_the_offered_local_comparison_offline(
        loop: qasync.QEventLoop, fresh_window: MainWindow, qtbot: QtBot) -> None:
    window = fresh_window
    offer = in_loop(loop, window.offer_local_comparison)
    assert offer is not None
    loop.run_until_complete(offer.wait())
    window.model_bar.set_targets(window.model_bar.targets()[:2])  # the bundled pair only
    in_loop(loop, lambda: qtbot.mouseClick(window.prompt_area.send_button,
                                           Qt.MouseButton.LeftButton))
    comparison = window.comparison
    assert comparison is not None and len(comparison.panes) == 2
    wait_until(loop, lambda: comparison.settled, timeout=240, what="both local answers")
    loop.run_until_complete(comparison.wait())
    for pane in comparison.panes:
        assert pane.state is ModelState.DONE, pane.error_label.text()
        assert pane.view.answer_text().strip()
        assert pane.metrics.rate.text() != "– tok/s"
    run = saved_run(window)
    assert run.body == FIRST_RUN_PROMPT
    assert [m.settings.temperature for m in run.models] == [0.2, 0.9]
    assert all(r.state == "done" and r.text for r in run.branch()[0].current_responses())


def test_the_picker_keeps_both_slots_of_the_offered_comparison(
        loop: qasync.QEventLoop, fresh_window: MainWindow, qtbot: QtBot) -> None:
    window = fresh_window
    offer = in_loop(loop, window.offer_local_comparison)
    assert offer is not None
    loop.run_until_complete(offer.wait())
    window.model_bar.set_targets(window.model_bar.targets()[:2])  # the bundled pair
    offered = window.model_bar.targets()
    picker = window.open_model_picker()
    qtbot.waitExposed(picker)
    assert picker.selected_label.text() == "2 selected"  # type: ignore[attr-defined]
    ok = picker.buttons.button(picker.buttons.StandardButton.Ok)  # type: ignore[attr-defined]
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert window.model_bar.targets() == offered
    assert [c.button.text() for c in window.model_bar.chips()] == [
        f"local:{BUNDLED_MODEL}  ·  T 0.2", f"local:{BUNDLED_MODEL}  ·  T 0.9"]


_QUIT_DRIVER = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from studio.app import main_gui
    from studio.core.local_start import bundled_targets
    from studio.ui.preview.engine_setup import prepare_web_engine
    from tests.support.started_app import with_workspace

    prepare_web_engine()
    app = QApplication(sys.argv)

    def drive(window):
        comparison = window.send("Write a long HTML page about the sea.",
                                 bundled_targets(window.registry))

        def quit_when_streaming():
            # The two slots of one model take turns: quit while one of them is writing.
            if any(r.text and r.state.value == "streaming" for r in comparison.runs):
                window.window().close()
                box = window.findChild(QMessageBox, "quitWhileRunning")
                next(b for b in box.buttons() if b.text() == "Stop them and quit").click()
                print("quit while", [r.state.value for r in comparison.runs], flush=True)
            else:
                QTimer.singleShot(20, quit_when_streaming)

        quit_when_streaming()

    with_workspace(drive)
    sys.exit(main_gui([sys.argv[0]]))
""")


@pytest.mark.local_model
@pytest.mark.slow
@needs_extra
def test_quitting_while_the_local_model_answers_exits_without_a_traceback(
        studio_home: Path, loop: qasync.QEventLoop, engine: Engine, tmp_path: Path) -> None:
    driver = tmp_path / "quit_local.py"
    driver.write_text(_QUIT_DRIVER, encoding="utf-8")
    env = {**os.environ, "PROMPT_STUDIO_HOME": str(studio_home),
           "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, str(driver)], env=env, capture_output=True,
                            text=True, timeout=240, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "quit while" in result.stdout and "'streaming'" in result.stdout, result.stdout
    # llama-cpp's Llama.__del__ used to fail here, with its module already torn down.
    noise = [line for line in result.stderr.splitlines() if "propagateSizeHints" not in line]
    assert noise == [], result.stderr

    # The next start shows that comparison again, the answer stopped where it was.
    paths = studio_paths()
    assert paths.config.is_relative_to(studio_home)
    again = MainWindow(engine, paths=paths,
                       model_sets=JsonModelSetStore(model_sets_file(paths.config)))
    try:
        shown = again.comparison
        assert shown is not None and len(shown.panes) == 2
        assert "cancelled" in [p.status_chip.text() for p in shown.panes]
        assert any(p.view.answer_text() for p in shown.panes)
    finally:
        again.close()
        loop.run_until_complete(again.shutdown())
        again.deleteLater()
