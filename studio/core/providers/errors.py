"""Turning HTTP statuses, error bodies, in-stream error objects and transport failures
into `ProviderError`s whose kind the runner can act on and whose message a person can read."""

from __future__ import annotations

import email.utils
import html
import json
import re
import time
from collections.abc import Mapping
from datetime import UTC
from typing import Any

import httpx

from studio.core.events import ErrorKind, ProviderError

MAX_MESSAGE = 500

_STATUS_KINDS: dict[int, ErrorKind] = {
    401: ErrorKind.AUTH,
    403: ErrorKind.AUTH,
    400: ErrorKind.BAD_REQUEST,
    404: ErrorKind.BAD_REQUEST,
    405: ErrorKind.BAD_REQUEST,
    413: ErrorKind.BAD_REQUEST,
    422: ErrorKind.BAD_REQUEST,
    408: ErrorKind.TIMEOUT,
    429: ErrorKind.RATE_LIMIT,
    500: ErrorKind.SERVER,
    502: ErrorKind.SERVER,
    504: ErrorKind.SERVER,
    503: ErrorKind.OVERLOADED,
    529: ErrorKind.OVERLOADED,
}

# Anthropic's error.type values (also seen from proxies that imitate it).
_ERROR_TYPE_KINDS: dict[str, ErrorKind] = {
    "overloaded_error": ErrorKind.OVERLOADED,
    "rate_limit_error": ErrorKind.RATE_LIMIT,
    "api_error": ErrorKind.SERVER,
    "authentication_error": ErrorKind.AUTH,
    "permission_error": ErrorKind.AUTH,
    "billing_error": ErrorKind.AUTH,
    "invalid_request_error": ErrorKind.BAD_REQUEST,
    "not_found_error": ErrorKind.BAD_REQUEST,
    "request_too_large": ErrorKind.BAD_REQUEST,
    "timeout_error": ErrorKind.TIMEOUT,
}

# Google's canonical status names, for Gemini errors that carry no usable HTTP code.
_GOOGLE_STATUS_KINDS: dict[str, ErrorKind] = {
    "RESOURCE_EXHAUSTED": ErrorKind.RATE_LIMIT,
    "UNAVAILABLE": ErrorKind.OVERLOADED,
    "INTERNAL": ErrorKind.SERVER,
    "DEADLINE_EXCEEDED": ErrorKind.TIMEOUT,
    "UNAUTHENTICATED": ErrorKind.AUTH,
    "PERMISSION_DENIED": ErrorKind.AUTH,
    "INVALID_ARGUMENT": ErrorKind.BAD_REQUEST,
    "NOT_FOUND": ErrorKind.BAD_REQUEST,
    "FAILED_PRECONDITION": ErrorKind.BAD_REQUEST,
}

INCOMPLETE_STREAM = "stream ended before the answer was complete"


def kind_for_status(status: int) -> ErrorKind:
    known = _STATUS_KINDS.get(status)
    if known is not None:
        return known
    return ErrorKind.SERVER if status >= 500 else ErrorKind.BAD_REQUEST


def truncate(text: str, limit: int = MAX_MESSAGE) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _as_text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return _clean(value)
    return None


def message_from_error_json(data: Any) -> str | None:
    """The provider's own words from the error shapes seen in the wild.

    OpenAI/compatible: {"error": {"message", "type", "code"}}; Anthropic:
    {"type": "error", "error": {"type", "message"}}; Gemini: {"error": {"code", "message",
    "status"}}, sometimes wrapped in a one-element list; OpenRouter adds
    error.metadata {provider_name, raw}; Ollama and some servers: {"error": "text"};
    FastAPI-style servers: {"detail": ...}; others a bare {"message": ...}.
    """
    if isinstance(data, list) and data:
        return message_from_error_json(data[0])
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, str):
        return _as_text(error)
    if isinstance(error, dict):
        message = _as_text(error.get("message"))
        metadata = error.get("metadata")
        if isinstance(metadata, dict):
            raw = metadata.get("raw")
            raw_text = _as_text(raw) if isinstance(raw, str) else None
            if raw_text is None and raw is not None:
                raw_text = message_from_error_json(raw) or _as_text(json.dumps(raw))
            upstream = _as_text(metadata.get("provider_name"))
            if raw_text and raw_text != message:
                where = f" ({upstream})" if upstream else ""
                message = f"{message or 'Provider returned error'}{where}: {raw_text}"
        if message is None:
            message = _as_text(error.get("type")) or _as_text(error.get("status"))
        return message
    detail = data.get("detail")
    if isinstance(detail, str):
        return _as_text(detail)
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        return _as_text(detail[0].get("msg"))
    return _as_text(data.get("message"))


