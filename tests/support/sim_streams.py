"""Wire bytes of each provider protocol: streams, error bodies and model listings.

Shapes follow the recordings in tests/fixtures/provider-recordings (OpenAI and DeepSeek
chunks, Anthropic message events, Gemini CRLF-separated SSE) and the providers' own
documentation where no recording exists (Ollama's NDJSON, Gemini's error object, Anthropic's
mid-stream `event: error`). Rendering is template-based: only each delta's text goes
through `json.dumps`, so a stream of 20,000 chunks renders in a few tens of milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

WireProtocol = Literal["openai", "anthropic", "gemini", "ollama"]
PROTOCOLS: tuple[WireProtocol, ...] = ("openai", "anthropic", "gemini", "ollama")

CONTENT_TYPES: dict[str, str] = {
    "openai": "text/event-stream; charset=utf-8",
    "azure": "text/event-stream; charset=utf-8",
    "anthropic": "text/event-stream; charset=utf-8",
    "gemini": "text/event-stream",
    "ollama": "application/x-ndjson",
}

CREATED = 1752169304  # a fixed timestamp keeps rendered streams reproducible


def _j(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Rendered:
    """A stream split where faults are injected: opening events, one frame per delta
    (reasoning first, then text), and the closing events with usage and end marker."""

    head: list[bytes]
    deltas: list[bytes]
    tail: list[bytes]

    def frames(self) -> list[bytes]:
        return [*self.head, *self.deltas, *self.tail]


def render(protocol: str, model: str, text: Sequence[str], reasoning: Sequence[str] = (),
           usage: tuple[int, int] | None = (12, 34)) -> Rendered:
    if protocol == "openai":
        return _openai(model, text, reasoning, usage)
    if protocol == "azure":  # OpenAI's stream after the prompt's content-filter results
        rendered = _openai(model, text, reasoning, usage)
        return Rendered([AZURE_PROMPT_FILTER, *rendered.head], rendered.deltas, rendered.tail)
    if protocol == "anthropic":
        return _anthropic(model, text, reasoning, usage)
    if protocol == "gemini":
        return _gemini(model, text, reasoning, usage)
    if protocol == "ollama":
        return _ollama(model, text, reasoning, usage)
    raise ValueError(f"unknown protocol {protocol!r}")


def _openai(model: str, text: Sequence[str], reasoning: Sequence[str],
            usage: tuple[int, int] | None) -> Rendered:
    start = (b'data: {"id":"chatcmpl-sim","object":"chat.completion.chunk","created":'
             + str(CREATED).encode() + b',"model":' + _j(model) + b',"choices":[{"index":0,')
    end = b',"logprobs":null,"finish_reason":null}]}\n\n'
    head = [start + b'"delta":{"role":"assistant","content":""}' + end]
    deltas = [start + b'"delta":{"reasoning_content":' + _j(r) + b'}' + end for r in reasoning]
    deltas += [start + b'"delta":{"content":' + _j(t) + b'}' + end for t in text]
    tail = [start + b'"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n\n']
    if usage is not None:
        numbers = {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                   "total_tokens": usage[0] + usage[1]}
        tail.append(start[: -len(b'{"index":0,')] + b'],"usage":' + _j(numbers) + b"}\n\n")
    tail.append(b"data: [DONE]\n\n")
    return Rendered(head, deltas, tail)


AZURE_PROMPT_FILTER = (
    b'data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":'
    b'[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},'
    b'"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,'
    b'"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}]}\n\n')


def _sse(event: str, data: bytes) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + data + b"\n\n"


def _anthropic(model: str, text: Sequence[str], reasoning: Sequence[str],
               usage: tuple[int, int] | None) -> Rendered:
    tokens_in, tokens_out = usage if usage is not None else (0, 0)
    message: dict[str, Any] = {
        "model": model, "id": "msg_sim", "type": "message", "role": "assistant", "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": tokens_in, "output_tokens": 1}}
    head = [_sse("message_start", _j({"type": "message_start", "message": message})),
            _sse("ping", b'{"type": "ping"}')]
    index = 0
    if reasoning:
        block = {"type": "content_block_start", "index": 0,
                 "content_block": {"type": "thinking", "thinking": "", "signature": ""}}
        head.append(_sse("content_block_start", _j(block)))
    else:
        block = {"type": "content_block_start", "index": 0,
                 "content_block": {"type": "text", "text": ""}}
        head.append(_sse("content_block_start", _j(block)))
    deltas = [
        _sse("content_block_delta",
             b'{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta",'
             b'"thinking":' + _j(r) + b"}}")
        for r in reasoning
    ]
    switch = b""
    if reasoning and text:
        index = 1
        switch = (
            _sse("content_block_delta", _j({"type": "content_block_delta", "index": 0,
                                             "delta": {"type": "signature_delta",
                                                       "signature": "c2ltdWxhdGVk"}}))
            + _sse("content_block_stop", b'{"type":"content_block_stop","index":0}')
            + _sse("content_block_start", _j({"type": "content_block_start", "index": 1,
                                               "content_block": {"type": "text", "text": ""}})))
    prefix = (b'{"type":"content_block_delta","index":' + str(index).encode()
              + b',"delta":{"type":"text_delta","text":')
    for i, t in enumerate(text):
        frame = _sse("content_block_delta", prefix + _j(t) + b"}}")
        deltas.append(switch + frame if i == 0 else frame)
    stop = {"type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": tokens_out}}
    tail = [_sse("content_block_stop",
                 b'{"type":"content_block_stop","index":' + str(index).encode() + b"}"),
            _sse("message_delta", _j(stop)),
            _sse("message_stop", b'{"type":"message_stop"}')]
    return Rendered(head, deltas, tail)


def _gemini(model: str, text: Sequence[str], reasoning: Sequence[str],
            usage: tuple[int, int] | None) -> Rendered:
    tokens_in, tokens_out = usage if usage is not None else (0, 0)
    running = _j({"promptTokenCount": tokens_in, "totalTokenCount": tokens_in})
    after = (b'],"role":"model"},"index":0}],"usageMetadata":' + running
             + b',"modelVersion":' + _j(model) + b',"responseId":"sim"}\r\n\r\n')
    start = b'data: {"candidates":[{"content":{"parts":['
    deltas = [start + b'{"text":' + _j(r) + b',"thought":true}' + after for r in reasoning]
    deltas += [start + b'{"text":' + _j(t) + b"}" + after for t in text]
    final_usage = {"promptTokenCount": tokens_in, "candidatesTokenCount": tokens_out,
                   "totalTokenCount": tokens_in + tokens_out}
    final = {"candidates": [{"content": {"parts": [{"text": ""}], "role": "model"},
                             "finishReason": "STOP", "index": 0}],
             "usageMetadata": final_usage, "modelVersion": model, "responseId": "sim"}
    tail = [b"data: " + _j(final) + b"\r\n\r\n"]
    return Rendered([], deltas, tail)


def _ollama(model: str, text: Sequence[str], reasoning: Sequence[str],
            usage: tuple[int, int] | None) -> Rendered:
    start = (b'{"model":' + _j(model)
             + b',"created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant",')
    deltas = [start + b'"content":"","thinking":' + _j(r) + b'},"done":false}\n'
              for r in reasoning]
    deltas += [start + b'"content":' + _j(t) + b'},"done":false}\n' for t in text]
    final: dict[str, Any] = {
        "model": model, "created_at": "2025-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
        "total_duration": 1000, "load_duration": 10, "prompt_eval_duration": 100,
        "eval_duration": 800}
    if usage is not None:
        final["prompt_eval_count"], final["eval_count"] = usage
    return Rendered([], deltas, [_j(final) + b"\n"])


# --- errors -------------------------------------------------------------------------------

_OPENAI_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", "invalid_value",
          "Invalid value for 'temperature': must be between 0 and 2."),
    401: ("invalid_request_error", "invalid_api_key",
          "Incorrect API key provided. You can find your API key in your account settings."),
    403: ("invalid_request_error", "model_not_allowed",
          "Project does not have access to model {model}."),
    404: ("invalid_request_error", "model_not_found",
          "The model `{model}` does not exist or you do not have access to it."),
    429: ("requests", "rate_limit_exceeded",
          "Rate limit reached for {model} on requests per min (RPM): Limit 3, Used 3."),
    500: ("server_error", None,
          "The server had an error while processing your request. Sorry about that!"),
    503: ("server_error", None,
          "The engine is currently overloaded, please try again later."),
    529: ("server_error", "overloaded", "The upstream provider is overloaded."),
}

_ANTHROPIC_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "max_tokens: must be greater than or equal to 1"),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error",
          "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "model: {model}"),
    429: ("rate_limit_error",
          "This request would exceed the rate limit for your organization of 50 requests "
          "per minute."),
    500: ("api_error", "Internal server error"),
    503: ("overloaded_error", "Service temporarily unavailable"),
    529: ("overloaded_error", "Overloaded"),
}

_GEMINI_ERRORS: dict[int, tuple[str, str]] = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: ("UNAUTHENTICATED",
          "Request had invalid authentication credentials. Expected OAuth 2 access token, "
          "login cookie or other valid authentication credential."),
    403: ("PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without "
          "established identity). Please use API Key or other form of API consumer identity."),
    404: ("NOT_FOUND", "models/{model} is not found for API version v1beta, or is not "
          "supported for generateContent."),
    429: ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
    500: ("INTERNAL", "An internal error has occurred. Please retry or report in "
          "https://developers.generativeai.google/guide/troubleshooting"),
    503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
    529: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
}

# Azure's {"error": {"code", "message"}}: the code is a name or the status as a string.
_AZURE_ERRORS: dict[int, tuple[str, str]] = {
    400: ("content_filter",
          "The response was filtered due to the prompt triggering Azure OpenAI's content "
          "management policy. Please modify your prompt and retry."),
    401: ("401", "Access denied due to invalid subscription key or wrong API endpoint. Make "
          "sure to provide a valid key for an active subscription and use a correct regional "
          "API endpoint for your resource."),
    403: ("403", "Public access is disabled. Please configure private endpoint."),
    404: ("DeploymentNotFound", "The API deployment for this resource does not exist. If you "
          "created the deployment within the last 5 minutes, please wait a moment and try "
          "again."),
    429: ("429", "Requests to the ChatCompletions_Create Operation under Azure OpenAI API "
          "version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 "
          "pricing tier. Please retry after 6 seconds."),
    500: ("InternalServerError", "The server had an error while processing your request."),
    503: ("ServiceUnavailable", "The service is temporarily unable to process your request."),
}

_OLLAMA_ERRORS: dict[int, str] = {
    400: "invalid options: temperature must be a number",
    401: "unauthorized",
    403: "forbidden",
    404: 'model "{model}" not found, try pulling it first',
    429: "too many requests",
    500: "llama runner process has terminated: exit status 2",
    503: "server busy, please try again. maximum pending requests exceeded",
    529: "server overloaded",
}


def error_message(protocol: str, status: int, model: str) -> str:
    """The provider's own words for an HTTP error: what a client should show."""
    if protocol == "openai":
        template = _OPENAI_ERRORS.get(status, ("server_error", None, f"HTTP {status}"))[2]
    elif protocol == "anthropic":
        template = _ANTHROPIC_ERRORS.get(status, ("api_error", f"HTTP {status}"))[1]
    elif protocol == "gemini":
        template = _GEMINI_ERRORS.get(status, ("UNKNOWN", f"HTTP {status}"))[1]
    elif protocol == "azure":
        template = _AZURE_ERRORS.get(status, (str(status), f"HTTP {status}"))[1]
    else:
        template = _OLLAMA_ERRORS.get(status, f"HTTP {status}")
    return template.replace("{model}", model)


