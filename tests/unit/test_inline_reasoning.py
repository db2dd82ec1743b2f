"""Reasoning written into the answer text (think blocks, harmony channels), split from the
answer as it streams and in whole texts, and what the providers' decoders make of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.core.events import Event, ReasoningDelta, TextDelta
from studio.core.extract import extract_page
from studio.core.inline_reasoning import InlineReasoning, split_text
from studio.core.providers.ollama import ChatLinesDecoder
from studio.core.providers.openai_compat import ChatCompletionsDecoder

ANSWERS = Path(__file__).resolve().parents[1] / "fixtures" / "answers"


def answer(name: str) -> str:
    return (ANSWERS / name).read_text(encoding="utf-8")


def pieces_of(whole: str, cuts: list[int]) -> list[str]:
    positions = sorted({min(c, len(whole)) for c in cuts})
    bounds = zip([0, *positions], [*positions, len(whole)], strict=True)
    return [whole[a:b] for a, b in bounds if b > a]


def split_run(pieces: list[str], *, finish: bool = True) -> tuple[str, str, list[str]]:
    splitter = InlineReasoning()
    events = [e for p in pieces for e in splitter.feed(p)]
    if finish:
        events += splitter.flush()
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    return reasoning, text, [type(e).__name__ for e in events]


# --- think blocks ------------------------------------------------------------------------------

@given(st.lists(st.integers(min_value=1, max_value=60), max_size=12))
def test_a_leading_think_block_becomes_reasoning_however_it_is_split(cuts: list[int]) -> None:
    whole = "\n<think>\nThe user wants red. </thin is not a tag.\n</think>\n\n<h1>Red</h1>"
    reasoning, text, kinds = split_run(pieces_of(whole, cuts))
    assert reasoning == "\nThe user wants red. </thin is not a tag.\n"
    assert text == "<h1>Red</h1>"
    assert "TextDelta" not in kinds or kinds.index("TextDelta") > kinds.index("ReasoningDelta")


def test_answers_without_thinking_pass_through_untouched() -> None:
    assert split_run(["<", "h1>Hi</h1>"]) == ("", "<h1>Hi</h1>", ["TextDelta"])
    assert split_run(["Hello ", "<think> later is just text"])[:2] == (
        "", "Hello <think> later is just text")
    assert split_run(["<thi"]) == ("", "<thi", ["TextDelta"])  # ended before deciding
    assert split_run(["<think>unfinished thought"])[:2] == ("unfinished thought", "")


@pytest.mark.parametrize("name", ["thinking", "reasoning", "THINK"])
def test_other_spellings_of_the_block(name: str) -> None:
    whole = f"<{name}>Plan: a canvas.</{name.lower()}>\nHere it is."
    assert split_run([whole[:5], whole[5:13], whole[13:]])[:2] == ("Plan: a canvas.",
                                                                   "Here it is.")


def test_a_closing_tag_of_another_name_does_not_end_the_block() -> None:
    assert split_run(["<thinking>a </think> b</thinking>done"])[:2] == ("a </think> b", "done")


def test_an_unclosed_block_that_holds_a_page_is_also_the_answer_once_finished() -> None:
    text = answer("unclosed_think.md")
    reasoning, streamed, _ = split_run([text[i:i + 40] for i in range(0, len(text), 40)],
                                       finish=False)
    assert streamed == "" and reasoning == text.removeprefix("<think>")  # still thinking
    reasoning, final, kinds = split_run([text[i:i + 40] for i in range(0, len(text), 40)])
    assert final == reasoning == text.removeprefix("<think>")
    assert kinds[-1] == "TextDelta"
    page = extract_page(final, finished=True)
    assert page is not None and '<h1 id="greeting">Hello</h1>' in page.html


def test_splitting_once_the_answer_has_started_costs_nothing() -> None:
    splitter = InlineReasoning()
    assert splitter.feed("Sure, ") == [TextDelta("Sure, ")]
    assert splitter.passthrough
    assert splitter.feed("<think>x</think>") == [TextDelta("<think>x</think>")]


# --- harmony channels --------------------------------------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=1, max_value=4000), max_size=40))
def test_harmony_channels_split_the_same_however_the_stream_is_cut(cuts: list[int]) -> None:
    whole = answer("harmony_channels.txt")
    reasoning, text, _ = split_run(pieces_of(whole, cuts))
    assert reasoning.startswith("The user wants a bouncing ball")
    assert reasoning.endswith("Let's produce final answer.")
    assert text.startswith("```html\n<!DOCTYPE html>")
    assert text.endswith("carried along by the rotation.")
    assert "<|" not in text and "<|" not in reasoning
    assert (reasoning, text) == split_text(whole, finished=True)


def test_tool_preambles_and_constrained_headers_are_not_the_answer() -> None:
    whole = ("<|channel|>analysis<|message|>Need the weather.<|end|>"
             "<|start|>assistant<|channel|>commentary to=functions.get_weather "
             "<|constrain|>json<|message|>{\"city\":\"Oslo\"}<|call|>"
             "<|start|>assistant<|channel|>final<|message|>It is 4 °C in Oslo.<|return|>")
    assert split_run(list(whole))[:2] == ('Need the weather.{"city":"Oslo"}', "It is 4 °C in Oslo.")


def test_a_dropped_start_token_with_the_role_left_in_still_reads_as_a_header() -> None:
    whole = "<|channel|>analysis<|message|>Plan.<|end|>assistant<|channel|>final<|message|>Done."
    assert split_run([whole])[:2] == ("Plan.", "Done.")


def test_an_analysis_header_that_was_in_the_prompt() -> None:
    whole = answer("harmony_header_in_prompt.txt")
    reasoning, text = split_text(whole, finished=True)
    assert reasoning.startswith("We need a landing page")
    assert text.startswith("Here is a complete landing page:")
    page = extract_page(whole)
    assert page is not None and "<title>Bean There" in page.html
    assert "We need a landing page" not in page.html


def test_marker_lookalikes_in_an_answer_stay_text() -> None:
    whole = "<|channel|>final<|message|>Use `a <|b` in C; `<|x|>` is not a marker.<|end|>"
    assert split_run([whole[:30], whole[30:]])[:2] == (
        "", "Use `a <|b` in C; `<|x|>` is not a marker.")


# --- what the decoders make of it -----------------------------------------------------------

def _openai_payloads(chunks: list[str]) -> list[str]:
    payloads = [json.dumps({"choices": [{"index": 0, "delta": {"role": "assistant",
                                                                 "content": ""}}]})]
    payloads += [json.dumps({"choices": [{"index": 0, "delta": {"content": c}}]})
                 for c in chunks]
    payloads.append(json.dumps({"choices": [{"index": 0, "delta": {},
                                             "finish_reason": "stop"}]}))
    return [*payloads, "[DONE]"]


def _texts(events: list[Event]) -> tuple[str, str]:
    return ("".join(e.text for e in events if isinstance(e, ReasoningDelta)),
            "".join(e.text for e in events if isinstance(e, TextDelta)))


def test_chat_completions_content_with_channels_is_split() -> None:
    whole = answer("harmony_channels.txt")
    chunks = [whole[i:i + 7] for i in range(0, len(whole), 7)]
    decoder = ChatCompletionsDecoder()
    events: list[Event] = []
    for payload in _openai_payloads(chunks):
        decoder.feed("", payload, events)
    assert _texts(events) == split_text(whole, finished=True)
    assert decoder.finish().stop_reason == "stop"


def test_chat_completions_unclosed_think_with_a_page_reaches_the_text_at_the_end() -> None:
    whole = answer("unclosed_think.md")
    decoder = ChatCompletionsDecoder()
    events: list[Event] = []
    for payload in _openai_payloads([whole[i:i + 11] for i in range(0, len(whole), 11)]):
        decoder.feed("", payload, events)
    reasoning, text = _texts(events)
    assert reasoning == text == whole.removeprefix("<think>")


def test_ollama_lines_with_an_inline_think_block_are_split() -> None:
    decoder = ChatLinesDecoder()
    lines = [{"message": {"role": "assistant", "content": c}, "done": False}
             for c in ["<th", "ink>\nPick", " a colour.\n</thi", "nk>\n\nBlue."]]
    lines.append({"message": {"role": "assistant", "content": ""}, "done": True,
                  "done_reason": "stop", "prompt_eval_count": 9, "eval_count": 12})
    events = [e for line in lines for e in decoder.feed(line)]
    assert _texts(events) == ("\nPick a colour.\n", "Blue.")
