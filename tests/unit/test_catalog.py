from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest

from studio.core.catalog import (
    AZURE_KEY_ENV,
    PROVIDER_KINDS,
    CatalogError,
    ProviderKind,
    ProviderRegistry,
    builtin_providers,
    parse_model_ref,
)

BUILTINS = {"openai", "anthropic", "gemini", "qwen", "qwen-cn", "deepseek", "kimi",
            "openrouter", "mistral", "groq", "xai", "zai", "together", "fireworks",
            "cerebras", "huggingface", "ollama", "lmstudio", "llamacpp", "local"}

# Base URL and key variable as each vendor documents them.
VENDOR_PRESETS = {
    "mistral": ("https://api.mistral.ai/v1", "MISTRAL_API_KEY"),
    "groq": ("https://api.groq.com/openai/v1", "GROQ_API_KEY"),
    "xai": ("https://api.x.ai/v1", "XAI_API_KEY"),
    "zai": ("https://api.z.ai/api/paas/v4", "ZAI_API_KEY"),
    "together": ("https://api.together.ai/v1", "TOGETHER_API_KEY"),
    "fireworks": ("https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"),
    "cerebras": ("https://api.cerebras.ai/v1", "CEREBRAS_API_KEY"),
    "huggingface": ("https://router.huggingface.co/v1", "HF_TOKEN"),
}


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


@pytest.mark.parametrize("name", sorted(VENDOR_PRESETS))
def test_vendor_presets(name: str) -> None:
    preset = builtin_providers()[name]
    assert (preset.base_url, preset.key_env) == VENDOR_PRESETS[name]
    assert preset.kind == "openai" and preset.needs_key and not preset.local
    assert len(preset.models) >= 3 and preset.label


def test_azure_endpoints_keep_their_api_version_and_default_key_variable(
        tmp_path: Path) -> None:
    file = tmp_path / "providers.json"
    reg = ProviderRegistry(file)
    added = reg.add("work", "azure", "https://contoso.openai.azure.com/",
                    models=["gpt-4o-prod", "o4-mini-eu"], api_version="2025-04-01-preview")
    assert (added.kind, added.base_url, added.api_version, added.models) == (
        "azure", "https://contoso.openai.azure.com", "2025-04-01-preview",
        ("gpt-4o-prod", "o4-mini-eu"))
    assert added.key_env == AZURE_KEY_ENV
    again = ProviderRegistry(file).get("work")
    assert again == added
    assert json.loads(file.read_text())["providers"]["work"]["api_version"] == (
        "2025-04-01-preview")
    v1 = reg.add("work-v1", "azure", "https://contoso.openai.azure.com", api_version="v1",
                 key_env="WORK_AZURE_KEY")
    assert (v1.api_version, v1.key_env) == ("v1", "WORK_AZURE_KEY")
    plain = reg.add("work-ga", "azure", "https://contoso.openai.azure.com")
    assert plain.api_version == ""  # the provider uses AZURE_DEFAULT_API_VERSION


@pytest.mark.parametrize(("kind", "version", "message"), [
    ("azure", "latest", "invalid Azure API version 'latest'"),
    ("azure", "2024-10-21&key=x", "invalid Azure API version"),
    ("openai", "2024-10-21", "only for Azure OpenAI"),
])
def test_bad_api_versions_are_refused(tmp_path: Path, kind: str, version: str,
                                      message: str) -> None:
    file = tmp_path / "providers.json"
    with pytest.raises(CatalogError, match=message):
        ProviderRegistry(file).add("x", kind, "https://contoso.openai.azure.com",
                                   api_version=version)
    assert not file.exists()


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
