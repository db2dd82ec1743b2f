"""Anthropic Messages API (`POST /v1/messages`, server-sent events)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import httpx

from studio.core.events import Event, Finished, ReasoningDelta, TextDelta, Usage
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
from studio.core.providers.errors import anthropic_stream_error, incomplete_stream_error
from studio.core.providers.http_provider import HttpProvider
from studio.core.request import ChatRequest, Message

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 8192  # the API requires max_tokens; this fits every current model


def build_body(request: ChatRequest) -> dict[str, Any]:
    settings = request.settings
    thread = normalize_thread(request.messages)
    max_tokens = settings.max_tokens or DEFAULT_MAX_TOKENS
    body: dict[str, Any] = {"model": request.model, "max_tokens": max_tokens}
    system = request.effective_system
    if system:
        body["system"] = system
    body["messages"] = [_message(m) for m in thread]
    body["stream"] = True
    effort = settings.reasoning
    if effort is not None and effort != "off":
        budget = THINKING_BUDGETS[effort]
        # max_tokens covers thinking plus answer and must exceed the budget; keep the
        # requested answer length on top of the budget rather than starving the answer.
        if max_tokens <= budget:
            body["max_tokens"] = budget + max_tokens
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    elif settings.temperature is not None:
        # with thinking on, the API only accepts the default temperature
        body["temperature"] = settings.temperature
    return body


def _message(message: Message) -> dict[str, Any]:
    """With images, the content is a list of blocks: each image as an `image` block with a
    base64 source, then the text (Anthropic reads images best before the question)."""
    text = message_text(message)
    images = message.images
    if not images:
        return {"role": message.role, "content": text}
    blocks: list[dict[str, Any]] = [
        {"type": "image", "source": {"type": "base64", "media_type": image.media_type,
                                     "data": base64_of(image)}}
        for image in images]
    if text:
        blocks.append({"type": "text", "text": text})
    return {"role": message.role, "content": blocks}


def _input_tokens(usage: dict[str, Any]) -> int | None:
    counts = [int_or_none(usage.get(key)) for key in
              ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")]
    if counts[0] is None:
        return None
    return sum(c for c in counts if c is not None)


class MessagesDecoder:
    """Turns Messages API events into events; `feed` appends to the caller's list."""

    def __init__(self) -> None:
        self.done = False
        self.stop_reason: str | None = None
        self._input: int | None = None
        self._output: int | None = None
        self._cache_read: int | None = None
        self._cache_write: int | None = None

    def feed(self, event: str, data: str, out: list[Event]) -> None:
        if not data.strip():
            return
        payload = parse_json_object(data)
        kind = payload.get("type") if isinstance(payload.get("type"), str) else event
        if kind == "error" or event == "error":
            raise anthropic_stream_error(payload.get("error"))
        if kind == "content_block_delta":  # nearly every event of a stream
            delta = payload.get("delta")
            if isinstance(delta, dict):
                self._block_text(delta.get("type"), delta, out)
        elif kind == "message_start":
            message = payload.get("message")
            usage = message.get("usage") if isinstance(message, dict) else None
            self._usage(usage, out)
        elif kind == "content_block_start":
            block = payload.get("content_block")
            if isinstance(block, dict):
                self._block_text(block.get("type"), block, out)
        elif kind == "message_delta":
            delta = payload.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("stop_reason"), str):
                self.stop_reason = delta["stop_reason"]
            self._usage(payload.get("usage"), out)
        elif kind == "message_stop":
            self.done = True
        # ping, content_block_stop and event types added later carry nothing to show

    @staticmethod
    def _block_text(kind: Any, block: dict[str, Any], out: list[Event]) -> None:
        # signature_delta, input_json_delta, citations and redacted_thinking are skipped
        if kind in ("text", "text_delta"):
            text = block.get("text")
            if isinstance(text, str) and text:
                out.append(TextDelta(text))
        elif kind in ("thinking", "thinking_delta"):
            thinking = block.get("thinking")
            if isinstance(thinking, str) and thinking:
                out.append(ReasoningDelta(thinking))

    def _usage(self, usage: Any, out: list[Event]) -> None:
        # message_start carries the prompt's counts; message_delta the output so far (and,
        # from newer servers, the prompt's counts again). Each field keeps its last value.
        if not isinstance(usage, dict):
            return
        before = (self._input, self._output, self._cache_read, self._cache_write)
        tokens_in = _input_tokens(usage)
        if tokens_in is not None:
            self._input = tokens_in
        tokens_out = int_or_none(usage.get("output_tokens"))
        if tokens_out is not None:
            self._output = tokens_out
        read = int_or_none(usage.get("cache_read_input_tokens"))
        if read is not None:
            self._cache_read = read
        written = int_or_none(usage.get("cache_creation_input_tokens"))
        if written is not None:
            self._cache_write = written
        if (self._input, self._output, self._cache_read, self._cache_write) != before:
            out.append(Usage(self._input, self._output, cached_input_tokens=self._cache_read,
                             cache_write_tokens=self._cache_write))

    def finish(self) -> Finished:
        if not self.done:
            raise incomplete_stream_error()
        return Finished(self.stop_reason)


class AnthropicProvider(HttpProvider):
    def headers(self) -> dict[str, str]:
        headers = dict(self.config.headers)
        headers["anthropic-version"] = API_VERSION
        if self._api_key:
            headers["x-api-key"] = self._api_key
        return headers

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/messages"

    def build_body(self, request: ChatRequest) -> dict[str, Any]:
        return build_body(request)

    def stream_batches(self, client: httpx.AsyncClient, request: ChatRequest
                       ) -> AsyncGenerator[list[Event], None]:
        return sse_batches(client, self.messages_url, headers=self.headers(),
                           body=self.build_body(request), secret=self._api_key,
                           decoder=MessagesDecoder())

    async def list_models(self, client: httpx.AsyncClient) -> list[ModelInfo]:
        models: list[ModelInfo] = []
        async for page in self._pages(client, f"{self.base_url}/models", {"limit": "1000"},
                                      _next_models_page):
            for item in page.get("data") or []:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    name = item.get("display_name")
                    models.append(ModelInfo(item["id"], name if isinstance(name, str) else None))
        return models


def _next_models_page(page: dict[str, Any]) -> dict[str, str] | None:
    last = page.get("last_id")
    if not page.get("has_more") or not isinstance(last, str):
        return None
    return {"limit": "1000", "after_id": last}
