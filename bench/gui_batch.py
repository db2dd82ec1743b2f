"""The batch window: 50 prompts × 8 models = 400 cells with thumbnails, in the real app.

Prompt Studio is started through `main_gui` under `xvfb-run` (thumbnails are screenshots
of the pages, which need a display). A collection of 50 prompts is run against 8 simulated
models, each answering with a canvas page, 8 streams at once; every answer's page is run
in the sandbox and pictured for its cell, one page at a time, as the app does it. While
the batch runs from start to its last thumbnail, a 5 ms Qt timer records how late the
event loop serves it (baseline: the same probe with the window idle), and the resident
memory of the app's whole process tree (Python, QtWebEngine's browser side and
renderers) is read after the first 40 cells are finished and at the end.

Then, in a fresh app process on the same database, the finished batch is opened from the
batch window (time from asking to the grid's first paint with all 400 cells, the saved
batch read from SQLite included) and scrolled top to bottom and back, one 40-pixel step
a frame, each step painted at once (`repaint`), thumbnails read from the history as
cells come into view: the figure is frames per second over the whole scroll.
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

from bench.app_driver import LagProbe, drive, prepare_home, run_child, wait_until
from bench.common import (
    Report,
    Row,
    count_row,
    info_row,
    limit_row,
    load_note,
    percentile,
    progress,
    ratio_row,
)
from bench.previews import XVFB
from bench.proctree import rss_mb
from bench.sim_server import SimProcess
from bench.workload import model_names

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow

NAME = "grid"
TITLE = "Batch window: 50 prompts × 8 models = 400 cells with thumbnails"
PROMPTS = 50
MODELS = 8
CONCURRENCY = 8
MEMORY_AFTER = 40
SCROLL_STEP = 40  # pixels a frame
ENV = {"QT_QPA_PLATFORM": "xcb"}


def _own_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _finished_pictured(window: MainWindow) -> int:
    controller = window.grid.controller
    batch = controller.batch if controller is not None else None
    if batch is None:
        return 0
    from studio.core.batch import CellState

    return sum(1 for c in batch.cells if c.state is CellState.DONE)


async def run_scenario(window: MainWindow, prompts: int) -> dict[str, Any]:
    from studio.core.batch import Batch, CellState, plan_rows
    from studio.core.catalog import ModelRef
    from studio.core.runner import ModelTarget
    from studio.store.threads import entry_of

    window.resize(1600, 1000)
    store = window.store
    assert store is not None
    config = window.registry.get("bench")
    targets = [ModelTarget(ModelRef("bench", m), config) for m in model_names(MODELS)]
    collection = store.add_collection("Bench")
    for i in range(prompts):
        store.add_prompt(collection.id, f"Page {i}", f"Write page number {i}: a ball in a "
                                                     "spinning hexagon, on a canvas.")
    sources = store.batch_store().prompt_sources(collection.id)
    planned = Batch(tuple(plan_rows(sources)), tuple(entry_of(t) for t in targets),
                    title="Bench", concurrency=CONCURRENCY)
    probe = LagProbe()
    await asyncio.sleep(1.5)  # start-up work settles (the engine makes its client at 1 s)
    probe.start()
    await asyncio.sleep(2.0)
    idle = probe.stop()
    pid = os.getpid()
    probe.start()
    started = time.perf_counter()
    if not window.grid.start(planned, targets):
        raise RuntimeError("the batch did not start")
    controller = window.grid.controller
    assert controller is not None
    cells = prompts * MODELS
    await wait_until(lambda: _finished_pictured(window) >= MEMORY_AFTER, 1800,
                     f"{MEMORY_AFTER} cells", step=0.05)
    loop = asyncio.get_running_loop()
    rss_first = await loop.run_in_executor(None, rss_mb, pid)  # not on the probed loop
    own_first = _own_rss_mb()
    at_first = time.perf_counter() - started
    await wait_until(lambda: controller.batch is not None and not controller.running
                     and controller.batch.complete, 3600, "every cell", step=0.05)
    wall = time.perf_counter() - started
    lag = probe.stop()
    last_cell = await loop.run_in_executor(None, rss_mb, pid)  # the page worker is ending
    await wait_until(lambda: controller.idle, 60, "the batch to go idle", step=0.05)
    await asyncio.sleep(1.0)  # the page worker ends once the batch is idle
    rss_end = await loop.run_in_executor(None, rss_mb, pid)
    own_end = _own_rss_mb()
    batch = controller.batch
    assert batch is not None
    return {"lag": lag, "idle": idle, "wall": wall, "at_first": at_first,
            "rss_first": rss_first, "rss_end": rss_end, "rss_last_cell": last_cell,
            "own_first": own_first, "own_end": own_end, "batch_id": batch.id,
            "done": sum(1 for c in batch.cells if c.state is CellState.DONE),
            "pictured": sum(1 for c in batch.cells if c.has_screenshot),
            "cells": cells, "pages": controller.pages.pages_run}


async def open_scenario(window: MainWindow, batch_id: int) -> dict[str, Any]:
    from PySide6.QtCore import QEvent, QObject

    window.resize(1600, 1000)
    await asyncio.sleep(1.5)
    painted: list[float] = []

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.append(time.perf_counter())
            return False

    started = time.perf_counter()
    window.grid.open_batch(batch_id)
    grid = window.grid.batch_window
    assert grid is not None
    watch = PaintWatch()
    viewport = grid.grid.table.viewport()
    viewport.installEventFilter(watch)
    await wait_until(lambda: grid.model.rowCount() > 0 and bool(painted)
                     and painted[-1] > started, 60, "the grid's first paint", step=0.001)
    shown = next(t for t in painted if t > started) - started
    rows, columns = grid.model.rowCount(), grid.model.columnCount()
    viewport.removeEventFilter(watch)
    await asyncio.sleep(1.0)

    table = grid.grid.table
    bar = table.verticalScrollBar()
    steps: list[float] = []
    for target in (bar.maximum(), 0):
        direction = SCROLL_STEP if target > bar.value() else -SCROLL_STEP
        while bar.value() != target:
            began = time.perf_counter()
            bar.setValue(bar.value() + direction)
            viewport.repaint()
            steps.append((time.perf_counter() - began) * 1000)
            await asyncio.sleep(0)  # the loop runs between frames (pictures arrive)
    return {"open_ms": shown * 1000, "rows": rows, "columns": columns, "steps": steps,
            "pictures": grid.controller.thumbnails.cached}


def child_main(argv: list[str]) -> int:
    mode, value = argv[0], int(argv[1])
    if mode == "run":
        return drive(lambda window: run_scenario(window, value))
    return drive(lambda window: open_scenario(window, value))


def run(runs: int = 5, quick: bool = False) -> Report:
    prompts = 10 if quick else PROMPTS
    cells = prompts * MODELS
    report = Report(NAME, TITLE if not quick else f"{TITLE} (quick: {cells} cells)")
    if shutil.which("xvfb-run") is None:
        raise RuntimeError("xvfb-run is not installed (Debian package xvfb)")
    report.notes.append(load_note() + " at start")
    with SimProcess(MODELS, 0, 1, pages=True) as sim, \
            tempfile.TemporaryDirectory(prefix="bench-grid-") as tmp:
        home = Path(tmp)
        prepare_home(home, sim.base_url)
        progress(f"a batch of {cells} cells with thumbnails (one run: it is long enough to "
                 "be its own repetition)")
        result = run_child("bench.gui_batch", ["run", str(prompts)], home, wrapper=XVFB,
                           env=ENV, timeout=7200)
        opened = []
        for n in range(runs):
            progress(f"opening and scrolling the finished grid {n + 1}/{runs}")
            opened.append(run_child("bench.gui_batch", ["open", str(result["batch_id"])],
                                    home, wrapper=XVFB, env=ENV, timeout=600))
    lag, idle = result["lag"], result["idle"]
    report.rows.append(limit_row("event-loop lag p99, start → last thumbnail",
                                 percentile(lag, 99), "ms", 16.0, percentile(idle, 99),
                                 "idle window"))
    report.rows.append(limit_row("event-loop lag max", max(lag), "ms", 50.0, max(idle),
                                 "idle window"))
    report.rows.append(ratio_row("RSS of the process tree at the end", result["rss_end"],
                                 result["rss_first"], "MB", 1.3,
                                 f"after the first {MEMORY_AFTER} cells"))
    report.rows.append(info_row("the same as the last thumbnail came (page worker running)",
                                result["rss_last_cell"], "MB", result["rss_first"],
                                f"after the first {MEMORY_AFTER} cells"))
    report.rows.append(info_row("RSS of the app's own process at the end", result["own_end"],
                                "MB", result["own_first"],
                                f"after the first {MEMORY_AFTER} cells"))
    open_ms = sorted(o["open_ms"] for o in opened)
    report.rows.append(limit_row(f"opening the finished grid ({cells} cells), median",
                                 open_ms[len(open_ms) // 2], "ms", 300.0))
    steps = [s for o in opened for s in o["steps"]]
    fps = [1000 * len(o["steps"]) / sum(o["steps"]) for o in opened]
    report.rows.append(_min_row("scrolling it, frames per second (worst run)", min(fps),
                                50.0))
    report.rows.append(info_row("scrolling it, p95 frame", percentile(steps, 95), "ms"))
    report.rows.append(count_row("cells done with a thumbnail", result["pictured"],
                                 result["cells"]))
    report.rows.append(info_row("start → last thumbnail", result["wall"], "s"))
    report.notes.append(
        f"{prompts} prompts × {MODELS} models, {CONCURRENCY} streams at once; each answer a "
        f"canvas page; {result['pages']} pages run in the sandbox for thumbnails; "
        f"{len(lag):,} lag samples (5 ms probe); memory read after "
        f"{result['at_first']:.0f} s ({MEMORY_AFTER} cells) and at the end")
    report.notes.append(f"opened {runs} times in a fresh app process each: "
                        + ", ".join(f"{ms:.0f}" for ms in open_ms) + " ms; scrolled "
                        f"{len(steps) // max(1, runs)} frames of {SCROLL_STEP} px a run")
    report.notes.append(load_note() + " at end")
    return report


def _min_row(figure: str, value: float, minimum: float) -> Row:
    """A row whose figure must be at least `minimum` (frames per second)."""
    return Row(figure, value, "fps", f"≥ {minimum:g} fps", value >= minimum)


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