def html_title(text: str) -> str | None:
    match = re.search(r"<title[^>]*>(.*?)</title\s*>", text, re.IGNORECASE | re.DOTALL)
    if match:
        return _as_text(html.unescape(match.group(1)))
    heading = re.search(r"<h1[^>]*>(.*?)</h1\s*>", text, re.IGNORECASE | re.DOTALL)
    if heading:
        return _as_text(re.sub(r"<[^>]+>", "", html.unescape(heading.group(1))))
    return None


def looks_like_html(content_type: str, text: str) -> bool:
    if "html" in content_type.lower():
        return True
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body"))


def describe_body(content_type: str, body: bytes) -> str | None:
    """Best short description of an error body: the provider's message, a page title,
    or the first line of plain text."""
    text = body.decode("utf-8", errors="replace")
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if data is not None:
        found = message_from_error_json(data)
        if found:
            return found
        return truncate(_clean(text), 200)
    if looks_like_html(content_type, text):
        return html_title(text) or "an HTML page"
    return truncate(_clean(text), 200)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if seconds != seconds or seconds in (float("inf"), float("-inf")):
            return None
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT, even when it forgets to say so
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def retry_after_from_headers(headers: Mapping[str, str], now: float | None = None) -> float | None:
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            value = float(millis)
        except ValueError:
            value = -1.0
        if value >= 0 and value == value and value != float("inf"):
            return value / 1000.0
    return parse_retry_after(headers.get("retry-after"), now)


def error_from_response(status: int, headers: httpx.Headers, body: bytes) -> ProviderError:
    kind = kind_for_status(status)
    content_type = headers.get("content-type", "")
    detail = describe_body(content_type, body)
    if status == 404:
        prefix = "HTTP 404 (model or URL not found)"
    elif 300 <= status < 400:
        location = headers.get("location")
        prefix = f"HTTP {status} (redirected{' to ' + location if location else ''}; "
        prefix += "check the base URL)"
    else:
        prefix = f"HTTP {status}"
    if detail is None:
        detail = httpx.codes.get_reason_phrase(status) or "no details in the response"
    if kind is ErrorKind.BAD_REQUEST and b"API_KEY_INVALID" in body:
        kind = ErrorKind.AUTH  # Gemini answers a wrong key with 400, not 401
    return ProviderError(
        kind,
        truncate(f"{prefix}: {detail}"),
        status=status,
        retry_after=retry_after_from_headers(headers),
    )


def _kind_from_words(text: str) -> ErrorKind | None:
    lowered = text.lower()
    if "overload" in lowered:
        return ErrorKind.OVERLOADED
    if re.search(r"\brate[ _-]?limit", lowered):
        return ErrorKind.RATE_LIMIT
    return None


def stream_error(error: Any) -> ProviderError:
    """An error object that arrived inside a 200 stream (OpenRouter, llama.cpp, Gemini).

    The HTTP exchange itself succeeded, so retryable-looking codes keep their kind
    (429 → rate_limit, 529/overloaded → overloaded) and everything else is reported as a
    server failure rather than a bad request.
    """
    body: dict[str, Any] = error if isinstance(error, dict) else {"message": str(error)}
    code = body.get("code")
    status_name = body.get("status") if isinstance(body.get("status"), str) else None
    type_name = body.get("type") if isinstance(body.get("type"), str) else None
    message = message_from_error_json({"error": body}) or "unknown error"
    kind: ErrorKind | None = None
    number: int | None = None
    if isinstance(code, int) and not isinstance(code, bool):
        number = code
    elif isinstance(code, str) and code.isdigit():
        number = int(code)
    if number == 429:
        kind = ErrorKind.RATE_LIMIT
    elif number == 529:
        kind = ErrorKind.OVERLOADED
    elif number is not None and number >= 500:
        kind = ErrorKind.SERVER
    if kind is None and type_name in _ERROR_TYPE_KINDS:
        kind = _ERROR_TYPE_KINDS[type_name]
        if kind not in (ErrorKind.RATE_LIMIT, ErrorKind.OVERLOADED):
            kind = ErrorKind.SERVER
    if kind is None:
        words = " ".join(str(x) for x in (code, status_name, type_name, message) if x)
        kind = _kind_from_words(words)
    if kind is None and status_name == "RESOURCE_EXHAUSTED":
        kind = ErrorKind.RATE_LIMIT
    label = f" (code {code})" if code not in (None, "") else ""
    text = truncate(f"error in the stream{label}: {message}")
    return ProviderError(kind or ErrorKind.SERVER, text)


def anthropic_stream_error(error: Any) -> ProviderError:
    """Anthropic's `event: error` payload: the kind follows error.type."""
    body = error if isinstance(error, dict) else {}
    type_name = body.get("type") if isinstance(body.get("type"), str) else None
    kind = _ERROR_TYPE_KINDS.get(type_name or "", ErrorKind.SERVER)
    message = _as_text(body.get("message")) or type_name or "unknown error"
    label = f" ({type_name})" if type_name else ""
    return ProviderError(kind, truncate(f"error in the stream{label}: {message}"))


