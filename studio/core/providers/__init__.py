"""One module per wire protocol; `make_provider` picks the right one for a config."""

from __future__ import annotations

from studio.core.catalog import ProviderConfig
from studio.core.providers.base import Provider


def make_provider(config: ProviderConfig, api_key: str | None) -> Provider:
    kind = config.kind
    if kind == "openai":
        from studio.core.providers.openai_compat import OpenAICompatProvider

        return OpenAICompatProvider(config, api_key)
    if kind == "anthropic":
        from studio.core.providers.anthropic import AnthropicProvider

        return AnthropicProvider(config, api_key)
    if kind == "gemini":
        from studio.core.providers.gemini import GeminiProvider

        return GeminiProvider(config, api_key)
    if kind == "azure":
        from studio.core.providers.azure import AzureOpenAIProvider

        return AzureOpenAIProvider(config, api_key)
    if kind == "ollama":
        from studio.core.providers.ollama import OllamaProvider

        return OllamaProvider(config, api_key)
    if kind == "local":
        from studio.core.providers.local import LocalProvider

        return LocalProvider(config, api_key)
    raise ValueError(f"unknown provider kind {kind!r}")


# The network protocols' modules (not `local`, which loads llama.cpp bindings).
HTTP_PROVIDER_MODULES = (
    "studio.core.providers.openai_compat",
    "studio.core.providers.anthropic",
    "studio.core.providers.gemini",
    "studio.core.providers.ollama",
    "studio.core.providers.azure",
)

__all__ = ["HTTP_PROVIDER_MODULES", "Provider", "make_provider"]
