"""Replaying recorded HTTP bodies through a real httpx.AsyncClient, cut into chunks."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from studio.core.providers.anthropic import AnthropicProvider
from studio.core.providers.azure import AzureOpenAIProvider
from studio.core.providers.base import Provider
from studio.core.providers.gemini import GeminiProvider
from studio.core.providers.ollama import OllamaProvider
from studio.core.providers.openai_compat import OpenAICompatProvider
from studio.core.request import ChatRequest, single_turn

RECORDINGS = Path(__file__).resolve().parents[2] / "fixtures" / "provider-recordings"


@dataclass(frozen=True)
class Digest:
    """For answers too long to write out: length, both ends and a hash."""

    length: int
    start: str
    end: str
    sha256: str

    def matches(self, text: str) -> bool:
        return (len(text) == self.length and text.startswith(self.start)
                and text.endswith(self.end)
                and hashlib.sha256(text.encode()).hexdigest() == self.sha256)


@dataclass(frozen=True)
class Expected:
    """What a user must see of a recorded stream."""

    text: str | Digest
    reasoning: str | Digest
    usage: Usage | None
    stop: str | None = None
    error: tuple[ErrorKind, str] | None = None

BASE_URLS = {
    "openai": "https://api.openai.com/v1",
    "deepseek": "https://api.deepseek.com",
    "openrouter": "https://openrouter.ai/api/v1",
    "kimi": "https://api.moonshot.ai/v1",
    "anthropic": "https://api.anthropic.com/v1",
    "gemini": "https://generativelanguage.googleapis.com/v1beta",
    "ollama-native": "http://127.0.0.1:11434",
    "mistral": "https://api.mistral.ai/v1",
    "groq": "https://api.groq.com/openai/v1",
    "xai": "https://api.x.ai/v1",
    "zai": "https://api.z.ai/api/paas/v4",
    "cerebras": "https://api.cerebras.ai/v1",
    "azure": "https://contoso-eastus2.openai.azure.com",
}


def make_provider(name: str, api_key: str | None = "test-key", base_url: str | None = None,
                  headers: dict[str, str] | None = None) -> Provider:
    base = base_url or BASE_URLS[name]
    extra = dict(headers or {})
    if name == "anthropic":
        return AnthropicProvider(ProviderConfig(name, "anthropic", base, headers=extra), api_key)
    if name == "gemini":
        return GeminiProvider(ProviderConfig(name, "gemini", base, headers=extra), api_key)
    if name == "ollama-native":
        config = ProviderConfig("ollama", "ollama", base, needs_key=False, headers=extra)
        return OllamaProvider(config, api_key)
    if name == "azure":
        return AzureOpenAIProvider(ProviderConfig(name, "azure", base, headers=extra), api_key)
    return OpenAICompatProvider(ProviderConfig(name, "openai", base, headers=extra), api_key)


def load_response(file: str, index: int = 0) -> dict[str, Any]:
    data = json.loads((RECORDINGS / file).read_text(encoding="utf-8"))
    response: dict[str, Any] = data["interactions"][index]["response"]
    return response


def cut(body: bytes, how: str | Sequence[int]) -> list[bytes]:
    """Split a body: "whole", "1"/"7" (fixed sizes), "random" (seeded), or at given offsets."""
    if isinstance(how, str):
        if how == "whole":
            return [body]
        if how == "random":
            rng = random.Random(len(body))
            sizes: list[int] = []
            while sum(sizes) < len(body):
                sizes.append(rng.randint(1, 97))
        else:
            sizes = [int(how)] * (len(body) // int(how) + 1)
        offsets, total = [], 0
        for size in sizes:
            total += size
            offsets.append(total)
    else:
        offsets = list(how)
    pieces, start = [], 0
    for offset in sorted(set(offsets)):
        if start < offset <= len(body):
            pieces.append(body[start:offset])
            start = offset
    pieces.append(body[start:])
    return [p for p in pieces if p]


class ChunkedBody(httpx.AsyncByteStream):
    """A response body that arrives in the given pieces and remembers being closed."""

    def __init__(self, pieces: list[bytes], pause: float | None = None) -> None:
        self.pieces = pieces
        self.pause = pause
        self.closed = False
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            if self.pause is not None:
                await asyncio.sleep(self.pause)
            self.sent += 1
            yield piece

    async def aclose(self) -> None:
        self.closed = True


@dataclass
class Exchange:
    """What the mock server saw and sent for each request."""

    requests: list[httpx.Request] = field(default_factory=list)
    bodies: list[ChunkedBody] = field(default_factory=list)

    @property
    def last_json(self) -> Any:
        return json.loads(self.requests[-1].content)


def transport(status: int, headers: dict[str, str], body: bytes, how: str | Sequence[int] = "whole",
              exchange: Exchange | None = None) -> httpx.MockTransport:
    seen = exchange if exchange is not None else Exchange()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.requests.append(request)
        stream = ChunkedBody(cut(body, how))
        seen.bodies.append(stream)
        return httpx.Response(status, headers=headers, stream=stream)

    return httpx.MockTransport(handler)


@dataclass
class Outcome:
    events: list[Event]
    error: ProviderError | None

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))

    @property
    def reasoning(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, ReasoningDelta))

    @property
    def usage(self) -> Usage | None:
        usages = [e for e in self.events if isinstance(e, Usage)]
        return usages[-1] if usages else None

    @property
    def finished(self) -> Finished | None:
        last = self.events[-1] if self.events else None
        return last if isinstance(last, Finished) else None


async def collect_async(provider: Provider, client: httpx.AsyncClient,
                        request: ChatRequest | None = None) -> Outcome:
    events: list[Event] = []
    try:
        async for event in provider.stream(client, request or single_turn("m", "hi")):
            events.append(event)
    except ProviderError as exc:
        return Outcome(events, exc)
    return Outcome(events, None)


def replay(provider_name: str, status: int, headers: dict[str, str], body: bytes,
           how: str | Sequence[int] = "whole", request: ChatRequest | None = None,
           exchange: Exchange | None = None) -> Outcome:
    seen = exchange if exchange is not None else Exchange()

    async def main() -> Outcome:
        async with httpx.AsyncClient(transport=transport(status, headers, body, how, seen)) as c:
            outcome = await collect_async(make_provider(provider_name), c, request)
            # checked before anything else runs: closing must not be left to the GC
            assert all(b.closed for b in seen.bodies), "the response body was not closed"
            return outcome

    return asyncio.run(main())


def replay_recording(file: str, provider_name: str, how: str | Sequence[int] = "whole",
                     index: int = 0) -> Outcome:
    response = load_response(file, index)
    return replay(provider_name, response["status"], response["headers"],
                  response["body"].encode("utf-8"), how)


def sse(*payloads: Any, event: str | None = None, sep: str = "\n") -> bytes:
    """Build an SSE body from JSON-able payloads (str payloads are sent verbatim)."""
    out = []
    for payload in payloads:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        head = f"event: {event}{sep}" if event else ""
        out.append(f"{head}data: {data}{sep}{sep}")
    return "".join(out).encode("utf-8")


SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8"}
NDJSON_HEADERS = {"content-type": "application/x-ndjson"}

