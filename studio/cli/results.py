"""How `run` shows one answer: the JSON result object and the printed block."""

from __future__ import annotations

from typing import Any, TextIO

from studio.core.cell_result import CellResult
from studio.core.failure_text import provider_detail
from studio.core.metrics import cache_note


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def result_json(result: CellResult) -> dict[str, Any]:
    """The usual result object of `run --json`."""
    error = None
    if result.error is not None:
        error = {"kind": result.error.kind.value, "status": result.error.status,
                 "message": result.error.message}
    return {
        "model": result.model,
        "text": result.text,
        "reasoning": result.reasoning,
        "html": result.html,
        "usage": {"input_tokens": result.input_tokens, "output_tokens": result.output_tokens,
                  "cached_input_tokens": result.cached_input_tokens,
                  "cache_write_tokens": result.cache_write_tokens},
        "ttft_s": _round(result.ttft_s),
        "total_s": _round(result.total_s) or 0.0,
        "cost_usd": result.cost_usd,
        "error": error,
        # what was changed on the way out, e.g. an image scaled down to the provider's limit
        "notes": list(result.notes),
    }


def print_result(out: TextIO, label: str, result: CellResult | None) -> None:
    """One answer as `run` prints it: a header with its figures, the text, any error."""
    if result is None:
        out.write(f"── {label} (not sent) ──\n\n")
        return
    facts = [f"{result.total_s or 0:.2f} s"]
    if result.ttft_s is not None:
        facts.append(f"TTFT {result.ttft_s:.2f} s")
    if result.tokens_per_s:
        facts.append(f"{result.tokens_per_s:.1f} tok/s")
    if result.input_tokens is not None or result.output_tokens is not None:
        cached = cache_note(result.cached_input_tokens, result.cache_write_tokens,
                            thousands=False)
        facts.append(f"{result.input_tokens or 0} in{cached} / {result.output_tokens or 0} out")
    if result.cost_usd is not None:
        facts.append(f"${result.cost_usd:.4f}")
    out.write(f"── {label} ({', '.join(facts)}) ──\n")
    for note in result.notes:
        out.write(f"[{note}]\n")
    if result.reasoning:
        out.write(f"[reasoning: {len(result.reasoning)} chars]\n")
    out.write(result.text)
    if result.text and not result.text.endswith("\n"):
        out.write("\n")
    if result.error is not None:
        status = f" (HTTP {result.error.status})" if result.error.status else ""
        detail = provider_detail(result.error.message, result.error.status) or "no details"
        out.write(f"[{result.state.value}: {result.error.kind.value}{status}: {detail}]\n")