def google_error(error: Any) -> ProviderError:
    """A Gemini {"error": {...}} object met inside a stream."""
    body = error if isinstance(error, dict) else {"message": str(error)}
    code = body.get("code")
    status_name = body.get("status")
    kind = None
    if isinstance(code, int) and not isinstance(code, bool) and code >= 400:
        kind = kind_for_status(code)
    if kind is None and isinstance(status_name, str):
        kind = _GOOGLE_STATUS_KINDS.get(status_name)
    message = _as_text(body.get("message")) or str(status_name or "unknown error")
    names = " ".join(str(x) for x in (code, status_name) if x)
    label = f" ({names})" if names else ""
    text = truncate(f"error in the stream{label}: {message}")
    return ProviderError(kind or ErrorKind.SERVER, text)


def incomplete_stream_error() -> ProviderError:
    return ProviderError(ErrorKind.PROTOCOL, INCOMPLETE_STREAM)


def malformed_json_error(data: str) -> ProviderError:
    return ProviderError(
        ErrorKind.PROTOCOL, truncate(f"malformed JSON in the stream: {_clean(data)[:200]}"))


def _format_size(count: int) -> str:
    if count < 1000:
        return f"{count} bytes"
    if count < 1_000_000:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1_000_000:.1f} MB"


def _host_of(exc: httpx.RequestError) -> str:
    try:
        request = exc.request
    except RuntimeError:
        return "the server"
    return request.url.host or "the server"


def classify_transport_error(exc: Exception, *, received: int | None = None) -> ProviderError:
    """Map an exception from sending or reading a request to a kind and a plain message.

    `received` (bytes of the answer already read) only improves the message.
    """
    if isinstance(exc, ProviderError):
        return exc
    after = f" after {_format_size(received)}" if received else ""
    detail = str(exc).strip()
    reason = f": {detail}" if detail else ""
    if isinstance(exc, httpx.RequestError):
        host = _host_of(exc)
        if isinstance(exc, httpx.ConnectTimeout):
            return ProviderError(ErrorKind.TIMEOUT, f"timed out connecting to {host}")
        if isinstance(exc, httpx.ReadTimeout):
            return ProviderError(
                ErrorKind.TIMEOUT, f"read timeout: {host} stopped sending data{after}")
        if isinstance(exc, httpx.WriteTimeout):
            return ProviderError(ErrorKind.TIMEOUT, f"timed out sending the request to {host}")
        if isinstance(exc, httpx.PoolTimeout):
            return ProviderError(ErrorKind.TIMEOUT, "timed out waiting for a free connection")
        if isinstance(exc, httpx.TimeoutException):
            return ProviderError(ErrorKind.TIMEOUT, f"timed out talking to {host}{reason}")
        if isinstance(exc, httpx.UnsupportedProtocol):
            return ProviderError(ErrorKind.BAD_REQUEST, f"unsupported URL{reason}")
        if isinstance(exc, httpx.ConnectError | httpx.ProxyError):
            return ProviderError(
                ErrorKind.CONNECTION, truncate(f"could not connect to {host}{reason}"))
        if isinstance(exc, httpx.RemoteProtocolError):
            lowered = detail.lower()
            if "incomplete" in lowered or "peer closed" in lowered or "without sending" in lowered:
                text = f"connection closed by {host} before the answer was complete{after}"
            else:
                text = f"{host} broke the HTTP protocol{after}{reason}"
            return ProviderError(ErrorKind.CONNECTION, truncate(text))
        if isinstance(exc, httpx.ReadError):
            return ProviderError(
                ErrorKind.CONNECTION,
                truncate(f"connection to {host} lost while reading the answer{after}{reason}"))
        if isinstance(exc, httpx.WriteError):
            return ProviderError(
                ErrorKind.CONNECTION,
                truncate(f"connection to {host} lost while sending the request{reason}"))
        if isinstance(exc, httpx.NetworkError):
            return ProviderError(
                ErrorKind.CONNECTION, truncate(f"network error with {host}{reason}"))
        if isinstance(exc, httpx.DecodingError):
            return ProviderError(
                ErrorKind.PROTOCOL, truncate(f"could not decode the answer from {host}{reason}"))
        return ProviderError(ErrorKind.PROTOCOL, truncate(f"HTTP error with {host}{reason}"))
    if isinstance(exc, httpx.InvalidURL):
        return ProviderError(ErrorKind.BAD_REQUEST, truncate(f"invalid URL{reason}"))
    if isinstance(exc, TimeoutError):
        return ProviderError(ErrorKind.TIMEOUT, f"timed out{after}")
    if isinstance(exc, OSError):
        return ProviderError(ErrorKind.CONNECTION, truncate(f"network error{after}{reason}"))
    return ProviderError(
        ErrorKind.PROTOCOL, truncate(f"unexpected {type(exc).__name__}{after}{reason}"))
