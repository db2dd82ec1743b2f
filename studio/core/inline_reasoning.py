"""Reasoning that a model writes into its answer text instead of a reasoning field.

Two shapes are seen from real servers: a leading `<think>…</think>` block (also spelled
`<thinking>` or `<reasoning>`; Qwen3, DeepSeek-R1 and other reasoning models served raw), and
the channel markers of OpenAI's harmony format passed through as text by servers that do not
parse them (`<|channel|>analysis<|message|>…<|end|><|start|>assistant<|channel|>final
<|message|>…`), where only the `final` channel is the answer.

`InlineReasoning` splits a stream as it arrives, so the providers can hand the reasoning on as
ReasoningDelta (the reasoning box, the store and `run --json` all get it there) and only the
answer as TextDelta. `split_text` applies the same rules to a whole text, for answers saved
before the split existed or written by other tools.

A block still open when the answer ends: while streaming, the model is still thinking; once
the stream has finished, a model that never closed its block wrote its answer inside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from studio.core.events import ReasoningDelta, TextDelta

Delta = TextDelta | ReasoningDelta

TAG_NAMES = ("think", "thinking", "reasoning")
TAG_RE = re.compile(r"<(/?)(think|thinking|reasoning)>", re.IGNORECASE)
_OPENERS = tuple(f"<{name}>" for name in TAG_NAMES)
_CLOSERS = {name: re.compile(f"</{name}>", re.IGNORECASE) for name in TAG_NAMES}

FINAL_CHANNEL = "final"
MARK_RE = re.compile(r"<\|(start|channel|message|end|return|call|constrain)\|>")
_HARMONY_OPENERS = ("<|channel|>", "<|start|>")
_ENDS = frozenset({"end", "return", "call"})
_LONGEST_MARK = len("<|constrain|>")
_CHANNEL_RE = re.compile(r"<\|channel\|>[ \t]*([A-Za-z_]+)")
# A header that never reaches <|message|> was not a harmony header after all.
_MAX_HEADER = 256
# After <|end|>, some servers drop the <|start|> token but keep the role that follows it.
_BARE_ROLE_RE = re.compile(r"[A-Za-z_]{1,24}(?=<\|)")
# An answer whose first marker is the final channel's header: the analysis header was part of
# the prompt (the chat template ends with it), so the text before it is reasoning.
_FINAL_HEADER_RE = re.compile(
    r"<\|channel\|>[ \t]*final\b[^<]{0,64}(?:<\|constrain\|>[^<]{0,64})?<\|message\|>")

_START, _THINK, _AFTER, _ANSWER, _HEAD, _BODY, _BETWEEN = range(7)


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that is a beginning of `tag` (ASCII, any case)."""
    tail = text[-(len(tag) - 1):].lower() if len(tag) > 1 else ""
    for n in range(min(len(tag) - 1, len(tail)), 0, -1):
        if tail.endswith(tag[:n]):
            return n
    return 0


_MARKS = tuple(f"<|{name}|>" for name in ("start", "channel", "message", "end", "return",
                                             "call", "constrain"))
_SPACE_RE = re.compile(r"\s*")


def _partial_mark(text: str) -> bool:
    """Whether `text` (starting with "<|") may still grow into a harmony marker."""
    return len(text) < _LONGEST_MARK and any(mark.startswith(text) for mark in _MARKS)


def _holds_page(text: str) -> bool:
    from studio.core.extract import extract_page  # extraction imports this module

    return extract_page(text, finished=True) is not None


