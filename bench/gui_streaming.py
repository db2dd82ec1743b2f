"""GUI streaming: the real main window, 8 panes, 8 streams at 200 chunks/s each for 20 s.

Each run starts Prompt Studio in a fresh process (Qt offscreen) through `main_gui`, sends
one prompt to 8 models of the simulator (which paces every stream at 200 chunks a second,
4,000 chunks each) with `MainWindow.send`, and waits until every pane has shown its whole
answer. A 5 ms single-shot Qt timer, re-armed each time it fires, records how late the
event loop serves it the whole time (the baseline: the same probe for 2 s with the window
idle). Wall time is from `send` to the last text shown; its baseline is the engine alone
(plain asyncio, no window) reading the same streams, in a process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.app_driver import LagProbe, drive, emit, prepare_home, run_child, wait_until
from bench.common import (
    Report,
    Row,
    count_row,
    info_row,
    limit_row,
    load_note,
    median,
    percentile,
    progress,
    ratio_row,
)
from bench.sim_server import SimProcess
from bench.workload import LONG_LINE_KINDS, long_line_streams, stream_chunks

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow

NAME = "gui"
TITLE = "GUI streaming: 8 panes × 200 chunks/s × 20 s"
STREAMS = 8
RATE = 200.0
SECONDS = 20


def expected_texts(streams: int, chunks: int, long_line: str | None = None
                   ) -> dict[str, str]:
    """What each model answers: the Markdown workload, or (`long_line`) one unbroken line
    of `chunks` characters."""
    answers = (long_line_streams(long_line, streams, chunks) if long_line
               else stream_chunks(streams, chunks))
    return {m: "".join(p) for m, p in answers.items()}


async def window_scenario(window: MainWindow, expected: dict[str, str]) -> dict[str, Any]:
    from studio.core.catalog import ModelRef
    from studio.core.runner import ModelTarget

    window.resize(1600, 1000)
    config = window.registry.get("bench")
    models = list(expected)
    targets = [ModelTarget(ModelRef("bench", m), config) for m in models]
    probe = LagProbe()
    await asyncio.sleep(1.5)  # let start-up work settle (the engine makes its client at 1 s)
    probe.start()
    await asyncio.sleep(2.0)
    idle = probe.stop()
    probe.start()
    started, cpu = time.perf_counter(), time.process_time()
    comparison = window.send("Write a long answer.", targets)
    await wait_until(lambda: comparison.settled, 600, "all answers shown")
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    lag = probe.stop()
    await comparison.wait()
    shown = [pane.view.answer_text() for pane in comparison.panes]
    missing = [m for m, text in zip(models, shown, strict=True) if text != expected[m]]
    states = [run.state.value for run in comparison.runs]
    return {"wall": wall, "cpu": cpu, "lag": lag, "idle": idle, "missing": missing,
            "states": states, "panes": len(window.pane_area.panes())}


async def engine_alone(base_url: str, expected: dict[str, str]) -> dict[str, Any]:
    from studio.core.catalog import ModelRef, ProviderConfig
    from studio.core.prices import PriceTable
    from studio.core.request import single_turn
    from studio.core.runner import Engine, ModelTarget
    from studio.core.secrets import KeyStore

    config = ProviderConfig("bench", "openai", base_url, needs_key=False)
    engine = Engine(keys=KeyStore(env={}), prices=PriceTable.load(None))
    try:
        jobs = [(ModelTarget(ModelRef("bench", m), config),
                 single_turn(m, "Write a long answer.")) for m in expected]
        started = time.perf_counter()
        runs = await engine.start(jobs).wait()
        wall = time.perf_counter() - started
    finally:
        await engine.aclose()
    missing = [r.target.ref.model for r in runs if r.text != expected[r.target.ref.model]]
    return {"wall": wall, "missing": missing}


def child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["window", "engine"])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--chunks", type=int, required=True)
    parser.add_argument("--streams", type=int, default=STREAMS)
    parser.add_argument("--long-line", choices=LONG_LINE_KINDS)
    args = parser.parse_args(argv)
    expected = expected_texts(args.streams, args.chunks, args.long_line)
    if args.mode == "engine":
        emit(asyncio.run(engine_alone(args.base_url, expected)))
        return 0
    return drive(lambda window: window_scenario(window, expected))


@dataclass
class WindowRuns:
    """What the window runs of one workload measured, run after run."""

    streams: int
    lag: list[float] = field(default_factory=list)
    idle: list[float] = field(default_factory=list)
    maxima: list[float] = field(default_factory=list)
    p99s: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    cpu_shares: list[float] = field(default_factory=list)  # the app's CPU / wall time
    problems: list[str] = field(default_factory=list)

    def add(self, result: dict[str, Any], what: str) -> None:
        if result["missing"] or result["panes"] != self.streams:
            self.problems.append(f"{what}: text missing in {result['missing']} "
                                 f"({result['panes']} panes, states {result['states']})")
        self.lag += result["lag"]
        self.idle += result["idle"]
        self.maxima.append(max(result["lag"]))
        self.p99s.append(percentile(result["lag"], 99))
        self.walls.append(result["wall"])
        self.cpu_shares.append(100.0 * result["cpu"] / result["wall"])

    def lag_rows(self, label: str = "", *, targets: bool = True) -> list[Row]:
        """The targets: p99 of all samples ≤ 16 ms, the median of the runs' maxima ≤ 50 ms
        (or the same figures for context, with `targets` off)."""
        p99 = ("event-loop lag p99 (all runs' samples)", percentile(self.lag, 99), 16.0,
               percentile(self.idle, 99))
        most = ("event-loop lag max (median of runs' max)", median(self.maxima), 50.0,
                max(self.idle))
        rows = [limit_row(f"{label}{figure}", value, "ms", limit, idle, "idle window")
                if targets else info_row(f"{label}{figure}", value, "ms", idle, "idle window")
                for figure, value, limit, idle in (p99, most)]
        rows.append(info_row(f"{label}event-loop lag max (worst run)", max(self.maxima), "ms"))
        rows.append(info_row(f"{label}CPU of the app while streaming (all its threads)",
                             median(self.cpu_shares), "% of a core"))
        return rows


def run(runs: int = 5, quick: bool = False) -> Report:
    seconds = 3 if quick else SECONDS
    chunks = int(RATE * seconds)
    report = Report(NAME, TITLE if not quick else f"{TITLE} (quick: {seconds} s)")
    report.notes.append(load_note() + " at start")
    measured = WindowRuns(STREAMS)
    engine_walls: list[float] = []
    with SimProcess(STREAMS, chunks, 1, chunks_per_second=RATE) as sim, \
            tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp:
        home = Path(tmp)
        prepare_home(home, sim.base_url)
        args = ["--base-url", sim.base_url, "--chunks", str(chunks)]
        for i in range(runs):
            progress(f"GUI streaming run {i + 1}/{runs}")
            measured.add(run_child("bench.gui_streaming", ["window", *args], home),
                         f"run {i + 1}")
            alone = run_child("bench.gui_streaming", ["engine", *args], home)
            if alone["missing"]:
                raise RuntimeError(f"engine alone: wrong text for {alone['missing']}")
            engine_walls.append(alone["wall"])
    report.rows += measured.lag_rows()
    report.rows.append(info_row("event-loop lag p99 (worst run)", max(measured.p99s), "ms"))
    report.rows.append(ratio_row("wall time, send → all text shown", median(measured.walls),
                                 median(engine_walls), "s", 1.2, "engine alone"))
    report.rows.append(count_row("runs with all text shown in all 8 panes",
                                 runs - len(measured.problems), runs))
    report.notes += measured.problems
    report.notes.append(f"{runs} runs; {STREAMS} × {chunks:,} chunks paced at {RATE:.0f}/s; "
                        f"{len(measured.lag):,} lag samples (5 ms probe)")
    report.notes.append(load_note() + " at end")
    return report


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
