"""A very fast stream of one open block: 2 panes, 10,000 chunks a second, 1 MB each.

What stalls a window is not the chunk rate itself but the size of the Markdown block that
is still open: a model stuck in a loop (one paragraph without a line break), minified
code or a long JSON line is one block that grows for the whole answer. So each stream
here is one unbroken line of about 1 MB in chunks of about ten characters, paced at
10,000 chunks a second by the simulator (in its own process): `paragraph` (words and
spaces) and `code-line` (an html fence holding one line of minified JavaScript, no
spaces). The real main window (`main_gui`, Qt offscreen) shows them in 2 panes while the
lag probe of `gui_streaming` (a 5 ms Qt timer) records how late the event loop serves it;
the baseline is the same probe with the window idle. Every pane's text is checked. For
context, the same is measured with ordinary Markdown (the `gui` workload) at the same rate:
on a loaded machine it tells the machine's share of the lag from the open block's.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.app_driver import prepare_home, run_child
from bench.common import (
    Report,
    count_row,
    info_row,
    load_note,
    median,
    progress,
)
from bench.gui_streaming import WindowRuns
from bench.sim_server import SimProcess
from bench.workload import LONG_LINE_KINDS, long_line_chunks

NAME = "fast"
TITLE = "A very fast stream: one open 1 MB block × 2 panes at 10,000 chunks/s"
STREAMS = 2
RATE = 10_000.0
SIZE = 1_000_000


def _measure(kind: str | None, size: int, runs: int) -> WindowRuns:
    """`runs` window runs of two streams of `kind` (None: the Markdown workload, `size`
    chunks of it), each in a fresh app."""
    measured = WindowRuns(STREAMS)
    with SimProcess(STREAMS, size, 1, chunks_per_second=RATE, long_line=kind) as sim, \
            tempfile.TemporaryDirectory(prefix="bench-fast-") as tmp:
        home = Path(tmp)
        prepare_home(home, sim.base_url)
        args = ["window", "--base-url", sim.base_url, "--chunks", str(size),
                "--streams", str(STREAMS)]
        if kind is not None:
            args += ["--long-line", kind]
        for i in range(runs):
            progress(f"{kind or 'Markdown'} at {RATE:,.0f} chunks/s, run {i + 1}/{runs}")
            measured.add(run_child("bench.gui_streaming", args, home),
                         f"{kind or 'Markdown'} run {i + 1}")
    return measured


def run(runs: int = 5, quick: bool = False) -> Report:
    size = 100_000 if quick else SIZE
    runs = 1 if quick else max(3, runs - 2)  # each run streams for about 10 s
    report = Report(NAME, TITLE if not quick else f"{TITLE} (quick: {size:,} characters)")
    report.notes.append(load_note() + " at start")
    for kind in LONG_LINE_KINDS:
        measured = _measure(kind, size, runs)
        report.rows += measured.lag_rows(f"{kind}: ")
        paced = len(long_line_chunks(kind, size)) / RATE
        report.rows.append(info_row(f"{kind}: wall time, send → all text shown",
                                    median(measured.walls), "s", paced, "the stream's pace"))
        report.rows.append(count_row(f"{kind}: runs with all text shown in both panes",
                                     runs - len(measured.problems), runs))
        report.notes += measured.problems
    # The same rate of ordinary Markdown (short lines, blank lines, fences) for comparison:
    # on a loaded machine it says how much of the lag is the machine's.
    chunks = size // 10
    ordinary = _measure(None, chunks, runs)
    report.rows += ordinary.lag_rows("ordinary Markdown, same rate (context): ", targets=False)
    report.notes += ordinary.problems
    report.notes.append(f"{runs} runs per kind; {STREAMS} streams of {size:,} characters in "
                        f"chunks of about 10, paced at {RATE:,.0f} chunks/s each; the context "
                        f"rows: {STREAMS} streams of {chunks:,} chunks of the Markdown workload")
    report.notes.append(load_note() + " at end")
    return report


if __name__ == "__main__":
    from bench.common import format_text

    sys.exit(print(format_text(run())))
