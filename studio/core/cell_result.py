"""A finished answer as a batch's grid and `run`'s output show it, live or from the store.

A module of its own: `prompt-studio run` prints its answers this way without loading the
batch's modules (checks, statistics), which it does not use.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.events import Failed
from studio.core.runner import ModelRun, ModelState


@dataclass(frozen=True, slots=True)
class CellResult:
    """A finished answer as the grid and the JSON output show it (live or from the store)."""

    model: str
    state: ModelState
    text: str = ""
    reasoning: str = ""
    html: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    ttft_s: float | None = None
    total_s: float | None = None
    tokens_per_s: float | None = None
    cost_usd: float | None = None
    error: Failed | None = None
    stop_reason: str | None = None
    cached_input_tokens: int | None = None  # parts of input_tokens, billed at their own rates
    cache_write_tokens: int | None = None
    # What was changed on the way out (an image scaled down to the provider's limits);
    # known while the run is in memory, not kept in the store.
    notes: tuple[str, ...] = ()

    @classmethod
    def from_run(cls, run: ModelRun) -> CellResult:
        m = run.refresh_metrics()
        return cls(model=run.target.label, state=run.state, text=run.text,
                   reasoning=run.reasoning, html=run.html(), input_tokens=m.input_tokens,
                   output_tokens=m.output_tokens, ttft_s=m.ttft_s, total_s=m.total_s,
                   tokens_per_s=m.tokens_per_s, cost_usd=m.cost_usd, error=run.error,
                   stop_reason=run.stop_reason, cached_input_tokens=m.cached_input_tokens,
                   cache_write_tokens=m.cache_write_tokens, notes=tuple(run.notes))
