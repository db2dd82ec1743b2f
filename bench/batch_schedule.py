"""Batch scheduling: 50 prompts × 8 models = 400 cells through `BatchRunner` vs the streams alone.

The batch runs in process with everything a real batch does — the engine, the limiter
(16 streams at once, 2 per provider), a SQLite store saving every cell as it changes (its
history answer, page and state, on the writer thread `run --collection` uses) — against the
simulator in a process of its own. Each of
the 8 models is its own provider and streams at its own pace (20 chunks at 25 to 60
chunks/s, 0.33–0.8 s an answer), so the batch can finish no sooner than its slowest provider
has streamed its 50 answers two at a time (20 s). The pace leaves the client's CPU work
(about 8 ms a stream for any httpx client here) well below the wall time, so the figure is
the scheduling's, not the machine's.

Baseline, measured in the same run, alternating with the batch: the same 400 streams read
directly by the bare reader (`bench.bare_reader`: httpx + httpx-sse, nothing else) under the
same two bounds (16 at once, 2 per provider, with plain semaphores) — the slowest
provider's own time when nothing but its streams is scheduled. The target: the whole batch
within 5 % of it. For context: the slowest provider's 50 streams read alone, two at a
time (its time on an otherwise idle client), and the time to create the batch (50 history
runs, 400 cells) before it starts.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from bench.bare_reader import read_stream
from bench.common import (
    Report,
    count_row,
    info_row,
    load_note,
    median,
    progress,
    ratio_row,
)
from bench.sim_server import SimProcess
from bench.workload import model_names, stream_chunks
from studio.core.batch import Batch, BatchState, CellState, PromptSource, plan_rows
from studio.core.batch_runner import BatchRunner
from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.prices import PriceTable
from studio.core.runner import Engine, ModelTarget
from studio.core.secrets import KeyStore
from studio.store import Store
from studio.store.batch_recorders import BackgroundBatchRecorder
from studio.store.threads import entry_of

NAME = "batch"
TITLE = "Batch scheduling: 50 prompts × 8 models = 400 cells"
PROMPTS = 50
MODELS = 8
CHUNKS = 20
CONCURRENCY = 16
PER_PROVIDER = 2
RATES = [25 + 5 * i for i in range(MODELS)]  # chunks/s; model 0 is the slowest
LIMIT = 1.05


def _targets(base_url: str, models: list[str]) -> list[ModelTarget]:
    targets = []
    for i, model in enumerate(models):
        config = ProviderConfig(f"p{i}", "openai", base_url, needs_key=False)
        targets.append(ModelTarget(ModelRef(config.name, model), config))
    return targets


async def batch_once(base_url: str, models: list[str], expected: dict[str, str],
                     prompts: int, folder: Path, prices: PriceTable) -> tuple[float, float, int]:
    """(seconds from start to every cell done and saved, seconds to create it, cells right)."""
    store = Store.open(folder / f"batch-{time.monotonic_ns()}.sqlite3")
    try:
        targets = _targets(base_url, models)
        sources = [PromptSource(title=f"Prompt {i}", body=f"Write answer number {i}.")
                   for i in range(prompts)]
        planned = Batch(tuple(plan_rows(sources)), tuple(entry_of(t) for t in targets),
                        concurrency=CONCURRENCY, per_provider=PER_PROVIDER)
        created = time.perf_counter()
        batch = store.batch_store().create(planned)
        create_s = time.perf_counter() - created
        engine = Engine(keys=KeyStore(env={}), prices=prices)
        recorder = BackgroundBatchRecorder(store.path)  # as `run --collection` saves
        runner = BatchRunner(engine, batch, targets, recorder=recorder)
        try:
            started = time.perf_counter()
            runner.start()
            await runner.wait()
            recorder.flush()
            wall = time.perf_counter() - started
        finally:
            await engine.aclose()
            recorder.close()
        if recorder.warning or batch.state is not BatchState.DONE:
            raise RuntimeError(f"the batch ended {batch.state}: {recorder.warning}")
        saved = store.batch_store().load(batch.id)  # type: ignore[arg-type]
        right = sum(1 for cell in saved.cells if cell.state is CellState.DONE
                    and cell.result is not None
                    and cell.result.text == expected[models[cell.col]])
        return wall, create_s, right
    finally:
        store.close()


async def bare_once(base_url: str, streams: list[str], per_model: int,
                    total: int | None) -> float:
    """Read `streams` (model names, repeated) directly, at most `per_model` at once per model
    and `total` at once overall."""
    overall = asyncio.Semaphore(total or len(streams))
    own = {m: asyncio.Semaphore(per_model) for m in set(streams)}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)

    async with httpx.AsyncClient(timeout=httpx.Timeout(60.0), limits=limits) as client:
        async def one(model: str) -> str:
            async with own[model], overall:
                return await read_stream(client, base_url, model)

        started = time.perf_counter()
        await asyncio.gather(*(one(m) for m in streams))
        return time.perf_counter() - started


def run(runs: int = 5, quick: bool = False) -> Report:
    prompts = 10 if quick else PROMPTS
    report = Report(NAME, TITLE if not quick else f"{TITLE} (quick: {prompts} prompts)")
    report.notes.append(load_note() + " at start")
    models = model_names(MODELS)
    expected = {m: "".join(parts) for m, parts in stream_chunks(MODELS, CHUNKS).items()}
    prices = PriceTable.load(None)
    slowest = [models[0]] * prompts
    every = [m for _ in range(prompts) for m in models]
    batch_t: list[float] = []
    create_t: list[float] = []
    own_t: list[float] = []
    bare_t: list[float] = []
    right_counts: list[int] = []
    with SimProcess(MODELS, CHUNKS, 1, rates=[float(r) for r in RATES]) as sim, \
            tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        # One untimed round of each first: one-time imports and connection set-up.
        asyncio.run(bare_once(sim.base_url, slowest[:4], PER_PROVIDER, None))
        asyncio.run(batch_once(sim.base_url, models, expected, 2, Path(tmp), prices))
        for n in range(runs):
            progress(f"batch run {n + 1} of {runs}")
            wall, create, right = asyncio.run(
                batch_once(sim.base_url, models, expected, prompts, Path(tmp), prices))
            batch_t.append(wall)
            create_t.append(create)
            right_counts.append(right)
            bare_t.append(asyncio.run(bare_once(sim.base_url, every, PER_PROVIDER,
                                                CONCURRENCY)))
        progress("the slowest provider's streams alone, for context")
        own_t.append(asyncio.run(bare_once(sim.base_url, slowest, PER_PROVIDER, None)))
    cells = prompts * MODELS
    report.rows.append(ratio_row(
        f"batch of {cells} cells: start → every cell done and saved", median(batch_t),
        median(bare_t), "s", LIMIT,
        f"the same streams read directly, {CONCURRENCY} at once, {PER_PROVIDER} a provider"))
    report.rows.append(info_row(
        "the same batch against the slowest provider alone (context)", median(batch_t), "s",
        median(own_t), f"its {prompts} streams alone, {PER_PROVIDER} at a time"))
    report.rows.append(info_row("creating the batch (history runs and cells)",
                                median(create_t) * 1000, "ms"))
    report.rows.append(count_row("cells done with the exact text, every run",
                                 sum(right_counts), cells * runs))
    overhead = median(batch_t) - median(bare_t)
    report.notes.append(
        f"medians of {runs} runs, alternating with the baseline; {CONCURRENCY} streams at once, "
        f"{PER_PROVIDER} per provider; {MODELS} providers streaming {CHUNKS} chunks at "
        f"{RATES[0]}–{RATES[-1]} chunks/s; overhead {overhead * 1000:.0f} ms "
        f"({overhead / cells * 1000:.2f} ms a cell)")
    report.notes.append(load_note() + " at end")
    return report


if __name__ == "__main__":
    from bench.common import format_text

    print(format_text(run()))
