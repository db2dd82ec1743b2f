"""What is sent to a model: a conversation plus per-model generation settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from studio.core.attachments import Attachment

Role = Literal["user", "assistant"]
ReasoningEffort = Literal["off", "low", "medium", "high"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str
    # Files sent with a user message, in the order they were attached (text files are
    # inlined into the text on the wire; images travel in each protocol's own form).
    attachments: tuple[Attachment, ...] = ()

    @property
    def images(self) -> tuple[Attachment, ...]:
        return tuple(a for a in self.attachments if a.is_image)


@dataclass(frozen=True, slots=True)
class GenerationSettings:
    """Per-model knobs. None means "leave it to the provider's default"."""

    temperature: float | None = None
    max_tokens: int | None = None
    reasoning: ReasoningEffort | None = None
    system_override: str | None = None
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationSettings:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def summary(self) -> str:
        parts: list[str] = []
        if self.temperature is not None:
            parts.append(f"T {self.temperature:g}")
        if self.max_tokens is not None:
            parts.append(f"max {self.max_tokens}")
        if self.reasoning is not None:
            parts.append(f"reasoning {self.reasoning}")
        if self.system_override:
            parts.append("own system prompt")
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        return " · ".join(parts) or "defaults"


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One model's request: its own thread of messages, ending with a user message."""

    model: str
    messages: tuple[Message, ...]
    system: str | None = None
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    # Send images even to a model whose preset says it does not take them ("Send anyway").
    images_anyway: bool = False

    @property
    def has_images(self) -> bool:
        return any(m.images for m in self.messages)

    @property
    def effective_system(self) -> str | None:
        return self.settings.system_override or self.system

    def with_settings(self, settings: GenerationSettings) -> ChatRequest:
        return replace(self, settings=settings)


def single_turn(model: str, prompt: str, system: str | None = None,
                settings: GenerationSettings | None = None,
                attachments: tuple[Attachment, ...] = ()) -> ChatRequest:
    return ChatRequest(model, (Message("user", prompt, attachments),), system,
                       settings or GenerationSettings())