def error_body(protocol: str, status: int, model: str, message: str | None = None) -> bytes:
    text = message if message is not None else error_message(protocol, status, model)
    if protocol == "openai":
        kind, code, _ = _OPENAI_ERRORS.get(status, ("server_error", None, ""))
        return _j({"error": {"message": text, "type": kind, "param": None, "code": code}})
    if protocol == "anthropic":
        kind = _ANTHROPIC_ERRORS.get(status, ("api_error", ""))[0]
        return _j({"type": "error", "error": {"type": kind, "message": text},
                   "request_id": "req_sim"})
    if protocol == "gemini":
        name = _GEMINI_ERRORS.get(status, ("UNKNOWN", ""))[0]
        return _j({"error": {"code": status, "message": text, "status": name}})
    if protocol == "azure":
        code = _AZURE_ERRORS.get(status, (str(status), ""))[0]
        return _j({"error": {"code": code, "message": text}})
    return _j({"error": text})


# --- mid-stream faults --------------------------------------------------------------------

MIDSTREAM_MESSAGES: dict[str, str] = {
    "openai": "Provider disconnected unexpectedly",
    "azure": "Provider disconnected unexpectedly",
    "anthropic": "Overloaded",
    "gemini": "The model is overloaded. Please try again later.",
    "ollama": "llama runner process has terminated: signal: killed",
}


