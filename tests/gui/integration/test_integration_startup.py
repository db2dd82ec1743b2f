"""Start-up as `prompt-studio` does it: the window paints before the rest is loaded, and
previews work with their URL scheme registered after the QApplication exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.app_script import run_app_script

pytestmark = [pytest.mark.gui, pytest.mark.webengine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]

# What the first frame must not wait for.
HEAVY = ("asyncio", "httpx", "keyring", "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets",
         "studio.store", "studio.core.runner", "studio.ui.main_window", "markdown_it")

_DRIVER = textwrap.dedent("""
    import json
    import sys

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio.app import main_gui
    from studio.ui.app_window import AppWindow
    from studio.ui.preview.engine_setup import prepare_web_engine
    from tests.support.started_app import with_workspace

    heavy = json.loads(sys.argv[1])
    prepare_web_engine()
    app = QApplication(sys.argv)
    wait_until_painted = AppWindow.wait_until_painted

    def note_what_is_loaded(window, limit_ms):
        wait_until_painted(window, limit_ms)
        loaded = sorted(name for name in heavy if name in sys.modules)
        print("painted", window.isVisible(), json.dumps(loaded), flush=True)

    AppWindow.wait_until_painted = note_what_is_loaded
    state = {}

    def drive(workspace):
        frame = workspace.window()
        print("workspace", workspace.isVisible(), flush=True)
        from studio.ui.preview.view import PreviewView

        view = PreviewView(label="startup", network=False, show_toolbar=False)
        view.resize(400, 300)
        view.show()
        view.set_document("<title>waiting</title><script>document.title = 'ran on ' + "
                          "location.protocol</script>", final=True)
        state["view"] = view
        state["frame"] = frame
        QTimer.singleShot(50, check)

    def check():
        view, frame = state["view"], state["frame"]
        page = view.page()
        title = page.title() if page is not None else ""
        if title.startswith("ran on") or state.setdefault("tries", 0) > 300:
            print("preview", title, flush=True)
            view.close()
            frame.close()
            return
        state["tries"] += 1
        QTimer.singleShot(50, check)

    with_workspace(drive)
    code = main_gui([sys.argv[0]])
    print("exit code", code, flush=True)
""")


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="previews need an X server")
def test_the_window_paints_first_and_previews_work_once_the_workspace_is_in(
        studio_home: Path, tmp_path: Path) -> None:
    driver = tmp_path / "start_app.py"
    driver.write_text(_DRIVER, encoding="utf-8")
    env = {**os.environ, "PROMPT_STUDIO_HOME": str(studio_home), "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, str(driver), json.dumps(HEAVY)], env=env,
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "painted True []", result.stdout  # none of HEAVY before the paint
    assert "workspace True" in lines
    # The page ran in its own preview origin: the scheme registered after the app works.
    assert "preview ran on studio-preview:" in lines, result.stdout
    assert lines[-1] == "exit code 0"


_CLOSE_EARLY = textwrap.dedent("""
    import sys

    from studio.app import main_gui
    from studio.ui.app_window import AppWindow

    wait_until_painted = AppWindow.wait_until_painted
    set_workspace = AppWindow.set_workspace

    def close_at_once(window, limit_ms):
        wait_until_painted(window, limit_ms)
        print("closing", flush=True)
        window.close()  # before the asyncio loop has even started

    def built(window, workspace):
        print("workspace built", flush=True)
        set_workspace(window, workspace)

    AppWindow.wait_until_painted = close_at_once
    AppWindow.set_workspace = built
    print("exit code", main_gui([sys.argv[0]]), flush=True)
""")


def test_closing_the_window_before_the_workspace_is_in_ends_the_app(
        studio_home: Path, tmp_path: Path) -> None:
    result = run_app_script(_CLOSE_EARLY, studio_home, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["closing", "exit code 0"]
