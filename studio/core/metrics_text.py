"""Metrics as short texts, and the badges that compare answers (no Qt: the panes, the
conversation view and the exported reports all show them the same way).

Badges are decided only among answers that finished, and only when at least two did; every
answer that ties for a badge gets it:
- fastest: the lowest total time (ties broken by time to first token);
- cheapest: the lowest known cost;
- longest: the most output tokens (estimated from characters when not reported).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from studio.core.metrics import Metrics, cache_note


class Badge(StrEnum):
    FASTEST = "fastest"
    CHEAPEST = "cheapest"
    LONGEST = "longest"


BADGE_HELP = {
    Badge.FASTEST: "Finished first: lowest total time among the finished answers",
    Badge.CHEAPEST: "Lowest cost among the finished answers with a known price",
    Badge.LONGEST: "Most output tokens among the finished answers",
}


@dataclass(frozen=True, slots=True)
class Standing:
    """What the badge ranking needs from one pane."""

    index: int
    done: bool
    metrics: Metrics
    text_length: int = 0


def _output_size(s: Standing) -> float:
    tokens = s.metrics.output_tokens
    return float(tokens) if tokens is not None else s.text_length / 4.0


def _best(standings: Sequence[Standing],
          key: Callable[[Standing], tuple[float, float]]) -> list[Standing]:
    """Every standing that ties for the lowest `key`: two answers that cost $0 are both
    the cheapest."""
    lowest = min(key(s) for s in standings)
    return [s for s in standings if key(s) == lowest]


def rank_badges(standings: Sequence[Standing]) -> dict[int, set[Badge]]:
    done = [s for s in standings if s.done]
    result: dict[int, set[Badge]] = {s.index: set() for s in standings}
    if len(done) < 2:
        return result
    timed = [s for s in done if s.metrics.total_s is not None]
    if timed:
        for best in _best(timed, lambda s: (
                round(s.metrics.total_s or 0.0, 3),
                round(s.metrics.ttft_s, 3) if s.metrics.ttft_s is not None else float("inf"))):
            result[best.index].add(Badge.FASTEST)
    priced = [s for s in done if s.metrics.cost_usd is not None]
    if len(priced) >= 2:
        for best in _best(priced, lambda s: (round(s.metrics.cost_usd or 0.0, 9), 0.0)):
            result[best.index].add(Badge.CHEAPEST)
    if max(_output_size(s) for s in done) > 0:
        for best in _best(done, lambda s: (-_output_size(s), 0.0)):
            result[best.index].add(Badge.LONGEST)
    return result


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 60:
        return f"{value:.1f} s"
    minutes, seconds = divmod(value, 60)
    return f"{minutes:.0f} m {seconds:02.0f} s"


def fmt_cost(value: float | None) -> str:
    if value is None:
        return "–"
    if value == 0:
        return "$0"
    if value < 0.01:
        return f"${value:.4f}"
    return f"${value:.3f}"


def fmt_tokens(value: int | None, estimated: bool = False) -> str:
    if value is None:
        return "–"
    return f"~{value:,}" if estimated else f"{value:,}"


def fmt_rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


@dataclass(frozen=True, slots=True)
class MetricTexts:
    ttft: str
    rate: str
    tokens: str
    cost: str
    total: str


def metric_texts(m: Metrics) -> MetricTexts:
    return MetricTexts(
        ttft=f"TTFT {fmt_seconds(m.ttft_s)}",
        rate=f"{fmt_rate(m.tokens_per_s)} tok/s",
        tokens=f"in {fmt_tokens(m.input_tokens)}"
               f"{cache_note(m.cached_input_tokens, m.cache_write_tokens)} · out "
               f"{fmt_tokens(m.output_tokens, m.output_estimated)}",
        cost=fmt_cost(m.cost_usd),
        total=f"total {fmt_seconds(m.total_s)}",
    )
