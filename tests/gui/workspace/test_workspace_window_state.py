"""What the window remembers across runs, and how it ends while models still stream."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import qasync

from studio.core.catalog import ProviderRegistry
from studio.core.model_sets import JsonModelSetStore, model_sets_file
from studio.core.paths import StudioPaths
from studio.core.runner import Engine, ModelState
from studio.ui.main_window import MainWindow
from studio.ui.workspace.layouts import LayoutMode
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, in_loop, target, wait_until
from tests.support.app_script import run_app_script
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]



def test_layout_models_and_prompt_settings_are_restored(
        loop: qasync.QEventLoop, engine: Engine, paths: StudioPaths,
        registry: ProviderRegistry, window: MainWindow) -> None:
    targets = [target(registry, "sim-openai", "a", temperature=0.2),
               target(registry, "sim-gemini", "b")]
    window.model_bar.set_targets(targets)
    window.set_layout_mode(LayoutMode.TABS)
    window.actions_.sync_scroll.setChecked(True)
    window.set_zoom(2)
    window.prompt_area.set_system_prompt("Be brief.")
    window.resize(700, 500)
    window.close()
    saved = json.loads(paths.settings_file.read_text(encoding="utf-8"))
    assert saved["workspace"]["layout"] == "tabs"

    again = MainWindow(engine, paths=paths, registry=registry,
                       model_sets=JsonModelSetStore(model_sets_file(paths.config)),
                       show_welcome=False)
    try:
        assert again.pane_area.mode is LayoutMode.TABS
        assert again.actions_.layouts[LayoutMode.TABS].isChecked()
        assert again.pane_area.sync_scroll
        assert again.zoom == 2
        assert again.prompt_area.system_prompt() == "Be brief."
        assert again.model_bar.targets() == targets  # settings included
        assert (again.width(), again.height()) == (700, 500)
    finally:
        again.close()
        loop.run_until_complete(again.shutdown())
        again.deleteLater()


def test_other_sections_of_the_settings_file_are_kept(
        window: MainWindow, paths: StudioPaths) -> None:
    paths.settings_file.write_text(json.dumps({"previews": {"network": True}}),
                                   encoding="utf-8")
    window.close()
    saved = json.loads(paths.settings_file.read_text(encoding="utf-8"))
    assert saved["previews"] == {"network": True} and "workspace" in saved


def test_closing_the_window_mid_stream_cancels_and_awaits_every_model(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    for name in ("long-a", "long-b"):
        sim.script(name, Synthetic([f"w{i} " for i in range(500)], chunks_per_second=50))
    comparison = in_loop(loop, lambda: window.send("go", [
        target(registry, "sim-openai", n) for n in ("long-a", "long-b")]))
    wait_until(loop, lambda: all(r.state is ModelState.STREAMING for r in comparison.runs),
               what="streaming")
    window.close()
    loop.run_until_complete(window.shutdown())
    assert [r.state for r in comparison.runs] == [ModelState.CANCELLED] * 2
    assert comparison.session is not None and comparison.session.finished
    assert loop.run_until_complete(sim.await_idle())  # the connections were closed


_DRIVER = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from studio.app import main_gui
    from studio.core.catalog import ModelRef, ProviderConfig
    from studio.core.runner import ModelTarget
    from studio.ui.preview.engine_setup import prepare_web_engine
    from tests.support.started_app import with_workspace

    base_url = sys.argv[1]
    # The script needs a timer before main_gui runs, so it makes the application itself,
    # the way main_gui would: the web engine prepared first.
    prepare_web_engine()
    app = QApplication(sys.argv)

    def drive(window):
        config = ProviderConfig("sim", "openai", base_url, needs_key=False)
        targets = [ModelTarget(ModelRef("sim", name), config) for name in ("exit-a", "exit-b")]
        comparison = window.send("go", targets)

        def close_when_streaming():
            if all(r.text for r in comparison.runs):
                print("closing while", [r.state.value for r in comparison.runs], flush=True)
                window.window().close()  # the app window, as its close button does
                # It asks first; the answer is to stop them and quit.
                box = window.findChild(QMessageBox, "quitWhileRunning")
                print("asked", box.text(), flush=True)
                next(b for b in box.buttons() if b.text() == "Stop them and quit").click()
            else:
                QTimer.singleShot(20, close_when_streaming)

        close_when_streaming()

    with_workspace(drive)
    code = main_gui([sys.argv[0]])
    print("exit code", code, flush=True)
    sys.exit(code)
""")


@pytest.mark.slow
def test_the_application_exits_cleanly_when_closed_while_streaming(
        sim: Simulator, studio_home: Path, tmp_path: Path) -> None:
    for name in ("exit-a", "exit-b"):
        sim.script(name, Synthetic([f"w{i} " for i in range(2000)], chunks_per_second=100))
    result = run_app_script(_DRIVER, studio_home, tmp_path, sim.url("openai"))
    assert result.returncode == 0, result.stderr
    assert "closing while ['streaming', 'streaming']" in result.stdout
    assert "asked 2 answers are still coming in." in result.stdout
    assert "exit code 0" in result.stdout
    noise = [line for line in result.stderr.splitlines()
             if "propagateSizeHints" not in line]
    assert noise == [], result.stderr