def midstream_error(protocol: str, model: str) -> list[bytes]:
    """The error a provider sends inside an HTTP 200 stream, and what follows it."""
    message = MIDSTREAM_MESSAGES[protocol]
    if protocol in ("openai", "azure"):
        # OpenRouter's documented shape: the error rides on a chunk whose finish_reason is
        # "error", and the stream still ends with [DONE].
        chunk = {"id": "gen-sim", "object": "chat.completion.chunk", "created": CREATED,
                 "model": model, "provider": "Simulated",
                 "error": {"code": 502, "message": message},
                 "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]}
        return [b"data: " + _j(chunk) + b"\n\n", b"data: [DONE]\n\n"]
    if protocol == "anthropic":
        return [_sse("error", _j({"type": "error",
                                  "error": {"type": "overloaded_error", "message": message}}))]
    if protocol == "gemini":
        body = {"error": {"code": 503, "message": message, "status": "UNAVAILABLE"}}
        return [b"data: " + _j(body) + b"\r\n\r\n"]
    return [_j({"error": message}) + b"\n"]


def malformed_frame(protocol: str) -> bytes:
    """A frame whose JSON is cut in the middle of a string."""
    if protocol in ("openai", "azure"):
        return b'data: {"id":"chatcmpl-sim","choices":[{"index":0,"delta":{"content":"tru\n\n'
    if protocol == "anthropic":
        return _sse("content_block_delta",
                    b'{"type":"content_block_delta","index":0,"delta":{"type":"text_del')
    if protocol == "gemini":
        return b'data: {"candidates": [{"content": {"parts": [{"text": "tru\r\n\r\n'
    return b'{"model":"sim","message":{"role":"assistant","content":"tru\n'


HTML_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n"
    b"<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n"
    b"</body>\n</html>\n"
)


