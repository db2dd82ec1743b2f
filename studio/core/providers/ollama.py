"""Ollama's native API (`POST /api/chat`, newline-delimited JSON)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Any

import httpx

from studio.core.events import Event, Finished, ReasoningDelta, TextDelta, Usage
from studio.core.inline_reasoning import InlineReasoning
from studio.core.providers._wire import (
    base64_of,
    get_json,
    int_or_none,
    message_text,
    normalize_thread,
    open_json_lines,
    parse_json_object,
)
from studio.core.providers.base import ModelInfo
from studio.core.providers.errors import incomplete_stream_error, stream_error
from studio.core.providers.http_provider import HttpProvider
from studio.core.request import ChatRequest, ReasoningEffort


def native_root(base_url: str) -> str:
    """The server root: presets point at the OpenAI-compatible `/v1` surface."""
    root = base_url.rstrip("/")
    return root.removesuffix("/v1") if root.endswith("/v1") else root


def think_value(model: str, effort: ReasoningEffort | None) -> bool | str | None:
    if effort is None:
        return None
    if effort == "off":
        return False
    # only gpt-oss understands levels; other thinking models take a plain switch
    return effort if "gpt-oss" in model.lower() else True


def build_body(request: ChatRequest) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    system = request.effective_system
    if system:
        messages.append({"role": "system", "content": system})
    for m in normalize_thread(request.messages):
        message: dict[str, Any] = {"role": m.role, "content": message_text(m)}
        if m.images:  # Ollama's native form: the message's images as bare base64
            message["images"] = [base64_of(image) for image in m.images]
        messages.append(message)
    body: dict[str, Any] = {"model": request.model, "messages": messages, "stream": True}
    settings = request.settings
    options: dict[str, Any] = {}
    if settings.temperature is not None:
        options["temperature"] = settings.temperature
    if settings.max_tokens is not None:
        options["num_predict"] = settings.max_tokens
    if settings.seed is not None:
        options["seed"] = settings.seed
    if options:
        body["options"] = options
    think = think_value(request.model, settings.reasoning)
    if think is not None:
        body["think"] = think
    return body


class ChatLinesDecoder:
    def __init__(self) -> None:
        self.done = False
        self.stop_reason: str | None = None
        # models that think inline when the request did not switch thinking on
        self._inline = InlineReasoning()

    def feed(self, line: dict[str, Any]) -> Iterator[Event]:
        if line.get("error"):
            raise stream_error(line["error"])
        message = line.get("message")
        if isinstance(message, dict):
            thinking = message.get("thinking")
            if isinstance(thinking, str) and thinking:
                yield ReasoningDelta(thinking)
            content = message.get("content")
            if isinstance(content, str) and content:
                if self._inline.passthrough:
                    yield TextDelta(content)
                else:
                    yield from self._inline.feed(content)
        if line.get("done") is True:
            self.done = True
            yield from self._inline.flush()
            reason = line.get("done_reason")
            self.stop_reason = reason if isinstance(reason, str) and reason else None
            usage = Usage(int_or_none(line.get("prompt_eval_count")),
                          int_or_none(line.get("eval_count")))
            if usage != Usage():
                yield usage

    def finish(self) -> Finished:
        if not self.done:
            raise incomplete_stream_error()
        return Finished(self.stop_reason)


class OllamaProvider(HttpProvider):

    @property
    def chat_url(self) -> str:
        return f"{native_root(self.config.base_url)}/api/chat"

    def build_body(self, request: ChatRequest) -> dict[str, Any]:
        return build_body(request)

    async def stream_batches(self, client: httpx.AsyncClient, request: ChatRequest
                             ) -> AsyncGenerator[list[Event], None]:
        """The events of `stream`, one list per line (what the engine consumes)."""
        decoder = ChatLinesDecoder()
        async with open_json_lines(client, self.chat_url, headers=self.headers(),
                                   body=self.build_body(request), secret=self._api_key
                                   ) as lines:
            async for line in lines:
                events: list[Event] = []
                try:
                    events.extend(decoder.feed(parse_json_object(line)))
                except Exception:
                    if events:
                        yield events
                    await lines.drain()
                    raise
                if events:
                    yield events
                if decoder.done:
                    await lines.drain()
                    break
        yield [decoder.finish()]

    async def list_models(self, client: httpx.AsyncClient) -> list[ModelInfo]:
        url = f"{native_root(self.config.base_url)}/api/tags"
        data = await get_json(client, url, headers=self.headers(), secret=self._api_key)
        items = data.get("models") if isinstance(data, dict) else None
        models: list[ModelInfo] = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            name = item.get("name") or item.get("model")
            if isinstance(name, str) and name:
                models.append(ModelInfo(name))
        return models
