"""The cost estimate before a batch is sent."""

from __future__ import annotations

import pytest

from studio.core.batch import BatchRow
from studio.core.batch_estimate import (
    ASSUMED_OUTPUT_TOKENS,
    JUDGE_OUTPUT_TOKENS,
    estimate_batch,
)
from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.checks import Check
from studio.core.conversation import estimate_tokens
from studio.core.prices import PriceTable
from studio.core.request import ChatRequest, GenerationSettings, Message
from studio.core.runner import ModelTarget

PRICES = PriceTable.from_data({"version": 1, "models": {
    "priced-model": {"input": 2.0, "output": 10.0},
    "judge-model": {"input": 1.0, "output": 4.0}}})
REMOTE = ProviderConfig("p", "openai", "https://example.invalid/v1")
LOCAL = ProviderConfig("l", "openai", "http://127.0.0.1:1/v1", needs_key=False, local=True)


def target(model: str, config: ProviderConfig = REMOTE, max_tokens: int | None = None
           ) -> ModelTarget:
    return ModelTarget(ModelRef(config.name, model), config,
                       GenerationSettings(max_tokens=max_tokens))


ROWS = [BatchRow("A", "x" * 400, "x" * 400), BatchRow("B", "y" * 800, "y" * 800, system="s" * 40)]


def _input(row: BatchRow) -> int:
    return estimate_tokens(ChatRequest("m", (Message("user", row.prompt),), row.system))


def test_requests_tokens_and_cost_from_the_price_table() -> None:
    est = estimate_batch(ROWS, [target("priced-model", max_tokens=1000)], PRICES)
    assert est.requests == est.answers == 2 and est.judge_requests == 0
    (model,) = est.models
    assert model.input_tokens == _input(ROWS[0]) + _input(ROWS[1])
    assert model.output_tokens == 2000  # max_tokens is the bound
    assert est.cost_usd == pytest.approx((model.input_tokens * 2 + 2000 * 10) / 1e6)
    assert est.unknown == ()
    assert est.summary() == f"2 requests, estimated cost ${est.cost_usd:.2f}"


def test_unknown_prices_are_unknown_and_local_models_free() -> None:
    est = estimate_batch(ROWS, [target("priced-model"), target("mystery"),
                                target("smol", LOCAL)], PRICES)
    assert est.unknown == ("p:mystery",)
    costs = {m.model: m.cost_usd for m in est.models}
    assert costs["p:mystery"] is None and costs["l:smol"] == 0.0
    assert costs["p:priced-model"] == pytest.approx(est.cost_usd)
    assert all(m.output_tokens == 2 * ASSUMED_OUTPUT_TOKENS for m in est.models)
    assert "unknown for p:mystery" in est.summary()
    only_unknown = estimate_batch(ROWS, [target("mystery")], PRICES)
    assert only_unknown.summary() == ("2 requests, cost unknown: no price for p:mystery (no "
                                      "price in the price table)")
    assert only_unknown.to_json()["unknown_cost"] == ["p:mystery"]


def test_judge_checks_add_a_request_per_checked_answer() -> None:
    rows = [BatchRow("A", "x" * 400, "x" * 400,
                     checks=(Check("judge", "r" * 40, model="p:judge-model"),
                             Check("judge", "no model"), Check("contains", "x")))]
    est = estimate_batch(rows, [target("priced-model"), target("mystery")], PRICES,
                         resolve=lambda text: target(text.split(":", 1)[1]))
    assert est.answers == 2 and est.judge_requests == 2 and est.requests == 4
    judge = next(m for m in est.models if m.model == "p:judge-model")
    assert judge.requests == 2 and judge.output_tokens == 2 * JUDGE_OUTPUT_TOKENS
    with_default = estimate_batch(rows, [target("priced-model")], PRICES,
                                  resolve=lambda text: target(text.split(":", 1)[1]),
                                  default_judge="p:judge-model")
    assert with_default.judge_requests == 2  # the check without a model uses the default


def test_only_the_given_cells() -> None:
    est = estimate_batch(ROWS, [target("priced-model"), target("mystery")], PRICES,
                         cells=[(1, 0)])
    assert est.answers == 1 and [m.model for m in est.models] == ["p:priced-model"]
