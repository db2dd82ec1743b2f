"""HTTP plumbing shared by the protocol modules: opening a streamed POST, refusing
answers that are not the expected stream, reading JSON lines, and listing models."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from contextlib import aclosing, asynccontextmanager
from typing import Any, Protocol, cast

import httpx

from studio.core.attachments import Attachment, with_text_files
from studio.core.events import ErrorKind, Event, Finished, ProviderError
from studio.core.providers.errors import (
    describe_body,
    error_from_response,
    looks_like_html,
    malformed_json_error,
    message_from_error_json,
    stream_error,
    truncate,
)
from studio.core.providers.sse import SSEParser
from studio.core.redact import redact
from studio.core.request import Message

# An error page or a wrong endpoint can be huge; its first part says all that is useful.
ERROR_BODY_LIMIT = 64 * 1024

# After its end marker a well-behaved server has at most the chunked body's terminator
# left. Reading it lets httpx return the connection to its pool instead of closing it, and
# leaves no half-read body iterators for the event loop to finalize later. The caps keep a
# server that goes on sending (or holds the stream open) from delaying the answer.
DRAIN_LIMIT = 64 * 1024
DRAIN_TIMEOUT_S = 0.5


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


class _Body:
    """One pass over a streamed body that can also be drained to its end."""

    def __init__(self, parts: AsyncIterator[str]) -> None:
        self._parts = cast(AsyncGenerator[str, None], parts)

    async def drain(self) -> None:
        """Read and drop what is left, within DRAIN_LIMIT characters and DRAIN_TIMEOUT_S."""
        size = 0
        try:
            async with asyncio.timeout(DRAIN_TIMEOUT_S):
                async for part in self._parts:
                    size += len(part)
                    if size > DRAIN_LIMIT:
                        return
        except (TimeoutError, httpx.HTTPError):
            pass  # whatever follows the end marker cannot spoil a complete answer

    async def aclose(self) -> None:
        await self._parts.aclose()


class SSESource(_Body):
    """The server-sent events of a response as `(event, data)` pairs, one list per read."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.aiter_text())
        self._parser = SSEParser()
        self._ended = False

    def __aiter__(self) -> SSESource:
        return self

    async def __anext__(self) -> list[tuple[str, str]]:
        parser = self._parser
        async for text in self._parts:
            events = parser.feed(text)
            if events:
                return events
        if not self._ended:
            self._ended = True
            events = parser.finish()
            if events:
                return events
        raise StopAsyncIteration


@asynccontextmanager
async def open_sse(client: httpx.AsyncClient, url: str, *, headers: dict[str, str],
                   body: dict[str, Any], secret: str | None) -> AsyncIterator[SSESource]:
    """A streamed POST answered with server-sent events; closed however the block ends.

    A missing content type is accepted (bare local servers omit it).
    """
    sent = dict(headers)
    sent["Accept"] = "text/event-stream"
    sent["Cache-Control"] = "no-store"
    async with client.stream("POST", url, headers=sent, json=body) as response:
        await check_response(response, ("text/event-stream",), secret)
        source = SSESource(response)
        try:
            yield source
        finally:
            await source.aclose()


class FrameDecoder(Protocol):
    """A protocol's decoder of server-sent events. `feed` appends to the caller's list, so
    what a frame yielded before it turned out to carry an error is still delivered."""

    done: bool  # the end marker has been seen

    def feed(self, event: str, data: str, out: list[Event]) -> None: ...

    def finish(self) -> Finished: ...


async def sse_batches(client: httpx.AsyncClient, url: str, *, headers: dict[str, str],
                      body: dict[str, Any], secret: str | None, decoder: FrameDecoder
                      ) -> AsyncGenerator[list[Event], None]:
    """The decoded events of a streamed POST, one list per network read, then `Finished`.

    Once the stream has said all it will (its end marker, or an error inside it) the rest
    of the body is drained, so the connection can be reused.
    """
    async with open_sse(client, url, headers=headers, body=body, secret=secret) as source:
        feed = decoder.feed
        async for batch in source:
            events: list[Event] = []
            try:
                for name, data in batch:
                    feed(name, data, events)
                    if decoder.done:
                        break
            except Exception:
                if events:
                    yield events
                await source.drain()
                raise
            if events:
                yield events
            if decoder.done:
                await source.drain()
                break
    yield [decoder.finish()]


