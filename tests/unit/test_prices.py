"""Price table: the shipped file, model id matching, costs, user overrides."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from studio.core.prices import Price, PriceError, PriceTable
from studio.core.resources import read_text

REQUIRED = [
    "qwen3-max-preview", "qwen3-max", "claude-opus-4-0", "claude-opus-4-1", "claude-opus-4-5",
    "claude-sonnet-4-5", "claude-haiku-4-5", "kimi-k2-0905-preview", "kimi-k2-turbo-preview",
    "deepseek-chat", "deepseek-reasoner", "gpt-5", "gpt-5-mini", "gpt-4o", "gpt-4o-mini",
    "gemini-2.5-pro", "gemini-2.5-flash",
]


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load(None)


def test_shipped_file_is_complete_and_sourced() -> None:
    data = json.loads(read_text("prices.json"))
    assert data["version"] == 1
    models = data["models"]
    assert set(REQUIRED) <= set(models)
    for model, entry in models.items():
        assert entry["input"] >= 0, model
        assert entry["output"] >= entry["input"], model  # true of every listed model
        assert isinstance(entry["context_window"], int), model
        assert entry["context_window"] >= 100_000, model
        assert urlsplit(entry["source"]).scheme == "https", model
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", entry["date"]), model
        for rates in (entry, *entry.get("tiers", ())):
            # a cache read is a discount on the input price; a cache write never is
            assert rates.get("cached_input", 0) <= rates["input"], model
            assert rates.get("cache_write", rates["input"]) >= rates["input"], model


def test_every_cache_billing_provider_has_cached_prices() -> None:
    models = json.loads(read_text("prices.json"))["models"]
    for model, entry in models.items():
        if model.startswith(("gpt-", "o3", "o4", "claude-", "gemini-", "deepseek-", "kimi-",
                             "qwen3-", "grok-")) and model != "gpt-4o-2024-05-13":
            assert "cached_input" in entry, model
        if model.startswith("claude-"):
            assert entry["cache_write"] == pytest.approx(entry["input"] * 1.25), model
            assert entry["cached_input"] == pytest.approx(entry["input"] * 0.1), model


@pytest.mark.parametrize(("provider", "model", "entry"), [
    ("openai", "gpt-5", "gpt-5"),
    ("qwen", "qwen3-max-preview", "qwen3-max-preview"),
    ("openrouter", "qwen/qwen3-max", "qwen3-max"),
    ("openrouter", "anthropic/claude-opus-4.1", "claude-opus-4-1"),
    ("anthropic", "claude-opus-4-1-20250805", "claude-opus-4-1"),
    ("anthropic", "claude-opus-4-20250514", "claude-opus-4-0"),
    ("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
    ("anthropic", "claude-3-5-haiku-latest", "claude-3-5-haiku"),
    ("openai", "gpt-4o-2024-08-06", "gpt-4o"),
    ("openai", "gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),  # its own, older price wins
    ("gemini", "models/gemini-2.5-flash", "gemini-2.5-flash"),
    ("openrouter", "google/gemini-2.5-pro", "gemini-2.5-pro"),
    ("openrouter", "moonshotai/kimi-k2", "kimi-k2-0711-preview"),
    ("kimi", "kimi-k2-turbo-preview", "kimi-k2-turbo-preview"),
    ("deepseek", "DeepSeek-Chat", "deepseek-chat"),
    ("openrouter", "deepseek/deepseek-reasoner:nitro", "deepseek-reasoner"),
])
def test_model_ids_are_matched(table: PriceTable, provider: str, model: str,
                               entry: str) -> None:
    price = table.price_for(provider, model)
    assert price is not None
    assert price.model == entry


@pytest.mark.parametrize(("provider", "model"), [
    ("ollama", "qwen3:8b"), ("openai", "gpt-6"), ("lmstudio", "local-model"), ("x", ""),
    ("openrouter", "qwen/"),
])
def test_unknown_models_have_no_price(table: PriceTable, provider: str, model: str) -> None:
    assert table.price_for(provider, model) is None
    assert table.cost(provider, model, 100, 100) is None
    assert table.context_window(provider, model) is None


def test_cost_is_per_million_tokens(table: PriceTable) -> None:
    assert table.cost("openai", "gpt-4o", 1_000_000, 0) == pytest.approx(2.5)
    assert table.cost("openai", "gpt-4o", 0, 1_000_000) == pytest.approx(10.0)
    assert table.cost("anthropic", "claude-opus-4-1", 2_000, 1_000) == pytest.approx(
        (2_000 * 15 + 1_000 * 75) / 1e6)
    assert table.cost("openai", "gpt-4o", None, 10) is None
    assert table.cost("openai", "gpt-4o", 0, 0) == 0.0


def test_long_prompts_use_the_higher_tier(table: PriceTable) -> None:
    short = table.cost("gemini", "gemini-2.5-pro", 200_000, 1_000)
    long = table.cost("gemini", "gemini-2.5-pro", 200_001, 1_000)
    assert short == pytest.approx((200_000 * 1.25 + 1_000 * 10) / 1e6)
    assert long == pytest.approx((200_001 * 2.5 + 1_000 * 15) / 1e6)
    qwen = table.price_for("qwen", "qwen3-max")
    assert qwen is not None
    assert qwen.rates_for(10_000) == (1.2, 6.0)
    assert qwen.rates_for(100_000) == (2.4, 12.0)
    assert qwen.rates_for(200_000) == (3.0, 15.0)


# Hand-computed bills: each cached token at the provider's cached rate, the rest of the
# prompt at the input rate, reasoning inside the output tokens at the output rate.
@pytest.mark.parametrize(("provider", "model", "counts", "bill"), [
    # Anthropic: 12 new + 100 written + 1,000 read of a 1,112-token prompt, 10 out
    ("anthropic", "claude-sonnet-4-5", (1_112, 10, 1_000, 100),
     12 * 3.0 + 100 * 3.75 + 1_000 * 0.30 + 10 * 15.0),
    # the same counts above 200K: the long-context tier's cached rates
    ("anthropic", "claude-sonnet-4-5-20250929", (250_000, 10, 200_000, 40_000),
     10_000 * 6.0 + 40_000 * 7.5 + 200_000 * 0.6 + 10 * 22.5),
    ("anthropic", "claude-opus-4-1", (3_000, 500, 2_048, 0),
     952 * 15.0 + 2_048 * 1.5 + 500 * 75.0),
    # OpenAI: 1,169-token prompt of which 1,165 cached, writes are free
    ("openai", "gpt-5", (1_169, 88, 1_165, None), 4 * 1.25 + 1_165 * 0.125 + 88 * 10.0),
    ("openai", "gpt-4o-mini", (2_000, 10, 1_024, None),
     976 * 0.15 + 1_024 * 0.075 + 10 * 0.6),
    # DeepSeek: cache hit vs miss
    ("deepseek", "deepseek-chat", (1_300, 40, 1_280, None), 20 * 0.28 + 1_280 * 0.028 + 40 * 0.42),
    # Moonshot
    ("kimi", "kimi-k2-turbo-preview", (5_000, 100, 4_096, None),
     904 * 1.15 + 4_096 * 0.15 + 100 * 8.0),
    # Gemini: cachedContentTokenCount, and the 200K tier
    ("gemini", "gemini-2.5-flash", (10_000, 200, 8_000, None),
     2_000 * 0.3 + 8_000 * 0.075 + 200 * 2.5),
    ("gemini", "gemini-2.5-pro", (300_000, 1_000, 250_000, None),
     50_000 * 2.5 + 250_000 * 0.625 + 1_000 * 15.0),
    # Qwen (DashScope) tiers by prompt length, cache hits at 20% of the tier's input
    ("qwen", "qwen3-max", (40_000, 100, 30_000, None), 10_000 * 2.4 + 30_000 * 0.48 + 100 * 12.0),
    # no discount known for this snapshot: cached tokens cost the input price
    ("openai", "gpt-4o-2024-05-13", (1_000, 0, 800, None), 1_000 * 5.0),
])
def test_cached_prompt_tokens_cost_their_own_rate(
        table: PriceTable, provider: str, model: str,
        counts: tuple[int, int, int, int | None], bill: float) -> None:
    tokens_in, tokens_out, cached, written = counts
    cost = table.cost(provider, model, tokens_in, tokens_out, cached_input_tokens=cached,
                      cache_write_tokens=written)
    assert cost == pytest.approx(bill / 1e6, rel=1e-12)
    full = table.cost(provider, model, tokens_in, tokens_out)
    assert full is not None and cost is not None
    assert cost <= full or written  # reads only ever save money


def test_inconsistent_cache_counts_never_bill_more_than_the_prompt() -> None:
    price = Price("m", 2.0, 8.0, cached_input=0.5, cache_write=2.5)
    # a server reporting more cached tokens than the prompt had: clamp to the prompt
    assert price.cost(100, 0, 150, 0) == pytest.approx(100 * 0.5 / 1e6)
    assert price.cost(100, 0, 60, 60) == pytest.approx((60 * 0.5 + 40 * 2.5) / 1e6)
    assert price.cost(100, 0, -5, 0) == pytest.approx(100 * 2.0 / 1e6)


def test_override_can_add_cached_prices(tmp_path: Path) -> None:
    override = tmp_path / "prices.json"
    override.write_text(json.dumps({"version": 1, "models": {
        "my-model": {"input": 1.0, "output": 2.0, "cached_input": 0.1, "cache_write": 1.5,
                     "tiers": [{"above_input_tokens": 1000, "input": 2.0, "output": 4.0,
                                "cached_input": 0.2}]},
    }}), encoding="utf-8")
    table = PriceTable.load(override)
    assert table.cost("x", "my-model", 1000, 0, cached_input_tokens=500,
                      cache_write_tokens=100) == pytest.approx((400 + 50 + 150) / 1e6)
    # above the tier, a tier without cache_write bills writes at the tier's input price
    assert table.cost("x", "my-model", 2000, 0, cached_input_tokens=1000,
                      cache_write_tokens=500) == pytest.approx((500 * 2 + 200 + 1000) / 1e6)


def test_free_openrouter_variant_costs_nothing(table: PriceTable) -> None:
    assert table.cost("openrouter", "deepseek/deepseek-chat:free", 5_000, 5_000) == 0.0
    assert table.context_window("openrouter", "deepseek/deepseek-chat:free") == 128_000


def test_context_windows(table: PriceTable) -> None:
    assert table.context_window("openai", "gpt-5") == 400_000
    assert table.context_window("anthropic", "claude-opus-4-1-20250805") == 200_000
    assert table.context_window("gemini", "gemini-2.5-pro") == 1_048_576
    assert table.context_window("kimi", "kimi-k2-0905-preview") == 262_144


def test_user_override_merges_over_the_shipped_table(tmp_path: Path) -> None:
    override = tmp_path / "prices.json"
    override.write_text(json.dumps({"version": 1, "models": {
        "gpt-4o": {"input": 1.0},  # only the input price changes
        "my-local-finetune": {"input": 0, "output": 0, "context_window": 32_768},
        "qwen-cn:qwen3-max": {"input": 0.8, "output": 3.3},
        "gpt-4o-mini": None,
    }}), encoding="utf-8")
    table = PriceTable.load(override)
    gpt4o = table.price_for("openai", "gpt-4o")
    assert gpt4o is not None
    assert (gpt4o.input, gpt4o.output, gpt4o.context_window) == (1.0, 10.0, 128_000)
    assert gpt4o.source.startswith("https://")
    assert table.context_window("lmstudio", "my-local-finetune") == 32_768
    assert table.cost("lmstudio", "my-local-finetune", 10, 10) == 0.0
    assert table.price_for("openai", "gpt-4o-mini") is None
    cn = table.price_for("qwen-cn", "qwen3-max")
    intl = table.price_for("qwen", "qwen3-max")
    assert cn is not None
    assert intl is not None
    assert (cn.input, intl.input) == (0.8, 1.2)  # a provider-specific entry wins


def test_missing_override_file_means_the_shipped_table(tmp_path: Path) -> None:
    assert PriceTable.load(tmp_path / "absent.json").models == PriceTable.load(None).models


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    ('{"version": 1}', 'expected an object with a "models" object'),
    ('{"version": 2, "models": {}}', "unsupported version"),
    ('{"models": {"m": {"input": -1, "output": 1}}}', "'input' must be a non-negative number"),
    ('{"models": {"m": {"input": 1}}}', "'output' must be a non-negative number"),
    ('{"models": {"gpt-5": {"context_window": "big"}}}', "'context_window'"),
    ('{"models": {"gpt-5": {"date": "last week"}}}', "YYYY-MM-DD"),
    ('{"models": {"gpt-5": "cheap"}}', "must be an object"),
    ('{"models": {"m": {"input": 1, "output": 2, "tiers": [{"input": 1}]}}}', "tier 0"),
    ('{"models": {"m": {"input": 1, "output": 2, "cached_input": "low"}}}', "'cached_input'"),
    ('{"models": {"m": {"input": 1, "output": 2, "tiers": [{"above_input_tokens": 5, '
     '"input": 1, "output": 2, "cache_write": -1}]}}}', "tier 0: 'cache_write'"),
])
def test_broken_override_names_the_file(tmp_path: Path, content: str, message: str) -> None:
    override = tmp_path / "prices.json"
    override.write_text(content, encoding="utf-8")
    with pytest.raises(PriceError, match=re.escape(message)) as info:
        PriceTable.load(override)
    assert str(override) in str(info.value)


def test_unreadable_override_names_the_file(tmp_path: Path) -> None:
    directory = tmp_path / "prices.json"
    directory.mkdir()
    with pytest.raises(PriceError, match=re.escape(str(directory))):
        PriceTable.load(directory)


def test_provider_restriction() -> None:
    table = PriceTable({"m": Price("m", 1.0, 2.0, providers=("acme",))})
    assert table.price_for("acme", "m") is not None
    assert table.price_for("other", "m") is None
