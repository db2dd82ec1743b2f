"""What a batch will cost before anything is sent: requests, tokens and dollars.

Input tokens are estimated the way the context-window check does (characters / 4 plus
message overhead); output tokens are the model's `max_tokens` when set (an upper bound),
else an assumed typical answer. Judge checks add one request per checked answer: the
rubric, the prompt, the answer as estimated and the judge's instructions in, a short verdict
out, and a screenshot when the check sends one to a judge that may take it. The judges are
tallied apart from the answering models (a model that answers and judges is listed twice),
so the comparison of the models' own costs is not distorted. Models with no price in the
price table are reported as unknown, never as free; models running on this machine cost
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from studio.core.attachments import accepts_images
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
# A 1280 × 800 page screenshot: Anthropic counts width × height / 750 ≈ 1,365 tokens,
# OpenAI's high-detail tiles about 1,100; the larger, as max_tokens is taken for answers.
JUDGE_IMAGE_TOKENS = 1_400


@dataclass(frozen=True, slots=True)
class ModelEstimate:
    model: str
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  # None: no price for this model
    judge: bool = False  # these are judge checks' requests, not answers


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

    @property
    def judge_cost_usd(self) -> float:
        """The judges' part of cost_usd (those with a known price)."""
        return sum(m.cost_usd for m in self.models if m.judge and m.cost_usd is not None)

    def summary(self) -> str:
        judge = f" ({self.judge_requests:,} to judges)" if self.judge_requests else ""
        text = f"{self.requests:,} requests{judge}"
        judging = (f" (judging ${self.judge_cost_usd:.2f})"
                   if any(m.judge and m.cost_usd is not None for m in self.models) else "")
        if not self.unknown:
            return f"{text}, estimated cost ${self.cost_usd:.2f}{judging}"
        unknown = f"{', '.join(self.unknown)} (no price in the price table)"
        if len(self.unknown) == len(self.models):
            return f"{text}, cost unknown: no price for {unknown}"
        return (f"{text}, estimated cost ${self.cost_usd:.2f}{judging} for the models with a "
                f"price, unknown for {unknown}")

    def to_json(self) -> dict[str, object]:
        return {
            "requests": self.requests, "answers": self.answers,
            "judge_requests": self.judge_requests, "cost_usd": round(self.cost_usd, 6),
            "judge_cost_usd": round(self.judge_cost_usd, 6),
            "unknown_cost": list(self.unknown),
            "models": [{"model": m.model, "requests": m.requests,
                        "input_tokens": m.input_tokens, "output_tokens": m.output_tokens,
                        "cost_usd": None if m.cost_usd is None else round(m.cost_usd, 6),
                        "judge": m.judge}
                       for m in self.models],
        }


class _Tally:
    def __init__(self, target: ModelTarget, prices: PriceTable, judge: bool) -> None:
        self.target = target
        self.prices = prices
        self.judge = judge
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
                             self.output_tokens, self.cost, self.judge)


def estimate_batch(rows: Sequence[BatchRow], targets: Sequence[ModelTarget],
                   prices: PriceTable, *, cells: Iterable[tuple[int, int]] | None = None,
                   resolve: TargetResolver | None = None,
                   default_judge: str | None = None) -> Estimate:
    """The cost of sending `cells` (row, column) — by default every cell of the grid."""
    if cells is None:
        cells = ((r, c) for r in range(len(rows)) for c in range(len(targets)))
    tallies: dict[tuple[str, bool], _Tally] = {}

    def tally(target: ModelTarget, judge: bool = False) -> _Tally:
        found = tallies.get((target.label, judge))
        if found is None:
            found = tallies[(target.label, judge)] = _Tally(target, prices, judge)
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
            image = JUDGE_IMAGE_TOKENS if check.images and accepts_images(
                judge.config, judge.ref.model) is not False else 0
            tally(judge, judge=True).add(
                input_tokens + output_tokens + rubric + JUDGE_OVERHEAD_TOKENS + image,
                JUDGE_OUTPUT_TOKENS)
            judges += 1
    estimates = tuple(t.result() for t in tallies.values())
    return Estimate(
        answers=answers, judge_requests=judges,
        cost_usd=sum(m.cost_usd for m in estimates if m.cost_usd is not None),
        unknown=tuple(m.model + (" (judge)" if m.judge else "")
                      for m in estimates if m.cost_usd is None),
        models=estimates)
