"""Failure classification: HTTP statuses and bodies, Retry-After, transport errors
(the latter also provoked for real on loopback sockets)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from studio.core.events import ErrorKind, Event, ProviderError, TextDelta
from studio.core.providers._wire import parse_json_object
from studio.core.providers.errors import (
    classify_transport_error,
    error_from_response,
    parse_retry_after,
)
from studio.core.request import single_turn
from tests.unit.providers.provider_replay import make_provider

OPENAI_401 = {"error": {"message": "Incorrect API key provided: sk-abc***xyz.",
                        "type": "invalid_request_error", "code": "invalid_api_key"}}
ANTHROPIC_529 = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
GEMINI_429 = [{"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).",
                         "status": "RESOURCE_EXHAUSTED"}}]
GEMINI_BAD_KEY = {"error": {
    "code": 400, "message": "API key not valid. Please pass a valid API key.",
    "status": "INVALID_ARGUMENT",
    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                 "reason": "API_KEY_INVALID"}]}}
OLLAMA_404 = {"error": 'model "llama9" not found, try pulling it first'}
HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
            b"</body>\r\n</html>\r\n")


def _json(data: object) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize(("status", "body", "content_type", "kind", "message"), [
    (401, _json(OPENAI_401), "application/json", ErrorKind.AUTH,
     "HTTP 401: Incorrect API key provided: sk-abc***xyz."),
    (403, b'{"detail": "Not authenticated"}', "application/json", ErrorKind.AUTH,
     "HTTP 403: Not authenticated"),
    (400, _json(GEMINI_BAD_KEY), "application/json", ErrorKind.AUTH,
     "HTTP 400: API key not valid. Please pass a valid API key."),
    (404, _json({"error": {"message": "The model `gpt-9` does not exist"}}), "application/json",
     ErrorKind.BAD_REQUEST, "HTTP 404 (model or URL not found): The model `gpt-9` does not exist"),
    (404, b"", "", ErrorKind.BAD_REQUEST, "HTTP 404 (model or URL not found): Not Found"),
    (404, _json(OLLAMA_404), "application/json", ErrorKind.BAD_REQUEST,
     'HTTP 404 (model or URL not found): model "llama9" not found, try pulling it first'),
    (405, b"", "", ErrorKind.BAD_REQUEST, "HTTP 405: Method Not Allowed"),
    (413, b"", "", ErrorKind.BAD_REQUEST, "HTTP 413: Request Entity Too Large"),
    (422, _json({"detail": [{"loc": ["body"], "msg": "field required"}]}), "application/json",
     ErrorKind.BAD_REQUEST, "HTTP 422: field required"),
    (418, b"", "", ErrorKind.BAD_REQUEST, "HTTP 418: I'm a teapot"),
    (408, b"", "", ErrorKind.TIMEOUT, "HTTP 408: Request Timeout"),
    (429, _json(GEMINI_429), "application/json", ErrorKind.RATE_LIMIT,
     "HTTP 429: Resource has been exhausted (e.g. check quota)."),
    (500, b"Internal Server Error\n", "text/plain", ErrorKind.SERVER,
     "HTTP 500: Internal Server Error"),
    (502, HTML_502, "text/html", ErrorKind.SERVER, "HTTP 502: 502 Bad Gateway"),
    (504, b"<html><body><h1>Gateway <b>Timeout</b></h1></body></html>", "text/html",
     ErrorKind.SERVER, "HTTP 504: Gateway Timeout"),
    (503, b"", "", ErrorKind.OVERLOADED, "HTTP 503: Service Unavailable"),
    (529, _json(ANTHROPIC_529), "application/json", ErrorKind.OVERLOADED, "HTTP 529: Overloaded"),
    (599, b"", "", ErrorKind.SERVER, "HTTP 599: no details in the response"),
    (520, b"{not json", "application/json", ErrorKind.SERVER, "HTTP 520: {not json"),
])
def test_error_from_response(status: int, body: bytes, content_type: str, kind: ErrorKind,
                             message: str) -> None:
    headers = httpx.Headers({"content-type": content_type} if content_type else {})
    error = error_from_response(status, headers, body)
    assert (error.kind, error.status, error.message) == (kind, status, message)
    assert error.retry_after is None


def test_redirect_names_the_target() -> None:
    error = error_from_response(301, httpx.Headers({"location": "https://x.test/v1/"}), b"")
    assert error.kind is ErrorKind.BAD_REQUEST
    assert error.message == (
        "HTTP 301 (redirected to https://x.test/v1/; check the base URL): Moved Permanently")


def test_long_messages_are_truncated() -> None:
    error = error_from_response(400, httpx.Headers(), _json({"error": {"message": "x" * 5000}}))
    assert len(error.message) == 500
    assert error.message.endswith("…")


@pytest.mark.parametrize(("headers", "expected"), [
    ({"retry-after": "7"}, 7.0),
    ({"retry-after": "2", "retry-after-ms": "1500"}, 1.5),
    ({"retry-after-ms": "bogus", "retry-after": "3"}, 3.0),
    ({}, None),
])
def test_retry_after_from_headers(headers: dict[str, str], expected: float | None) -> None:
    error = error_from_response(429, httpx.Headers(headers), b"")
    assert error.retry_after == expected


NOW = datetime(2025, 10, 21, 7, 28, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(("value", "expected"), [
    ("7", 7.0), ("1.5", 1.5), (" 12 ", 12.0), ("0", 0.0), ("-3", 0.0),
    ("Tue, 21 Oct 2025 07:28:30 GMT", 30.0),
    ("Tue, 21 Oct 2025 07:27:00 GMT", 0.0),  # already past
    ("Tuesday, 21-Oct-25 07:29:00 GMT", 60.0),  # RFC 850 form
    ("Tue Oct 21 07:28:05 2025", 5.0),  # asctime form, no zone: GMT by definition
    (None, None), ("", None), ("soon", None), ("nan", None), ("inf", None),
])
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_uses_the_clock() -> None:
    later = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 120, UTC)
    seconds = parse_retry_after(format_datetime(later, usegmt=True))
    assert seconds is not None
    assert 115 <= seconds <= 121


REQUEST = httpx.Request("POST", "https://api.example.test/v1/chat/completions")


@pytest.mark.parametrize(("exc", "kind", "message"), [
    (httpx.ConnectTimeout("", request=REQUEST), ErrorKind.TIMEOUT,
     "timed out connecting to api.example.test"),
    (httpx.ReadTimeout("", request=REQUEST), ErrorKind.TIMEOUT,
     "read timeout: api.example.test stopped sending data"),
    (httpx.WriteTimeout("", request=REQUEST), ErrorKind.TIMEOUT,
     "timed out sending the request to api.example.test"),
    (httpx.PoolTimeout(""), ErrorKind.TIMEOUT, "timed out waiting for a free connection"),
    (httpx.ConnectError("[Errno -2] Name or service not known", request=REQUEST),
     ErrorKind.CONNECTION,
     "could not connect to api.example.test: [Errno -2] Name or service not known"),
    (httpx.ReadError("[Errno 104] Connection reset by peer", request=REQUEST),
     ErrorKind.CONNECTION,
     "connection to api.example.test lost while reading the answer: "
     "[Errno 104] Connection reset by peer"),
    (httpx.WriteError("broken pipe", request=REQUEST), ErrorKind.CONNECTION,
     "connection to api.example.test lost while sending the request: broken pipe"),
    (httpx.RemoteProtocolError("peer closed connection without sending complete message body "
                               "(incomplete chunked read)", request=REQUEST),
     ErrorKind.CONNECTION,
     "connection closed by api.example.test before the answer was complete"),
    (httpx.RemoteProtocolError("illegal status line", request=REQUEST), ErrorKind.CONNECTION,
     "api.example.test broke the HTTP protocol: illegal status line"),
    (httpx.DecodingError("invalid gzip", request=REQUEST), ErrorKind.PROTOCOL,
     "could not decode the answer from api.example.test: invalid gzip"),
    (httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'."),
     ErrorKind.BAD_REQUEST, "unsupported URL: Request URL has an unsupported protocol 'ftp://'."),
    (ConnectionResetError(104, "Connection reset by peer"), ErrorKind.CONNECTION,
     "network error: [Errno 104] Connection reset by peer"),
    (TimeoutError(), ErrorKind.TIMEOUT, "timed out"),
    (ValueError("odd"), ErrorKind.PROTOCOL, "unexpected ValueError: odd"),
])
def test_classify_transport_error(exc: Exception, kind: ErrorKind, message: str) -> None:
    error = classify_transport_error(exc)
    assert (error.kind, error.message, error.status) == (kind, message, None)


def test_classify_mentions_how_much_arrived() -> None:
    exc = httpx.RemoteProtocolError("incomplete chunked read", request=REQUEST)
    assert classify_transport_error(exc, received=1234).message == (
        "connection closed by api.example.test before the answer was complete after 1.2 kB")
    read = httpx.ReadTimeout("", request=REQUEST)
    assert classify_transport_error(read, received=12).message == (
        "read timeout: api.example.test stopped sending data after 12 bytes")


def test_classify_passes_provider_errors_through() -> None:
    original = ProviderError(ErrorKind.AUTH, "HTTP 401: no")
    assert classify_transport_error(original) is original


# Real sockets on 127.0.0.1: the same errors, provoked for real through a provider stream.

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

SSE_HEAD = (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\n\r\n")
FIRST_EVENT = b'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


async def _read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)


async def _run_against(handler: Handler, limits: httpx.Timeout
                       ) -> tuple[list[Event], BaseException | None]:
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await _read_request(reader)
        await handler(reader, writer)

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    events: list[Event] = []
    failure: BaseException | None = None
    provider = make_provider("openai", base_url=f"http://127.0.0.1:{port}/v1")
    try:
        async with httpx.AsyncClient(timeout=limits) as client:
            try:
                async for event in provider.stream(client, single_turn("m", "hi")):
                    events.append(event)
            except Exception as exc:
                failure = exc
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()
    return events, failure


def test_real_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> BaseException | None:
        provider = make_provider("openai", base_url=f"http://127.0.0.1:{port}/v1")
        async with httpx.AsyncClient() as client:
            try:
                async for _ in provider.stream(client, single_turn("m", "hi")):
                    pass
            except Exception as exc:
                return exc
        return None

    exc = asyncio.run(main())
    assert isinstance(exc, httpx.ConnectError)
    error = classify_transport_error(exc)
    assert error.kind is ErrorKind.CONNECTION
    assert error.message.startswith("could not connect to 127.0.0.1")


def test_real_connection_dropped_mid_stream() -> None:
    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(SSE_HEAD + _chunk(FIRST_EVENT))
        await writer.drain()
        writer.close()

    events, exc = asyncio.run(_run_against(drop, httpx.Timeout(5.0)))
    assert events == [TextDelta("Hel")]
    assert isinstance(exc, httpx.RemoteProtocolError)
    error = classify_transport_error(exc)
    assert (error.kind, error.message) == (
        ErrorKind.CONNECTION, "connection closed by 127.0.0.1 before the answer was complete")


def test_real_read_timeout() -> None:
    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(SSE_HEAD + _chunk(FIRST_EVENT))
        await writer.drain()
        await reader.read()  # until the client gives up and closes

    events, exc = asyncio.run(_run_against(stall, httpx.Timeout(5.0, read=0.3)))
    assert events == [TextDelta("Hel")]
    assert isinstance(exc, httpx.ReadTimeout)
    error = classify_transport_error(exc)
    assert (error.kind, error.message) == (
        ErrorKind.TIMEOUT, "read timeout: 127.0.0.1 stopped sending data")


def test_real_short_body_with_content_length() -> None:
    async def short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                     b"content-length: 5000\r\n\r\n" + FIRST_EVENT)
        await writer.drain()
        writer.close()

    events, exc = asyncio.run(_run_against(short, httpx.Timeout(5.0)))
    assert events == [TextDelta("Hel")]
    assert isinstance(exc, httpx.RemoteProtocolError)
    assert classify_transport_error(exc).kind is ErrorKind.CONNECTION


def test_real_error_status_with_body() -> None:
    body = _json({"error": {"message": "Rate limit reached for gpt-4o", "type": "requests"}})

    async def limited(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n"
                     b"retry-after: 20\r\ncontent-length: " + str(len(body)).encode()
                     + b"\r\n\r\n" + body)
        await writer.drain()

    events, exc = asyncio.run(_run_against(limited, httpx.Timeout(5.0)))
    assert events == []
    assert isinstance(exc, ProviderError)
    assert (exc.kind, exc.status, exc.retry_after, exc.message) == (
        ErrorKind.RATE_LIMIT, 429, 20.0, "HTTP 429: Rate limit reached for gpt-4o")


@pytest.mark.parametrize(("data", "expected"), [
    ('{"a": [1, {"b": null}]}', {"a": [1, {"b": None}]}),
    ('{"a": 1}  ', {"a": 1}),  # trailing and leading blanks: the slow way, same answer
    (' \t{"a": 1}', {"a": 1}),
    ('{"t": "\\u00e9\\ud83d\\ude42"}', {"t": "é🙂"}),
])
def test_a_json_frame_is_one_object(data: str, expected: dict[str, object]) -> None:
    assert parse_json_object(data) == expected


@pytest.mark.parametrize("data", ['{"a": 1}{"b": 2}', '{"a": 1} x', '{"a": ', "{", "[1]",
                                  '"text"', "", "{'a': 1}"])
def test_anything_else_is_a_malformed_frame(data: str) -> None:
    with pytest.raises(ProviderError) as caught:
        parse_json_object(data)
    assert caught.value.kind is ErrorKind.PROTOCOL
