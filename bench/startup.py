"""Start-up: time from starting the process to the first painted main window.

Four kinds of start, alternating, each in a fresh process (`bench.startup_child`, Qt's
offscreen platform): a bare PySide6 `QMainWindow` (the baseline), the same window after what
any app of this kind needs before it (a QtWebEngine URL scheme registered before the
QApplication, an asyncio loop on Qt's via qasync; shown for context), Prompt Studio through
`studio.app.main_gui` with an empty library, and Prompt Studio whose database holds 10,000
finished runs (4 answers each) and 2,000 prompts. Both Prompt Studio homes have one
user-added provider, so the workspace (not the first-start welcome) is what shows.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    REPO,
    Report,
    child_env,
    delta_row,
    info_row,
    load_note,
    median,
    progress,
    ratio_row,
)
from bench.store_data import Sizes, fill
from studio.core.paths import studio_paths
from studio.store import Store

NAME = "startup"
TITLE = "Start-up: first painted main window"
HISTORY = Sizes(prompts=2_000, runs=10_000)


def prepare_home(home: Path, sizes: Sizes | None) -> None:
    env = child_env(home)
    add = subprocess.run(
        [sys.executable, "-m", "studio", "providers", "add", "bench", "--kind", "openai",
         "--base-url", "http://127.0.0.1:9/v1", "--no-key"], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=60)
    if add.returncode != 0:
        raise RuntimeError(f"providers add failed: {add.stderr}")
    if sizes is not None:
        paths = studio_paths({"PROMPT_STUDIO_HOME": str(home)}).ensure()
        with Store.open(paths.database) as store:
            fill(store, sizes, progress=progress)


def start_once(kind: str, home: Path) -> tuple[float, float]:
    """Seconds from spawning the process to its window's first paint, and (Prompt Studio
    only; else the same) to the first paint of its workspace."""
    env = child_env(home)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.startup_child", kind], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    shown = time.perf_counter() - started
    ready_line = proc.stdout.readline() if kind == "studio" else "ready"
    ready = time.perf_counter() - started if kind == "studio" else shown
    try:
        _out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise RuntimeError(f"{kind} start did not end after its window closed") from None
    if line.strip() != "shown" or ready_line.strip() != "ready" or proc.returncode != 0:
        raise RuntimeError(f"{kind} start failed (exit {proc.returncode}): {err[-2000:]}")
    return shown, ready


def run(runs: int = 5, quick: bool = False) -> Report:
    # A start takes well under a second, and start times are the noisiest figure here (a
    # bare window takes 105-130 ms from one minute to the next): more of them per median.
    runs = max(runs, 11)
    sizes = Sizes(prompts=200, runs=500) if quick else HISTORY
    report = Report(NAME, TITLE if not quick else f"{TITLE} (quick: {sizes.runs} runs)")
    report.notes.append(load_note() + " at start")
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        empty, full = Path(tmp) / "empty", Path(tmp) / "history"
        prepare_home(empty, None)
        progress(f"filling a library with {sizes.runs:,} runs")
        prepare_home(full, sizes)
        start_once("studio", empty)  # first start: compiles bytecode, warms the disk cache
        start_once("studio", full)
        times: dict[str, list[float]] = {k: [] for k in (
            "bare", "floor", "empty", "empty ready", "full", "full ready")}
        for i in range(runs):
            progress(f"start-up round {i + 1}/{runs}")
            times["bare"].append(start_once("bare", empty)[0])
            times["floor"].append(start_once("floor", empty)[0])
            for kind, home in (("empty", empty), ("full", full)):
                shown, ready = start_once("studio", home)
                times[kind].append(shown)
                times[f"{kind} ready"].append(ready)
    ms = {k: median(v) * 1000 for k, v in times.items()}
    bare = ms["bare"]
    report.rows.append(ratio_row("Prompt Studio window, empty library", ms["empty"], bare, "ms",
                                 1.5, "bare QMainWindow"))
    report.rows.append(info_row("Prompt Studio workspace ready, empty library",
                                ms["empty ready"], "ms", bare, "bare QMainWindow"))
    report.rows.append(info_row("QMainWindow painted inside qasync (context)", ms["floor"],
                                "ms", bare, "bare QMainWindow"))
    report.rows.append(delta_row(f"Prompt Studio workspace ready, {sizes.runs:,} runs",
                                 ms["full ready"], ms["empty ready"], "ms", 100.0,
                                 "empty library"))
    report.notes.append(f"medians of {runs} fresh processes each (offscreen), measured from "
                        "spawning the process to the first paint of its main window; the "
                        "studio's workspace is built into that window after it")
    report.notes.append(load_note() + " at end")
    return report


if __name__ == "__main__":
    from bench.common import format_text

    print(format_text(run()))