class JSONLineSource(_Body):
    """The non-blank lines of a newline-delimited JSON body, one at a time.

    Lines end at LF only. httpx's `aiter_lines` also splits at U+2028, U+2029 and U+0085,
    which a JSON string may carry unescaped (Go's encoder leaves U+0085 as it is), and
    would cut such an answer's line in two.
    """

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.aiter_text())
        self._lines: list[str] = []  # complete lines not yet returned, in reverse order
        self._partial: list[str] = []  # the start of a line not yet ended
        self._ended = False

    def __aiter__(self) -> JSONLineSource:
        return self

    async def __anext__(self) -> str:
        while True:
            while self._lines:
                line = self._lines.pop()
                if line.strip():
                    return line
            if self._ended:
                raise StopAsyncIteration
            try:
                text = await self._parts.__anext__()
            except StopAsyncIteration:
                self._ended = True
                self._lines = ["".join(self._partial)]
                self._partial = []
                continue
            if "\n" not in text:
                self._partial.append(text)
                continue
            lines = text.split("\n")
            if self._partial:
                self._partial.append(lines[0])
                lines[0] = "".join(self._partial)
            self._partial = [lines.pop()]
            lines.reverse()
            self._lines = lines


@asynccontextmanager
async def open_json_lines(client: httpx.AsyncClient, url: str, *, headers: dict[str, str],
                          body: dict[str, Any], secret: str | None
                          ) -> AsyncIterator[JSONLineSource]:
    """Objects of a newline-delimited JSON stream (Ollama's native API)."""
    async with client.stream("POST", url, headers=headers, json=body) as response:
        await check_response(
            response, ("application/x-ndjson", "application/json"), secret)
        source = JSONLineSource(response)
        try:
            yield source
        finally:
            await source.aclose()


async def one_by_one(batches: AsyncGenerator[list[Event], None]
                     ) -> AsyncGenerator[Event, None]:
    """The events of a batched stream singly (the `Provider.stream` interface)."""
    async with aclosing(batches):
        async for batch in batches:
            for event in batch:
                yield event


_decoder = json.JSONDecoder()
_decode_json = _decoder.decode
# What `decode` calls, without its regex checks (typeshed does not list the attribute).
_scan_json: Callable[[str, int], tuple[Any, int]] = _decoder.scan_once  # type: ignore[attr-defined]


def parse_json_object(data: str) -> dict[str, Any]:
    # Every frame of every stream comes here: a payload that is exactly one object (nearly
    # all) is scanned directly; anything else takes `decode`, with its whitespace handling
    # and its errors.
    if data[:1] == "{":
        try:
            value, end = _scan_json(data, 0)
        except (StopIteration, ValueError):
            raise malformed_json_error(data) from None
        if end == len(data):
            return cast(dict[str, Any], value)
    try:
        value = _decode_json(data)
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
    the same clean alternating thread. A prompt that is only files is not empty.
    """
    result: list[Message] = []
    for message in messages:
        if not message.content.strip() and not message.attachments:
            continue
        if result and result[-1].role == message.role:
            last = result[-1]
            merged = "\n\n".join(t for t in (last.content, message.content) if t.strip())
            result[-1] = Message(message.role, merged, last.attachments + message.attachments)
        else:
            result.append(message)
    return result


def message_text(message: Message) -> str:
    """A message's text with its attached text files inlined (images travel apart)."""
    return with_text_files(message.content, message.attachments)


def base64_of(attachment: Attachment) -> str:
    return base64.b64encode(attachment.data).decode("ascii")


def data_url(attachment: Attachment) -> str:
    return f"data:{attachment.media_type};base64,{base64_of(attachment)}"


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
