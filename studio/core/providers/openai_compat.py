"""OpenAI-compatible Chat Completions: OpenAI, Qwen (DashScope), DeepSeek, Kimi (Moonshot),
OpenRouter, Ollama /v1, LM Studio, llama.cpp and any custom base URL."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any, TypeGuard
from urllib.parse import urlsplit

import httpx

from studio.core.catalog import ProviderConfig
from studio.core.events import (
    ErrorKind,
    Event,
    Finished,
    ProviderError,
    ReasoningDelta,
    TextDelta,
    Usage,
)
from studio.core.providers._wire import (
    THINKING_BUDGETS,
    float_or_none,
    get_json,
    int_or_none,
    normalize_thread,
    parse_json_object,
    sse_batches,
)
from studio.core.providers.base import ModelInfo
from studio.core.providers.errors import incomplete_stream_error, stream_error
from studio.core.providers.http_provider import HttpProvider
from studio.core.providers.images import openai_message
from studio.core.request import ChatRequest, ReasoningEffort

ReasoningMapper = Callable[[ReasoningEffort, str], dict[str, Any]]


def _openai_reasoning(effort: ReasoningEffort, model: str) -> dict[str, Any]:
    if effort != "off":
        return {"reasoning_effort": effort}
    # Reasoning cannot be switched off on OpenAI; "minimal" is the floor, and only
    # the gpt-5 family accepts it (older models reject the parameter outright).
    return {"reasoning_effort": "minimal"} if model.startswith("gpt-5") else {}


def _openrouter_reasoning(effort: ReasoningEffort, model: str) -> dict[str, Any]:
    if effort == "off":
        return {"reasoning": {"enabled": False}}
    return {"reasoning": {"effort": effort}}


def _dashscope_reasoning(effort: ReasoningEffort, model: str) -> dict[str, Any]:
    if effort == "off":
        return {"enable_thinking": False}
    return {"enable_thinking": True, "thinking_budget": THINKING_BUDGETS[effort]}


def _effort_only(effort: ReasoningEffort, model: str) -> dict[str, Any]:
    return {} if effort == "off" else {"reasoning_effort": effort}


def _model_decides(effort: ReasoningEffort, model: str) -> dict[str, Any]:
    # DeepSeek and Moonshot pick reasoning by model id (deepseek-reasoner, kimi-k2-thinking).
    return {}


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    reasoning: ReasoningMapper
    max_tokens_field: str = "max_tokens"


DIALECTS: dict[str, Dialect] = {
    "openai": Dialect("openai", _openai_reasoning, "max_completion_tokens"),
    "openrouter": Dialect("openrouter", _openrouter_reasoning),
    "dashscope": Dialect("dashscope", _dashscope_reasoning),
    "deepseek": Dialect("deepseek", _model_decides),
    "moonshot": Dialect("moonshot", _model_decides),
    "ollama": Dialect("ollama", _effort_only),
    "generic": Dialect("generic", _effort_only),
}

# host suffix → dialect; then the preset name for hosts that are proxies or local.
_HOST_DIALECTS: tuple[tuple[str, str], ...] = (
    ("api.openai.com", "openai"),
    ("openrouter.ai", "openrouter"),
    ("aliyuncs.com", "dashscope"),
    ("deepseek.com", "deepseek"),
    ("moonshot.ai", "moonshot"),
    ("moonshot.cn", "moonshot"),
)
_NAME_DIALECTS = {"qwen": "dashscope", "qwen-cn": "dashscope", "kimi": "moonshot",
                  "openrouter": "openrouter", "deepseek": "deepseek", "ollama": "ollama"}


def dialect_for(config: ProviderConfig) -> Dialect:
    parts = urlsplit(config.base_url)
    host = (parts.hostname or "").lower()
    for suffix, name in _HOST_DIALECTS:
        if host == suffix or host.endswith("." + suffix):
            return DIALECTS[name]
    if parts.port == 11434:
        return DIALECTS["ollama"]
    return DIALECTS[_NAME_DIALECTS.get(config.name, "generic")]


def build_body(request: ChatRequest, dialect: Dialect) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    system = request.effective_system
    if system:
        messages.append({"role": "system", "content": system})
    messages += [openai_message(m) for m in normalize_thread(request.messages)]
    body: dict[str, Any] = {
        "model": request.model,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    settings = request.settings
    if settings.temperature is not None:
        body["temperature"] = settings.temperature
    if settings.max_tokens is not None:
        body[dialect.max_tokens_field] = settings.max_tokens
    if settings.seed is not None:
        body["seed"] = settings.seed
    if settings.reasoning is not None:
        body.update(dialect.reasoning(settings.reasoning, request.model))
    return body


def _usage(data: Any) -> Usage | None:
    if not isinstance(data, dict):
        return None
    usage = Usage(
        input_tokens=int_or_none(data.get("prompt_tokens")),
        output_tokens=int_or_none(data.get("completion_tokens")),
        cost_usd=float_or_none(data.get("cost")),  # OpenRouter reports its own price
    )
    return None if usage == Usage() else usage


def _text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


class ChatCompletionsDecoder:
    """Turns the `data:` payloads of a Chat Completions stream into events.

    `feed` appends to the caller's list, so what a payload yielded before it turned out
    to carry an error is still delivered.
    """

    def __init__(self) -> None:
        self.done = False
        self.stop_reason: str | None = None
        self._usage: Usage | None = None

    def feed(self, event: str, data: str, out: list[Event]) -> None:
        stripped = data.strip()
        if not stripped:
            return
        if stripped == "[DONE]":
            self.done = True
            return
        if event == "error" and not stripped.startswith("{"):
            raise stream_error({"message": data})
        chunk = parse_json_object(data)
        choices = chunk.get("choices")
        if choices is None and str(chunk.get("type", "")).startswith("response."):
            raise ProviderError(
                ErrorKind.PROTOCOL,
                "the server answered in the Responses API format, not Chat Completions; "
                "check the base URL")
        top_usage = chunk.get("usage")
        choice_usage = None
        if isinstance(choices, list):
            for choice in choices:
                if isinstance(choice, dict) and choice.get("index", 0) == 0:
                    self._choice(choice, out)
                    choice_usage = choice.get("usage")  # Moonshot puts it here
                    break
        if top_usage is not None:
            self._add_usage(top_usage, out)
        if choice_usage is not None:
            self._add_usage(choice_usage, out)
        error = chunk.get("error")
        if error:
            raise stream_error(error)

    def _add_usage(self, raw: Any, out: list[Event]) -> None:
        usage = _usage(raw)
        if usage is not None and usage != self._usage:
            self._usage = usage
            out.append(usage)

    def _choice(self, choice: dict[str, Any], out: list[Event]) -> None:
        delta = choice.get("delta")
        if isinstance(delta, dict):
            # reasoning_content: DeepSeek, Qwen; reasoning: OpenRouter, Ollama. Some
            # servers send both with the same text, and reasoning_details repeats it.
            reasoning = delta.get("reasoning_content")
            if not _text(reasoning):
                reasoning = delta.get("reasoning")
            if _text(reasoning):
                out.append(ReasoningDelta(reasoning))
            content = delta.get("content")
            if isinstance(content, str) and content:
                out.append(TextDelta(content))
        reason = choice.get("finish_reason")
        if isinstance(reason, str) and reason:
            self.stop_reason = reason

    def finish(self) -> Finished:
        if not self.done and self.stop_reason is None:
            raise incomplete_stream_error()
        return Finished(self.stop_reason)


class OpenAICompatProvider(HttpProvider):
    def __init__(self, config: ProviderConfig, api_key: str | None) -> None:
        super().__init__(config, api_key)
        self.dialect = dialect_for(config)

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def build_body(self, request: ChatRequest) -> dict[str, Any]:
        return build_body(request, self.dialect)

    def stream_batches(self, client: httpx.AsyncClient, request: ChatRequest
                       ) -> AsyncGenerator[list[Event], None]:
        return sse_batches(client, self.chat_url, headers=self.headers(),
                           body=self.build_body(request), secret=self._api_key,
                           decoder=ChatCompletionsDecoder())

    async def list_models(self, client: httpx.AsyncClient) -> list[ModelInfo]:
        data = await get_json(client, f"{self.base_url}/models", headers=self.headers(),
                              secret=self._api_key)
        items = data.get("data") if isinstance(data, dict) else data
        models: list[ModelInfo] = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            name = item.get("name")
            models.append(ModelInfo(
                id=item["id"],
                display_name=name if isinstance(name, str) and name else None,
                context_window=int_or_none(item.get("context_length")
                                           or item.get("context_window")),
            ))
        return models
