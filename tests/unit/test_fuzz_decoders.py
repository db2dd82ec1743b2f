"""Property-based tests of the stream decoders: random answers, random splits, garbage.

Already covered elsewhere, not repeated here: every recording under any split
(providers/test_provider_recordings.py), one Ollama stream under any split
(providers/test_provider_synthetic_streams.py), the HTML extractor on arbitrary text
(test_extract.py) and the all-or-nothing import parser (store/test_import_fuzz.py).

Added here:
- the SSE parser against the HTML standard's interpretation (httpx-sse's decoder fed
  spec-split lines), for arbitrary field soup cut at arbitrary characters;
- random answers (any Unicode, Unicode line separators included) rendered in each wire
  protocol with any line-ending style, then cut at arbitrary *byte* offsets (inside UTF-8
  sequences and CRLF pairs): the same events as the uncut body, and exactly that answer;
- garbage (random bytes, and valid streams with random damage) under any status and
  content type: the only exception that may come out is ProviderError, every stream ends
  with Finished or an error, and the response is always closed.
"""

from __future__ import annotations

import re

import pytest
from httpx_sse._decoders import SSEDecoder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.core.events import Event, Finished, ProviderError, Usage
from studio.core.providers.sse import SSEParser
from tests.support.sim_streams import render
from tests.unit.providers.provider_replay import Outcome, replay

FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# provider_replay's provider name for each wire protocol of the simulator's renderer
# (DeepSeek's dialect of the OpenAI protocol carries reasoning as `reasoning_content`).
PROVIDERS = {"openai": "deepseek", "anthropic": "anthropic", "gemini": "gemini",
             "ollama": "ollama-native"}
CONTENT_TYPES = {"openai": "text/event-stream; charset=utf-8",
                 "anthropic": "text/event-stream; charset=utf-8",
                 "gemini": "text/event-stream", "ollama": "application/x-ndjson"}
LINE_ENDINGS = {"openai": [b"\n", b"\r\n", b"\r"], "anthropic": [b"\n", b"\r\n", b"\r"],
                "gemini": [b"\n", b"\r\n", b"\r"], "ollama": [b"\n", b"\r\n"]}


# --- the SSE parser against the standard ------------------------------------------------


def reference_events(text: str) -> list[tuple[str, str]]:
    """The standard's reading of a whole stream: lines end at CRLF, CR or LF (nothing
    else), each complete line goes through httpx-sse's decoder, and the unterminated
    last line (which can never dispatch an event) is dropped."""
    decoder = SSEDecoder()
    events = []
    for line in re.split(r"\r\n|\r|\n", text)[:-1]:
        event = decoder.decode(line)
        if event is not None:
            events.append((event.event, event.data))
    return events


def parsed(pieces: list[str]) -> list[tuple[str, str]]:
    parser = SSEParser()
    events = []
    for piece in pieces:
        events += parser.feed(piece)
    return events + parser.finish()


def _cut(text: str, offsets: list[int]) -> list[str]:
    bounds = sorted({o for o in offsets if 0 < o < len(text)})
    starts = [0, *bounds]
    return [text[a:b] for a, b in zip(starts, [*bounds, len(text)], strict=True)]


_SSE_TOKENS = ["data:", "data: ", "data", "event:", "event: ping", "event: error", "id:",
               "id: 7", "id: a\0b", "retry:", "retry: 1500", "retry: x", ": comment", ":",
               "\r", "\n", "\r\n", "\n\n", "\r\r", "x", " ", "{\"a\": 1}", "é", "🙂", "\u2028",
               "\x85", "\0", "field: value", "Data: no"]
sse_soup = st.lists(st.sampled_from(_SSE_TOKENS), max_size=60).map("".join)


@FUZZ
@given(text=sse_soup, offsets=st.lists(st.integers(min_value=1, max_value=400), max_size=30))
def test_sse_parser_reads_any_split_as_the_standard_does(text: str, offsets: list[int]) -> None:
    expected = reference_events(text)
    assert parsed([text]) == expected
    assert parsed(_cut(text, offsets)) == expected
    assert parsed(list(text)) == expected  # one character at a time


# --- random answers, every protocol, any byte split --------------------------------------

# Any character a JSON string can carry in UTF-8 (no lone surrogates); Unicode line and
# paragraph separators and NEL are drawn often, since a line splitter may stop at them.
_pieces = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=6),
    st.sampled_from(["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c",
                     "\0", "\"", "\\", "data: x\n\n", "🙂", "€", "家"]))
_piece = st.lists(_pieces, min_size=1, max_size=4).map("".join)
_chunks = st.lists(_piece, min_size=1, max_size=12)