# --- model listings -----------------------------------------------------------------------

DEFAULT_LISTINGS: dict[str, tuple[str, ...]] = {
    "openai": ("gpt-4o-mini", "deepseek-reasoner", "qwen3-max-preview"),
    "anthropic": ("claude-haiku-4-5-20251001", "claude-sonnet-4-20250514"),
    "gemini": ("gemini-2.5-flash", "gemini-2.5-pro"),
    "ollama": ("llama3.2:latest", "qwen3:0.6b"),
    "azure": ("gpt-4o", "gpt-4.1-mini"),  # a resource's base models, not its deployments
}


def listing_body(protocol: str, ids: Sequence[str]) -> bytes:
    if protocol in ("openai", "azure"):
        return _j({"object": "list", "data": [
            {"id": i, "object": "model", "created": CREATED, "owned_by": "simulator"}
            for i in ids]})
    if protocol == "anthropic":
        data = [{"type": "model", "id": i, "display_name": i.replace("-", " ").title(),
                 "created_at": "2025-05-14T00:00:00Z"} for i in ids]
        return _j({"data": data, "has_more": False,
                   "first_id": ids[0] if ids else None, "last_id": ids[-1] if ids else None})
    if protocol == "gemini":
        return _j({"models": [
            {"name": f"models/{i}", "version": "001", "displayName": i,
             "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
             "supportedGenerationMethods": ["generateContent", "countTokens"]}
            for i in ids]})
    return _j({"models": [
        {"name": i, "model": i, "modified_at": "2025-01-01T00:00:00Z", "size": 1000000,
         "digest": "0" * 64, "details": {"format": "gguf", "family": "sim"}} for i in ids]})
