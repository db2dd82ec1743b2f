"""What goes over the wire: URLs, headers and exact JSON bodies for each protocol, a
follow-up thread in each provider's own format, and model listing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from studio.core.catalog import ProviderConfig, builtin_providers
from studio.core.events import ErrorKind, ProviderError
from studio.core.providers import anthropic, gemini, ollama, openai_compat
from studio.core.providers.base import ModelInfo
from studio.core.request import ChatRequest, GenerationSettings, Message, ReasoningEffort
from tests.unit.providers.provider_replay import (
    NDJSON_HEADERS,
    SSE_HEADERS,
    Exchange,
    collect_async,
    make_provider,
    replay,
    sse,
    transport,
)

THREAD = (
    Message("user", "Make a bouncing ball page."),
    Message("assistant", "<html>ball v1</html>"),
    Message("user", "Make it 10 balls."),
)
SYSTEM = "You write single-file HTML pages."
SETTINGS = GenerationSettings(temperature=0.3, max_tokens=1000, reasoning="high", seed=7)

OPENAI_DONE = sse({"choices": [{"index": 0, "delta": {"content": "ok"},
                                "finish_reason": "stop"}]}, "[DONE]")
ANTHROPIC_DONE = sse({"type": "message_stop"}, event="message_stop")
GEMINI_DONE = sse({"candidates": [{"content": {"parts": [{"text": "ok"}]},
                                   "finishReason": "STOP"}]})
OLLAMA_DONE = b'{"message":{"role":"assistant","content":"ok"},"done":true}\n'

OPENAI_MESSAGES = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "Make a bouncing ball page."},
    {"role": "assistant", "content": "<html>ball v1</html>"},
    {"role": "user", "content": "Make it 10 balls."},
]


def _sent(provider_name: str, body: bytes, request: ChatRequest, *, key: str | None = "sk-test",
          base_url: str | None = None, headers: dict[str, str] | None = None
          ) -> httpx.Request:
    """The one request a provider sent for `request`, which must have succeeded."""
    exchange = Exchange()
    content_type = NDJSON_HEADERS if provider_name == "ollama-native" else SSE_HEADERS
    provider = make_provider(provider_name, key, base_url, headers)

    async def main() -> ProviderError | None:
        http = transport(200, content_type, body, "whole", exchange)
        async with httpx.AsyncClient(transport=http) as client:
            return (await collect_async(provider, client, request)).error

    assert asyncio.run(main()) is None
    assert len(exchange.requests) == 1
    return exchange.requests[0]


def _json(request: httpx.Request) -> Any:
    return json.loads(request.content)


def _no_secret_anywhere(request: httpx.Request, key: str) -> None:
    assert key not in str(request.url)
    assert key not in request.content.decode()


def test_openai_official_body_and_headers() -> None:
    request = _sent("openai", OPENAI_DONE, ChatRequest("gpt-5", THREAD, SYSTEM, SETTINGS))
    assert str(request.url) == "https://api.openai.com/v1/chat/completions"
    assert request.method == "POST"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["content-type"] == "application/json"
    assert "x-api-key" not in request.headers
    assert _json(request) == {
        "model": "gpt-5",
        "messages": OPENAI_MESSAGES,
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0.3,
        "max_completion_tokens": 1000,
        "seed": 7,
        "reasoning_effort": "high",
    }
    _no_secret_anywhere(request, "sk-test")


def test_no_key_means_no_auth_header() -> None:
    request = _sent("openai", OPENAI_DONE, ChatRequest("llama3", THREAD[:1]), key=None,
                    base_url="http://127.0.0.1:1234/v1")
    assert "authorization" not in request.headers
    assert _json(request) == {
        "model": "llama3",
        "messages": [{"role": "user", "content": "Make a bouncing ball page."}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_openrouter_attribution_headers_and_reasoning() -> None:
    preset = builtin_providers()["openrouter"]
    request = _sent("openrouter", OPENAI_DONE,
                    ChatRequest("qwen/qwen3-max", THREAD, SYSTEM, SETTINGS),
                    headers=preset.headers)
    assert request.headers["http-referer"] == "https://github.com/prompt-studio/prompt-studio"
    assert request.headers["x-title"] == "Prompt Studio"
    assert request.headers["authorization"] == "Bearer sk-test"
    body = _json(request)
    assert body["max_tokens"] == 1000
    assert "max_completion_tokens" not in body
    assert body["reasoning"] == {"effort": "high"}
    assert body["messages"] == OPENAI_MESSAGES


def test_deepseek_url_has_no_v1() -> None:
    request = _sent("deepseek", OPENAI_DONE, ChatRequest("deepseek-reasoner", THREAD, SYSTEM,
                                                          SETTINGS))
    assert str(request.url) == "https://api.deepseek.com/chat/completions"
    body = _json(request)
    assert not {"reasoning_effort", "reasoning", "enable_thinking"} & set(body)
    assert body["max_tokens"] == 1000


@pytest.mark.parametrize(("name", "model", "effort", "extra"), [
    ("openai", "gpt-5", "off", {"reasoning_effort": "minimal"}),
    ("openai", "gpt-4o", "off", {}),
    ("openai", "o3", "low", {"reasoning_effort": "low"}),
    ("openrouter", "x/y", "off", {"reasoning": {"enabled": False}}),
    ("openrouter", "x/y", "medium", {"reasoning": {"effort": "medium"}}),
    ("qwen", "qwen3-max", "off", {"enable_thinking": False}),
    ("qwen", "qwen3-max", "low", {"enable_thinking": True, "thinking_budget": 2048}),
    ("qwen-cn", "qwen-plus", "medium", {"enable_thinking": True, "thinking_budget": 8192}),
    ("kimi", "kimi-k2-thinking", "high", {}),
    ("ollama", "gpt-oss:20b", "high", {"reasoning_effort": "high"}),
    ("lmstudio", "m", "off", {}),
    ("llamacpp", "m", "medium", {"reasoning_effort": "medium"}),
])
def test_reasoning_dialects(name: str, model: str, effort: ReasoningEffort,
                            extra: dict[str, Any]) -> None:
    config = builtin_providers()[name]
    dialect = openai_compat.dialect_for(config)
    body = openai_compat.build_body(
        ChatRequest(model, THREAD[:1], settings=GenerationSettings(reasoning=effort)), dialect)
    base = {"model", "messages", "stream", "stream_options"}
    assert {k: v for k, v in body.items() if k not in base} == extra


def test_dialect_follows_the_host_for_custom_names() -> None:
    proxy = ProviderConfig("my-router", "openai", "https://openrouter.ai/api/v1")
    assert openai_compat.dialect_for(proxy).name == "openrouter"
    local = ProviderConfig("box", "openai", "http://192.168.1.9:11434/v1")
    assert openai_compat.dialect_for(local).name == "ollama"
    other = ProviderConfig("vllm", "openai", "http://10.0.0.2:8000/v1")
    assert openai_compat.dialect_for(other).name == "generic"


def test_anthropic_body_and_headers() -> None:
    request = _sent("anthropic", ANTHROPIC_DONE,
                    ChatRequest("claude-opus-4-1", THREAD, SYSTEM, SETTINGS), key="sk-ant-test")
    assert str(request.url) == "https://api.anthropic.com/v1/messages"
    assert request.headers["x-api-key"] == "sk-ant-test"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    assert _json(request) == {
        "model": "claude-opus-4-1",
        "max_tokens": 16384 + 1000,
        "system": SYSTEM,
        "messages": OPENAI_MESSAGES[1:],
        "stream": True,
        "thinking": {"type": "enabled", "budget_tokens": 16384},
    }
    _no_secret_anywhere(request, "sk-ant-test")


@pytest.mark.parametrize(("settings", "extra"), [
    (GenerationSettings(), {"max_tokens": 8192}),
    (GenerationSettings(temperature=0.5, max_tokens=300, reasoning="off"),
     {"max_tokens": 300, "temperature": 0.5}),
    (GenerationSettings(temperature=0.5, reasoning="low"),
     {"max_tokens": 8192, "thinking": {"type": "enabled", "budget_tokens": 2048}}),
    (GenerationSettings(max_tokens=20000, reasoning="medium"),
     {"max_tokens": 20000, "thinking": {"type": "enabled", "budget_tokens": 8192}}),
])
def test_anthropic_settings(settings: GenerationSettings, extra: dict[str, Any]) -> None:
    body = anthropic.build_body(ChatRequest("claude-sonnet-4-5", THREAD[:1], settings=settings))
    base = {"model", "messages", "stream"}
    assert {k: v for k, v in body.items() if k not in base} == extra
    if "thinking" in body:
        assert body["max_tokens"] > body["thinking"]["budget_tokens"]


def test_anthropic_roles_alternate_strictly() -> None:
    thread = (
        Message("user", "First."),
        Message("user", "Second."),
        Message("assistant", ""),  # a failed earlier answer
        Message("user", "Third."),
        Message("assistant", "Answer."),
        Message("assistant", "More."),
        Message("user", "Go on."),
    )
    body = anthropic.build_body(ChatRequest("claude", thread))
    assert body["messages"] == [
        {"role": "user", "content": "First.\n\nSecond.\n\nThird."},
        {"role": "assistant", "content": "Answer.\n\nMore."},
        {"role": "user", "content": "Go on."},
    ]


def test_gemini_body_and_headers() -> None:
    request = _sent("gemini", GEMINI_DONE, ChatRequest("gemini-2.5-pro", THREAD, SYSTEM, SETTINGS),
                    key="AIza-test-key")
    assert str(request.url) == ("https://generativelanguage.googleapis.com/v1beta/models/"
                                "gemini-2.5-pro:streamGenerateContent?alt=sse")
    assert request.headers["x-goog-api-key"] == "AIza-test-key"
    assert "authorization" not in request.headers
    assert _json(request) == {
        "contents": [
            {"role": "user", "parts": [{"text": "Make a bouncing ball page."}]},
            {"role": "model", "parts": [{"text": "<html>ball v1</html>"}]},
            {"role": "user", "parts": [{"text": "Make it 10 balls."}]},
        ],
        "systemInstruction": {"parts": [{"text": SYSTEM}]},
        "generationConfig": {
            "temperature": 0.3,
            "maxOutputTokens": 1000,
            "seed": 7,
            "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 16384},
        },
    }
    _no_secret_anywhere(request, "AIza-test-key")


@pytest.mark.parametrize(("model", "effort", "config"), [
    ("gemini-2.5-flash", None, {"includeThoughts": True}),
    ("gemini-2.5-flash", "off", {"thinkingBudget": 0}),
    ("gemini-2.5-pro", "off", {"thinkingBudget": 128}),
    ("gemini-2.5-flash-lite", "medium", {"includeThoughts": True, "thinkingBudget": 8192}),
    ("gemini-3-pro-preview", "medium", {"includeThoughts": True, "thinkingLevel": "high"}),
    ("gemini-3-flash-preview", "off", {"thinkingLevel": "minimal"}),
    ("gemini-2.0-flash", "high", None),
    ("gemma-3-27b-it", None, None),
])
def test_gemini_thinking_config(model: str, effort: ReasoningEffort | None,
                                config: dict[str, Any] | None) -> None:
    body = gemini.build_body(ChatRequest(model, THREAD[:1],
                                         settings=GenerationSettings(reasoning=effort)))
    assert body.get("generationConfig", {}).get("thinkingConfig") == config


def test_gemini_minimal_body() -> None:
    body = gemini.build_body(ChatRequest("gemini-2.0-flash", THREAD[:1]))
    assert body == {"contents": [{"role": "user",
                                  "parts": [{"text": "Make a bouncing ball page."}]}]}


def test_ollama_native_body() -> None:
    request = _sent("ollama-native", OLLAMA_DONE,
                    ChatRequest("qwen3:8b", THREAD, SYSTEM, SETTINGS), key=None,
                    base_url="http://127.0.0.1:11434/v1")
    assert str(request.url) == "http://127.0.0.1:11434/api/chat"
    assert "authorization" not in request.headers
    assert _json(request) == {
        "model": "qwen3:8b",
        "messages": OPENAI_MESSAGES,
        "stream": True,
        "options": {"temperature": 0.3, "num_predict": 1000, "seed": 7},
        "think": True,
    }


@pytest.mark.parametrize(("model", "effort", "think"), [
    ("gpt-oss:20b", "low", "low"), ("qwen3", "off", False), ("qwen3", None, None),
])
def test_ollama_think_values(model: str, effort: ReasoningEffort | None,
                             think: bool | str | None) -> None:
    body = ollama.build_body(ChatRequest(model, THREAD[:1],
                                         settings=GenerationSettings(reasoning=effort)))
    assert body.get("think") == think
    assert "options" not in body


def test_system_override_wins() -> None:
    request = ChatRequest("m", THREAD[:1], "shared system",
                          GenerationSettings(system_override="own system"))
    assert openai_compat.build_body(request, openai_compat.DIALECTS["generic"])[
        "messages"][0] == {"role": "system", "content": "own system"}
    assert anthropic.build_body(request)["system"] == "own system"
    assert gemini.build_body(request)["systemInstruction"] == {"parts": [{"text": "own system"}]}


def _serve_json(routes: dict[str, tuple[int, Any]], seen: list[httpx.Request]
                ) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        key = request.url.path + ("?" + request.url.query.decode() if request.url.query else "")
        status, data = routes[key]
        return httpx.Response(status, json=data)

    return httpx.MockTransport(handler)


def _list(provider_name: str, routes: dict[str, tuple[int, Any]], base_url: str | None = None,
          key: str | None = "k") -> tuple[list[ModelInfo] | ProviderError, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    provider = make_provider(provider_name, key, base_url)

    async def main() -> list[ModelInfo] | ProviderError:
        async with httpx.AsyncClient(transport=_serve_json(routes, seen)) as client:
            try:
                return await provider.list_models(client)
            except ProviderError as exc:
                return exc

    return asyncio.run(main()), seen


def test_list_models_openai_compatible() -> None:
    models, seen = _list("openrouter", {"/api/v1/models": (200, {"data": [
        {"id": "qwen/qwen3-max", "name": "Qwen: Qwen3 Max", "context_length": 262144},
        {"id": "openai/gpt-4o", "object": "model"},
        {"object": "model"},
    ]})})
    assert models == [ModelInfo("qwen/qwen3-max", "Qwen: Qwen3 Max", 262144),
                      ModelInfo("openai/gpt-4o")]
    assert seen[0].headers["authorization"] == "Bearer k"


def test_list_models_anthropic_pages() -> None:
    models, seen = _list("anthropic", {
        "/v1/models?limit=1000": (200, {"data": [
            {"id": "claude-opus-4-1", "display_name": "Claude Opus 4.1", "type": "model"}],
            "has_more": True, "last_id": "claude-opus-4-1"}),
        "/v1/models?limit=1000&after_id=claude-opus-4-1": (200, {"data": [
            {"id": "claude-haiku-4-5", "display_name": "Claude Haiku 4.5"}],
            "has_more": False, "last_id": "claude-haiku-4-5"}),
    })
    assert models == [ModelInfo("claude-opus-4-1", "Claude Opus 4.1"),
                      ModelInfo("claude-haiku-4-5", "Claude Haiku 4.5")]
    assert all(r.headers["x-api-key"] == "k" for r in seen)
    assert all(r.headers["anthropic-version"] == "2023-06-01" for r in seen)


def test_list_models_gemini() -> None:
    models, seen = _list("gemini", {
        "/v1beta/models?pageSize=1000": (200, {"models": [
            {"name": "models/gemini-2.5-pro", "displayName": "Gemini 2.5 Pro",
             "inputTokenLimit": 1048576,
             "supportedGenerationMethods": ["generateContent", "countTokens"]},
            {"name": "models/text-embedding-004",
             "supportedGenerationMethods": ["embedContent"]},
        ], "nextPageToken": "p2"}),
        "/v1beta/models?pageSize=1000&pageToken=p2": (200, {"models": [
            {"name": "models/gemini-2.5-flash", "inputTokenLimit": 1048576,
             "supportedGenerationMethods": ["generateContent"]}]}),
    })
    assert models == [ModelInfo("gemini-2.5-pro", "Gemini 2.5 Pro", 1048576),
                      ModelInfo("gemini-2.5-flash", None, 1048576)]
    assert seen[0].headers["x-goog-api-key"] == "k"
    assert "k" not in seen[0].url.query.decode().split("=")


def test_list_models_ollama_native() -> None:
    models, seen = _list("ollama-native", {"/api/tags": (200, {"models": [
        {"name": "qwen3:8b", "model": "qwen3:8b", "size": 5}, {"model": "llama3.2:1b"}]})},
        base_url="http://127.0.0.1:11434/v1", key=None)
    assert models == [ModelInfo("qwen3:8b"), ModelInfo("llama3.2:1b")]
    assert "authorization" not in seen[0].headers


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini", "ollama-native"])
def test_list_models_failure(provider: str) -> None:
    routes = {path: (401, {"error": {"message": "invalid x-api-key"}}) for path in (
        "/v1/models", "/v1/models?limit=1000", "/v1beta/models?pageSize=1000", "/api/tags")}
    result, _ = _list(provider, routes)
    assert isinstance(result, ProviderError)
    assert (result.kind, result.status, result.message) == (
        ErrorKind.AUTH, 401, "HTTP 401: invalid x-api-key")


@pytest.mark.parametrize("echoed", ["test-key", "sk-live-0123456789abcdef"])
def test_key_echoed_in_an_error_is_masked(echoed: str) -> None:
    body = json.dumps({"error": {"message": f"Key '{echoed}' is not allowed"}}).encode()
    outcome = replay("openai", 403, {"content-type": "application/json"}, body)
    assert outcome.error is not None
    assert outcome.error.kind is ErrorKind.AUTH
    assert outcome.error.message.startswith("HTTP 403: Key '")
    assert echoed not in outcome.error.message
    assert echoed not in str(outcome.error)
