"""`prompt-studio run`: one prompt to several models, live status, then answers or JSON."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, TextIO

from studio.cli.common import key_store, paths, print_json, registry
from studio.core.catalog import CatalogError, parse_model_ref
from studio.core.events import ReasoningDelta, TextDelta
from studio.core.prices import PriceTable
from studio.core.request import GenerationSettings, single_turn
from studio.core.runner import Engine, ModelRun, ModelState, ModelTarget
from studio.core.validation import InputError, check_prompt


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
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=handle)


def _read_prompt(args: argparse.Namespace) -> str:
    from studio.cli import UsageError

    if args.prompt_text is not None:
        return str(args.prompt_text)
    if args.file is None:
        raise UsageError("give the prompt with -p TEXT or -f FILE")
    if args.file == "-":
        return sys.stdin.read()
    try:
        return Path(args.file).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"prompt file not found: {args.file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read prompt file {args.file}: {exc}") from None


def settings_from(args: argparse.Namespace) -> GenerationSettings:
    from studio.cli import UsageError

    if args.temperature is not None and not 0 <= args.temperature <= 2:
        raise UsageError("--temperature must be between 0 and 2")
    if args.max_tokens is not None and args.max_tokens < 1:
        raise UsageError("--max-tokens must be a positive number")
    return GenerationSettings(temperature=args.temperature, max_tokens=args.max_tokens,
                              reasoning=args.reasoning, seed=args.seed)


def resolve_targets(models: list[str], settings: GenerationSettings) -> list[ModelTarget]:
    from studio.cli import UsageError

    if not models:
        raise UsageError("name at least one model with -m PROVIDER:MODEL")
    reg = registry()
    targets = []
    for text in models:
        try:
            ref = parse_model_ref(text)
            targets.append(ModelTarget(ref, reg.get(ref.provider), settings))
        except CatalogError as exc:
            raise UsageError(str(exc)) from None
    return targets


def result_json(run: ModelRun) -> dict[str, Any]:
    m = run.metrics
    error = None
    if run.error is not None:
        error = {"kind": run.error.kind.value, "status": run.error.status,
                 "message": run.error.message}
    return {
        "model": run.target.label,
        "text": run.text,
        "reasoning": run.reasoning,
        "html": run.html(),
        "usage": {"input_tokens": m.input_tokens, "output_tokens": m.output_tokens},
        "ttft_s": _round(m.ttft_s),
        "total_s": _round(m.total_s) or 0.0,
        "cost_usd": m.cost_usd,
        "error": error,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


class StatusBoard:
    """One live line per model on a terminal; nothing at all when output is not a TTY."""

    def __init__(self, out: TextIO, runs: list[ModelRun]) -> None:
        self._out = out
        self._runs = runs
        self._drawn = 0
        self.enabled = out.isatty()

    def on_delta(self, run: ModelRun, event: TextDelta | ReasoningDelta) -> None:
        pass

    def on_state(self, run: ModelRun) -> None:
        pass

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


async def execute(targets: list[ModelTarget], prompt: str, system: str | None,
                  board_out: TextIO | None) -> list[ModelRun]:
    p = paths()
    engine = Engine(keys=key_store(), prices=PriceTable.load(p.prices_override))
    try:
        jobs = [(t, single_turn(t.ref.model, prompt, system, t.settings)) for t in targets]
        session = engine.start(jobs)
        board = StatusBoard(board_out, session.runs) if board_out is not None else None
        waiter = asyncio.ensure_future(session.wait())
        try:
            while board is not None and board.enabled and not waiter.done():
                board.draw()
                await asyncio.wait([waiter], timeout=0.1)
            runs = await waiter
        finally:
            if not waiter.done():
                session.cancel_all()
                await session.wait()
                waiter.cancel()
        if board is not None:
            board.draw()
        return runs
    finally:
        await engine.aclose()


def handle(args: argparse.Namespace) -> int:
    from studio.cli import UsageError

    prompt = _read_prompt(args)
    try:
        check_prompt(prompt)
        if args.system is not None:
            check_prompt(args.system, what="system prompt", allow_empty=True)
    except InputError as exc:
        raise UsageError(str(exc)) from None
    targets = resolve_targets(args.model, settings_from(args))
    runs = asyncio.run(execute(targets, prompt, args.system,
                               None if args.json else sys.stderr))
    if args.json:
        print_json({"results": [result_json(r) for r in runs]})
    else:
        _print_answers(runs)
    return 0 if all(r.state is ModelState.DONE for r in runs) else 1


def _print_answers(runs: list[ModelRun]) -> None:
    out = sys.stdout
    for run in runs:
        m = run.metrics
        facts = [f"{m.total_s or 0:.2f} s"]
        if m.ttft_s is not None:
            facts.append(f"TTFT {m.ttft_s:.2f} s")
        if m.tokens_per_s:
            facts.append(f"{m.tokens_per_s:.1f} tok/s")
        if m.input_tokens is not None or m.output_tokens is not None:
            facts.append(f"{m.input_tokens or 0} in / {m.output_tokens or 0} out")
        if m.cost_usd is not None:
            facts.append(f"${m.cost_usd:.4f}")
        out.write(f"── {run.target.label} ({', '.join(facts)}) ──\n")
        if run.reasoning:
            out.write(f"[reasoning: {len(run.reasoning)} chars]\n")
        out.write(run.text)
        if run.text and not run.text.endswith("\n"):
            out.write("\n")
        if run.error is not None:
            status = f" (HTTP {run.error.status})" if run.error.status else ""
            out.write(f"[{run.state.value}: {run.error.kind.value}{status}: "
                      f"{run.error.message}]\n")
        out.write("\n")
    out.flush()
