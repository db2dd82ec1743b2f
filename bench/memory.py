"""Memory over time: 200 consecutive runs of 4 models whose answers are live pages.

Prompt Studio is started through `main_gui` under `xvfb-run` with the Previews tab shown.
Each run sends one prompt to 4 simulated models that answer with an HTML canvas animation,
waits until every answer is shown and every page runs in its preview, then reads the
resident memory (RSS) of the app's whole process tree (the Python process, QtWebEngine's
browser side and renderers) and of the Python process alone. Each new run replaces the
previous one, as it does for a user comparing again and again. The figure: RSS after the
200th run against RSS after the 20th (by then caches, fonts and the first renderers have
been allocated; what keeps growing afterwards is a leak).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.app_driver import drive, prepare_home, run_child, wait_until
from bench.common import Report, info_row, load_note, progress, ratio_row
from bench.previews import XVFB, previews_ready
from bench.proctree import rss_mb
from bench.sim_server import SimProcess
from bench.workload import model_names

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow

NAME = "memory"
TITLE = "Memory over time: 200 runs of 4 models with live previews"
MODELS = 4
RUNS = 200
REFERENCE_RUN = 20


def _own_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def memory_scenario(window: MainWindow, runs: int) -> dict[str, Any]:
    from studio.core.catalog import ModelRef
    from studio.core.runner import ModelTarget

    window.resize(1600, 1000)
    config = window.registry.get("bench")
    targets = [ModelTarget(ModelRef("bench", m), config) for m in model_names(MODELS)]
    await asyncio.sleep(1.5)
    tree: list[float] = []
    own: list[float] = []
    for number in range(1, runs + 1):
        comparison = window.send(f"Page number {number}: a ball in a spinning hexagon.",
                                 targets)
        window.show_previews(True)
        await wait_until(lambda: comparison.settled, 60,  # noqa: B023 - awaited right here
                         f"the answers of run {number}")

        await wait_until(lambda: previews_ready(window, MODELS), 60,
                         f"the previews of run {number}", step=0.05)
        await asyncio.sleep(0.3)
        tree.append(rss_mb(os.getpid()))
        own.append(_own_rss_mb())
    return {"tree": tree, "own": own}


def child_main(argv: list[str]) -> int:
    runs = int(argv[0])
    return drive(lambda window: memory_scenario(window, runs))


def run(runs: int = 5, quick: bool = False) -> Report:
    count, reference = (30, 10) if quick else (RUNS, REFERENCE_RUN)
    report = Report(NAME, TITLE if not quick else f"{TITLE} (quick: {count} runs)")
    if shutil.which("xvfb-run") is None:
        raise RuntimeError("xvfb-run is not installed (Debian package xvfb)")
    report.notes.append(load_note() + " at start")
    with SimProcess(MODELS, 0, 1, pages=True) as sim, \
            tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        home = Path(tmp)
        prepare_home(home, sim.base_url)
        progress(f"{count} consecutive runs (one sequence; it is long enough to be its own "
                 "repetition)")
        result = run_child("bench.memory", [str(count)], home, wrapper=XVFB,
                           env={"QT_QPA_PLATFORM": "xcb"}, timeout=3600)
    tree, own = result["tree"], result["own"]
    report.rows.append(ratio_row(f"RSS of the process tree after run {count}", tree[-1],
                                 tree[reference - 1], "MB", 1.2, f"after run {reference}"))
    report.rows.append(info_row(f"RSS of the Python process after run {count}", own[-1], "MB",
                                own[reference - 1], f"after run {reference}"))
    report.rows.append(info_row("RSS of the process tree, highest seen", max(tree), "MB"))
    marks = sorted({1, reference, count // 4, count // 2, 3 * count // 4, count})
    report.notes.append("tree RSS after run " + ", ".join(
        f"{n}: {tree[n - 1]:.0f} MB" for n in marks))
    report.notes.append("Python process RSS after run " + ", ".join(
        f"{n}: {own[n - 1]:.0f} MB" for n in marks))
    report.notes.append(load_note() + " at end")
    return report


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
