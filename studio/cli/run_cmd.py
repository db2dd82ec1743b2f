"""`prompt-studio run`: one prompt to several models, live status, then answers or JSON."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TextIO

from studio.cli import batch_args
from studio.cli.batch_args import check_options as check_batch_options
from studio.cli.batch_args import wants_batch
from studio.cli.common import key_store, paths, print_json, redraw_while
from studio.core.constants import CONNECT_TIMEOUT_S, READ_TIMEOUT_S

if TYPE_CHECKING:
    from studio.cli.run_plan import HistoryRecorder, PlannedRun
    from studio.core.retry import Timeouts
    from studio.core.runner import Engine, ModelRun
    from studio.store import Store, StoreError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="send one prompt to several models")
    p.add_argument("-m", "--model", action="append", default=[], metavar="PROVIDER:MODEL",
                   help="a model to ask (repeat for several)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("-p", "--prompt-text", dest="prompt_text", metavar="TEXT")
    src.add_argument("-f", "--file", metavar="FILE", help="read the prompt from FILE (- = stdin)")
    p.add_argument("--system", metavar="TEXT", help="system prompt")
    p.add_argument("--temperature", type=float)
    p.add_argument("--max-tokens", type=int)
    p.add_argument("--reasoning", choices=["off", "low", "medium", "high"])
    p.add_argument("--seed", type=int)
    p.add_argument("--var", action="append", default=[], metavar="KEY=VALUE",
                   help="fill {{KEY}} in the prompt (repeat)")
    p.add_argument("--collection", metavar="NAME",
                   help="run every prompt of a collection (× its variable rows) against every "
                        "model, as a batch")
    p.add_argument("--prompt", dest="prompt_title", metavar="TITLE",
                   help="with --collection: only the prompt with this title")
    p.add_argument("--continue", dest="continue_run", metavar="RUN_ID",
                   help="send a follow-up to the models of a saved run (each its own thread)")
    p.add_argument("-a", "--attach", action="append", default=[], metavar="FILE",
                   help="send a file with the prompt: an image (PNG, JPEG, WebP, GIF) or a "
                        "text file, inlined (repeat); also with --continue and --collection")
    p.add_argument("--send-images-anyway", action="store_true",
                   help="send images even to models whose preset says they take none")
    p.add_argument("--no-save", action="store_true", help="do not keep this run in history")
    batch_args.add_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--connect-timeout", type=_seconds, metavar="SECONDS",
                   help=f"give up connecting after this long (default {CONNECT_TIMEOUT_S:g})")
    p.add_argument("--read-timeout", type=_seconds, metavar="SECONDS",
                   help="give up when a model sends nothing for this long "
                        f"(default {READ_TIMEOUT_S:g})")
    p.set_defaults(handler=handle)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def timeouts_from(args: argparse.Namespace) -> Timeouts:
    from studio.core.retry import Timeouts

    defaults = Timeouts()
    return Timeouts(connect_s=args.connect_timeout or defaults.connect_s,
                    read_s=args.read_timeout or defaults.read_s)


def result_json(run: ModelRun) -> dict[str, Any]:
    from studio.cli import results
    from studio.core.cell_result import CellResult

    return results.result_json(CellResult.from_run(run))


class StatusBoard:
    """One live line per model on a terminal; nothing at all when output is not a TTY."""

    def __init__(self, out: TextIO, runs: list[ModelRun]) -> None:
        self._out = out
        self._runs = runs
        self._drawn = 0
        self.enabled = out.isatty()

    def draw(self) -> None:
        if not self.enabled:
            return
        lines = [self._line(run) for run in self._runs]
        if self._drawn:
            self._out.write(f"\x1b[{self._drawn}F")
        for line in lines:
            self._out.write("\x1b[2K" + line + "\n")
        self._drawn = len(lines)
        self._out.flush()

    @staticmethod
    def _line(run: ModelRun) -> str:
        from studio.core.runner import ModelState

        m = run.refresh_metrics()
        label = run.target.label
        if run.state is ModelState.WAITING:
            return f"  … {label}: {run.status_note or 'waiting'}"
        if run.state is ModelState.STREAMING:
            rate = f"{m.tokens_per_s:.0f} tok/s" if m.tokens_per_s else ""
            return f"  ▸ {label}: streaming {len(run.text)} chars {rate}"
        if run.state is ModelState.DONE:
            rate = f", {m.tokens_per_s:.0f} tok/s" if m.tokens_per_s else ""
            return f"  ✓ {label}: done in {m.total_s or 0:.1f} s{rate}"
        assert run.error is not None
        mark = "■" if run.state is ModelState.CANCELLED else "✗"
        return f"  {mark} {label}: {run.state.value}: {run.error.message[:120]}"


async def execute(engine: Engine, plan: PlannedRun, store: Store | None,
                  board_out: TextIO | None) -> HistoryRecorder:
    import asyncio

    from studio.cli.run_plan import HistoryRecorder

    recorder = HistoryRecorder(store, plan)
    recorder.begin()
    session = engine.start(list(zip(plan.targets, plan.requests, strict=True)), recorder)
    plan.runs = session.runs
    board = StatusBoard(board_out, session.runs) if board_out is not None else None
    waiter = asyncio.ensure_future(session.wait())
    try:
        await redraw_while(waiter, board.draw if board is not None and board.enabled else None,
                           0.1)
        await waiter
    finally:
        if not waiter.done():
            session.cancel_all()
            await session.wait()
            waiter.cancel()
    if board is not None:
        board.draw()
    return recorder


async def execute_all(plans: list[PlannedRun], store: Store | None,
                      board_out: TextIO | None, timeouts: Timeouts | None = None) -> list[str]:
    from studio.core.prices import PriceError, PriceTable
    from studio.core.runner import Engine

    p = paths()
    try:
        prices = PriceTable.load(p.prices_override)
    except PriceError as exc:
        print(f"prompt-studio: warning: {exc}; using the built-in prices", file=sys.stderr)
        prices = PriceTable.load(None)
    engine = Engine(keys=key_store(), prices=prices, timeouts=timeouts)
    warnings: list[str] = []
    try:
        for plan in plans:
            recorder = await execute(engine, plan, store, board_out)
            if recorder.warning:
                warnings.append(recorder.warning)
    finally:
        await engine.aclose()
    return warnings


def _open_store(no_save: bool) -> tuple[Store | None, StoreError | None]:
    if no_save:
        return None, None
    from studio.store import Store, StoreError

    try:
        return Store.open(paths().ensure()), None
    except StoreError as exc:
        return None, exc


def handle(args: argparse.Namespace) -> int:
    import asyncio

    from studio.cli import UsageError
    from studio.cli.run_plan import PlanError, plan_runs
    from studio.core.runner import ModelState

    check_batch_options(args)
    store, unavailable = _open_store(args.no_save)
    if unavailable is not None:
        needs = ("--collection" if args.collection is not None
                 else "--resume" if args.resume is not None
                 else "--continue" if args.continue_run is not None else None)
        if needs is not None:
            print(f"prompt-studio: error: {needs} needs the history, which cannot be opened: "
                  f"{unavailable}", file=sys.stderr)
            return 1
        # A damaged or too-new database must not stop a comparison, only its saving.
        print(f"prompt-studio: warning: this run is not saved to history: {unavailable}",
              file=sys.stderr)
    if store is not None and wants_batch(args):
        from studio.cli import batch_cmd

        try:
            return batch_cmd.handle(args, store)
        finally:
            store.close()
    try:
        try:
            plans = plan_runs(args, store)
        except PlanError as exc:
            raise UsageError(str(exc)) from None
        warnings = asyncio.run(execute_all(plans, store, None if args.json else sys.stderr,
                                            timeouts_from(args)))
    finally:
        if store is not None:
            store.close()
    for warning in dict.fromkeys(warnings):
        print(f"prompt-studio: warning: {warning}", file=sys.stderr)
    if args.json:
        (plan,) = plans
        print_json(_json_document(plan))
    else:
        for plan in plans:
            _print_answers(plan)
    ok = all(r.state is ModelState.DONE for plan in plans for r in plan.runs)
    return 0 if ok else 1


def _json_document(plan: PlannedRun) -> dict[str, Any]:
    return {"run_id": plan.saved_run, "results": [result_json(r) for r in plan.runs]}


def _print_answers(plan: PlannedRun) -> None:
    from studio.cli import results
    from studio.core.cell_result import CellResult

    out = sys.stdout
    if plan.saved_run is not None:
        out.write(f"run {plan.saved_run}: {plan.title}\n\n")
    for run in plan.runs:
        results.print_result(out, run.target.label, CellResult.from_run(run))
        out.write("\n")
    out.flush()
