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
