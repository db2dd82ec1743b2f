"""Every recorded provider exchange, replayed through the real decoders in many chunkings."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncGenerator
from typing import cast

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.core.events import ErrorKind, Event, ProviderError, TextDelta, Usage
from studio.core.providers.errors import error_from_response
from studio.core.request import single_turn
from tests.unit.providers.provider_replay import (
    RECORDINGS,
    ChunkedBody,
    Digest,
    Exchange,
    Expected,
    load_response,
    make_provider,
    replay,
    replay_recording,
    transport,
)
from tests.unit.providers.test_vendor_streams import VENDOR_ERRORS, VENDOR_STREAMS

ANTHROPIC_THINKING_TEXT = Digest(
    1021, "Here are the basic steps for safely cros", "safety over speed when crossing streets.",
    "1b0c432c3a48cc2829d6ff2b6e2c0f62881416d4583337d6f8a8a9a48ad73dfc")
DEEPSEEK_REASONING = Digest(
    882, 'Hmm, the user just said "Hello". It\'s a ', "not reply further - and that's okay too.",
    "d29146ea4f40dfde7b6155babd3d948397e1b174950e603ef18518f0ff85585a")

# (file, interaction, provider) → what a user must see
STREAMS: dict[tuple[str, int, str], Expected] = {
    ("openai_chat_stream_tools.json", 0, "openai"): Expected(
        "", "", Usage(53, 15, cached_input_tokens=0), "tool_calls"),
    ("openai_chat_stream_tools.json", 1, "openai"): Expected(
        "The capital of the UK is London.", "", Usage(78, 9, cached_input_tokens=0), "stop"),
    ("openai_responses_stream.json", 0, "openai"): Expected(
        "", "", None, error=(ErrorKind.PROTOCOL,
                             "the server answered in the Responses API format, not Chat "
                             "Completions; check the base URL")),
    ("openai_responses_stream.json", 1, "openai"): Expected(
        "", "", None, error=(ErrorKind.PROTOCOL,
                             "the server answered in the Responses API format, not Chat "
                             "Completions; check the base URL")),
    ("deepseek_reasoner_stream.json", 0, "deepseek"): Expected(
        "Hello there! 😊 How can I help you today?", DEEPSEEK_REASONING,
        Usage(6, 212, cached_input_tokens=0), "stop"),
    ("openrouter_stream_reasoning.json", 0, "openrouter"): Expected(
        "I’m ChatGPT, a large-language-model assistant created by OpenAI. I generate text "
        "responses and can help answer questions, explain concepts, brainstorm ideas, draft or "
        "edit writing, and more. While I strive to be accurate and helpful, I don’t have "
        "personal feelings or consciousness, and my knowledge is limited to the information I "
        "was trained on (most of it up to late 2023). If there’s something specific you’d like "
        "help with, just let me know!",
        "", Usage(9, 104, 0.00085, cached_input_tokens=0), "stop"),
    ("openrouter_stream_error.json", 0, "openrouter"): Expected(
        "", "We need to respond to a greeting. The user",
        Usage(43, 10, 0.0, cached_input_tokens=0),
        error=(ErrorKind.SERVER, "error in the stream (code 400): Token limit reached")),
    ("anthropic_text_stream.json", 0, "anthropic"): Expected(
        "Hello", "", Usage(10, 4, cached_input_tokens=0, cache_write_tokens=0), "end_turn"),
    ("anthropic_thinking_stream.json", 0, "anthropic"): Expected(
        ANTHROPIC_THINKING_TEXT,
        "This is a straightforward question about pedestrian safety. I should provide clear, "
        "helpful advice about how to safely cross a street. This is basic safety information "
        "that could help prevent accidents.",
        Usage(43, 282, cached_input_tokens=0, cache_write_tokens=0), "end_turn"),
    ("anthropic_thinking_stream_2.json", 0, "anthropic"): Expected(
        '1. **Pouch** - references their iconic bill pouch\n2. **Pelé** - playful take on '
        '"pelican"',
        "The user wants two names for a pet pelican, and they want me to be brief. I'll suggest "
        "two names that would suit a pelican well.\n\nSome good options:\n- Pelé (play on "
        "pelican)\n- Pouch (referencing their bill pouch)\n- Captain Beak\n- Squirt\n- Scoop\n"
        "- Wing\n\nLet me give two brief, catchy names:",
        Usage(46, 133, cached_input_tokens=0, cache_write_tokens=0), "end_turn"),
    ("gemini_stream.json", 0, "gemini"): Expected(
        "The capital of France is Paris.\n", "", Usage(13, 8), "STOP"),
    ("gemini_stream_usage.json", 0, "gemini"): Expected(
        "\n".join(str(n) for n in range(1, 31)), "", Usage(18, 80 + 35), "STOP"),
}

# The captured streams and those written in vendors' formats (test_vendor_streams.py)
ALL_STREAMS: dict[tuple[str, int, str], Expected] = {**STREAMS, **VENDOR_STREAMS}

ERROR_BODIES: dict[tuple[str, str], tuple[ErrorKind, int, str]] = {
    ("openai_error_400.json", "openai"): (
        ErrorKind.BAD_REQUEST, 400,
        "HTTP 400: Unsupported value: 'messages[0].role' does not support 'system' with this "
        "model."),
    ("anthropic_error_400.json", "anthropic"): (
        ErrorKind.BAD_REQUEST, 400,
        "HTTP 400: This model does not support effort level 'xhigh'. Supported levels: high, "
        "low, max, medium."),
    ("openrouter_error_429.json", "openrouter"): (
        ErrorKind.RATE_LIMIT, 429,
        "HTTP 429: Provider returned error (Google): google/gemini-2.0-flash-exp:free is "
        "temporarily rate-limited upstream. Please retry shortly, or add your own key to "
        "accumulate your rate limits: https://openrouter.ai/settings/integrations"),
}

SPLITS = ["whole", "1", "7", "random"]


def _check(outcome_text: str, expected: str | Digest) -> None:
    if isinstance(expected, Digest):
        assert expected.matches(outcome_text), (len(outcome_text), outcome_text[:60])
    else:
        assert outcome_text == expected


def test_every_recording_is_covered() -> None:
    files = {p.name for p in RECORDINGS.glob("*.json")}
    streams = ALL_STREAMS
    covered = {key[0] for key in streams} | {key[0] for key in ERROR_BODIES} | {
        key[0] for key in VENDOR_ERRORS}
    assert files == covered
    for path in RECORDINGS.glob("*.json"):
        interactions = json.loads(path.read_text(encoding="utf-8"))["interactions"]
        for index, interaction in enumerate(interactions):
            ctype = {k.lower(): v for k, v in interaction["response"]["headers"].items()}
            if "event-stream" in ctype.get("content-type", ""):
                assert any(k[0] == path.name and k[1] == index for k in streams), (path, index)


@pytest.mark.parametrize("how", SPLITS)
@pytest.mark.parametrize("key", list(ALL_STREAMS), ids=lambda k: f"{k[0]}#{k[1]}")
def test_recorded_stream(key: tuple[str, int, str], how: str) -> None:
    file, index, provider = key
    expected = ALL_STREAMS[key]
    outcome = replay_recording(file, provider, how, index)
    _check(outcome.text, expected.text)
    _check(outcome.reasoning, expected.reasoning)
    assert outcome.usage == expected.usage
    if expected.error is None:
        assert outcome.error is None
        assert outcome.finished is not None
        assert outcome.finished.stop_reason == expected.stop
        assert outcome.events.count(outcome.finished) == 1
    else:
        assert outcome.error is not None
        assert outcome.finished is None
        assert (outcome.error.kind, outcome.error.message) == expected.error


@pytest.mark.parametrize("key", list(ERROR_BODIES), ids=lambda k: k[0])
def test_recorded_error_body(key: tuple[str, str]) -> None:
    file, provider = key
    kind, status, message = ERROR_BODIES[key]
    for index in range(len(json.loads((RECORDINGS / file).read_text())["interactions"])):
        response = load_response(file, index)
        error = error_from_response(response["status"], httpx.Headers(response["headers"]),
                                    response["body"].encode())
        assert (error.kind, error.status, error.message) == (kind, status, message)
        assert error.retry_after is None
        # the same body answering a stream request fails the stream the same way
        outcome = replay_recording(file, provider, "7", index)
        assert outcome.events == []
        assert outcome.error is not None
        assert (outcome.error.kind, outcome.error.status, outcome.error.message) == (
            kind, status, message)


def _events_of(key: tuple[str, int, str], offsets: list[int]) -> tuple[list[Event], str | None]:
    outcome = replay_recording(key[0], key[2], offsets, key[1])
    return outcome.events, outcome.error.message if outcome.error else None


@functools.cache
def _baseline(key: tuple[str, int, str]) -> tuple[list[Event], str | None]:
    return _events_of(key, [])


@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_chunking_gives_the_same_events(data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(ALL_STREAMS)))
    size = len(load_response(key[0], key[1])["body"].encode())
    offsets = data.draw(st.lists(st.integers(min_value=1, max_value=size), max_size=40))
    assert _events_of(key, offsets) == _baseline(key)


def test_consumer_stopping_early_closes_the_response() -> None:
    response = load_response("deepseek_reasoner_stream.json")
    exchange = Exchange()

    async def main() -> list[ChunkedBody]:
        http = transport(200, response["headers"], response["body"].encode(), "7", exchange)
        async with httpx.AsyncClient(transport=http) as client:
            stream = cast(AsyncGenerator[Event, None],
                          make_provider("deepseek").stream(client, single_turn("m", "hi")))
            first = await anext(stream)
            assert first is not None
            await stream.aclose()
            assert exchange.bodies[0].closed
            return exchange.bodies

    bodies = asyncio.run(main())
    assert len(bodies) == 1
    assert bodies[0].closed
    assert bodies[0].sent < len(bodies[0].pieces)


def test_stream_stops_reading_after_the_end_marker() -> None:
    body = load_response("openai_chat_stream_tools.json", 1)["body"].encode()
    trailing = b'data: {"choices":[{"index":0,"delta":{"content":"IGNORED"}}]}\n\n'
    outcome = replay("openai", 200, {"content-type": "text/event-stream"}, body + trailing)
    assert outcome.text == "The capital of the UK is London."
    assert not any(isinstance(e, TextDelta) and "IGNORED" in e.text for e in outcome.events)


def test_error_is_a_provider_error_not_a_crash() -> None:
    outcome = replay_recording("openrouter_stream_error.json", "openrouter")
    assert isinstance(outcome.error, ProviderError)
    assert outcome.error.to_event().kind is ErrorKind.SERVER
