"""Previews: 8 live canvas animations in the Previews tab, under Xvfb.

Prompt Studio is started through `main_gui` under `xvfb-run` (a real X server: Chromium
renders and animates as on a desktop). 8 simulated models each answer with an HTML page
in a fence (a ball bouncing in a spinning hexagon, drawn with requestAnimationFrame); the
Previews tab is shown and, once all 8 pages run, the proportional set size (PSS, from
/proc/PID/smaps_rollup, so pages shared between processes count once) of the app's whole
process tree is read. Then the Answers tab is shown again (the previews are hidden) and,
after 3 s, the CPU time (utime + stime) of the whole tree is measured over 10 s.

Baseline, in a process of its own: 8 plain `QWebEngineView`s with the default profile
showing the same pages with `setHtml` (what a straightforward implementation does), same
window size; its PSS, and its CPU over 10 s with the views hidden.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.app_driver import drive, emit, prepare_home, run_child, wait_until
from bench.common import Report, info_row, limit_row, load_note, median, progress
from bench.proctree import cpu_seconds, descendants, pss_mb, tree_cpu_over
from bench.sim_server import SimProcess
from bench.workload import canvas_page, model_names

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow

NAME = "previews"
TITLE = "Previews: 8 live canvas animations (Xvfb)"
COUNT = 8
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24"]
WINDOW = (1900, 1040)
SETTLE_S = 5.0
CPU_WINDOW_S = 10.0



def previews_ready(window: MainWindow, count: int) -> bool:
    """The Previews tab holds `count` previews and every one runs its page."""
    grid = window.previews.grid
    keys = grid.keys() if grid is not None else []
    if grid is None or len(keys) != count:
        return False
    views = [grid.preview(key) for key in keys]
    return all(view is not None and view.state() == "ready" for view in views)

async def _cpu_percent_async(seconds: float) -> float:
    pid = os.getpid()
    start = cpu_seconds(descendants(pid))
    began = time.perf_counter()
    await asyncio.sleep(seconds)
    end = cpu_seconds(descendants(pid))
    return 100.0 * tree_cpu_over(pid, start, end) / (time.perf_counter() - began)


async def app_scenario(window: MainWindow) -> dict[str, Any]:
    from studio.core.catalog import ModelRef
    from studio.core.runner import ModelTarget

    window.resize(*WINDOW)
    config = window.registry.get("bench")
    targets = [ModelTarget(ModelRef("bench", m), config) for m in model_names(COUNT)]
    await asyncio.sleep(1.5)
    pss_start = pss_mb(os.getpid())
    comparison = window.send("Write a page with a ball bouncing in a spinning hexagon.",
                             targets)
    await wait_until(lambda: comparison.settled, 120, "the answers")
    window.show_previews(True)

    await wait_until(lambda: previews_ready(window, COUNT), 120, "8 running previews",
                     step=0.1)
    await asyncio.sleep(SETTLE_S)
    pss_visible = pss_mb(os.getpid())
    processes = len(descendants(os.getpid()))
    cpu_visible = await _cpu_percent_async(5.0)
    window.show_previews(False)
    await asyncio.sleep(3.0)
    cpu_hidden = await _cpu_percent_async(CPU_WINDOW_S)
    pss_hidden = pss_mb(os.getpid())
    return {"pss_visible": pss_visible, "pss_hidden": pss_hidden, "pss_start": pss_start,
            "cpu_visible": cpu_visible, "cpu_hidden": cpu_hidden, "processes": processes}


def naive_main() -> int:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWebEngineWidgets import QWebEngineView
    from PySide6.QtWidgets import QApplication, QGridLayout, QWidget

    app = QApplication(sys.argv)

    def pump(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.002)

    def cpu_percent(seconds: float) -> float:
        pid = os.getpid()
        start = cpu_seconds(descendants(pid))
        began = time.perf_counter()
        pump(seconds)
        return 100.0 * tree_cpu_over(pid, start, cpu_seconds(descendants(pid))) / (
            time.perf_counter() - began)

    window = QWidget()
    window.resize(*WINDOW)
    layout = QGridLayout(window)
    loaded: list[bool] = []
    views = []
    for i in range(COUNT):
        view = QWebEngineView()
        view.loadFinished.connect(loaded.append)
        view.setHtml(canvas_page(i * 45 % 360))
        layout.addWidget(view, i // 4, i % 4)
        views.append(view)
    window.show()
    deadline = time.perf_counter() + 120
    while len(loaded) < COUNT and time.perf_counter() < deadline:
        pump(0.1)
    pump(SETTLE_S)
    pss_visible = pss_mb(os.getpid())
    cpu_visible = cpu_percent(5.0)
    for view in views:
        view.hide()
    pump(3.0)
    cpu_hidden = cpu_percent(CPU_WINDOW_S)
    emit({"pss_visible": pss_visible, "cpu_visible": cpu_visible, "cpu_hidden": cpu_hidden,
          "loaded": len(loaded), "processes": len(descendants(os.getpid()))})
    for view in views:
        view.deleteLater()
    window.deleteLater()
    pump(0.5)
    return 0


def child_main(argv: list[str]) -> int:
    if argv == ["naive"]:
        return naive_main()
    return drive(app_scenario)


def run(runs: int = 5, quick: bool = False) -> Report:
    runs = 1 if quick else max(3, runs // 2 + 1)
    report = Report(NAME, TITLE)
    if shutil.which("xvfb-run") is None:
        raise RuntimeError("xvfb-run is not installed (Debian package xvfb)")
    report.notes.append(load_note() + " at start")
    env = {"QT_QPA_PLATFORM": "xcb"}
    apps: list[dict[str, Any]] = []
    naive: list[dict[str, Any]] = []
    with SimProcess(COUNT, 0, 1, pages=True) as sim, \
            tempfile.TemporaryDirectory(prefix="bench-previews-") as tmp:
        home = Path(tmp)
        prepare_home(home, sim.base_url)
        for i in range(runs):
            progress(f"previews run {i + 1}/{runs}")
            apps.append(run_child("bench.previews", ["app"], home, wrapper=XVFB, env=env))
            naive.append(run_child("bench.previews", ["naive"], home, wrapper=XVFB, env=env))
    pss = median([a["pss_visible"] for a in apps])
    report.rows.append(limit_row("PSS of the process tree, 8 previews running", pss, "MB",
                                 900.0, median([n["pss_visible"] for n in naive]),
                                 "8 plain QWebEngineViews"))
    report.rows.append(limit_row("CPU with the previews hidden", median(
        [a["cpu_hidden"] for a in apps]), "% of a core", 5.0,
        median([n["cpu_hidden"] for n in naive]), "plain views hidden"))
    report.rows.append(info_row("CPU with the previews running", median(
        [a["cpu_visible"] for a in apps]), "% of a core",
        median([n["cpu_visible"] for n in naive]), "plain views"))
    report.rows.append(info_row("PSS with the previews hidden", median(
        [a["pss_hidden"] for a in apps]), "MB"))
    report.rows.append(info_row("PSS before the first preview", median(
        [a["pss_start"] for a in apps]), "MB"))
    report.notes.append(f"medians of {runs} runs under xvfb-run; processes in the tree: "
                        f"app {apps[-1]['processes']}, plain views {naive[-1]['processes']}")
    report.notes.append(load_note() + " at end")
    return report


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
