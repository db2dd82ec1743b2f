"""`prompt-studio run --collection NAME` and `run --resume ID`: a whole collection as a batch.

Every prompt of the collection (× its variable rows), with its own files and those given
with `-a`, goes to every model, at most `--concurrency` streams at once. The first line on
standard error is `batch <id>`, written before any request; `--json` prints the whole
batch, and a resumed batch prints every cell (the finished ones from the store, the rest as
they run now). Exit code 0 when every cell
is done, 1 when any failed (or was stopped), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from typing import Any, TextIO

from studio.cli.batch_args import check_options
from studio.cli.common import (
    key_store,
    load_attachments,
    paths,
    print_json,
    redraw_while,
    registry,
)
from studio.cli.results import print_result, result_json
from studio.cli.run_plan import PlanError, parse_vars, resolve_targets, settings_from
from studio.core.batch import (
    DEFAULT_CONCURRENCY,
    Batch,
    BatchError,
    Cell,
    CellState,
    plan_rows,
    spending,
)
from studio.core.batch_estimate import estimate_batch
from studio.core.batch_runner import BatchRunner, run_batch
from studio.core.catalog import CatalogError
from studio.core.checks import judging_cost, needs_page
from studio.core.judge import TargetResolver, registry_resolver
from studio.core.prices import PriceError, PriceTable
from studio.core.runner import Engine, ModelTarget
from studio.core.validation import InputError, check_prompt
from studio.store import ConflictError, NotFoundError, Store, StoreError
from studio.store.batch_recorders import BackgroundBatchRecorder
from studio.store.threads import entry_of


def _resolver() -> TargetResolver:
    return registry_resolver(registry())


def _plan(store: Store, args: argparse.Namespace) -> tuple[Batch, list[ModelTarget]]:
    from studio.cli import UsageError

    if args.prompt_text is not None or args.file is not None:
        raise UsageError("give either --collection or a prompt (-p/-f), not both")
    if not args.model:
        raise UsageError("name at least one model with -m PROVIDER:MODEL")
    try:
        targets = resolve_targets(args.model, settings_from(args))
        given = parse_vars(args.var)
        collection = store.find_collection(args.collection)
        sources = store.batch_store().prompt_sources(collection.id, args.prompt_title)
        if args.judge is not None:
            _resolver()(args.judge)
        files = load_attachments(args.attach)  # sent with every prompt, after its own
    except (PlanError, StoreError, CatalogError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if not sources:
        what = (f"no prompt titled {args.prompt_title!r} in" if args.prompt_title is not None
                else "no prompts in")
        raise UsageError(f"{what} collection {args.collection!r}")
    try:
        rows = [replace(row, attachments=row.attachments + files)
                for row in plan_rows(sources, given, args.system)]
        for row in rows:
            # Stored prompts are checked as sent, like a prompt given on the command line.
            what = f"prompt {row.label!r} of collection {args.collection!r}"
            check_prompt(row.prompt, what=what)
            if row.system is not None:
                check_prompt(row.system, what=f"system prompt of {what}", allow_empty=True)
        batch = Batch(tuple(rows), tuple(entry_of(t) for t in targets),
                      title=collection.name,
                      concurrency=args.concurrency or DEFAULT_CONCURRENCY,
                      per_provider=args.per_provider, judge=args.judge,
                      collection_id=int(collection.id))
    except (BatchError, InputError) as exc:
        raise UsageError(str(exc)) from None
    return batch, targets


def _resume(store: Store, args: argparse.Namespace) -> tuple[Batch, list[ModelTarget]]:
    from studio.cli import UsageError

    batches = store.batch_store()
    try:
        batch_id = int(str(args.resume).strip())
    except ValueError:
        raise UsageError(f"--resume expects a batch number, got {args.resume!r}") from None
    try:
        batches.mark_interrupted()
        batch = batches.load(batch_id) if args.estimate else batches.claim(batch_id)
        reg = registry()
        targets = [ModelTarget(e.ref, reg.get(e.ref.provider), e.settings)
                   for e in batch.columns]
    except (NotFoundError, ConflictError, CatalogError) as exc:
        raise UsageError(str(exc)) from None
    if args.concurrency is not None or args.per_provider is not None:
        batch.concurrency = args.concurrency or batch.concurrency
        batch.per_provider = args.per_provider or batch.per_provider
    return batch, targets


def _prices() -> PriceTable:
    try:
        return PriceTable.load(paths().prices_override)
    except PriceError as exc:
        print(f"prompt-studio: warning: {exc}; using the built-in prices", file=sys.stderr)
        return PriceTable.load(None)


def handle(args: argparse.Namespace, store: Store) -> int:
    check_options(args)
    batch, targets = _resume(store, args) if args.resume is not None else _plan(store, args)
    prices = _prices() if args.estimate else None
    if prices is not None:
        pending = [(c.row, c.col) for c in batch.cells if not c.state.finished]
        estimate = estimate_batch(batch.rows, targets, prices, cells=pending,
                                  resolve=_resolver(), default_judge=batch.judge)
        if args.json:
            print_json(estimate.to_json())
        else:
            print(estimate.summary())
        return 0
    if batch.id is None:
        try:
            store.batch_store().mark_interrupted()  # batches whose process died are told so
            batch = store.batch_store().create(batch)
        except StoreError as exc:
            print(f"prompt-studio: error: the batch cannot be saved: {exc}", file=sys.stderr)
            return 1
    print(f"batch {batch.id}", file=sys.stderr, flush=True)
    recorder = BackgroundBatchRecorder(store.path)
    try:
        asyncio.run(_drive(batch, targets, recorder, args))
    finally:
        recorder.close()  # everything written before the answers are printed
    if recorder.warning:
        print(f"prompt-studio: warning: {recorder.warning}", file=sys.stderr)
    if args.json:
        print_json(batch_json(batch))
    else:
        print_batch(batch, sys.stdout)
    return 0 if all(c.state is CellState.DONE for c in batch.cells) else 1


async def _drive(batch: Batch, targets: list[ModelTarget], recorder: BackgroundBatchRecorder,
                 args: argparse.Namespace) -> None:
    from studio.cli.page_runner import WorkerPageRunner
    from studio.cli.run_cmd import timeouts_from

    engine = Engine(keys=key_store(), prices=_prices(), timeouts=timeouts_from(args))
    pages = None
    if any(needs_page(row.checks) for row in batch.rows):
        keys = {c.key_env for c in registry().all().values() if c.key_env}
        pages = WorkerPageRunner(network=args.page_network == "on", key_variables=keys)
    runner = BatchRunner(engine, batch, targets, recorder=recorder, pages=pages,
                         resolve=_resolver(), images_anyway=args.send_images_anyway)
    line = ProgressLine(sys.stderr, runner) if not args.json and sys.stderr.isatty() else None
    task = asyncio.ensure_future(run_batch(runner))
    try:
        await redraw_while(task, line.draw if line is not None else None, 0.2)
        await task
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if line is not None:
            line.finish()
        await engine.aclose()
        if pages is not None:
            await pages.aclose()


class ProgressLine:
    """One live line on a terminal: counts, what is running, the time left."""

    def __init__(self, out: TextIO, runner: BatchRunner) -> None:
        self._out = out
        self._runner = runner
        self._drawn = False

    def text(self) -> str:
        p = self._runner.progress()
        parts = [f"batch {self._runner.batch.id}: {p.finished}/{p.total} finished"]
        if p.failed:
            parts.append(f"{p.failed} failed")
        parts.append(f"{p.active} running")
        if p.waiting:
            parts.append(f"{p.waiting} waiting")
        if p.eta_s is not None and p.finished < p.total:
            minutes, seconds = divmod(int(p.eta_s + 0.5), 60)
            parts.append(f"about {minutes} min {seconds:02d} s left" if minutes
                         else f"about {seconds} s left")
        spent = p.spent.text()
        if spent:
            parts.append(spent)
        return " · ".join(parts)

    def draw(self) -> None:
        self._out.write("\r\x1b[2K" + self.text())
        self._out.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self.draw()
            self._out.write("\n")
            self._out.flush()


# ------------------------------------------------------------------------------ output


def _cell_result(batch: Batch, cell: Cell) -> dict[str, Any]:
    result = cell.result
    data: dict[str, Any]
    if result is None:  # never sent: the batch was stopped first
        data = {"model": str(batch.columns[cell.col].ref), "text": "", "reasoning": "",
                "html": None, "usage": {"input_tokens": None, "output_tokens": None},
                "ttft_s": None, "total_s": 0.0, "cost_usd": None,
                "error": {"kind": "cancelled", "status": None, "message": "not sent"},
                "notes": []}
    else:
        data = result_json(result)
    data["checks"] = [c.to_json() for c in cell.checks]
    return data


def batch_json(batch: Batch) -> dict[str, Any]:
    return {"batch_id": batch.id, "runs": [
        {"run_id": row.run_id, "prompt": row.title, "variables": dict(row.variables),
         "results": [_cell_result(batch, c) for c in batch.row_cells(index)]}
        for index, row in enumerate(batch.rows)]}


def print_batch(batch: Batch, out: TextIO) -> None:
    passed = run = 0
    for index, row in enumerate(batch.rows):
        out.write(f"run {row.run_id}: {row.label}\n\n")
        for cell in batch.row_cells(index):
            print_result(out, str(batch.columns[cell.col].ref), cell.result)
            for check in cell.checks:
                mark = {True: "✓", False: "✗", None: "·"}[check.passed]
                score = f" ({check.score:.2f})" if check.score is not None else ""
                spent = judging_cost((check,)).text()
                spent = f" [{spent}]" if spent else ""
                out.write(f"  {mark} {check.name}{score}: {check.reason}{spent}\n")
            passed += cell.passed
            run += cell.judged
            out.write("\n")
    counts = batch.counts()
    summary = (f"batch {batch.id}: {counts[CellState.DONE]} done, "
               f"{counts[CellState.FAILED]} failed")
    unfinished = len(batch.cells) - counts[CellState.DONE] - counts[CellState.FAILED]
    if unfinished:
        summary += f", {unfinished} not finished (prompt-studio run --resume {batch.id})"
    if run:
        summary += f"; checks: {passed} of {run} passed"
    spent = spending(batch.cells).text()
    if spent:
        summary += f"; {spent}"
    out.write(summary + "\n")
    out.flush()
