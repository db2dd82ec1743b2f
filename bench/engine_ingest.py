"""Engine ingest: 8 concurrent streams × 20,000 chunks through the engine vs bare readers.

Two baselines: `bench.bare_reader` (httpx + httpx-sse, what a hand-written SSE client
does) and `bench.lean_reader` (httpx's `aiter_lines` + `json.loads` and nothing else, the
least any client can do). In process: `Engine.start` + `RunSession.wait`
(OpenAI-compatible provider, default silent listener, every delta appended to its
`ModelRun`) against both readers' `read_all` over the same streams, alternating, each in a
fresh `asyncio.run`, timed from creating the HTTP client to having every text. Whole
process: `python -m studio run … --json` against `python -m bench.bare_reader …` and
`python bench/lean_reader.py …`, all printing every text as one JSON document.

The simulator runs in a process of its own and writes 16 frames per HTTP chunk
(`Synthetic(per_write=16)`): with one frame per chunk its writing costs about as much CPU
as the client's reading, which on 2 cores would measure the simulator as much as the
client. 16 frames a write is still 1,250 HTTP chunks per stream, and every one of the
160,000 frames is decoded by the client one by one. A row with one frame per chunk is
shown for context.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bench.bare_reader import read_all
from bench.common import (
    REPO,
    Report,
    Row,
    child_env,
    info_row,
    load_note,
    median,
    progress,
    ratio_row,
)
from bench.lean_reader import read_all as lean_read_all
from bench.sim_server import SimProcess
from bench.workload import model_names, stream_chunks
from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.prices import PriceTable
from studio.core.request import single_turn
from studio.core.runner import Engine, ModelState, ModelTarget
from studio.core.secrets import KeyStore

NAME = "ingest"
TITLE = "Engine ingest: 8 streams × 20,000 chunks"
STREAMS = 8
CHUNKS = 20_000
PER_WRITE = 16
PROMPT = "Write a long answer."


async def engine_read(base_url: str, models: list[str], prices: PriceTable) -> list[str]:
    config = ProviderConfig("bench", "openai", base_url, needs_key=False)
    engine = Engine(keys=KeyStore(env={}), prices=prices)
    try:
        jobs = [(ModelTarget(ModelRef("bench", m), config), single_turn(m, PROMPT))
                for m in models]
        runs = await engine.start(jobs).wait()
    finally:
        await engine.aclose()
    for run in runs:
        if run.state is not ModelState.DONE:
            raise RuntimeError(f"{run.target.label} ended {run.state}: {run.error}")
    return [run.text for run in runs]


def _check(texts: list[str], expected: dict[str, str], models: list[str], who: str) -> None:
    for model, text in zip(models, texts, strict=True):
        if text != expected[model]:
            raise RuntimeError(f"{who}: wrong text for {model} "
                               f"({len(text)} chars, expected {len(expected[model])})")


Timing = tuple[float, float]  # (wall seconds, CPU seconds of the measured client)


Readers = dict[str, list[Timing]]  # "engine", "bare", "lean" → one timing per run


def in_process(base_url: str, models: list[str], expected: dict[str, str], runs: int
               ) -> Readers:
    prices = PriceTable.load(None)
    readers: dict[str, Callable[[], Coroutine[Any, Any, list[str]]]] = {
        "engine": lambda: engine_read(base_url, models, prices),
        "bare": lambda: read_all(base_url, models),
        "lean": lambda: lean_read_all(base_url, models),
    }
    # One untimed round first: whichever goes first would otherwise pay the one-time imports
    # (httpx loads its transport library with the first client) for all.
    for read in readers.values():
        asyncio.run(read())
    times: Readers = {who: [] for who in readers}
    for _ in range(runs):
        for who, read in readers.items():
            started, cpu = time.perf_counter(), time.process_time()
            texts = asyncio.run(read())
            times[who].append((time.perf_counter() - started, time.process_time() - cpu))
            _check(texts, expected, models, who)
    return times


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed_process(argv: list[str], env: dict[str, str], expected: dict[str, str],
                   models: list[str], who: str) -> Timing:
    started, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    timing = (time.perf_counter() - started, _children_cpu() - cpu)
    if proc.returncode != 0:
        raise RuntimeError(f"{who} exited {proc.returncode}: {proc.stderr[-2000:]}")
    results = json.loads(proc.stdout)["results"]
    _check([r["text"] for r in results], expected, models, who)
    return timing


def whole_process(base_url: str, models: list[str], expected: dict[str, str], runs: int,
                  home: Path) -> Readers:
    env = child_env(home)
    add = subprocess.run(
        [sys.executable, "-m", "studio", "providers", "add", "bench", "--kind", "openai",
         "--base-url", base_url, "--no-key"], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=60)
    if add.returncode != 0:
        raise RuntimeError(f"providers add failed: {add.stderr}")
    cli = [sys.executable, "-m", "studio", "run", "-p", PROMPT, "--json"]
    for m in models:
        cli += ["-m", f"bench:{m}"]
    bare = [sys.executable, "-m", "bench.bare_reader", "--base-url", base_url]
    lean = [sys.executable, str(REPO / "bench" / "lean_reader.py"), "--base-url", base_url]
    for m in models:
        bare += ["-m", m]
        lean += ["-m", m]
    commands = {"engine": cli, "bare": bare, "lean": lean}
    times: Readers = {who: [] for who in commands}
    for _ in range(runs):
        for who, argv in commands.items():
            times[who].append(_timed_process(argv, env, expected, models, who))
    return times


def _rows(label: str, measured: list[Timing], baseline: list[Timing], limit: float | None,
          baseline_label: str) -> list[Row]:
    rows = []
    for i, what in ((0, "wall"), (1, "CPU")):
        value = median([t[i] for t in measured])
        base = median([t[i] for t in baseline])
        if limit is None:
            rows.append(info_row(f"{label}, {what}", value, "s", base, baseline_label))
        else:
            rows.append(ratio_row(f"{label}, {what}", value, base, "s", limit, baseline_label))
    return rows


def run(runs: int = 5, quick: bool = False) -> Report:
    chunks = 2_000 if quick else CHUNKS
    report = Report(NAME, TITLE if not quick else f"{TITLE} (quick: {chunks} chunks)")
    report.notes.append(load_note() + " at start")
    models = model_names(STREAMS)
    expected = {m: "".join(parts) for m, parts in stream_chunks(STREAMS, chunks).items()}
    label = f"engine in process ({PER_WRITE} frames/write)"
    with SimProcess(STREAMS, chunks, PER_WRITE) as sim:
        progress(f"ingest in process, {runs} runs each")
        inside = in_process(sim.base_url, models, expected, runs)
        report.rows += _rows(label, inside["engine"], inside["bare"], 1.15, "bare reader")
        report.rows += _rows(label, inside["engine"], inside["lean"], 1.3, "lean reader")
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
            progress(f"ingest as processes, {runs} runs each")
            processes = whole_process(sim.base_url, models, expected, runs, Path(tmp))
        cli_label = "`prompt-studio run --json` process"
        report.rows += _rows(cli_label, processes["engine"], processes["bare"], 1.3,
                             "bare reader process")
        report.rows += _rows(cli_label, processes["engine"], processes["lean"], 1.3,
                             "lean reader process")
    with SimProcess(STREAMS, chunks, 1) as sim:
        progress(f"ingest in process, one frame per HTTP chunk, {runs} runs each")
        single = in_process(sim.base_url, models, expected, runs)
    report.rows += _rows("engine in process (1 frame/write, context)", single["engine"],
                         single["lean"], None, "lean reader")
    report.notes.append(
        f"medians of {runs} alternating runs; {STREAMS * chunks:,} frames per run, every text "
        "checked; simulator in its own process (CPU = the client's own user+system time)")
    report.notes.append(load_note() + " at end")
    return report


if __name__ == "__main__":
    from bench.common import format_text

    print(format_text(run()))
