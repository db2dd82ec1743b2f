"""What goes over the wire to the vendors' OpenAI-compatible services and to Azure OpenAI:
each dialect's body, Azure's URL, query and header, and the model listings' own shapes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from studio.core.catalog import ProviderConfig, builtin_providers
from studio.core.events import ErrorKind, ProviderError
from studio.core.providers import make_provider as provider_for
from studio.core.providers import openai_compat
from studio.core.providers.azure import AzureOpenAIProvider
from studio.core.providers.base import ModelInfo
from studio.core.request import ChatRequest, GenerationSettings, ReasoningEffort
from tests.unit.providers.provider_replay import SSE_HEADERS, Exchange, collect_async, transport
from tests.unit.providers.test_provider_requests import (
    OPENAI_DONE,
    OPENAI_MESSAGES,
    SETTINGS,
    SYSTEM,
    THREAD,
    _list,
    _serve_json,
)

KEY = "azure-key-0123456789"


def _body(name: str, model: str, settings: GenerationSettings) -> dict[str, Any]:
    dialect = openai_compat.dialect_for(builtin_providers()[name])
    return openai_compat.build_body(ChatRequest(model, THREAD[:1], settings=settings), dialect)


@pytest.mark.parametrize(("name", "model", "effort", "extra"), [
    ("mistral", "magistral-medium-latest", "high", {}),
    ("groq", "openai/gpt-oss-120b", "off", {"reasoning_effort": "low"}),
    ("groq", "openai/gpt-oss-120b", "medium", {"reasoning_effort": "medium"}),
    ("groq", "qwen/qwen3-32b", "off", {"reasoning_effort": "none"}),
    ("groq", "qwen/qwen3-32b", "high",
     {"reasoning_effort": "default", "reasoning_format": "parsed"}),
    ("groq", "llama-3.3-70b-versatile", "high", {}),
    ("xai", "grok-3-mini", "medium", {"reasoning_effort": "high"}),
    ("xai", "grok-3-mini", "low", {"reasoning_effort": "low"}),
    ("xai", "grok-4", "high", {}),
    ("zai", "glm-4.6", "off", {"thinking": {"type": "disabled"}}),
    ("zai", "glm-4.6", "low", {"thinking": {"type": "enabled"}}),
    ("cerebras", "gpt-oss-120b", "high", {"reasoning_effort": "high"}),
    ("together", "deepseek-ai/DeepSeek-V3.1", "off", {}),
    ("huggingface", "openai/gpt-oss-120b", "low", {"reasoning_effort": "low"}),
])
def test_reasoning_per_vendor(name: str, model: str, effort: ReasoningEffort,
                              extra: dict[str, Any]) -> None:
    body = _body(name, model, GenerationSettings(reasoning=effort))
    base = {"model", "messages", "stream", "stream_options"}
    assert {k: v for k, v in body.items() if k not in base} == extra


def test_mistral_gets_only_the_fields_it_documents() -> None:
    body = _body("mistral", "mistral-large-latest",
                 GenerationSettings(temperature=0.2, max_tokens=100, seed=7))
    # Mistral refuses unknown fields (stream_options, seed) and always sends usage
    assert body == {"model": "mistral-large-latest", "messages": OPENAI_MESSAGES[1:2],
                    "stream": True, "temperature": 0.2, "max_tokens": 100, "random_seed": 7}
    zai = _body("zai", "glm-4.6", GenerationSettings())
    assert "stream_options" not in zai
    groq = _body("groq", "qwen/qwen3-32b", GenerationSettings(seed=7))
    assert groq["stream_options"] == {"include_usage": True} and groq["seed"] == 7


def test_dialects_follow_the_host_for_custom_names() -> None:
    for url, dialect in [("https://api.mistral.ai/v1", "mistral"),
                         ("https://api.groq.com/openai/v1", "groq"),
                         ("https://api.x.ai/v1", "xai"),
                         ("https://open.bigmodel.cn/api/paas/v4", "zai"),
                         ("https://contoso.openai.azure.com/openai/v1", "openai")]:
        config = ProviderConfig("mine", "openai", url)
        assert openai_compat.dialect_for(config).name == dialect, url


# --- Azure OpenAI ---------------------------------------------------------------------

def _azure(base_url: str = "https://contoso.openai.azure.com", api_version: str = "",
           models: tuple[str, ...] = ()) -> AzureOpenAIProvider:
    config = ProviderConfig("work", "azure", base_url, api_version=api_version, models=models)
    provider = provider_for(config, KEY)
    assert isinstance(provider, AzureOpenAIProvider)
    return provider


def _azure_request(provider: AzureOpenAIProvider, request: ChatRequest) -> httpx.Request:
    exchange = Exchange()

    async def main() -> ProviderError | None:
        http = transport(200, SSE_HEADERS, OPENAI_DONE, "whole", exchange)
        async with httpx.AsyncClient(transport=http) as client:
            return (await collect_async(provider, client, request)).error

    assert asyncio.run(main()) is None
    (sent,) = exchange.requests
    return sent


def test_azure_deployment_path_version_and_api_key_header() -> None:
    sent = _azure_request(_azure(), ChatRequest("gpt-4o prod/eu", THREAD, SYSTEM, SETTINGS))
    assert str(sent.url) == ("https://contoso.openai.azure.com/openai/deployments/"
                             "gpt-4o%20prod%2Feu/chat/completions?api-version=2024-10-21")
    assert sent.headers["api-key"] == KEY
    assert "authorization" not in sent.headers  # never a bearer token for a key
    assert KEY not in str(sent.url) and KEY not in sent.content.decode()
    body = json.loads(sent.content)
    assert body["messages"] == OPENAI_MESSAGES
    # OpenAI's models behind it: max_completion_tokens, reasoning_effort
    assert body["max_completion_tokens"] == 1000 and body["reasoning_effort"] == "high"
    assert body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(("base_url", "version", "url"), [
    ("https://contoso.openai.azure.com", "2025-04-01-preview",
     "https://contoso.openai.azure.com/openai/deployments/d1/chat/completions"
     "?api-version=2025-04-01-preview"),
    ("https://contoso.openai.azure.com/openai", "",
     "https://contoso.openai.azure.com/openai/deployments/d1/chat/completions"
     "?api-version=2024-10-21"),
    ("https://contoso.openai.azure.com", "v1",
     "https://contoso.openai.azure.com/openai/v1/chat/completions"),
    ("https://contoso.openai.azure.com/openai/v1", "",
     "https://contoso.openai.azure.com/openai/v1/chat/completions"),
    ("https://contoso.cognitiveservices.azure.com", "preview",
     "https://contoso.cognitiveservices.azure.com/openai/v1/chat/completions"
     "?api-version=preview"),
])
def test_azure_urls(base_url: str, version: str, url: str) -> None:
    sent = _azure_request(_azure(base_url, version), ChatRequest("d1", THREAD[:1]))
    assert str(sent.url) == url
    assert json.loads(sent.content)["model"] == "d1"  # v1 reads it here


def test_azure_listing_checks_the_key_and_offers_the_deployments() -> None:
    seen: list[httpx.Request] = []
    provider = _azure(models=("gpt-4o-prod", "o4-mini-eu"))
    routes = {"/openai/models?api-version=2024-10-21": (200, {"data": [
        {"id": "gpt-4o", "object": "model", "capabilities": {"chat_completion": True}}]})}

    async def main() -> list[ModelInfo]:
        async with httpx.AsyncClient(transport=_serve_json(routes, seen)) as client:
            return await provider.list_models(client)

    assert asyncio.run(main()) == [ModelInfo("gpt-4o-prod"), ModelInfo("o4-mini-eu")]
    assert seen[0].headers["api-key"] == KEY and "authorization" not in seen[0].headers


def test_azure_listing_reports_a_wrong_key() -> None:
    provider = _azure("https://contoso.openai.azure.com", "v1", ("d1",))
    routes = {"/openai/v1/models": (401, {"error": {"code": "401", "message": "Access denied"}})}

    async def main() -> list[ModelInfo] | ProviderError:
        async with httpx.AsyncClient(transport=_serve_json(routes, [])) as client:
            try:
                return await provider.list_models(client)
            except ProviderError as exc:
                return exc

    error = asyncio.run(main())
    assert isinstance(error, ProviderError)
    assert (error.kind, error.message) == (ErrorKind.AUTH, "HTTP 401: Access denied")


# --- listings in each vendor's shape ---------------------------------------------------

def test_listing_skips_models_that_cannot_chat_and_finds_the_window() -> None:
    models, _ = _list("openai", {"/v1/models": (200, {"object": "list", "data": [
        # Mistral
        {"id": "mistral-large-latest", "capabilities": {"completion_chat": True},
         "max_context_length": 131072},
        {"id": "mistral-embed", "capabilities": {"completion_chat": False}},
        # the Hugging Face router: one window per serving provider
        {"id": "openai/gpt-oss-120b", "providers": [
            {"provider": "cerebras", "context_length": 65536},
            {"provider": "together", "context_length": 131072}, "junk"]},
    ]})}, base_url="https://api.openai.com/v1")
    assert models == [ModelInfo("mistral-large-latest", None, 131072),
                      ModelInfo("openai/gpt-oss-120b", None, 131072)]
    # Together answers with a bare list and a display_name
    together, _ = _list("openai", {"/v1/models": (200, [
        {"id": "moonshotai/Kimi-K2-Instruct-0905", "display_name": "Kimi K2 Instruct 0905",
         "type": "chat", "context_length": 262144},
        {"id": "BAAI/bge-large-en-v1.5", "type": "embedding"},
        {"id": "black-forest-labs/FLUX.1-schnell", "type": "image"},
    ])}, base_url="https://api.openai.com/v1")
    assert together == [ModelInfo("moonshotai/Kimi-K2-Instruct-0905", "Kimi K2 Instruct 0905",
                                  262144)]
