"""A comparison as a sequence of turns, and each model's own thread through it.

Every model sees the shared prompts and system prompt, but only its own earlier answers;
a model added later starts from the shared prompts alone. Reasoning is never sent back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from studio.core.metrics import CHARS_PER_TOKEN
from studio.core.request import ChatRequest, GenerationSettings, Message

# Chat formats wrap each message in a few tokens of role markup.
_TOKENS_PER_MESSAGE = 4


@dataclass(frozen=True, slots=True)
class Turn:
    prompt: str
    answers: Mapping[str, str] = field(default_factory=dict)  # model label → answer text


def thread_for(model: str, turns: Sequence[Turn], next_prompt: str) -> tuple[Message, ...]:
    return thread_from_pairs([(t.prompt, t.answers.get(model)) for t in turns], next_prompt)


def thread_from_pairs(pairs: Sequence[tuple[str, str | None]],
                      next_prompt: str) -> tuple[Message, ...]:
    """(user prompt, this model's answer or None) oldest first, then the new prompt."""
    messages: list[Message] = []
    for prompt, answer in pairs:
        messages.append(Message("user", prompt))
        if answer:
            messages.append(Message("assistant", answer))
    messages.append(Message("user", next_prompt))
    return tuple(messages)


def follow_up_request(model_id: str, label: str, turns: Sequence[Turn], next_prompt: str,
                      system: str | None, settings: GenerationSettings) -> ChatRequest:
    return ChatRequest(model_id, thread_for(label, turns, next_prompt), system, settings)


def estimate_tokens(request: ChatRequest) -> int:
    """A deliberately rough count (characters / 4): enough to warn before an overflow."""
    chars = sum(len(m.content) for m in request.messages)
    system = request.effective_system or ""
    overhead = _TOKENS_PER_MESSAGE * (len(request.messages) + (1 if system else 0))
    return int((chars + len(system)) / CHARS_PER_TOKEN) + overhead


def context_overflow(request: ChatRequest, context_window: int | None) -> str | None:
    """A message for the user when the thread (plus room for the answer) will not fit."""
    if not context_window:
        return None
    needed = estimate_tokens(request)
    reserve = request.settings.max_tokens or 0
    if needed + reserve <= context_window:
        return None
    answer = f" plus {reserve:,} for the answer" if reserve else ""
    return (f"this thread is about {needed:,} tokens{answer}, more than the model's "
            f"context window of {context_window:,} tokens; start a new comparison or drop "
            f"earlier turns")
