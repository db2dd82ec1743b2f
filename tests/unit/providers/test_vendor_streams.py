"""The shapes other vendors stream, replayed through the real decoders in many chunkings:
typed content chunks (Mistral), usage in vendor fields (Groq), reasoning_details
(OpenRouter), `reasoning` vs `reasoning_content`, content in the finish chunk and a
usage-only chunk (Cerebras), reasoning counted apart from completion_tokens (xAI),
thought-signature-only parts (Gemini), prompt-cache counts of every protocol, and Azure
OpenAI's stream and error bodies. test_provider_recordings.py replays these streams with
the captured ones: whole, in 1- and 7-byte and random pieces, and hypothesis-chosen splits.

These recordings are written by hand in each vendor's documented wire format (their
`format_sources` say where it comes from); see tests/fixtures/provider-recordings/README.md.
"""

from __future__ import annotations

import json

import httpx
import pytest

from studio.core.events import ErrorKind, ReasoningDelta, TextDelta, Usage
from studio.core.prices import PriceTable
from studio.core.providers.errors import error_from_response
from tests.unit.providers.provider_replay import (
    RECORDINGS,
    SSE_HEADERS,
    Expected,
    load_response,
    replay,
    replay_recording,
    sse,
)

HAIKU = "Waves fold into foam,\nsalt wind carries gull cries,\nthe tide keeps its time."

# (file, interaction, provider) → what a user must see
VENDOR_STREAMS: dict[tuple[str, int, str], Expected] = {
    # thinking as {"type": "thinking", "thinking": [{"type": "text", ...}]} list chunks,
    # one chunk holding the last thinking and the first {"type": "text"}, then strings
    ("mistral_reasoning_stream.json", 0, "mistral"): Expected(
        HAIKU, "Okay, the user wants a haiku about the sea. Five, seven, five.",
        Usage(12, 46), "stop"),
    # usage only in x_groq.usage; reasoning in `reasoning`
    ("groq_stream_x_groq_usage.json", 0, "groq"): Expected(
        "Hello from Groq!", "Okay, a one-line greeting.", Usage(21, 19), "stop"),
    # the same usage in x_groq and in the standard field: reported once
    ("groq_stream_x_groq_usage.json", 1, "groq"): Expected(
        "Four.", "Answer briefly.", Usage(1169, 12, cached_input_tokens=1024), "stop"),
    # summaries only in reasoning_details, then an encrypted entry that is no text
    ("openrouter_reasoning_details_stream.json", 0, "openrouter"): Expected(
        "Hi there!",
        "**Choosing a greeting**\n\nThe user says hi; a short, warm reply fits.",
        Usage(2210, 141, 0.0013215, cached_input_tokens=2048), "stop"),
    # `reasoning` with reasoning_details repeating it, and a signature-only detail
    ("openrouter_reasoning_details_stream.json", 1, "openrouter"): Expected(
        "Pouch.", "The user wants a name.", Usage(40, 30, 0.00057, cached_input_tokens=0),
        "stop"),
    # `reasoning`, the last words in the finish chunk, usage in a chunk with no choices
    ("cerebras_stream.json", 0, "cerebras"): Expected(
        "Hello, world.", "User wants a greeting.", Usage(1169, 45, cached_input_tokens=1152),
        "stop"),
    # reasoning_content; 94 reasoning tokens outside completion_tokens are output too
    ("xai_stream.json", 0, "xai"): Expected(
        "303.", "First, 101 times 3 is 303.", Usage(32, 9 + 94, cached_input_tokens=6),
        "stop"),
    ("zai_glm_stream.json", 0, "zai"): Expected(
        "\nTeal.", "\nThe user asks for a color.", Usage(1169, 27, cached_input_tokens=1165),
        "stop"),
    ("deepseek_cache_hit_stream.json", 0, "deepseek"): Expected(
        "Still here.", "", Usage(1300, 4, cached_input_tokens=1280), "stop"),
    ("kimi_cached_stream.json", 0, "kimi"): Expected(
        "Ready.", "", Usage(5000, 100, cached_input_tokens=4096), "stop"),
    # 21 new + 1,100 written + 2,048 read
    ("anthropic_cache_stream.json", 0, "anthropic"): Expected(
        "The contract renews on 1 March.", "",
        Usage(3169, 12, cached_input_tokens=2048, cache_write_tokens=1100), "end_turn"),
    # parts with only a thoughtSignature, and text parts that carry one
    ("gemini_thought_signature_stream.json", 0, "gemini"): Expected(
        "Revenue grew 12% year on year.",
        "**Reading the report**\n\nThe totals are in the last table.",
        Usage(10000, 9 + 214, cached_input_tokens=8000), "STOP"),
    # prompt filter results first, content filter offsets after the finish
    ("azure_chat_stream.json", 0, "azure"): Expected(
        "Hello from Azure.", "", Usage(1169, 5, cached_input_tokens=1152), "stop"),
}

