"""Google Gemini API (`models/{model}:streamGenerateContent?alt=sse`)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Any
from urllib.parse import quote

import httpx

from studio.core.events import ErrorKind, Event, Finished, ProviderError, ReasoningDelta, TextDelta
from studio.core.events import Usage as UsageEvent
from studio.core.providers._wire import (
    THINKING_BUDGETS,
    base64_of,
    int_or_none,
    message_text,
    normalize_thread,
    parse_json_object,
    sse_batches,
)
from studio.core.providers.base import ModelInfo
from studio.core.providers.errors import google_error, incomplete_stream_error
from studio.core.providers.http_provider import HttpProvider
from studio.core.request import ChatRequest, Message, ReasoningEffort


def thinking_config(model: str, effort: ReasoningEffort | None) -> dict[str, Any] | None:
    """Gemini 2.5 takes a token budget (0 = off, except on Pro whose floor is 128);
    Gemini 3 takes a level and cannot switch thinking off; older models reject the field."""
    name = model.lower().removeprefix("models/")
    if name.startswith("gemini-3"):
        flash = "flash" in name
        if effort is None:
            return {"includeThoughts": True}
        if effort == "off":
            return {"thinkingLevel": "minimal" if flash else "low"}
        level = effort if flash or effort == "low" else "high"
        return {"includeThoughts": True, "thinkingLevel": level}
    if "2.5" not in name:
        return None
    if effort is None:
        return {"includeThoughts": True}
    if effort == "off":
        return {"thinkingBudget": 128 if "pro" in name else 0}
    return {"includeThoughts": True, "thinkingBudget": THINKING_BUDGETS[effort]}


def _parts(message: Message) -> list[dict[str, Any]]:
    """The text part, then each image as an `inline_data` part (base64 bytes)."""
    text = message_text(message)
    parts: list[dict[str, Any]] = [{"text": text}] if text or not message.images else []
    parts += [{"inline_data": {"mime_type": image.media_type, "data": base64_of(image)}}
              for image in message.images]
    return parts


def build_body(request: ChatRequest) -> dict[str, Any]:
    contents = [
        {"role": "model" if m.role == "assistant" else "user", "parts": _parts(m)}
        for m in normalize_thread(request.messages)
    ]
    body: dict[str, Any] = {"contents": contents}
    system = request.effective_system
    if system:
        body["systemInstruction"] = {"parts": [{"text": system}]}
    settings = request.settings
    config: dict[str, Any] = {}
    if settings.temperature is not None:
        config["temperature"] = settings.temperature
    if settings.max_tokens is not None:
        config["maxOutputTokens"] = settings.max_tokens
    if settings.seed is not None:
        config["seed"] = settings.seed
    thinking = thinking_config(request.model, settings.reasoning)
    if thinking is not None:
        config["thinkingConfig"] = thinking
    if config:
        body["generationConfig"] = config
    return body


class GenerateContentDecoder:
    def __init__(self) -> None:
        self.done = False  # Gemini has no end marker: the stream just ends
        self.stop_reason: str | None = None
        self._usage: UsageEvent | None = None

    def feed(self, event: str, data: str, out: list[Event]) -> None:
        out.extend(self._events(data))

    def _events(self, data: str) -> Iterator[Event]:
        if not data.strip():
            return
        chunk = parse_json_object(data)
        if "error" in chunk:
            raise google_error(chunk["error"])
        candidates = chunk.get("candidates")
        candidate = candidates[0] if isinstance(candidates, list) and candidates else None
        if isinstance(candidate, dict):
            content = candidate.get("content")
            parts = content.get("parts") if isinstance(content, dict) else None
            for part in parts if isinstance(parts, list) else []:
                # a part may carry only a thoughtSignature (opaque, for the next request)
                text = part.get("text") if isinstance(part, dict) else None
                if isinstance(text, str) and text:
                    yield ReasoningDelta(text) if part.get("thought") is True else TextDelta(text)
            reason = candidate.get("finishReason")
            if isinstance(reason, str) and reason:
                self.stop_reason = reason
        yield from self._usage_from(chunk.get("usageMetadata"))
        feedback = chunk.get("promptFeedback")
        if candidate is None and isinstance(feedback, dict) and feedback.get("blockReason"):
            raise ProviderError(
                ErrorKind.BAD_REQUEST, f"Gemini blocked the prompt: {feedback['blockReason']}")

    def _usage_from(self, meta: Any) -> Iterator[Event]:
        if not isinstance(meta, dict):
            return
        answer = int_or_none(meta.get("candidatesTokenCount"))
        thoughts = int_or_none(meta.get("thoughtsTokenCount"))
        output = None if answer is None and thoughts is None else (answer or 0) + (thoughts or 0)
        # promptTokenCount includes the cached part; thoughts are billed as output
        usage = UsageEvent(int_or_none(meta.get("promptTokenCount")), output,
                           cached_input_tokens=int_or_none(meta.get("cachedContentTokenCount")))
        if usage != self._usage and usage != UsageEvent():
            self._usage = usage
            yield usage

    def finish(self) -> Finished:
        if self.stop_reason is None:
            raise incomplete_stream_error()
        return Finished(self.stop_reason)


class GeminiProvider(HttpProvider):
    def headers(self) -> dict[str, str]:
        headers = dict(self.config.headers)
        if self._api_key:
            headers["x-goog-api-key"] = self._api_key
        return headers

    def stream_url(self, model: str) -> str:
        name = quote(model.removeprefix("models/"), safe="-._~/")
        return f"{self.base_url}/models/{name}:streamGenerateContent?alt=sse"

    def build_body(self, request: ChatRequest) -> dict[str, Any]:
        return build_body(request)

    def stream_batches(self, client: httpx.AsyncClient, request: ChatRequest
                       ) -> AsyncGenerator[list[Event], None]:
        return sse_batches(client, self.stream_url(request.model), headers=self.headers(),
                           body=self.build_body(request), secret=self._api_key,
                           decoder=GenerateContentDecoder())

    async def list_models(self, client: httpx.AsyncClient) -> list[ModelInfo]:
        models: list[ModelInfo] = []
        async for page in self._pages(client, f"{self.base_url}/models", {"pageSize": "1000"},
                                      _next_models_page):
            for item in page.get("models") or []:
                if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                    continue
                methods = item.get("supportedGenerationMethods")
                if isinstance(methods, list) and "generateContent" not in methods:
                    continue
                label = item.get("displayName")
                models.append(ModelInfo(
                    id=item["name"].removeprefix("models/"),
                    display_name=label if isinstance(label, str) else None,
                    context_window=int_or_none(item.get("inputTokenLimit")),
                ))
        return models


def _next_models_page(page: dict[str, Any]) -> dict[str, str] | None:
    token = page.get("nextPageToken")
    if not isinstance(token, str) or not token:
        return None
    return {"pageSize": "1000", "pageToken": token}
