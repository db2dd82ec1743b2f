"""A studio killed mid-stream loses at most the last couple of seconds of an answer."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import qasync

from studio.store import Store
from studio.ui.main_window import MainWindow
from tests.gui.threads.threads_support import pane_snapshot, shown_text
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, in_loop, spin
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.slow,
              pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

REPO = Path(__file__).resolve().parents[3]

_DRIVER = textwrap.dedent("""
    import contextlib
    import os
    import signal
    import sqlite3
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio.app import main_gui
    from studio.core.catalog import ModelRef, ProviderConfig
    from studio.core.runner import ModelTarget
    from studio.ui.preview.engine_setup import prepare_web_engine
    from tests.support.started_app import with_workspace

    prepare_web_engine()
    app = QApplication(sys.argv)

    def saved_chars(database):
        # Read-only, as another process would: what the periodic save has written so far.
        uri = "file:" + database + "?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as db:
            row = db.execute("SELECT length(text) FROM responses").fetchone()
        return row[0] if row else 0

    def drive(window):
        config = ProviderConfig("sim", "openai", sys.argv[1], needs_key=False)
        comparison = window.send("Write a long story.",
                                 [ModelTarget(ModelRef("sim", "crash-story"), config)])
        print("run", comparison.run_id, flush=True)
        database = str(window.store.path)

        def kill_once_saved():
            # Killed mid-stream, after the first periodic save of the streaming answer
            # (on a loaded machine that may come late: it is waited for, not assumed).
            if saved_chars(database) == 0:
                QTimer.singleShot(20, kill_once_saved)
                return
            print("shown", len(comparison.answers()[0].text), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

        kill_once_saved()

    with_workspace(drive)
    main_gui([sys.argv[0]])
""")


def test_a_killed_studio_keeps_the_streamed_text_and_reopens_it_as_cancelled(
        loop: qasync.QEventLoop, window: MainWindow, sim: Simulator, studio_home: Path,
        tmp_path: Path) -> None:
    sim.script("crash-story", Synthetic([f"w{i} " for i in range(3000)], chunks_per_second=100))
    driver = tmp_path / "crash_app.py"
    driver.write_text(_DRIVER, encoding="utf-8")
    env = {**os.environ, "PROMPT_STUDIO_HOME": str(studio_home), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, str(driver), sim.url("openai")], env=env,
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == -signal.SIGKILL, result.stderr
    run_match = re.search(r"^run (\d+)$", result.stdout, re.MULTILINE)
    shown_match = re.search(r"^shown (\d+)$", result.stdout, re.MULTILINE)
    assert run_match and shown_match, result.stdout
    run_id, shown = int(run_match.group(1)), int(shown_match.group(1))

    with Store.open(studio_home / "data" / "studio.sqlite3") as store:
        assert store.check_integrity() == []
        response = store.run(run_id).branch()[0].current(0)
        assert response is not None
        assert response.state == "streaming"  # it never finished
        saved = len(response.text)
        assert response.text.startswith("w0 w1 w2 ")
        # Killed just after a periodic save (every 2 s) of a stream at ~100 chunks/s: what
        # was lost is what arrived since, a small part of what was shown.
        assert 0 < saved <= shown
        assert saved >= shown * 0.4

    reopened = in_loop(loop, lambda: window.reopen_run(run_id))
    assert reopened is not None
    spin(loop, 0.05)
    pane = reopened.panes[0]
    snapshot = pane_snapshot(pane)
    assert snapshot["status"] == "cancelled"
    assert snapshot["provider"] == "sim (not configured)"
    assert shown_text(pane).startswith("w0 w1 w2 ")
    assert pane.view.answer_text() == response.text
    assert pane.retry_button.isEnabled()
