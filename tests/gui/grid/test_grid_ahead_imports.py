"""The batch window's modules are imported after start-up, a module at a time, so the first
batch imports nothing in the event that builds its window; and nothing of the batches is
built before it is asked for."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.support.app_script import run_app_script

pytestmark = [pytest.mark.gui, pytest.mark.slow]


_DRIVER = textwrap.dedent("""
    import json
    import sys

    from PySide6.QtCore import QTimer

    from studio.app import main_gui
    from studio.ui.grid.wiring import AHEAD
    from tests.support.started_app import with_workspace

    def studio_modules():
        return {name for name in sys.modules if name.startswith("studio.")}

    def drive(workspace):
        grid = workspace.grid
        print("at the workspace", json.dumps(sorted(set(AHEAD) & studio_modules())),
              flush=True)
        state = {"tries": 0}

        def check():
            importer = grid.ahead
            if (importer.running or importer.steps_taken == 0) and state["tries"] < 1000:
                state["tries"] += 1
                QTimer.singleShot(20, check)
                return
            print("built", grid._controller is not None, grid._batch_window is not None,
                  flush=True)
            before = studio_modules()
            window = grid.batch_window
            window.show()
            from studio.ui.grid.planning import Selection
            print("imported by the batch window", json.dumps(sorted(studio_modules() - before)),
                  flush=True)
            window.close()
            workspace.window().close()

        check()

    with_workspace(drive)
    print("exit code", main_gui([sys.argv[0]]), flush=True)
""")


def test_the_batch_window_imports_nothing_once_started_up(studio_home: Path,
                                                          tmp_path: Path) -> None:
    result = run_app_script(_DRIVER, studio_home, tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "at the workspace []", result.stdout  # not part of start-up
    assert lines[1] == "built False False", result.stdout  # modules only, nothing built
    assert lines[2] == "imported by the batch window []", result.stdout
    assert lines[-1] == "exit code 0", result.stdout