class InlineReasoning:
    """Splits an answer stream into reasoning and answer text, piece by piece.

    Tags and markers may arrive split over several pieces, so text that could still be the
    start of one is held back until the next piece decides it. Once the answer has started
    outside any reasoning, `passthrough` is true and `feed` hands the text on unchanged (the
    providers check it to skip the call on every later piece).
    """

    def __init__(self) -> None:
        self._mode = _START
        self._held = ""
        self._close: re.Pattern[str] = _CLOSERS["think"]
        self._close_tag = "</think>"
        self._channel = FINAL_CHANNEL
        self._thought: list[str] = []  # reasoning so far while no answer text has come
        self._answered = False
        self.passthrough = False

    def feed(self, text: str) -> list[Delta]:
        if self.passthrough:
            return [TextDelta(text)] if text else []
        self._held += text
        out: list[Delta] = []
        while self._step(out):
            pass
        return out

    def flush(self, *, unclosed_is_answer: bool | Callable[[str], bool] = _holds_page
              ) -> list[Delta]:
        """The rest, at the end of a finished stream. A reasoning block that never ended
        becomes the answer too when `unclosed_is_answer` says so (by default: when it holds a
        page; that text then shows in both places, which loses nothing)."""
        out: list[Delta] = []
        held, self._held = self._held, ""
        mode = self._mode
        if mode in (_START, _ANSWER, _AFTER):
            if held and mode != _AFTER:
                self._emit_text(held, out)
        elif mode == _THINK or (mode == _BODY and self._channel != FINAL_CHANNEL):
            if held:
                self._emit_reasoning(held, out)
        elif mode == _BODY and held:
            self._emit_text(held, out)
        if not self._answered and self._thought and mode in (_THINK, _HEAD, _BODY, _BETWEEN):
            thought = "".join(self._thought)
            keep = unclosed_is_answer if isinstance(unclosed_is_answer, bool) else (
                unclosed_is_answer(thought))
            if keep and thought.strip():
                out.append(TextDelta(thought))
        self._thought = []
        self._mode = _ANSWER
        self.passthrough = True
        return out

    # -- the states ----------------------------------------------------------------------

    def _step(self, out: list[Delta]) -> bool:
        """Advance by one decision; False when more text is needed (or nothing is held)."""
        if not self._held:
            return False
        mode = self._mode
        if mode == _START:
            return self._start(out)
        if mode == _THINK:
            return self._think(out)
        if mode == _AFTER:
            # the blank lines between the reasoning and the answer belong to neither
            self._held = self._held.lstrip("\r\n")
            if self._held:
                self._to_answer(out)
            return False
        if mode == _HEAD:
            return self._head(out)
        if mode == _BODY:
            return self._body(out)
        if mode == _BETWEEN:
            return self._between(out)
        self._emit_text(self._held, out)
        self._held = ""
        return False

    def _start(self, out: list[Delta]) -> bool:
        stripped = self._held.lstrip()
        head = stripped[:len("<reasoning>")].lower()
        for opener in _OPENERS:
            if head.startswith(opener):
                name = opener[1:-1]
                self._close, self._close_tag = _CLOSERS[name], f"</{name}>"
                self._held = stripped[len(opener):]
                self._mode = _THINK
                return True
        if stripped.startswith(_HARMONY_OPENERS):
            self._held = stripped
            self._mode = _HEAD
            return True
        if any(op.startswith(head) for op in _OPENERS + _HARMONY_OPENERS):
            return False  # still possibly "<thi…" or "<|chan…"
        self._to_answer(out)
        return False

    def _think(self, out: list[Delta]) -> bool:
        held = self._held
        m = self._close.search(held)
        if m is None:
            keep = _partial_suffix(held, self._close_tag)
            if len(held) > keep:
                self._emit_reasoning(held[:len(held) - keep], out)
                self._held = held[len(held) - keep:]
            return False
        if m.start():
            self._emit_reasoning(held[:m.start()], out)
        self._held = held[m.end():]
        self._answered = True  # the block ended: what follows is the answer
        self._thought = []
        self._mode = _AFTER
        return True

    def _head(self, out: list[Delta]) -> bool:
        held = self._held
        at = held.find("<|message|>")
        if at < 0:
            if len(held) > _MAX_HEADER:
                self._to_answer(out)
            return False
        channel = None
        for m in _CHANNEL_RE.finditer(held, 0, at):
            channel = m.group(1).lower()
        self._channel = channel or FINAL_CHANNEL
        self._held = held[at + len("<|message|>"):]
        self._mode = _BODY
        return True

    def _body(self, out: list[Delta]) -> bool:
        held = self._held
        pos = held.find("<|")
        while pos >= 0:
            m = MARK_RE.match(held, pos)
            if m is not None and m.group(1) != "message" and m.group(1) != "constrain":
                self._emit_body(held[:pos], out)
                if m.group(1) in _ENDS:
                    self._held = held[m.end():]
                    self._mode = _BETWEEN
                else:
                    self._held = held[pos:]
                    self._mode = _HEAD
                return True
            if m is None and _partial_mark(held[pos:]):
                self._emit_body(held[:pos], out)
                self._held = held[pos:]
                return False
            pos = held.find("<|", pos + 2)
        keep = 1 if held.endswith("<") else 0  # perhaps the start of the next marker
        self._emit_body(held[:len(held) - keep], out)
        self._held = held[len(held) - keep:]
        return False

    def _between(self, out: list[Delta]) -> bool:
        held = self._held.lstrip()
        self._held = held
        if not held:
            return False
        if held.startswith(_HARMONY_OPENERS):
            self._mode = _HEAD
            return True
        if any(op.startswith(held) for op in _HARMONY_OPENERS) or (
                held.isalpha() and len(held) <= 24):
            return False  # a marker or a bare role still arriving
        if _BARE_ROLE_RE.match(held):
            self._mode = _HEAD
            return True
        # Text after the last message that belongs to no header: the answer.
        self._channel = FINAL_CHANNEL
        self._mode = _BODY
        return True

    # -- output --------------------------------------------------------------------------

    def _to_answer(self, out: list[Delta]) -> None:
        self._emit_text(self._held, out)
        self._held = ""
        self._thought = []
        self._mode = _ANSWER
        self.passthrough = True

    def _emit_body(self, text: str, out: list[Delta]) -> None:
        if self._channel == FINAL_CHANNEL:
            self._emit_text(text, out)
        else:
            self._emit_reasoning(text, out)

    def _emit_text(self, text: str, out: list[Delta]) -> None:
        if text:
            self._answered = True
            self._thought = []
            out.append(TextDelta(text))

    def _emit_reasoning(self, text: str, out: list[Delta]) -> None:
        if text:
            if not self._answered:
                self._thought.append(text)
            out.append(ReasoningDelta(text))


def split_text(text: str, *, finished: bool) -> tuple[str, str]:
    """(reasoning, answer) of a whole answer text, split the way `InlineReasoning` splits a
    stream. A block still open at the end of a finished text is also the answer (the model
    never said its reasoning was over); while streaming, it is still reasoning."""
    visible = _SPACE_RE.match(text)
    start = visible.end() if visible is not None else 0
    if not text.startswith("<", start):
        # The analysis header may have been in the prompt: then the first marker in the
        # text is the final channel's header, and what comes before it is the analysis.
        final = _FINAL_HEADER_RE.search(text) if "<|channel|>" in text else None
        if final is None:
            return "", text
        text = "<|channel|>analysis<|message|>" + text
    splitter = InlineReasoning()
    deltas = splitter.feed(text)
    if finished:
        deltas += splitter.flush(unclosed_is_answer=True)
    reasoning = "".join(d.text for d in deltas if isinstance(d, ReasoningDelta))
    answer = "".join(d.text for d in deltas if isinstance(d, TextDelta))
    return reasoning, answer
