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
from studio.core.inline_reasoning import InlineReasoning
from studio.core.providers._wire import (
    THINKING_BUDGETS,
    data_url,
    float_or_none,
    get_json,
    int_or_none,
    message_text,
    normalize_thread,
    parse_json_object,
    sse_batches,
)
from studio.core.providers.base import ModelInfo
from studio.core.providers.errors import incomplete_stream_error, stream_error
from studio.core.providers.http_provider import HttpProvider
from studio.core.request import ChatRequest, Message, ReasoningEffort

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
    # DeepSeek, Moonshot and Mistral pick reasoning by model id (deepseek-reasoner,
    # kimi-k2-thinking, magistral-*).
    return {}


def _zai_reasoning(effort: ReasoningEffort, model: str) -> dict[str, Any]:
    # GLM-4.5 and later think unless told not to; there is no effort level.
    return {"thinking": {"type": "disabled" if effort == "off" else "enabled"}}


def _xai_reasoning(effort: ReasoningEffort, model: str) -> dict[str, Any]:
    # Only grok-3-mini takes an effort (low or high); Grok 4 reasons on its own and
    # refuses the parameter.
    if effort == "off" or not model.startswith("grok-3-mini"):
        return {}
    return {"reasoning_effort": "low" if effort == "low" else "high"}


def _groq_reasoning(effort: ReasoningEffort, model: str) -> dict[str, Any]:
    name = model.lower()
    if "gpt-oss" in name:  # always reasons; "low" is the floor
        return {"reasoning_effort": "low" if effort == "off" else effort}
    if "qwen3" in name:  # on or off; "parsed" puts the thinking in `reasoning`
        if effort == "off":
            return {"reasoning_effort": "none"}
        return {"reasoning_effort": "default", "reasoning_format": "parsed"}
    return {}  # other models reject the parameter


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    reasoning: ReasoningMapper
    max_tokens_field: str = "max_tokens"
    # Mistral refuses fields it does not document; it (and Z.ai) send usage unasked.
    stream_options: bool = True
    seed_field: str = "seed"


DIALECTS: dict[str, Dialect] = {
    "openai": Dialect("openai", _openai_reasoning, "max_completion_tokens"),
    "openrouter": Dialect("openrouter", _openrouter_reasoning),
    "dashscope": Dialect("dashscope", _dashscope_reasoning),
    "deepseek": Dialect("deepseek", _model_decides),
    "moonshot": Dialect("moonshot", _model_decides),
    "mistral": Dialect("mistral", _model_decides, stream_options=False,
                       seed_field="random_seed"),
    "groq": Dialect("groq", _groq_reasoning),
    "xai": Dialect("xai", _xai_reasoning),
    "zai": Dialect("zai", _zai_reasoning, stream_options=False),
    "ollama": Dialect("ollama", _effort_only),
    "generic": Dialect("generic", _effort_only),
}

# host suffix → dialect; then the preset name for hosts that are proxies or local.
_HOST_DIALECTS: tuple[tuple[str, str], ...] = (
    ("api.openai.com", "openai"),
    ("openai.azure.com", "openai"),
    ("openrouter.ai", "openrouter"),
    ("aliyuncs.com", "dashscope"),
    ("deepseek.com", "deepseek"),
    ("moonshot.ai", "moonshot"),
    ("moonshot.cn", "moonshot"),
    ("mistral.ai", "mistral"),
    ("groq.com", "groq"),
    ("x.ai", "xai"),
    ("z.ai", "zai"),
    ("bigmodel.cn", "zai"),
)
_NAME_DIALECTS = {"qwen": "dashscope", "qwen-cn": "dashscope", "kimi": "moonshot",
                  "openrouter": "openrouter", "deepseek": "deepseek", "ollama": "ollama",
                  "mistral": "mistral", "groq": "groq", "xai": "xai", "zai": "zai",
                  "azure": "openai"}


def dialect_for(config: ProviderConfig) -> Dialect:
    parts = urlsplit(config.base_url)
    host = (parts.hostname or "").lower()
    for suffix, name in _HOST_DIALECTS:
        if host == suffix or host.endswith("." + suffix):
            return DIALECTS[name]
    if parts.port == 11434:
        return DIALECTS["ollama"]
    return DIALECTS[_NAME_DIALECTS.get(config.name, "generic")]


def chat_message(message: Message) -> dict[str, Any]:
    """One Chat Completions message. With images, the content becomes a list of parts: the
    text, then each image as an `image_url` part holding a data URL (the bytes inline)."""
    text = message_text(message)
    images = message.images
    if not images:
        return {"role": message.role, "content": text}
    parts: list[dict[str, Any]] = []
    if text:
        parts.append({"type": "text", "text": text})
    parts += [{"type": "image_url", "image_url": {"url": data_url(image)}} for image in images]
    return {"role": message.role, "content": parts}


