"""Per-model timing and token figures: TTFT, tokens/s, totals and cost."""

from __future__ import annotations

import time
from dataclasses import dataclass

# When a provider reports no usage, output tokens are estimated from characters;
# four characters a token is the usual rule of thumb for English and code.
CHARS_PER_TOKEN = 4.0


@dataclass(slots=True)
class Metrics:
    ttft_s: float | None = None
    total_s: float | None = None
    tokens_per_s: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    output_estimated: bool = False
    cost_usd: float | None = None
    # parts of input_tokens: read from / written to the provider's prompt cache
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None


class Stopwatch:
    """Measures one model's answer; `now` is injectable so tests need not sleep."""

    def __init__(self, now: float | None = None) -> None:
        self.started = time.perf_counter() if now is None else now
        self.first_token: float | None = None
        self.ended: float | None = None

    def mark_first_token(self, now: float | None = None) -> None:
        if self.first_token is None:
            self.first_token = time.perf_counter() if now is None else now

    def mark_end(self, now: float | None = None) -> None:
        self.ended = time.perf_counter() if now is None else now

    def fill(self, metrics: Metrics, output_chars: int, now: float | None = None) -> None:
        current = self.ended
        if current is None:
            current = time.perf_counter() if now is None else now
        metrics.total_s = current - self.started
        if self.first_token is not None:
            metrics.ttft_s = self.first_token - self.started
        tokens = metrics.output_tokens
        if tokens is None and output_chars:
            tokens = max(1, round(output_chars / CHARS_PER_TOKEN))
            metrics.output_estimated = True
        elif tokens is not None:
            metrics.output_estimated = False
        if self.first_token is not None and tokens:
            generating = current - self.first_token
            # A whole answer in one chunk has no measurable generation time.
            metrics.tokens_per_s = tokens / generating if generating > 1e-3 else None


def cache_note(cached: int | None, written: int | None, *, thousands: bool = True) -> str:
    """" (1,165 cached)" after an input count: the prompt tokens the provider read from its
    cache (and " 120 to cache" written to it); empty when there were none."""
    def number(value: int) -> str:
        return f"{value:,}" if thousands else str(value)

    parts = []
    if cached:
        parts.append(f"{number(cached)} cached")
    if written:
        parts.append(f"{number(written)} to cache")
    return f" ({', '.join(parts)})" if parts else ""
