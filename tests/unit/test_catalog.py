from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest

from studio.core.catalog import (
    PROVIDER_KINDS,
    CatalogError,
    ProviderKind,
    ProviderRegistry,
    builtin_providers,
    parse_model_ref,
)

BUILTINS = {"openai", "anthropic", "gemini", "qwen", "qwen-cn", "deepseek", "kimi",
            "openrouter", "ollama", "lmstudio", "llamacpp", "local"}


def test_builtin_presets_cover_the_documented_names() -> None:
    presets = builtin_providers()
    assert set(presets) == BUILTINS
    assert presets["deepseek"].base_url == "https://api.deepseek.com"  # no /v1 on DeepSeek
    assert presets["qwen"].base_url.endswith("/compatible-mode/v1")
    assert presets["openrouter"].headers["X-Title"] == "Prompt Studio"
    assert presets["anthropic"].kind == "anthropic" and presets["gemini"].kind == "gemini"
    assert not presets["ollama"].needs_key and presets["ollama"].local
    assert presets["openai"].key_env == "OPENAI_API_KEY"
    assert presets["kimi"].key_env == "MOONSHOT_API_KEY"


@pytest.mark.parametrize(("text", "provider", "model"), [
    ("openai:gpt-4o", "openai", "gpt-4o"),
    ("ollama:qwen3:8b", "ollama", "qwen3:8b"),
    ("openrouter:qwen/qwen3-max", "openrouter", "qwen/qwen3-max"),
])
def test_model_refs_split_on_the_first_colon(text: str, provider: str, model: str) -> None:
    ref = parse_model_ref(text)
    assert (ref.provider, ref.model) == (provider, model)
    assert str(ref) == text


@pytest.mark.parametrize("text", ["gpt-4o", ":gpt-4o", "openai:", ""])
def test_model_refs_without_provider_are_refused(text: str) -> None:
    with pytest.raises(CatalogError, match="PROVIDER:MODEL"):
        parse_model_ref(text)


def test_user_providers_persist_and_override_builtins(tmp_path: Path) -> None:
    file = tmp_path / "providers.json"
    reg = ProviderRegistry(file)
    reg.add("corp", "openai", "https://llm.example.test/v1/", key_env="CORP_KEY")
    reg.add("openai", "openai", "http://127.0.0.1:9999/v1")
    again = ProviderRegistry(file)
    corp = again.get("corp")
    assert corp.base_url == "https://llm.example.test/v1" and corp.key_env == "CORP_KEY"
    assert not corp.builtin
    openai = again.get("openai")
    assert openai.base_url == "http://127.0.0.1:9999/v1"
    assert openai.key_env == "OPENAI_API_KEY"  # the rest of the preset is kept
    again.remove("corp")
    with pytest.raises(CatalogError, match="unknown provider 'corp'"):
        ProviderRegistry(file).get("corp")


@pytest.mark.parametrize(("kind", "url", "message"), [
    ("openai", "ftp://x", "invalid base URL"),
    ("openai", "not a url", "invalid base URL"),
    ("soap", "https://x.test", "unknown kind"),
])
def test_bad_endpoints_are_refused_and_nothing_is_written(
        tmp_path: Path, kind: str, url: str, message: str) -> None:
    file = tmp_path / "providers.json"
    with pytest.raises(CatalogError, match=message):
        ProviderRegistry(file).add("x", kind, url)
    assert not file.exists()


def test_a_broken_providers_file_is_reported(tmp_path: Path) -> None:
    file = tmp_path / "providers.json"
    file.write_text("{not json")
    with pytest.raises(CatalogError, match="cannot read"):
        ProviderRegistry(file)
    file.write_text(json.dumps({"providers": {"x": {"kind": "openai", "base_url": "nope"}}}))
    with pytest.raises(CatalogError, match="invalid base URL"):
        ProviderRegistry(file).all()


def test_the_parsers_list_of_kinds_is_the_catalogs_type() -> None:
    # The command line takes its --kind choices from studio.core.constants, which imports
    # nothing; the type checker knows the kinds from ProviderKind.
    assert get_args(ProviderKind) == PROVIDER_KINDS
