"""Typed events that every provider stream produces, whatever its wire format."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorKind(StrEnum):
    AUTH = "auth"
    RATE_LIMIT = "rate_limit"
    OVERLOADED = "overloaded"
    SERVER = "server"
    BAD_REQUEST = "bad_request"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    PROTOCOL = "protocol"
    CANCELLED = "cancelled"

    @property
    def retryable(self) -> bool:
        return self in _RETRYABLE


_RETRYABLE = frozenset({ErrorKind.RATE_LIMIT, ErrorKind.OVERLOADED, ErrorKind.SERVER})


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as reported by the provider; a later Usage replaces an earlier one.

    `input_tokens` is the whole prompt. The prompt cache counts are parts of it, billed at
    their own rates: `cached_input_tokens` were read from the cache, `cache_write_tokens`
    were written to it (Anthropic bills writes above the input price). Output tokens
    include reasoning tokens, which are billed as output.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None  # only when the provider itself reports a price
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Finished:
    stop_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    kind: ErrorKind
    status: int | None
    message: str
    retry_after: float | None = None


Event = TextDelta | ReasoningDelta | Usage | Finished | Failed


class ProviderError(Exception):
    """Raised by a provider stream; the runner turns it into a `Failed` event."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after

    def to_event(self) -> Failed:
        return Failed(self.kind, self.status, self.message, self.retry_after)