def build_body(request: ChatRequest, dialect: Dialect) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    system = request.effective_system
    if system:
        messages.append({"role": "system", "content": system})
    messages += [chat_message(m) for m in normalize_thread(request.messages)]
    body: dict[str, Any] = {"model": request.model, "messages": messages, "stream": True}
    if dialect.stream_options:
        body["stream_options"] = {"include_usage": True}
    settings = request.settings
    if settings.temperature is not None:
        body["temperature"] = settings.temperature
    if settings.max_tokens is not None:
        body[dialect.max_tokens_field] = settings.max_tokens
    if settings.seed is not None:
        body[dialect.seed_field] = settings.seed
    if settings.reasoning is not None:
        body.update(dialect.reasoning(settings.reasoning, request.model))
    return body


def _usage(data: Any) -> Usage | None:
    if not isinstance(data, dict):
        return None
    prompt = int_or_none(data.get("prompt_tokens"))
    completion = int_or_none(data.get("completion_tokens"))
    cached = written = None
    details = data.get("prompt_tokens_details")
    if isinstance(details, dict):
        cached = int_or_none(details.get("cached_tokens"))
        # DashScope's explicit cache; OpenRouter names the same count cache_write_tokens
        written = int_or_none(details.get("cache_creation_input_tokens"))
        if written is None:
            written = int_or_none(details.get("cache_write_tokens"))
    hits = int_or_none(data.get("prompt_cache_hit_tokens"))  # DeepSeek
    if hits is not None:
        cached = hits
        if prompt is None:
            prompt = hits + (int_or_none(data.get("prompt_cache_miss_tokens")) or 0)
    elif cached is None:
        cached = int_or_none(data.get("cached_tokens"))  # Moonshot
    output_details = data.get("completion_tokens_details")
    reasoning = (int_or_none(output_details.get("reasoning_tokens"))
                 if isinstance(output_details, dict) else None)
    if (reasoning and completion is not None and prompt is not None
            and int_or_none(data.get("total_tokens")) == prompt + completion + reasoning):
        # xAI counts reasoning apart from completion_tokens (its total adds all three);
        # reasoning is billed as output either way.
        completion += reasoning
    usage = Usage(
        input_tokens=prompt,
        output_tokens=completion,
        cost_usd=float_or_none(data.get("cost")),  # OpenRouter reports its own price
        cached_input_tokens=cached,
        cache_write_tokens=written,
    )
    return None if usage == Usage() else usage


def _text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


DeltaType = type[TextDelta] | type[ReasoningDelta]


def _typed_texts(parts: list[Any], fields: dict[str, tuple[str, DeltaType]],
                 out: list[Event]) -> None:
    """The text of a list of typed entries: `fields` maps an entry's type to the key that
    holds its text and the event it becomes; a list under that key holds nested
    {"type": "text", "text"} chunks. Entries of other types carry no text to show."""
    for part in parts:
        kind = part.get("type") if isinstance(part, dict) else None
        found = fields.get(kind) if isinstance(kind, str) else None
        if found is None:
            continue
        key, event = found
        value = part.get(key)
        if _text(value):
            out.append(event(value))
        elif isinstance(value, list):
            _typed_texts(value, {"text": ("text", event)}, out)


# Mistral's reasoning models send `delta.content` as a list of typed chunks:
# {"type": "text", "text"} and {"type": "thinking", "thinking": [{"type": "text", ...}]}.
_CONTENT_CHUNKS: dict[str, tuple[str, DeltaType]] = {
    "text": ("text", TextDelta), "thinking": ("thinking", ReasoningDelta)}
# OpenRouter's structured reasoning: summaries and text are words; encrypted entries are
# opaque data for the provider.
_REASONING_DETAILS: dict[str, tuple[str, DeltaType]] = {
    "reasoning.text": ("text", ReasoningDelta), "reasoning.summary": ("summary", ReasoningDelta)}


# Where servers put usage when they do not send the standard `usage` object.
_VENDOR_USAGE_FIELDS = ("x_groq",)