# (file, provider) → kind, status, message, Retry-After seconds
VENDOR_ERRORS: dict[tuple[str, str], tuple[ErrorKind, int, str, float | None]] = {
    ("azure_error_401.json", "azure"): (
        ErrorKind.AUTH, 401,
        "HTTP 401: Access denied due to invalid subscription key or wrong API endpoint. Make "
        "sure to provide a valid key for an active subscription and use a correct regional "
        "API endpoint for your resource.", None),
    ("azure_error_404_deployment.json", "azure"): (
        ErrorKind.BAD_REQUEST, 404,
        "HTTP 404 (model or URL not found): The API deployment for this resource does not "
        "exist. If you created the deployment within the last 5 minutes, please wait a moment "
        "and try again.", None),
    ("azure_error_429.json", "azure"): (
        ErrorKind.RATE_LIMIT, 429,
        "HTTP 429: Requests to the ChatCompletions_Create Operation under Azure OpenAI API "
        "version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing "
        "tier. Please retry after 6 seconds. Please go here: https://aka.ms/oai/quotaincrease "
        "if you would like to further increase the default rate limit.", 6.0),
    ("azure_error_400_content_filter.json", "azure"): (
        ErrorKind.BAD_REQUEST, 400,
        "HTTP 400: The response was filtered due to the prompt triggering Azure OpenAI's "
        "content management policy. Please modify your prompt and retry. To learn more about "
        "our content filtering policies please read our documentation: "
        "https://go.microsoft.com/fwlink/?linkid=2198766", None),
}

@pytest.mark.parametrize("key", list(VENDOR_ERRORS), ids=lambda k: k[0])
def test_vendor_error_body(key: tuple[str, str]) -> None:
    file, provider = key
    kind, status, message, retry_after = VENDOR_ERRORS[key]
    response = load_response(file)
    error = error_from_response(response["status"], httpx.Headers(response["headers"]),
                                response["body"].encode())
    assert (error.kind, error.status, error.message, error.retry_after) == (
        kind, status, message, retry_after)
    outcome = replay_recording(file, provider, "7")
    assert outcome.events == []
    assert outcome.error is not None
    assert (outcome.error.kind, outcome.error.status, outcome.error.message) == (
        kind, status, message)


def test_written_recordings_say_where_their_format_comes_from() -> None:
    for path in RECORDINGS.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("written"):
            assert data["source"].startswith("written by hand"), path.name
            assert data["format_sources"], path.name


# --- the same shapes, one field at a time ----------------------------------------------

def _chunk(delta: dict[str, object], finish: str | None = None,
           **extra: object) -> dict[str, object]:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


def test_typed_chunks_without_text_or_of_other_types_add_nothing() -> None:
    body = sse(_chunk({"content": [{"type": "reference", "reference_ids": [1]},
                                   {"type": "thinking", "thinking": "plain string thinking"},
                                   {"type": "thinking", "thinking": [
                                       {"type": "text", "text": ""}, "junk", 7]},
                                   {"type": "image_url", "image_url": "x"},
                                   "not a chunk", {"type": "text", "text": "ok"}]}, "stop"),
               "[DONE]")
    outcome = replay("mistral", 200, SSE_HEADERS, body)
    assert (outcome.text, outcome.reasoning) == ("ok", "plain string thinking")


def test_standard_usage_wins_over_the_vendor_field_whichever_comes_first() -> None:
    vendor = {"id": "req_1", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}
    standard = {"prompt_tokens": 20, "completion_tokens": 30}
    before = sse(_chunk({"content": "a"}, x_groq=vendor),
                 _chunk({}, "stop", usage=standard), "[DONE]")
    after = sse(_chunk({"content": "a"}, usage=standard),
                _chunk({}, "stop", x_groq=vendor), "[DONE]")
    for body in (before, after):
        assert replay("groq", 200, SSE_HEADERS, body).usage == Usage(20, 30)


def test_reasoning_details_of_unknown_or_encrypted_types_are_not_words() -> None:
    body = sse(_chunk({"reasoning_details": [
                   {"type": "reasoning.encrypted", "data": "b3BhcXVl"},
                   {"type": "reasoning.unknown", "text": "hidden"},
                   {"type": "reasoning.text", "text": ""}, "junk"]}),
               _chunk({"reasoning_details": [{"type": "reasoning.summary", "summary": "S"}],
                       "content": "T"}, "stop"), "[DONE]")
    outcome = replay("openrouter", 200, SSE_HEADERS, body)
    assert (outcome.reasoning, outcome.text) == ("S", "T")


