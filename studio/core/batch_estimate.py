"""What a batch will cost before anything is sent: requests, tokens and dollars.

Input tokens are estimated the way the context-window check does (characters / 4 plus
message overhead); output tokens are the model's `max_tokens` when set (an upper bound),
else an assumed typical answer. Judge checks add one request per checked answer. Models
with no price in the price table are reported as unknown, never as free; models running
on this machine cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from studio.core.batch import BatchRow
from studio.core.catalog import CatalogError
from studio.core.conversation import estimate_tokens
from studio.core.judge import TargetResolver
from studio.core.metrics import CHARS_PER_TOKEN
from studio.core.prices import PriceTable
from studio.core.runner import ModelTarget

# A page-writing answer (the studio's usual work) runs to a few thousand tokens.
ASSUMED_OUTPUT_TOKENS = 2_000
JUDGE_OUTPUT_TOKENS = 300
JUDGE_OVERHEAD_TOKENS = 200  # the judge's instructions around prompt, answer and rubric


@dataclass(frozen=True, slots=True)
class ModelEstimate:
    model: str
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  # None: no price for this model


@dataclass(frozen=True, slots=True)
class Estimate:
    answers: int
    judge_requests: int
    cost_usd: float  # the models with a known price
    unknown: tuple[str, ...]  # models with no price: their cost is not in cost_usd
    models: tuple[ModelEstimate, ...]

    @property
    def requests(self) -> int:
        return self.answers + self.judge_requests

    def summary(self) -> str:
        judge = f" ({self.judge_requests:,} to judges)" if self.judge_requests else ""
        text = f"{self.requests:,} requests{judge}"
        if not self.unknown:
            return f"{text}, estimated cost ${self.cost_usd:.2f}"
        unknown = f"{', '.join(self.unknown)} (no price in the price table)"
        if len(self.unknown) == len(self.models):
            return f"{text}, cost unknown: no price for {unknown}"
        return (f"{text}, estimated cost ${self.cost_usd:.2f} for the models with a price, "
                f"unknown for {unknown}")

    def to_json(self) -> dict[str, object]:
        return {
            "requests": self.requests, "answers": self.answers,
            "judge_requests": self.judge_requests, "cost_usd": round(self.cost_usd, 6),
            "unknown_cost": list(self.unknown),
            "models": [{"model": m.model, "requests": m.requests,
                        "input_tokens": m.input_tokens, "output_tokens": m.output_tokens,
                        "cost_usd": None if m.cost_usd is None else round(m.cost_usd, 6)}
                       for m in self.models],
        }


class _Tally:
    def __init__(self, target: ModelTarget, prices: PriceTable) -> None:
        self.target = target
        self.prices = prices
        self.requests = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cost: float | None = 0.0

    def add(self, input_tokens: int, output_tokens: int) -> None:
        self.requests += 1
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        if self.target.config.local:
            return  # runs on this machine: no bill
        cost = self.prices.cost(self.target.ref.provider, self.target.ref.model, input_tokens,
                                output_tokens)
        self.cost = None if cost is None or self.cost is None else self.cost + cost

    def result(self) -> ModelEstimate:
        return ModelEstimate(self.target.label, self.requests, self.input_tokens,
                             self.output_tokens, self.cost)


def estimate_batch(rows: Sequence[BatchRow], targets: Sequence[ModelTarget],
                   prices: PriceTable, *, cells: Iterable[tuple[int, int]] | None = None,
                   resolve: TargetResolver | None = None,
                   default_judge: str | None = None) -> Estimate:
    """The cost of sending `cells` (row, column) — by default every cell of the grid."""
    if cells is None:
        cells = ((r, c) for r in range(len(rows)) for c in range(len(targets)))
    tallies: dict[str, _Tally] = {}

    def tally(target: ModelTarget) -> _Tally:
        found = tallies.get(target.label)
        if found is None:
            found = tallies[target.label] = _Tally(target, prices)
        return found

    answers = judges = 0
    for r, c in cells:
        row, target = rows[r], targets[c]
        input_tokens = estimate_tokens(row.request(target))
        output_tokens = target.settings.max_tokens or ASSUMED_OUTPUT_TOKENS
        tally(target).add(input_tokens, output_tokens)
        answers += 1
        for check in row.checks:
            if check.kind != "judge":
                continue
            model = check.model or default_judge
            if model is None or resolve is None:
                continue
            try:
                judge = resolve(model)
            except (CatalogError, ValueError):
                continue
            rubric = int(len(check.value) / CHARS_PER_TOKEN)
            tally(judge).add(input_tokens + output_tokens + rubric + JUDGE_OVERHEAD_TOKENS,
                             JUDGE_OUTPUT_TOKENS)
            judges += 1
    estimates = tuple(t.result() for t in tallies.values())
    return Estimate(
        answers=answers, judge_requests=judges,
        cost_usd=sum(m.cost_usd for m in estimates if m.cost_usd is not None),
        unknown=tuple(m.model for m in estimates if m.cost_usd is None),
        models=estimates)