class ChatCompletionsDecoder:
    """Turns the `data:` payloads of a Chat Completions stream into events.

    `feed` appends to the caller's list, so what a payload yielded before it turned out
    to carry an error is still delivered.
    """

    def __init__(self) -> None:
        self.done = False
        self.stop_reason: str | None = None
        self._usage: Usage | None = None
        self._standard_usage = False  # a `usage` object has arrived: vendor fields are moot
        # <think> blocks and harmony channels that servers pass through in `content`
        self._inline = InlineReasoning()

    def feed(self, event: str, data: str, out: list[Event]) -> None:
        stripped = data.strip()
        if not stripped:
            return
        if stripped == "[DONE]":
            self.done = True
            out.extend(self._inline.flush())
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
            self._add_usage(top_usage, out, standard=True)
        if choice_usage is not None:
            self._add_usage(choice_usage, out, standard=True)
        if not self._standard_usage:
            for field in _VENDOR_USAGE_FIELDS:
                vendor = chunk.get(field)
                if isinstance(vendor, dict) and vendor.get("usage") is not None:
                    self._add_usage(vendor["usage"], out, standard=False)
        error = chunk.get("error")
        if error:
            raise stream_error(error)

    def _add_usage(self, raw: Any, out: list[Event], *, standard: bool) -> None:
        usage = _usage(raw)
        if usage is None:
            return
        self._standard_usage = self._standard_usage or standard
        if usage != self._usage:
            self._usage = usage
            out.append(usage)

    def _choice(self, choice: dict[str, Any], out: list[Event]) -> None:
        delta = choice.get("delta")
        if isinstance(delta, dict):
            # reasoning_content: DeepSeek, Qwen, Z.ai, xAI; reasoning: OpenRouter, Ollama,
            # Groq, Cerebras. Some servers send both with the same text, and OpenRouter's
            # reasoning_details repeats it: the details count only when neither has text.
            reasoning = delta.get("reasoning_content")
            if not _text(reasoning):
                reasoning = delta.get("reasoning")
            if _text(reasoning):
                out.append(ReasoningDelta(reasoning))
            else:
                details = delta.get("reasoning_details")
                if isinstance(details, list) and details:
                    _typed_texts(details, _REASONING_DETAILS, out)
            content = delta.get("content")
            if isinstance(content, str):
                if content:
                    if self._inline.passthrough:
                        out.append(TextDelta(content))
                    else:
                        out.extend(self._inline.feed(content))
            elif isinstance(content, list):
                _typed_texts(content, _CONTENT_CHUNKS, out)
        reason = choice.get("finish_reason")
        if isinstance(reason, str) and reason:
            self.stop_reason = reason
            out.extend(self._inline.flush())

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

    def chat_url_for(self, model: str) -> str:
        return self.chat_url

    def build_body(self, request: ChatRequest) -> dict[str, Any]:
        return build_body(request, self.dialect)

    def stream_batches(self, client: httpx.AsyncClient, request: ChatRequest
                       ) -> AsyncGenerator[list[Event], None]:
        return sse_batches(client, self.chat_url_for(request.model), headers=self.headers(),
                           body=self.build_body(request), secret=self._api_key,
                           decoder=ChatCompletionsDecoder())

    async def list_models(self, client: httpx.AsyncClient) -> list[ModelInfo]:
        data = await get_json(client, self.models_url, headers=self.headers(),
                              secret=self._api_key)
        return models_from_listing(data)

    @property
    def models_url(self) -> str:
        return f"{self.base_url}/models"


# Listing entries that are not chat models (Together's `type`).
_NOT_CHAT_TYPES = frozenset({"embedding", "image", "moderation", "rerank", "audio",
                             "transcribe", "video"})


def models_from_listing(data: Any) -> list[ModelInfo]:
    """The chat models of a /models answer: OpenAI's {"data": [...]} or a bare list
    (Together), with the context window under whichever name the server uses."""
    items = data.get("data") if isinstance(data, dict) else data
    models: list[ModelInfo] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        capabilities = item.get("capabilities")  # Mistral marks what each model can do
        if isinstance(capabilities, dict) and capabilities.get("completion_chat") is False:
            continue
        if item.get("type") in _NOT_CHAT_TYPES:
            continue
        name = item.get("name") or item.get("display_name")
        models.append(ModelInfo(
            id=item["id"],
            display_name=name if isinstance(name, str) and name else None,
            context_window=_context_window(item),
        ))
    return models


def _context_window(item: dict[str, Any]) -> int | None:
    for key in ("context_length", "context_window", "max_context_length"):
        value = int_or_none(item.get(key))
        if value:
            return value
    # the Hugging Face router lists each serving provider's window
    providers = item.get("providers")
    windows = [int_or_none(p.get("context_length")) for p in providers
               if isinstance(p, dict)] if isinstance(providers, list) else []
    return max((w for w in windows if w), default=None)
