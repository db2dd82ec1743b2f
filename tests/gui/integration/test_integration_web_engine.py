"""The real app, started as `prompt-studio` starts it, where Chromium cannot start its usual
way: as root without the suite's QTWEBENGINE_DISABLE_SANDBOX, with its helper program
missing, and with a helper that cannot run. Each runs in a process of its own with the
environment it needs; the answer streams from the loopback simulator in this process.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from studio.store import Store
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.webengine, pytest.mark.slow,
              pytest.mark.skipif(not os.environ.get("DISPLAY"),
                                 reason="previews need an X server")]

REPO = Path(__file__).resolve().parents[3]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
PAGE = ("<!doctype html><title>waiting</title><body style='background:rgb(0,128,0)'>"
        "<script>document.title = 'ran on ' + location.protocol</script>")
ANSWER = ["Here is the page:\n\n```html\n", PAGE, "\n```\n\nEnjoy."]

# Drives the started app: send one prompt, open the pane's preview and the Previews tab,
# wait (on conditions) until both previews ran or gave up, report what the window shows.
_DRIVER = textwrap.dedent("""
    import json
    import sys

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    from studio.app import main_gui
    from studio.core.catalog import ModelRef, ProviderConfig
    from studio.core.runner import ModelTarget
    from studio.ui.preview.engine_setup import prepare_web_engine
    from tests.support.started_app import with_workspace

    prepare_web_engine()
    app = QApplication(sys.argv)
    SETTLED = ("ready", "unavailable", "crashed")

    def describe(view):
        badge = view.sandbox_badge
        page = view.page()
        return {
            "state": view.state(),
            "badge": badge.text() if badge is not None and badge.isVisible() else None,
            "badge_tip": badge.toolTip() if badge is not None else None,
            "title": page.title() if page is not None else None,
            "has_web_view": view.web_view() is not None,
            "notice": view.unavailable_message(),
        }

    def when(predicate, then):
        def poll():
            if predicate():
                then()
            else:
                QTimer.singleShot(20, poll)
        poll()

    def drive(window):
        config = ProviderConfig("sim", "openai", sys.argv[1], needs_key=False)
        comparison = window.send("Write a page.",
                                 [ModelTarget(ModelRef("sim", "page-model"), config)])
        report = {"run": comparison.run_id}

        def ran(view):
            return view.state() in SETTLED and (
                view.state() != "ready" or view.page().title().startswith("ran on"))

        def finish():
            grid = window.previews.grid
            report["grid"] = describe(grid.preview(grid.keys()[0]))
            labels = window.statusBar().findChildren(QLabel, "rootSandboxStatus")
            report["status_bar"] = [l.text() for l in labels if l.isVisible()]
            report["answer"] = comparison.answers()[0].text
            print("report " + json.dumps(report), flush=True)
            window.window().close()

        def open_grid():
            report["pane"] = describe(pane.preview)
            window.show_previews(True)
            when(lambda: window.previews.grid is not None and window.previews.grid.keys()
                 and ran(window.previews.grid.preview(window.previews.grid.keys()[0])),
                 finish)

        def open_pane():
            global pane
            pane = comparison.panes[0]
            pane.set_preview_visible(True)
            when(lambda: ran(pane.preview), open_grid)

        when(lambda: comparison.settled, open_pane)

    with_workspace(drive)
    print("exit code", main_gui([sys.argv[0]]), flush=True)
""")


def _run_app(sim: Simulator, home: Path, tmp_path: Path, **env_changes: str) -> dict[str, Any]:
    sim.script("page-model", Synthetic(ANSWER))
    driver = tmp_path / "web_engine_app.py"
    driver.write_text(_DRIVER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("QTWEBENGINE_DISABLE_SANDBOX", "QTWEBENGINE_CHROMIUM_FLAGS")}
    env.update(PROMPT_STUDIO_HOME=str(home), PYTHONPATH=str(REPO), **env_changes)
    result = subprocess.run([sys.executable, str(driver), sim.url("openai")], env=env,
                            capture_output=True, text=True, timeout=240, cwd=REPO)
    assert result.returncode == 0, result.stderr  # the app never died
    lines = result.stdout.splitlines()
    assert lines[-1] == "exit code 0", result.stdout + result.stderr
    reports = [line for line in lines if line.startswith("report ")]
    assert len(reports) == 1, result.stdout + result.stderr
    report: dict[str, Any] = json.loads(reports[0].removeprefix("report "))
    report["stderr"] = result.stderr
    assert sim.errors == []
    # The answer streamed whole and was saved, whatever the previews could do.
    assert report["answer"] == "".join(ANSWER)
    with Store.open(home / "data" / "studio.sqlite3") as store:
        saved = store.run(report["run"]).branch()[0].current(0)
        assert saved is not None and saved.state == "done" and saved.text == "".join(ANSWER)
    return report


@pytest.mark.skipif(not IS_ROOT, reason="the root policy needs a process running as root")
def test_as_root_previews_run_without_chromiums_sandbox_and_say_so(
        sim: Simulator, studio_home: Path, tmp_path: Path) -> None:
    report = _run_app(sim, studio_home, tmp_path)
    for where in ("pane", "grid"):
        view = report[where]
        assert view["state"] == "ready", report
        assert view["title"] == "ran on studio-preview:", report  # the page really ran
        assert view["badge"] == "⚠ Chromium sandbox off", report
        assert "runs as root" in view["badge_tip"]
        assert "own origin per page, no files, network switch, no popups" in view["badge_tip"]
    assert len(report["status_bar"]) == 1, report
    assert "sandbox is off because the studio runs as root" in report["status_bar"][0]
    assert "Running as root without --no-sandbox" not in report["stderr"]


def test_with_its_helper_missing_previews_say_why_and_the_app_carries_on(
        sim: Simulator, studio_home: Path, tmp_path: Path) -> None:
    nowhere = tmp_path / "gone" / "QtWebEngineProcess"
    report = _run_app(sim, studio_home, tmp_path, QTWEBENGINEPROCESS_PATH=str(nowhere))
    for where in ("pane", "grid"):
        view = report[where]
        assert view["state"] == "unavailable", report
        assert not view["has_web_view"]  # checked before any view was created
        assert str(nowhere) in view["notice"] and "QTWEBENGINEPROCESS_PATH" in view["notice"]


def test_with_a_helper_that_cannot_run_previews_say_why_and_the_app_carries_on(
        sim: Simulator, studio_home: Path, tmp_path: Path) -> None:
    # Handed to Chromium, this helper made the app abort now and then ("Cannot communicate
    # with zygote", seen on a loaded machine): it is tried once before any view exists.
    helper = tmp_path / "QtWebEngineProcess"
    helper.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    helper.chmod(stat.S_IRWXU)
    report = _run_app(sim, studio_home, tmp_path, QTWEBENGINEPROCESS_PATH=str(helper))
    for where in ("pane", "grid"):
        view = report[where]
        assert view["state"] == "unavailable", report
        assert not view["has_web_view"]
        assert f"{helper} does not run (exit code 1)" in view["notice"], report
