"""Run the benchmarks and print one table each.

    python -m bench                      # everything, in the issue's order
    python -m bench ingest store         # a subset
    python -m bench --list               # names and what each measures
    python -m bench --runs 7 --markdown bench/results.md

Exit status 0 when every target is met, 1 when one is missed, 2 when a benchmark could
not run at all.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path
from typing import Protocol

from bench.common import Report, format_markdown, format_text

# name → (module, one line on what it measures); run in this order
BENCHMARKS: dict[str, tuple[str, str]] = {
    "ingest": ("bench.engine_ingest",
               "8 streams × 20,000 chunks through the engine and `run --json` vs bare readers"),
    "cli": ("bench.cli_start",
            "`--version` vs a bare interpreter; a one-answer `run --json` vs a lean httpx script"),
    "store": ("bench.store_bench",
              "100,000 prompts + 10,000 runs: search p95, saving a run"),
    "startup": ("bench.startup",
                "time to the first shown main window vs a bare QMainWindow; with 10,000 runs"),
    "gui": ("bench.gui_streaming",
            "main window, 8 panes × 200 chunks/s for 20 s: event-loop lag, wall time"),
    "long": ("bench.long_answer",
             "1 MB answers in 10,000 chunks (Markdown; one open paragraph; one code line): "
             "cost per chunk, last vs first 10 %"),
    "fast": ("bench.fast_stream",
             "one open 1 MB block × 2 panes at 10,000 chunks/s: event-loop lag"),
    "previews": ("bench.previews",
                 "8 live canvas previews: PSS of the process tree; CPU when hidden"),
    "memory": ("bench.memory",
               "200 runs of 4 models with previews: RSS after the last vs after the 20th"),
    "batch": ("bench.batch_schedule",
              "400-cell batch (50 prompts × 8 models) vs the slowest provider's own streams"),
    "grid": ("bench.gui_batch",
             "batch window, 400 cells with thumbnails: lag, memory; opening and scrolling it"),
}


class Benchmark(Protocol):
    def run(self, runs: int = 5, quick: bool = False) -> Report: ...


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--runs", type=int, default=5, help="repetitions for medians (≥ 5)")
    parser.add_argument("--quick", action="store_true",
                        help="smaller workloads: checks that everything runs, figures are "
                             "not meaningful")
    parser.add_argument("--markdown", type=Path, metavar="FILE",
                        help="also write the tables as Markdown to FILE")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, (_module, what) in BENCHMARKS.items():
            print(f"{name:10} {what}")
        return 0
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    names = args.names or list(BENCHMARKS)
    reports: list[Report] = []
    broken: list[str] = []
    for name in names:
        module_name, what = BENCHMARKS[name]
        print(f"\n[{name}] {what}", flush=True)
        started = time.monotonic()
        try:
            module: Benchmark = importlib.import_module(module_name)
            report = module.run(runs=args.runs, quick=args.quick)
        except Exception:
            traceback.print_exc()
            broken.append(name)
            continue
        report.notes.append(f"took {time.monotonic() - started:.0f} s")
        reports.append(report)
        print(format_text(report), flush=True)
    if args.markdown is not None:
        args.markdown.write_text("\n\n".join(format_markdown(r) for r in reports) + "\n",
                                 encoding="utf-8")
    if broken:
        print(f"\ncould not run: {', '.join(broken)}", file=sys.stderr)
        return 2
    return 0 if all(r.passed for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
