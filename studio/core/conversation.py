"""A comparison as a sequence of turns, and each model's own thread through it.

Every model sees the shared prompts and system prompt, but only its own earlier answers;
a model added later starts from the shared prompts alone. Reasoning is never sent back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from studio.core.attachments import IMAGE_TOKENS_ESTIMATE, Attachment
from studio.core.metrics import CHARS_PER_TOKEN
from studio.core.request import ChatRequest, GenerationSettings, Message

# Chat formats wrap each message in a few tokens of role markup.
_TOKENS_PER_MESSAGE = 4


@dataclass(frozen=True, slots=True)
class Turn:
    prompt: str
    answers: Mapping[str, str] = field(default_factory=dict)  # model label → answer text
    attachments: tuple[Attachment, ...] = ()


# One earlier exchange of a model's thread: the user prompt, the files sent with it, and
# this model's answer (None when it was not asked or did not answer).
Exchange = tuple[str, tuple[Attachment, ...], str | None]


def thread_for(model: str, turns: Sequence[Turn], next_prompt: str,
               attachments: tuple[Attachment, ...] = ()) -> tuple[Message, ...]:
    return thread_from_exchanges(
        [(t.prompt, t.attachments, t.answers.get(model)) for t in turns], next_prompt,
        attachments)


def thread_from_exchanges(exchanges: Sequence[Exchange], next_prompt: str,
                          attachments: tuple[Attachment, ...] = ()) -> tuple[Message, ...]:
    """A model's thread: each earlier prompt with its files and this model's answer, oldest
    first, then the new prompt with its own files. Earlier images stay in the thread, so a
    follow-up still lets the model see them."""
    messages: list[Message] = []
    for prompt, files, answer in exchanges:
        messages.append(Message("user", prompt, files))
        if answer:
            messages.append(Message("assistant", answer))
    messages.append(Message("user", next_prompt, attachments))
    return tuple(messages)


def follow_up_request(model_id: str, label: str, turns: Sequence[Turn], next_prompt: str,
                      system: str | None, settings: GenerationSettings,
                      attachments: tuple[Attachment, ...] = ()) -> ChatRequest:
    return ChatRequest(model_id, thread_for(label, turns, next_prompt, attachments), system,
                       settings)


def estimate_tokens(request: ChatRequest) -> int:
    """A deliberately rough count (characters / 4): enough to warn before an overflow."""
    chars = sum(len(m.content) for m in request.messages)
    images = 0
    for message in request.messages:
        for attachment in message.attachments:
            if attachment.is_image:
                images += 1
            else:
                chars += len(attachment.text()) + len(attachment.name) + 8
    system = request.effective_system or ""
    overhead = _TOKENS_PER_MESSAGE * (len(request.messages) + (1 if system else 0))
    return (int((chars + len(system)) / CHARS_PER_TOKEN) + overhead
            + images * IMAGE_TOKENS_ESTIMATE)


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