def _body(protocol: str, text: list[str], reasoning: list[str], usage: tuple[int, int],
          ending: bytes) -> bytes:
    frames = b"".join(render(protocol, "fuzz-model", text, reasoning, usage).frames())
    # JSON escapes CR and LF inside strings: every raw one is a line ending of the format.
    return frames.replace(b"\r\n", b"\n").replace(b"\n", ending)


def _replay(protocol: str, body: bytes, how: str | list[int] = "whole",
            status: int = 200, content_type: str | None = None) -> Outcome:
    ctype = CONTENT_TYPES[protocol] if content_type is None else content_type
    headers = {"content-type": ctype} if ctype else {}
    return replay(PROVIDERS[protocol], status, headers, body, how)


@pytest.mark.parametrize("protocol", list(PROVIDERS))
@FUZZ
@given(data=st.data())
def test_random_answers_survive_any_byte_split(protocol: str, data: st.DataObject) -> None:
    text = data.draw(_chunks, "text")
    reasoning = data.draw(st.lists(_piece, max_size=4), "reasoning")
    usage = data.draw(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), "usage")
    ending = data.draw(st.sampled_from(LINE_ENDINGS[protocol]), "line ending")
    body = _body(protocol, text, reasoning, usage, ending)
    offsets = data.draw(st.lists(st.integers(1, len(body) - 1), max_size=40), "offsets")

    whole = _replay(protocol, body)
    assert whole.error is None, whole.error
    assert whole.text == "".join(text)
    assert whole.reasoning == "".join(reasoning)
    assert whole.usage == Usage(*usage)
    assert whole.finished is not None
    cut = _replay(protocol, body, offsets)
    assert cut.events == whole.events
    assert cut.error is None


# --- garbage ----------------------------------------------------------------------------


@st.composite
def damaged_stream(draw: st.DrawFn, protocol: str) -> bytes:
    """A valid stream with a few random edits: bytes dropped, flipped or inserted."""
    text = draw(_chunks)
    body = bytearray(_body(protocol, text, [], (1, 2), b"\n"))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(body) - 1))
        action = draw(st.sampled_from(["drop", "flip", "insert", "truncate"]))
        if action == "drop":
            del body[at:at + draw(st.integers(1, 40))]
        elif action == "flip":
            body[at] ^= draw(st.integers(1, 255))
        elif action == "insert":
            body[at:at] = draw(st.sampled_from([b"\n", b"\r", b"\n\n", b"\xff", b"\xc3",
                                                b"{", b"}", b"data: ", b"[DONE]", b"\"",
                                                b"data: {\"error\": 1}\n\n"]))
        else:
            del body[at:]
        if not body:
            break
    return bytes(body)


def _garbage(protocol: str) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=300), damaged_stream(protocol),
                     st.lists(st.sampled_from(_SSE_TOKENS), max_size=40).map(
                         lambda t: "".join(t).encode()))


def _ends_properly(outcome: Outcome) -> None:
    assert (outcome.error is None) != (outcome.finished is None), outcome
    if outcome.error is not None:
        assert isinstance(outcome.error, ProviderError)
        assert outcome.error.message.strip()
        assert not any(isinstance(e, Finished) for e in outcome.events)
    else:
        last: Event = outcome.events[-1]
        assert isinstance(last, Finished)


@pytest.mark.parametrize("protocol", list(PROVIDERS))
@FUZZ
@given(data=st.data())
def test_garbage_only_ever_raises_provider_error(protocol: str, data: st.DataObject) -> None:
    body = data.draw(_garbage(protocol), "body")
    status = data.draw(st.sampled_from([200, 200, 200, 400, 401, 404, 429, 500, 503, 529]),
                       "status")
    content_type = data.draw(st.sampled_from(
        [None, "", "text/event-stream", "application/x-ndjson", "application/json",
         "text/html; charset=utf-8", "text/plain"]), "content type")
    offsets = data.draw(st.lists(st.integers(1, max(1, len(body))), max_size=20), "offsets")
    # replay() lets anything but ProviderError escape, and checks the body was closed.
    outcome = _replay(protocol, body, offsets, status, content_type)
    _ends_properly(outcome)
    if status != 200:
        assert outcome.events == []
        assert outcome.error is not None and outcome.error.status == status


@pytest.mark.parametrize("protocol", list(PROVIDERS))
@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separators_stay_inside_the_answer(protocol: str, separator: str) -> None:
    # Found by the fuzzing above: the NDJSON reader used to split lines where
    # str.splitlines does, cutting an Ollama line in two at an unescaped U+0085.
    text = [f"one{separator}two", separator, "three"]
    body = _body(protocol, text, [], (3, 4), b"\n")
    for how in ("whole", "1", "7"):
        outcome = _replay(protocol, body, how)
        assert outcome.error is None, outcome.error
        assert outcome.text == "".join(text)