@pytest.mark.parametrize(("usage", "expected"), [
    # OpenAI: cached part of prompt_tokens; completion includes reasoning (total agrees)
    ({"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150,
      "prompt_tokens_details": {"cached_tokens": 64},
      "completion_tokens_details": {"reasoning_tokens": 40}},
     Usage(100, 50, cached_input_tokens=64)),
    # DeepSeek: hit and miss, even without prompt_tokens
    ({"completion_tokens": 5, "prompt_cache_hit_tokens": 64, "prompt_cache_miss_tokens": 36},
     Usage(100, 5, cached_input_tokens=64)),
    # DashScope's explicit cache: a write
    ({"prompt_tokens": 3000, "completion_tokens": 5, "prompt_tokens_details": {
        "cached_tokens": 0, "cache_creation_input_tokens": 2048, "cache_type": "ephemeral"}},
     Usage(3000, 5, cached_input_tokens=0, cache_write_tokens=2048)),
    # OpenRouter's name for a write
    ({"prompt_tokens": 3000, "completion_tokens": 5, "cost": 0.01,
      "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 2048}},
     Usage(3000, 5, 0.01, cached_input_tokens=0, cache_write_tokens=2048)),
    # Moonshot at the usage level
    ({"prompt_tokens": 10, "completion_tokens": 2, "cached_tokens": 8},
     Usage(10, 2, cached_input_tokens=8)),
    # no total, so nothing says reasoning is apart: completion as reported
    ({"prompt_tokens": 10, "completion_tokens": 2,
      "completion_tokens_details": {"reasoning_tokens": 9}}, Usage(10, 2)),
])
def test_usage_fields_of_each_server(usage: dict[str, object], expected: Usage) -> None:
    body = sse(_chunk({"content": "x"}, "stop"), {"choices": [], "usage": usage}, "[DONE]")
    assert replay("openai", 200, SSE_HEADERS, body).usage == expected


def test_gemini_signature_only_parts_and_empty_thoughts_add_nothing() -> None:
    body = sse({"candidates": [{"content": {"parts": [
                   {"thoughtSignature": "c2ln"}, {"text": "", "thought": True,
                                                 "thoughtSignature": "c2ln"},
                   {"functionCall": {"name": "f", "args": {}}, "thoughtSignature": "c2ln"},
                   {"text": "answer", "thoughtSignature": "c2ln"}]},
                   "finishReason": "STOP"}],
                "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 1,
                                  "cachedContentTokenCount": 0}}, sep="\r\n")
    outcome = replay("gemini", 200, SSE_HEADERS, body)
    assert [e for e in outcome.events if isinstance(e, TextDelta | ReasoningDelta)] == [
        TextDelta("answer")]
    assert outcome.usage == Usage(5, 1, cached_input_tokens=0)


# --- what the decoded usage costs: hand-computed bills per protocol ----------------------

@pytest.mark.parametrize(("key", "model", "bill"), [
    # Anthropic: 21 new at $3, 1,100 written at $3.75, 2,048 read at $0.30, 12 out at $15
    (("anthropic_cache_stream.json", 0, "anthropic"), "claude-sonnet-4-5",
     21 * 3.0 + 1_100 * 3.75 + 2_048 * 0.30 + 12 * 15.0),
    # Gemini: 2,000 new at $0.30, 8,000 cached at $0.075, 223 out (9 + 214 thinking) at $2.50
    (("gemini_thought_signature_stream.json", 0, "gemini"), "gemini-2.5-flash",
     2_000 * 0.30 + 8_000 * 0.075 + 223 * 2.5),
    # DeepSeek: 20 misses at $0.28, 1,280 hits at $0.028, 4 out at $0.42
    (("deepseek_cache_hit_stream.json", 0, "deepseek"), "deepseek-chat",
     20 * 0.28 + 1_280 * 0.028 + 4 * 0.42),
    # Moonshot: 904 misses at $1.15, 4,096 hits at $0.15, 100 out at $8
    (("kimi_cached_stream.json", 0, "kimi"), "kimi-k2-turbo-preview",
     904 * 1.15 + 4_096 * 0.15 + 100 * 8.0),
    # xAI: 26 new at $0.30, 6 cached at $0.075, 103 out (9 answer + 94 reasoning) at $0.50
    (("xai_stream.json", 0, "xai"), "grok-3-mini", 26 * 0.30 + 6 * 0.075 + 103 * 0.50),
    # Azure (OpenAI's prompt_tokens_details), the deployment priced as gpt-4o in an override:
    # 17 new at $2.50, 1,152 cached at $1.25, 5 out at $10
    (("azure_chat_stream.json", 0, "azure"), "gpt-4o-prod",
     17 * 2.5 + 1_152 * 1.25 + 5 * 10.0),
])
def test_decoded_cache_counts_cost_the_bill(key: tuple[str, int, str], model: str,
                                            bill: float) -> None:
    shipped = PriceTable.shipped_data()
    table = PriceTable.from_data(
        {"version": 1, "models": {"azure:gpt-4o-prod": shipped["gpt-4o"]}}, base=shipped)
    usage = replay_recording(key[0], key[2], "7", key[1]).usage
    assert usage is not None
    cost = table.cost(key[2], model, usage.input_tokens, usage.output_tokens,
                      cached_input_tokens=usage.cached_input_tokens,
                      cache_write_tokens=usage.cache_write_tokens)
    assert cost == pytest.approx(bill / 1e6, rel=1e-12)
