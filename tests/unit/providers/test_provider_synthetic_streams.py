"""Stream shapes the recordings do not cover, built from the providers' documentation,
and the broken streams a client must survive."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.events import ErrorKind, Finished, ReasoningDelta, TextDelta, Usage
from studio.core.providers.errors import INCOMPLETE_STREAM
from tests.unit.providers.provider_replay import NDJSON_HEADERS, SSE_HEADERS, Exchange, replay, sse

SPLITS = ["whole", "1", "7", "random"]


def chunk(delta: dict[str, object], finish: str | None = None,
          **extra: object) -> dict[str, object]:
    return {"object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


@pytest.mark.parametrize("how", SPLITS)
def test_moonshot_usage_inside_the_choice(how: str) -> None:
    final = chunk({}, "stop")
    final["choices"][0]["usage"] = {  # type: ignore[index]
        "prompt_tokens": 19, "completion_tokens": 13, "total_tokens": 32}
    body = sse(chunk({"role": "assistant", "content": ""}), chunk({"content": "你好"}),
               chunk({"content": "!"}), final, "[DONE]")
    outcome = replay("kimi", 200, SSE_HEADERS, body, how)
    assert outcome.error is None
    assert outcome.text == "你好!"
    assert outcome.usage == Usage(19, 13)
    assert outcome.finished == Finished("stop")


@pytest.mark.parametrize("how", SPLITS)
def test_deepseek_keep_alive_comments(how: str) -> None:
    body = (b": keep-alive\n\n: keep-alive\n\n"
            + sse(chunk({"reasoning_content": "Think."}))
            + b": keep-alive\n\n"
            + sse(chunk({"content": "Done."}),
                  chunk({"content": ""}, "stop",
                        usage={"prompt_tokens": 4, "completion_tokens": 5,
                               "completion_tokens_details": {"reasoning_tokens": 2}}),
                  "[DONE]"))
    outcome = replay("deepseek", 200, SSE_HEADERS, body, how)
    assert (outcome.text, outcome.reasoning, outcome.usage) == ("Done.", "Think.", Usage(4, 5))
    assert outcome.finished == Finished("stop")


def test_reasoning_sent_twice_in_one_delta_is_counted_once() -> None:
    # reasoning_details repeat `reasoning` when both come; alone, they are the reasoning
    body = sse(chunk({"reasoning": "a", "reasoning_content": "a",
                      "reasoning_details": [{"type": "reasoning.text", "text": "a"}]}),
               chunk({"reasoning_details": [{"type": "reasoning.text", "text": "b"}]}),
               chunk({"content": "x"}, "stop"), "[DONE]")
    outcome = replay("openrouter", 200, SSE_HEADERS, body)
    assert (outcome.reasoning, outcome.text) == ("ab", "x")


def test_ollama_v1_reasoning_field() -> None:
    body = sse(chunk({"role": "assistant", "content": "", "reasoning": "Hmm"}),
               chunk({"content": "Hi"}), chunk({}, "stop"),
               {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 7}}, "[DONE]")
    outcome = replay("openai", 200, SSE_HEADERS, body)
    assert (outcome.reasoning, outcome.text, outcome.usage) == ("Hmm", "Hi", Usage(3, 7))


def test_tool_call_deltas_are_ignored() -> None:
    call = {"index": 0, "id": "c1", "type": "function",
            "function": {"name": "f", "arguments": "{}"}}
    body = sse(chunk({"content": "Let me check.", "tool_calls": [call]}),
               chunk({}, "tool_calls"), "[DONE]")
    outcome = replay("openai", 200, SSE_HEADERS, body)
    assert outcome.text == "Let me check."
    assert outcome.finished == Finished("tool_calls")


def test_finish_reason_without_done_marker_still_finishes() -> None:
    outcome = replay("openai", 200, SSE_HEADERS, sse(chunk({"content": "ok"}, "stop")))
    assert outcome.error is None
    assert outcome.finished == Finished("stop")


@pytest.mark.parametrize(("code", "kind"), [
    (429, ErrorKind.RATE_LIMIT), (502, ErrorKind.SERVER), (500, ErrorKind.SERVER),
    (529, ErrorKind.OVERLOADED), ("overloaded", ErrorKind.OVERLOADED),
    (400, ErrorKind.SERVER), ("server_error", ErrorKind.SERVER),
    ("rate_limit_exceeded", ErrorKind.RATE_LIMIT), ("generate_limit", ErrorKind.SERVER),
])
def test_openai_compatible_error_object_mid_stream(code: object, kind: ErrorKind) -> None:
    body = sse(chunk({"content": "partial "}),
               {"error": {"code": code, "message": "upstream went away"}})
    outcome = replay("openrouter", 200, SSE_HEADERS, body, "7")
    assert outcome.text == "partial "
    assert outcome.error is not None
    assert outcome.error.kind is kind
    assert outcome.error.message == f"error in the stream (code {code}): upstream went away"
    assert outcome.error.status is None


def test_plain_text_error_event() -> None:
    body = sse(chunk({"content": "a"})) + b"event: error\ndata: model crashed\n\n"
    outcome = replay("openai", 200, SSE_HEADERS, body)
    assert outcome.text == "a"
    assert outcome.error is not None
    assert (outcome.error.kind, outcome.error.message) == (
        ErrorKind.SERVER, "error in the stream: model crashed")


def _anthropic(*events: tuple[str, dict[str, object]]) -> bytes:
    return b"".join(sse(payload, event=name) for name, payload in events)


MESSAGE_START: tuple[str, dict[str, object]] = ("message_start", {
    "type": "message_start", "message": {
    "id": "m", "type": "message", "role": "assistant", "content": [],
    "usage": {"input_tokens": 12, "cache_creation_input_tokens": 100,
              "cache_read_input_tokens": 1000, "output_tokens": 1}}})


def _text_delta(text: str) -> tuple[str, dict[str, object]]:
    return ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                    "delta": {"type": "text_delta", "text": text}})


@pytest.mark.parametrize("how", SPLITS)
def test_anthropic_overloaded_error_mid_stream(how: str) -> None:
    body = _anthropic(
        MESSAGE_START,
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        _text_delta("Half an "),
        _text_delta("answer"),
        ("error", {"type": "error",
                   "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    )
    outcome = replay("anthropic", 200, SSE_HEADERS, body, how)
    assert outcome.text == "Half an answer"
    # cache reads and writes are parts of the input
    assert outcome.usage == Usage(1112, 1, cached_input_tokens=1000, cache_write_tokens=100)
    assert outcome.error is not None
    assert outcome.error.kind is ErrorKind.OVERLOADED
    assert outcome.error.message == "error in the stream (overloaded_error): Overloaded"


@pytest.mark.parametrize(("error_type", "kind"), [
    ("rate_limit_error", ErrorKind.RATE_LIMIT), ("api_error", ErrorKind.SERVER),
    ("invalid_request_error", ErrorKind.BAD_REQUEST), ("something_new", ErrorKind.SERVER),
])
def test_anthropic_error_types(error_type: str, kind: ErrorKind) -> None:
    body = _anthropic(("error", {"type": "error",
                                 "error": {"type": error_type, "message": "nope"}}))
    outcome = replay("anthropic", 200, SSE_HEADERS, body)
    assert outcome.error is not None
    assert outcome.error.kind is kind


def test_anthropic_unknown_events_and_signatures_are_ignored() -> None:
    body = _anthropic(
        MESSAGE_START,
        ("ping", {"type": "ping"}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "signature_delta", "signature": "abc"}}),
        ("brand_new_event", {"type": "brand_new_event", "stuff": [1, 2]}),
        _text_delta("ok"),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "max_tokens"},
                           "usage": {"output_tokens": 9}}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                           "usage": {"output_tokens": 10}}),
        ("message_stop", {"type": "message_stop"}),
    )
    outcome = replay("anthropic", 200, SSE_HEADERS, body)
    assert (outcome.text, outcome.reasoning) == ("ok", "")
    assert outcome.usage == Usage(1112, 10, cached_input_tokens=1000, cache_write_tokens=100)
    assert outcome.finished == Finished("end_turn")


@pytest.mark.parametrize("how", SPLITS)
def test_gemini_thoughts_and_crlf(how: str) -> None:
    first = {"candidates": [{"content": {"role": "model", "parts": [
        {"text": "Planning the page.", "thought": True}]}}],
        "usageMetadata": {"promptTokenCount": 7, "thoughtsTokenCount": 20}}
    second = {"candidates": [{"content": {"role": "model", "parts": [{"text": "<html>"}]},
                              "finishReason": "STOP"}],
              "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 3,
                                "thoughtsTokenCount": 20}}
    outcome = replay("gemini", 200, {"content-type": "text/event-stream"},
                     sse(first, second, sep="\r\n"), how)
    assert (outcome.reasoning, outcome.text) == ("Planning the page.", "<html>")
    assert outcome.usage == Usage(7, 23)
    assert outcome.finished == Finished("STOP")


def test_gemini_error_in_the_stream() -> None:
    ok = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Par"}]}}]}
    error = {"error": {"code": 503, "message": "The model is overloaded.",
                       "status": "UNAVAILABLE"}}
    outcome = replay("gemini", 200, SSE_HEADERS, sse(ok, error))
    assert outcome.text == "Par"
    assert outcome.error is not None
    assert outcome.error.kind is ErrorKind.OVERLOADED
    assert outcome.error.message == (
        "error in the stream (503 UNAVAILABLE): The model is overloaded.")


def test_gemini_blocked_prompt() -> None:
    body = sse({"promptFeedback": {"blockReason": "SAFETY"},
                "usageMetadata": {"promptTokenCount": 5}})
    outcome = replay("gemini", 200, SSE_HEADERS, body)
    assert outcome.error is not None
    assert (outcome.error.kind, outcome.error.message) == (
        ErrorKind.BAD_REQUEST, "Gemini blocked the prompt: SAFETY")


def _ndjson(*lines: dict[str, object]) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


OLLAMA_THINKING = _ndjson(
    {"model": "qwen3", "message": {"role": "assistant", "content": "", "thinking": "Okay, "},
     "done": False},
    {"model": "qwen3", "message": {"role": "assistant", "content": "", "thinking": "sure."},
     "done": False},
    {"model": "qwen3", "message": {"role": "assistant", "content": "Hi there"}, "done": False},
    {"model": "qwen3", "message": {"role": "assistant", "content": ""}, "done": True,
     "done_reason": "stop", "total_duration": 123, "prompt_eval_count": 11, "eval_count": 42},
)


@pytest.mark.parametrize("how", SPLITS)
def test_ollama_native_thinking(how: str) -> None:
    exchange = Exchange()
    outcome = replay("ollama-native", 200, NDJSON_HEADERS, OLLAMA_THINKING, how,
                     exchange=exchange)
    assert (outcome.reasoning, outcome.text) == ("Okay, sure.", "Hi there")
    assert outcome.usage == Usage(11, 42)
    assert outcome.finished == Finished("stop")
    assert str(exchange.requests[0].url) == "http://127.0.0.1:11434/api/chat"


def test_ollama_error_line() -> None:
    body = _ndjson({"message": {"role": "assistant", "content": "Par"}, "done": False},
                   {"error": "an error was encountered while running the model"})
    outcome = replay("ollama-native", 200, NDJSON_HEADERS, body)
    assert outcome.text == "Par"
    assert outcome.error is not None
    assert (outcome.error.kind, outcome.error.message) == (
        ErrorKind.SERVER, "error in the stream: an error was encountered while running the model")


def test_ollama_cut_off() -> None:
    outcome = replay("ollama-native", 200, NDJSON_HEADERS, OLLAMA_THINKING.rsplit(b"\n", 2)[0])
    assert outcome.text == "Hi there"
    assert outcome.error is not None
    assert (outcome.error.kind, outcome.error.message) == (ErrorKind.PROTOCOL, INCOMPLETE_STREAM)


HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
             b"<body>checking your browser</body></html>")


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini", "ollama-native"])
def test_html_page_with_status_200(provider: str) -> None:
    outcome = replay(provider, 200, {"content-type": "text/html; charset=UTF-8"}, HTML_PAGE)
    assert outcome.events == []
    assert outcome.error is not None
    assert outcome.error.kind is ErrorKind.PROTOCOL
    assert "an HTML page (Just a moment...)" in outcome.error.message
    assert outcome.error.message.startswith("expected ")


def test_json_error_body_with_status_200() -> None:
    body = json.dumps({"error": {"message": "quota exceeded", "code": 429}}).encode()
    outcome = replay("openai", 200, {"content-type": "application/json"}, body)
    assert outcome.error is not None
    assert (outcome.error.kind, outcome.error.message) == (
        ErrorKind.RATE_LIMIT, "error in the stream (code 429): quota exceeded")


STREAM_BODIES = {
    "openai": sse(chunk({"content": "Hello"}), chunk({"content": " world"}), chunk({}, "stop"),
                  "[DONE]"),
    "anthropic": _anthropic(MESSAGE_START, _text_delta("Hello"), _text_delta(" world"),
                            ("message_stop", {"type": "message_stop"})),
    "gemini": sse({"candidates": [{"content": {"parts": [{"text": "Hello"}]}}]},
                  {"candidates": [{"content": {"parts": [{"text": " world"}]},
                                   "finishReason": "STOP"}]}),
}
LAST_EVENT_START = {"openai": b"data: {\"object", "anthropic": b"event: message_stop",
                    "gemini": b"data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" w"}


@pytest.mark.parametrize("provider", list(STREAM_BODIES))
def test_malformed_json_chunk(provider: str) -> None:
    body = STREAM_BODIES[provider]
    broken = body.replace(b" world", b' wor"ld')
    outcome = replay(provider, 200, SSE_HEADERS, broken)
    assert outcome.text == "Hello"
    assert outcome.error is not None
    assert outcome.error.kind is ErrorKind.PROTOCOL
    assert outcome.error.message.startswith("malformed JSON in the stream: ")


@pytest.mark.parametrize("provider", list(STREAM_BODIES))
def test_cut_off_stream(provider: str) -> None:
    body = STREAM_BODIES[provider]
    if provider == "openai":
        cut_at = body.index(b"data: [DONE]")
        body = body[:cut_at].replace(b'"finish_reason": "stop"', b'"finish_reason": null')
    else:
        body = body[:body.rindex(LAST_EVENT_START[provider])]
    outcome = replay(provider, 200, SSE_HEADERS, body, "7")
    assert outcome.error is not None
    assert (outcome.error.kind, outcome.error.message) == (ErrorKind.PROTOCOL, INCOMPLETE_STREAM)
    assert outcome.text.startswith("Hello")


@pytest.mark.parametrize("provider", list(STREAM_BODIES))
def test_last_event_without_its_blank_line_is_incomplete(provider: str) -> None:
    body = STREAM_BODIES[provider].rstrip(b"\n")
    outcome = replay(provider, 200, SSE_HEADERS, body)
    if provider == "openai":  # the finish chunk arrived; only [DONE] is missing
        assert outcome.finished == Finished("stop")
    else:
        assert outcome.error is not None
        assert outcome.error.message == INCOMPLETE_STREAM


@pytest.mark.parametrize("provider", list(STREAM_BODIES))
def test_invalid_utf8_does_not_crash(provider: str) -> None:
    body = STREAM_BODIES[provider].replace(b"Hello", b"He\xff\xfe\xc3llo")
    outcome = replay(provider, 200, SSE_HEADERS, body, "1")
    assert outcome.error is None
    assert outcome.text == "He\ufffd\ufffd\ufffdllo world"


@pytest.mark.parametrize("provider", list(STREAM_BODIES))
def test_missing_content_type_is_still_read_as_events(provider: str) -> None:
    outcome = replay(provider, 200, {}, STREAM_BODIES[provider])
    assert outcome.error is None
    assert outcome.text == "Hello world"


@pytest.mark.parametrize(("content_type", "shown"), [
    ("application/json", 'application/json: {"id": "chatcmpl-1", "choices": []}'),
    ("text/plain", "text/plain: hello"),
])
def test_other_content_types_are_named(content_type: str, shown: str) -> None:
    body = b'{"id": "chatcmpl-1", "choices": []}' if "json" in content_type else b"hello"
    outcome = replay("openai", 200, {"content-type": content_type}, body)
    assert outcome.error is not None
    assert (outcome.error.kind, outcome.error.message) == (
        ErrorKind.PROTOCOL, f"expected text/event-stream but the server sent {shown} (HTTP 200)")


def test_empty_body_is_incomplete() -> None:
    outcome = replay("anthropic", 200, SSE_HEADERS, b"")
    assert outcome.error is not None
    assert outcome.error.message == INCOMPLETE_STREAM


def test_ten_thousand_tiny_chunks() -> None:
    pieces = [chunk({"content": "x"}) for _ in range(2000)]
    body = sse(*pieces, chunk({}, "stop"), "[DONE]")
    outcome = replay("openai", 200, SSE_HEADERS, body, list(range(5, len(body), 5))[:10_000])
    assert outcome.text == "x" * 2000
    assert sum(isinstance(e, TextDelta) for e in outcome.events) == 2000


def test_one_big_chunk() -> None:
    text = "y" * (5 * 1024 * 1024)
    body = sse(chunk({"content": text}), chunk({}, "stop"), "[DONE]")
    outcome = replay("openai", 200, SSE_HEADERS, body)
    assert outcome.text == text


@settings(max_examples=40, deadline=None, database=None)
@given(offsets=st.lists(st.integers(min_value=1, max_value=len(OLLAMA_THINKING)), max_size=30))
def test_ndjson_any_chunking(offsets: list[int]) -> None:
    outcome = replay("ollama-native", 200, NDJSON_HEADERS, OLLAMA_THINKING, offsets)
    assert outcome.events == [
        ReasoningDelta("Okay, "), ReasoningDelta("sure."), TextDelta("Hi there"),
        Usage(11, 42), Finished("stop")]
