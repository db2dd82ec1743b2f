"""HTTP plumbing shared by the protocol modules: opening a streamed POST, refusing
answers that are not the expected stream, reading JSON lines, and listing models."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Iterable
from contextlib import aclosing
from typing import Any, cast

import httpx
from httpx_sse import ServerSentEvent, aconnect_sse

from studio.core.events import ErrorKind, ProviderError
from studio.core.providers.errors import (
    describe_body,
    error_from_response,
    looks_like_html,
    malformed_json_error,
    message_from_error_json,
    stream_error,
    truncate,
)
from studio.core.redact import redact
from studio.core.request import Message

# An error page or a wrong endpoint can be huge; its first part says all that is useful.
ERROR_BODY_LIMIT = 64 * 1024


async def read_limited(response: httpx.Response, limit: int = ERROR_BODY_LIMIT) -> bytes:
    """Up to `limit` bytes of the body; a connection that breaks meanwhile yields what came."""
    chunks: list[bytes] = []
    size = 0
    try:
        async with aclosing(cast(AsyncGenerator[bytes, None], response.aiter_bytes())) as parts:
            async for part in parts:
                chunks.append(part)
                size += len(part)
                if size >= limit:
                    break
    except (httpx.TransportError, httpx.DecodingError):
        pass
    return b"".join(chunks)[:limit]


def _scrub(error: ProviderError, secret: str | None) -> ProviderError:
    # a very short "key" (a placeholder for a local server) would mask ordinary letters
    cleaned = redact(error.message, [secret] if secret and len(secret) >= 6 else [])
    if cleaned != error.message:
        error.message = cleaned
        error.args = (cleaned,)
    return error


async def check_response(response: httpx.Response, expected: Iterable[str],
                         secret: str | None) -> None:
    """Raise the right ProviderError unless this is a 2xx answer of an expected type."""
    if not response.is_success:
        body = await read_limited(response)
        raise _scrub(error_from_response(response.status_code, response.headers, body), secret)
    content_type = response.headers.get("content-type", "")
    media = content_type.partition(";")[0].strip().lower()
    if not media or media in expected:
        return
    body = await read_limited(response, 16 * 1024)
    text = body.decode("utf-8", errors="replace")
    if media == "application/json":
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict | list) and message_from_error_json(data):
            inner = data[0] if isinstance(data, list) else data
            raise _scrub(stream_error(inner.get("error", inner)), secret)
    if looks_like_html(media, text):
        what = f"an HTML page ({describe_body(media, body) or 'no title'})"
    else:
        detail = describe_body(media, body)
        what = f"{media}" + (f": {detail}" if detail else "")
    wanted = " or ".join(expected)
    raise _scrub(ProviderError(
        ErrorKind.PROTOCOL,
        truncate(f"expected {wanted} but the server sent {what} "
                 f"(HTTP {response.status_code})"),
        status=response.status_code,
    ), secret)


async def post_sse(client: httpx.AsyncClient, url: str, *, headers: dict[str, str],
                   body: dict[str, Any], secret: str | None
                   ) -> AsyncGenerator[ServerSentEvent, None]:
    """Server-sent events of a streamed POST; the response is closed however this ends."""
    async with aconnect_sse(client, "POST", url, headers=dict(headers), json=body) as source:
        await check_response(source.response, ("text/event-stream",), secret)
        if "content-type" not in source.response.headers:
            # a bare local server may omit it; httpx-sse would refuse the stream outright
            source.response.headers["content-type"] = "text/event-stream"
        async with aclosing(source.aiter_sse()) as events:
            async for event in events:
                yield event


async def post_json_lines(client: httpx.AsyncClient, url: str, *, headers: dict[str, str],
                          body: dict[str, Any], secret: str | None
                          ) -> AsyncGenerator[dict[str, Any], None]:
    """Objects of a newline-delimited JSON stream (Ollama's native API)."""
    async with client.stream("POST", url, headers=headers, json=body) as response:
        await check_response(
            response, ("application/x-ndjson", "application/json"), secret)
        async with aclosing(cast(AsyncGenerator[str, None], response.aiter_lines())) as lines:
            async for line in lines:
                if line.strip():
                    yield parse_json_object(line)


def parse_json_object(data: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        raise malformed_json_error(data) from None
    if not isinstance(value, dict):
        raise malformed_json_error(data)
    return value


async def get_json(client: httpx.AsyncClient, url: str, *, headers: dict[str, str],
                   params: dict[str, str] | None = None, secret: str | None) -> Any:
    async with client.stream("GET", url, headers=headers, params=params) as response:
        await check_response(response, ("application/json",), secret)
        body = await response.aread()
    try:
        return json.loads(body)
    except ValueError:
        raise malformed_json_error(body.decode("utf-8", errors="replace")) from None


def normalize_thread(messages: Iterable[Message]) -> list[Message]:
    """Drop empty turns and merge neighbours of the same role.

    A failed answer can leave an empty assistant turn; Anthropic, Gemini and DeepSeek's
    reasoner reject empty or consecutive same-role messages, so every protocol gets
    the same clean alternating thread.
    """
    result: list[Message] = []
    for message in messages:
        if not message.content.strip():
            continue
        if result and result[-1].role == message.role:
            merged = f"{result[-1].content}\n\n{message.content}"
            result[-1] = Message(message.role, merged)
        else:
            result.append(message)
    return result


def int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def float_or_none(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


# Thinking-token budgets per effort, for protocols that take a number (Anthropic, Gemini
# 2.5, DashScope). Anthropic needs at least 1024; Gemini 2.5 Flash allows up to 24576.
THINKING_BUDGETS: dict[str, int] = {"low": 2048, "medium": 8192, "high": 16384}
